//! `mugsync demo`: the whole device story in a temporary store, using the synthetic
//! fixture reports built into the binary.

use anyhow::{Context, Result};
use mugsync_core::identifiers::{Identifier, SchemeKey};
use mugsync_core::report::{AreaList, Reason};
use mugsync_store::{DeviceStore, InitOptions, Passphrase};

use crate::commands::report::{parse_all, read_inputs};
use crate::render;

const AREAS: &str = include_str!("../../../../fixtures/areas.toml");
const REPORTS: &str = include_str!("../../../../fixtures/reports.json");

/// Runs the walk-through.
pub fn run() -> Result<()> {
    let dir = tempfile::tempdir().context("cannot make a temporary directory")?;
    let data_dir = dir.path().join("van-1");
    println!("== mugsync demo: one outreach device, offline ==");
    println!("All data here is synthetic (Ofcom drama-range numbers, example.com emails).\n");

    let areas = AreaList::from_toml(AREAS)?;
    // The demo store is temporary and deleted at the end; its passphrase need not be secret.
    let pass = Passphrase::new("demo passphrase, temporary store")?;
    let mut store = DeviceStore::create(
        &data_dir,
        &pass,
        InitOptions { scheme_key: SchemeKey::generate(), region: Default::default(), areas },
    )?;
    println!("1. Created an encrypted store at {}", store.path().display());

    let inputs = read_inputs(REPORTS)?;
    let n = inputs.len();
    let reports = parse_all(&store, inputs)?;
    let mut ids = Vec::new();
    for r in reports {
        ids.push(store.file(r)?);
    }
    println!("2. Filed {n} reports from fixtures/reports.json (each durable before the next).\n");

    println!("3. mugsync report list");
    let rows = store
        .list()?
        .into_iter()
        .map(|r| {
            let s = store.local_state(&r.id)?;
            Ok((r, s))
        })
        .collect::<Result<Vec<_>>>()?;
    print!("{}", render::list(&rows));

    for value in ["07700 900123", "dave.m+bookings@example.com", "MA6", "07700 900999"] {
        println!("\n4. mugsync check '{value}'");
        let id = Identifier::parse(value, store.region())?;
        print!("{}", render::check(&store.check(&id)?, store.areas()));
    }

    println!("\n5. mugsync report withdraw {} --reason 'asked to withdraw'", ids[1]);
    store.withdraw(&ids[1], &Reason::parse("reason", "asked to withdraw")?)?;
    let id = Identifier::parse("07700 900123", store.region())?;
    print!("{}", render::check(&store.check(&id)?, store.areas()));

    println!("\n6. mugsync report show {}", ids[0]);
    let r = store.report(&ids[0])?.context("just filed")?;
    print!("{}", render::show(&r, store.local_state(&ids[0])?.as_ref(), store.areas(), store.victim_private(&ids[0])?.is_some()));

    let shared: usize = store.shared_log_bytes()?.iter().map(Vec::len).sum();
    println!("\n7. The shared log is {shared} bytes; victim details and plaintext numbers are not in it.");
    println!("\nDone. The temporary store is deleted now.");
    Ok(())
}
