//! `mugsync export --json`: the shared log as any device may see it.

use anyhow::Result;
use mugsync_store::DeviceStore;
use serde::Serialize;

use mugsync_core::report::Report;

/// The export document (docs/JSON.md).
#[derive(Serialize)]
pub struct Export<'a> {
    /// Format version.
    pub format: u32,
    /// Every report, as merged on this device.
    pub reports: &'a [Report],
}

/// Runs `mugsync export --json`.
pub fn run(store: &DeviceStore) -> Result<()> {
    let reports = store.list()?;
    crate::output::json(&Export {
        format: 1,
        reports: &reports,
    })
}
