//! mugsync-persist: how the partitioned log lives in SQLite, written once for the device's
//! store (`mugsync-store`) and the relay's (`mugsync-relay`).
//!
//! Both keep a partition as an optional compacted snapshot (`log_snapshot`) plus the chunks
//! of changes appended after it (`log_chunk`, in `seq` order); both compact after the same
//! number of chunks ([`COMPACT_AFTER_CHUNKS`], counted by a [`ChunkTally`]); both run
//! append-only migrations ([`migrate`]) and open connections with the same durability
//! settings ([`apply_pragmas`]). What differs — the device's view and victim-private
//! tables, the relay's devices, nonces and sync state — stays in each crate.
#![forbid(unsafe_code)]

mod compaction;
mod error;
pub mod heads;
mod migrate;
mod partition;
mod pragmas;

pub use compaction::{ChunkTally, COMPACT_AFTER_CHUNKS};
pub use error::PersistError;
pub use migrate::{migrate, schema_version};
pub use partition::{
    append_chunk, load_partition, partition_keys, put_snapshot, StoredPartition, LOG_TABLES,
};
pub use pragmas::{apply_pragmas, check_readable};
