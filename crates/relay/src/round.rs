//! One sync round with its locks: read the stored partition states, lock the partitions the
//! round will touch (in key order), run the exchange, and rerun it if another relay sharing
//! the database appended to one of them first.

use std::collections::BTreeSet;

use mugsync_core::log::PartitionKey;
use mugsync_core::wire::{fingerprint, SyncRequest, SyncResponse};

use crate::exchange::{self, ExchangeError, RoundStats};
use crate::relay_log::{RelayLog, RoundLog};
use crate::state::RelayCore;
use crate::storage::{DeviceId, PartitionState, RelayStore};
use crate::RelayError;

/// Rounds lost to another relay's concurrent append before the device is told to retry.
const ATTEMPTS: usize = 3;

/// Runs one round for `device`.
pub(crate) fn run(
    core: &RelayCore,
    device: DeviceId,
    req: &SyncRequest,
    max_pull_bytes: usize,
) -> Result<(SyncResponse, RoundStats), ExchangeError> {
    let store: &dyn RelayStore = &*core.store;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let stored = store.partition_states()?;
        let keys = touched(req, &stored);
        let slots = core.log.slots(&keys);
        let mut locked = RelayLog::lock(&slots);
        let mut log = RoundLog::new(core.log.actor(), &stored, &mut locked);
        match exchange::run(store, &mut log, device, req, max_pull_bytes) {
            Err(ExchangeError::Relay(RelayError::Conflict)) if attempt < ATTEMPTS => {
                tracing::debug!(attempt, "another relay appended first; rerunning the round");
            }
            outcome => return outcome,
        }
    }
}

/// The partitions a round may load or change, mirroring the exchange's own choice: every
/// pushed partition and every partition the device gave heads for, each summary entry
/// whose fingerprint differs from the stored heads, and — for a full summary — every
/// stored partition it leaves out. A summary entry that matches is answered from the
/// stored heads without a lock.
fn touched(
    req: &SyncRequest,
    stored: &std::collections::BTreeMap<PartitionKey, PartitionState>,
) -> BTreeSet<PartitionKey> {
    let mut keys: BTreeSet<PartitionKey> = req.pushes.iter().map(|p| p.key.clone()).collect();
    keys.extend(req.heads.iter().map(|h| h.key.clone()));
    for s in &req.summary {
        let heads = stored
            .get(&s.key)
            .map(|st| st.heads.as_slice())
            .unwrap_or(&[]);
        if fingerprint(heads) != s.fingerprint {
            keys.insert(s.key.clone());
        }
    }
    if req.full_summary {
        let listed: BTreeSet<&PartitionKey> = req.summary.iter().map(|s| &s.key).collect();
        keys.extend(stored.keys().filter(|k| !listed.contains(k)).cloned());
    }
    keys
}
