//! Finding the data directory and the passphrase.

use anyhow::{bail, Context, Result};
use mugsync_store::{DeviceStore, Passphrase, MIN_PASSPHRASE_CHARS};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// The environment variable that supplies the passphrase without a prompt.
pub const PASSPHRASE_ENV: &str = "MUGSYNC_PASSPHRASE";

/// `--data-dir`, `MUGSYNC_DATA_DIR`, or the per-user data directory.
pub fn data_dir(given: Option<&Path>) -> Result<PathBuf> {
    if let Some(d) = given {
        return Ok(d.to_path_buf());
    }
    let base = dirs::data_dir()
        .context("no per-user data directory is known here; pass --data-dir DIR")?;
    Ok(base.join("mugsync"))
}

/// The passphrase from `MUGSYNC_PASSPHRASE`, or asked for at the terminal.
///
/// `new_store` is for a store about to be created (`init`, enrolling a blank data
/// directory): the passphrase is asked twice and must pass the strength rule — at least
/// [`MIN_PASSPHRASE_CHARS`] characters, not counting spaces at either end — before anything
/// else happens.
pub fn passphrase(new_store: bool) -> Result<Passphrase> {
    if let Ok(p) = std::env::var(PASSPHRASE_ENV) {
        let pass = Passphrase::new(p)?;
        if new_store {
            pass.check_strength()?;
        }
        return Ok(pass);
    }
    if !std::io::stdin().is_terminal() {
        bail!("no passphrase: set {PASSPHRASE_ENV} or run mugsync in a terminal to be asked");
    }
    if new_store {
        eprintln!(
            "Choose a passphrase for the encrypted store: at least {MIN_PASSPHRASE_CHARS} characters (a few words you will remember work well). It cannot be recovered if lost."
        );
    }
    let first = rpassword::prompt_password("Store passphrase: ")
        .context("could not read the passphrase")?;
    if new_store {
        Passphrase::new(first.clone())?.check_strength()?;
        let again = rpassword::prompt_password("Same passphrase again: ")
            .context("could not read the passphrase")?;
        if again != first {
            bail!("the two passphrases differ; nothing was created — run the command again");
        }
    }
    Ok(Passphrase::new(first)?)
}

/// Opens the store in `data_dir`, asking for the passphrase.
pub fn open(data_dir: &Path) -> Result<DeviceStore> {
    if !DeviceStore::path_in(data_dir).exists() {
        bail!(
            "no mugsync store in {}; run `mugsync init --areas FILE` first, or pass --data-dir",
            data_dir.display()
        );
    }
    let pass = passphrase(false)?;
    Ok(DeviceStore::open(data_dir, &pass)?)
}
