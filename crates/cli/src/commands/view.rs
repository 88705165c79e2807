//! `mugsync view rebuild`: the view and check index recreated from the log, which error
//! messages about a damaged view point to.

use anyhow::Result;
use mugsync_store::DeviceStore;

use crate::output;

/// Runs `mugsync view rebuild`.
pub fn rebuild(store: &mut DeviceStore) -> Result<()> {
    let n = store.rebuild_view()?;
    output::line(&format!(
        "Rebuilt the view and check index from the log: {n} report(s)."
    ))
}
