//! [`RelayLog`]: the relay's copy of the log, one [`LogPartition`] per month, loaded from
//! the store on first use and kept in memory.
//!
//! Why keep them: loading a partition replays its history (DESIGN.md: 12–95 ms for 1k–5k
//! reports), far more than a sync round should cost. Memory grows with the months that
//! devices touch; an eviction policy for long-idle months can come when a scheme's history
//! makes it matter.

use automerge::ChangeHash;
use std::collections::{BTreeMap, BTreeSet};

use mugsync_core::log::{DeviceActor, LogPartition, PartitionKey};

use crate::storage::RelayStore;
use crate::RelayError;

/// After this many chunks a partition is rewritten as one snapshot, so loading stays fast.
const COMPACT_AFTER_CHUNKS: usize = 512;

/// The loaded partitions and which partitions have durable bytes.
pub(crate) struct RelayLog {
    actor: DeviceActor,
    held: BTreeSet<PartitionKey>,
    loaded: BTreeMap<PartitionKey, LogPartition>,
    chunks_since_snapshot: BTreeMap<PartitionKey, usize>,
}

impl RelayLog {
    /// Reads which partitions exist; loads none yet.
    pub fn open(store: &dyn RelayStore) -> Result<RelayLog, RelayError> {
        Ok(RelayLog {
            actor: store.actor()?,
            held: store.partition_keys()?.into_iter().collect(),
            loaded: BTreeMap::new(),
            chunks_since_snapshot: BTreeMap::new(),
        })
    }

    /// Partitions with durable bytes.
    pub fn held(&self) -> impl Iterator<Item = &PartitionKey> {
        self.held.iter()
    }

    /// A partition, loaded from the store on first use; an empty one (in memory only) when
    /// the relay holds nothing for the key yet.
    pub fn partition(
        &mut self,
        store: &dyn RelayStore,
        key: &PartitionKey,
    ) -> Result<&mut LogPartition, RelayError> {
        if !self.loaded.contains_key(key) {
            let part = if self.held.contains(key) {
                let stored = store.load_partition(key)?;
                self.chunks_since_snapshot
                    .insert(key.clone(), stored.chunks.len());
                LogPartition::load(
                    key.clone(),
                    &self.actor,
                    stored.snapshot.as_deref(),
                    stored.chunks.iter().map(|c| c.as_slice()),
                )?
            } else {
                LogPartition::new(key.clone(), &self.actor)
            };
            self.loaded.insert(key.clone(), part);
        }
        Ok(self.loaded.get_mut(key).expect("just loaded"))
    }

    /// A partition's heads; empty for a partition the relay does not hold (without creating
    /// it, so a summary full of unknown months costs nothing).
    pub fn heads(
        &mut self,
        store: &dyn RelayStore,
        key: &PartitionKey,
    ) -> Result<Vec<ChangeHash>, RelayError> {
        if !self.held.contains(key) && !self.loaded.contains_key(key) {
            return Ok(Vec::new());
        }
        Ok(self.partition(store, key)?.heads())
    }

    /// Forgets the in-memory copy, so the next use reloads what is durably stored: used
    /// when a round fails after changing a partition in memory.
    pub fn evict(&mut self, key: &PartitionKey) {
        self.loaded.remove(key);
        self.chunks_since_snapshot.remove(key);
    }

    /// Forgets everything in memory (after a panic left it in doubt).
    pub fn evict_all(&mut self) {
        self.loaded.clear();
        self.chunks_since_snapshot.clear();
    }

    /// Records that a chunk for `key` was committed, and compacts the partition when it has
    /// gathered enough chunks. A failed compaction loses nothing (the chunks stay), so it
    /// is reported and left for next time.
    pub fn committed_chunk(&mut self, store: &mut dyn RelayStore, key: &PartitionKey) {
        self.held.insert(key.clone());
        let n = self.chunks_since_snapshot.entry(key.clone()).or_default();
        *n += 1;
        if *n < COMPACT_AFTER_CHUNKS {
            return;
        }
        let Some(part) = self.loaded.get_mut(key) else {
            return;
        };
        // Everything is already durable as chunks, so marking it persisted is safe.
        let bytes = part.save();
        match store.compact(key, &bytes) {
            Ok(()) => {
                self.chunks_since_snapshot.insert(key.clone(), 0);
            }
            Err(e) => tracing::warn!(
                error = e.kind(),
                "compacting a partition failed; its chunks are kept"
            ),
        }
    }

    /// Drops in-memory partitions that hold nothing durable (pushes that were all refused).
    pub fn drop_empty(&mut self) {
        let held = &self.held;
        self.loaded.retain(|k, _| held.contains(k));
    }
}
