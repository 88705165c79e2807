//! When a partition is rewritten as one snapshot: after [`COMPACT_AFTER_CHUNKS`] chunks,
//! on the device and on the relay alike.

use mugsync_core::log::PartitionKey;
use std::collections::BTreeMap;

/// After this many chunks a partition is rewritten as one snapshot, so loading stays fast
/// (each chunk is one `load_incremental`) without rewriting the document on every write.
pub const COMPACT_AFTER_CHUNKS: usize = 128;

/// Chunks written per partition since its last snapshot.
#[derive(Debug, Clone, Default)]
pub struct ChunkTally {
    counts: BTreeMap<PartitionKey, usize>,
}

impl ChunkTally {
    /// No partitions counted yet.
    pub fn new() -> ChunkTally {
        ChunkTally::default()
    }

    /// Records how many chunks a partition held when it was loaded.
    pub fn loaded(&mut self, key: &PartitionKey, chunks: usize) {
        self.counts.insert(key.clone(), chunks);
    }

    /// Records one more chunk; true when the partition is now due for compaction.
    pub fn add(&mut self, key: &PartitionKey) -> bool {
        let n = self.counts.entry(key.clone()).or_default();
        *n += 1;
        *n >= COMPACT_AFTER_CHUNKS
    }

    /// True when the partition has gathered enough chunks to compact.
    pub fn due(&self, key: &PartitionKey) -> bool {
        self.counts.get(key).copied().unwrap_or(0) >= COMPACT_AFTER_CHUNKS
    }

    /// Records that the partition was just compacted.
    pub fn compacted(&mut self, key: &PartitionKey) {
        self.counts.insert(key.clone(), 0);
    }

    /// Forgets a partition (its in-memory copy was dropped; the next load counts afresh).
    pub fn forget(&mut self, key: &PartitionKey) {
        self.counts.remove(key);
    }

    /// Forgets every partition.
    pub fn clear(&mut self) {
        self.counts.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_exactly_at_the_threshold_counting_what_was_loaded() {
        let key = PartitionKey::parse("2026-01").unwrap();
        let mut tally = ChunkTally::new();
        tally.loaded(&key, COMPACT_AFTER_CHUNKS - 2);
        assert!(!tally.add(&key));
        assert!(!tally.due(&key));
        assert!(tally.add(&key));
        assert!(tally.due(&key));
        tally.compacted(&key);
        assert!(!tally.due(&key));
        for _ in 1..COMPACT_AFTER_CHUNKS {
            assert!(!tally.add(&key));
        }
        assert!(tally.add(&key));
    }
}
