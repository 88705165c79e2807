//! `mugsync check VALUE`: offline, from this device's log.

use anyhow::{Context, Result};
use mugsync_core::identifiers::Identifier;
use mugsync_store::DeviceStore;

use crate::render;

/// Runs `mugsync check`.
pub fn run(store: &DeviceStore, value: &str, json: bool) -> Result<()> {
    let identifier = Identifier::parse(value, store.region()).context("check")?;
    let answer = store.check(&identifier)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    } else {
        print!("{}", render::check(&answer, store.areas()));
    }
    Ok(())
}
