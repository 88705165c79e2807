//! `mugsync check VALUE`: offline, from this device's log.

use anyhow::{Context, Result};
use mugsync_core::identifiers::Identifier;
use mugsync_store::DeviceStore;

use crate::{output, render};

/// Runs `mugsync check`.
pub fn run(store: &DeviceStore, value: &str, json: bool) -> Result<()> {
    let identifier = Identifier::parse(value, store.region()).context("check")?;
    let answer = store.check(&identifier)?;
    if json {
        output::json(&answer)
    } else {
        output::out(&render::check(&answer, store.areas()))
    }
}
