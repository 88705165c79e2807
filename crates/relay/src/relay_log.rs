//! [`RelayLog`]: the relay's in-memory copies of the log's partitions, one lock each, and
//! [`RoundLog`]: what one sync round sees of them.
//!
//! Why keep copies: loading a partition replays its history (DESIGN.md: 12–95 ms for
//! 1k–5k reports), far more than a sync round should cost. Why one lock per partition: a
//! round locks only the partitions it touches, in key order (so two rounds never deadlock),
//! and a device syncing other months — or the member checker, which takes no partition
//! lock at all — never waits behind a big push to this month.
//!
//! A copy is trusted only while the store's version for its partition matches the version
//! it was loaded at (checked each time a round first uses it), so relays sharing one
//! database never answer from stale data; a round's commit fails with
//! [`RelayError::Conflict`] if another relay appended meanwhile, and is rerun.

use automerge::ChangeHash;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

use mugsync_core::log::{DeviceActor, LogPartition, PartitionKey};
use mugsync_persist::COMPACT_AFTER_CHUNKS;

use crate::storage::{DeviceId, PartitionAdvance, PartitionState, RelayStore, RoundCommit};
use crate::RelayError;

/// One partition's in-memory copy.
#[derive(Default)]
pub(crate) struct Slot {
    /// The copy; `None` until loaded, or after an eviction.
    part: Option<LogPartition>,
    /// The stored version the copy holds (0: nothing stored).
    version: i64,
    /// Chunks stored since the last snapshot.
    chunks: usize,
}

impl Slot {
    fn evict(&mut self) {
        self.part = None;
        self.version = 0;
        self.chunks = 0;
    }
}

/// Every partition's slot.
pub(crate) struct RelayLog {
    actor: DeviceActor,
    slots: Mutex<BTreeMap<PartitionKey, Arc<Mutex<Slot>>>>,
}

/// Locked slots of one round, in key order.
pub(crate) struct Locked<'a> {
    guards: Vec<(PartitionKey, MutexGuard<'a, Slot>)>,
}

impl RelayLog {
    /// No partition loaded yet.
    pub fn open(store: &dyn RelayStore) -> Result<RelayLog, RelayError> {
        Ok(RelayLog {
            actor: store.actor()?,
            slots: Mutex::new(BTreeMap::new()),
        })
    }

    /// The slots for `keys`, created empty where missing.
    pub fn slots(&self, keys: &BTreeSet<PartitionKey>) -> Vec<(PartitionKey, Arc<Mutex<Slot>>)> {
        let mut map = self
            .slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.iter()
            .map(|k| (k.clone(), map.entry(k.clone()).or_default().clone()))
            .collect()
    }

    /// Locks the slots in key order (they come sorted from [`RelayLog::slots`]). A slot a
    /// panicking round left behind is emptied: it reloads from what is durable.
    pub fn lock<'a>(slots: &'a [(PartitionKey, Arc<Mutex<Slot>>)]) -> Locked<'a> {
        let guards = slots
            .iter()
            .map(|(k, slot)| {
                let guard = slot.lock().unwrap_or_else(|poisoned| {
                    let mut g = poisoned.into_inner();
                    g.evict();
                    tracing::error!(
                        "recovered from a panic in a sync round; a partition reloads from disk"
                    );
                    g
                });
                slot.clear_poison();
                (k.clone(), guard)
            })
            .collect();
        Locked { guards }
    }

    /// The actor the relay loads partitions with.
    pub fn actor(&self) -> &DeviceActor {
        &self.actor
    }
}

/// What one round sees: the partitions it locked (checked against the store on first use)
/// and, for every other partition, the version and heads the store held when it began.
pub(crate) struct RoundLog<'a, 'g> {
    actor: &'a DeviceActor,
    stored: &'a BTreeMap<PartitionKey, PartitionState>,
    locked: BTreeMap<PartitionKey, &'a mut MutexGuard<'g, Slot>>,
    checked: BTreeSet<PartitionKey>,
}

impl<'a, 'g> RoundLog<'a, 'g> {
    /// A view over `locked`, with `stored` read from the store before locking.
    pub fn new(
        actor: &'a DeviceActor,
        stored: &'a BTreeMap<PartitionKey, PartitionState>,
        locked: &'a mut Locked<'g>,
    ) -> RoundLog<'a, 'g> {
        RoundLog {
            actor,
            stored,
            locked: locked
                .guards
                .iter_mut()
                .map(|(k, g)| (k.clone(), g))
                .collect(),
            checked: BTreeSet::new(),
        }
    }

