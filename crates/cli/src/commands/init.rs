//! `mugsync init`: create the device's encrypted store.

use anyhow::{bail, Context, Result};
use mugsync_core::identifiers::{Region, SchemeKey};
use mugsync_core::report::AreaList;
use mugsync_store::{DeviceStore, InitOptions};
use std::path::Path;

use crate::args::InitArgs;
use crate::{output, unlock};

/// Runs `mugsync init`.
pub fn run(data_dir: &Path, args: &InitArgs) -> Result<()> {
    if DeviceStore::path_in(data_dir).exists() {
        bail!(
            "a mugsync store already exists in {}; nothing was changed",
            data_dir.display()
        );
    }
    let region =
        Region::parse(&args.region).with_context(|| format!("--region {}", args.region))?;
    let areas_text = std::fs::read_to_string(&args.areas)
        .with_context(|| format!("cannot read the areas file {}", args.areas.display()))?;
    let areas = AreaList::from_toml(&areas_text)
        .with_context(|| format!("areas file {}", args.areas.display()))?;
    let scheme_key = match &args.scheme_key_file {
        Some(f) => {
            let bytes = std::fs::read(f)
                .with_context(|| format!("cannot read the scheme key file {}", f.display()))?;
            SchemeKey::from_bytes(trim_newline(&bytes))
                .with_context(|| format!("scheme key file {}", f.display()))?
        }
        None => SchemeKey::generate(),
    };
    let pass = unlock::passphrase(true)?;
    let store = DeviceStore::create(
        data_dir,
        &pass,
        InitOptions {
            scheme_key,
            region,
            areas,
        },
    )?;
    output::out(&format!(
        "Created an encrypted store at {}\n{} areas, phone region {}.\n",
        store.path().display(),
        store.areas().areas().len(),
        store.region()
    ))
}

/// Key files written by editors often end in a newline that is not part of the key.
fn trim_newline(bytes: &[u8]) -> &[u8] {
    let mut end = bytes.len();
    while end > 0 && (bytes[end - 1] == b'\n' || bytes[end - 1] == b'\r') {
        end -= 1;
    }
    &bytes[..end]
}