    /// Partitions with durable bytes.
    pub fn held(&self) -> impl Iterator<Item = &PartitionKey> {
        self.stored.keys()
    }

    /// A locked partition, (re)loaded from the store unless the copy is at the stored
    /// version; an empty one (in memory only) when the store holds nothing for the key.
    pub fn partition(
        &mut self,
        store: &dyn RelayStore,
        key: &PartitionKey,
    ) -> Result<&mut LogPartition, RelayError> {
        let slot = self.locked.get_mut(key).ok_or(RelayError::Internal(
            "a round used a partition it did not lock",
        ))?;
        if !self.checked.contains(key) {
            let current = store.partition_state(key)?.map_or(0, |s| s.version);
            if slot.part.is_none() || slot.version != current {
                let (stored, version) = store.load_partition(key)?;
                slot.part = Some(if stored.is_empty() {
                    LogPartition::new(key.clone(), self.actor)
                } else {
                    stored.into_partition(key.clone(), self.actor)?
                });
                slot.version = version;
                slot.chunks = stored.chunks.len();
            }
            self.checked.insert(key.clone());
        }
        Ok(slot.part.as_mut().expect("loaded above"))
    }

    /// A partition's heads: from the copy when locked, else as stored when the round began;
    /// empty for a partition nobody holds (without creating it).
    pub fn heads(
        &mut self,
        store: &dyn RelayStore,
        key: &PartitionKey,
    ) -> Result<Vec<ChangeHash>, RelayError> {
        if let Some(slot) = self.locked.get_mut(key) {
            if self.checked.contains(key) {
                return Ok(slot.part.as_mut().map(|p| p.heads()).unwrap_or_default());
            }
            if !self.stored.contains_key(key) {
                // Nobody held it when the round began and this round has not filled it.
                return Ok(Vec::new());
            }
            return Ok(self.partition(store, key)?.heads());
        }
        Ok(self
            .stored
            .get(key)
            .map(|s| s.heads.clone())
            .unwrap_or_default())
    }

    /// Forgets the in-memory copy, so the next use reloads what is durably stored: used
    /// when a round fails after changing a partition in memory.
    pub fn evict(&mut self, key: &PartitionKey) {
        if let Some(slot) = self.locked.get_mut(key) {
            slot.evict();
        }
        self.checked.remove(key);
    }

    /// Commits the round, stating for each partition it appends to the version its copy
    /// was at; on success the copies move to the next version.
    pub fn commit(
        &mut self,
        store: &dyn RelayStore,
        device: DeviceId,
        round: &mut RoundCommit,
    ) -> Result<(), RelayError> {
        let written: BTreeSet<PartitionKey> = round
            .chunks
            .iter()
            .filter(|w| !w.bytes.is_empty())
            .map(|w| w.partition.clone())
            .collect();
        round.advances.clear();
        for key in &written {
            let slot = self.locked.get_mut(key).ok_or(RelayError::Internal(
                "a round wrote a partition it did not lock",
            ))?;
            let from_version = slot.version;
            let part = slot.part.as_mut().ok_or(RelayError::Internal(
                "a round wrote a partition it did not load",
            ))?;
            round.advances.push(PartitionAdvance {
                key: key.clone(),
                from_version,
                heads: part.heads(),
            });
        }
        store.commit_round(device, round)?;
        for key in &written {
            if let Some(slot) = self.locked.get_mut(key) {
                slot.version += 1;
            }
        }
        Ok(())
    }

    /// Records that a chunk for `key` was committed, and compacts the partition when it has
    /// gathered [`COMPACT_AFTER_CHUNKS`]. A failed or superseded compaction loses nothing
    /// (the chunks stay), so it is reported and left for next time.
    pub fn committed_chunk(&mut self, store: &dyn RelayStore, key: &PartitionKey) {
        let Some(slot) = self.locked.get_mut(key) else {
            return;
        };
        slot.chunks += 1;
        if slot.chunks < COMPACT_AFTER_CHUNKS {
            return;
        }
        let version = slot.version;
        let Some(part) = slot.part.as_mut() else {
            return;
        };
        // Everything is already durable as chunks, so marking it persisted is safe.
        let bytes = part.save();
        match store.compact(key, &bytes, version) {
            Ok(true) => slot.chunks = 0,
            Ok(false) => {}
            Err(e) => tracing::warn!(
                error = e.kind(),
                "compacting a partition failed; its chunks are kept"
            ),
        }
    }

    /// Drops in-memory partitions that hold nothing durable (pushes that were all refused).
    pub fn drop_empty(&mut self) {
        for slot in self.locked.values_mut() {
            if slot.version == 0 {
                slot.evict();
            }
        }
    }
}
