//! The relay's durable state behind one trait, [`RelayStore`], so that a PostgreSQL backend
//! (several stateless relays behind a load balancer, DESIGN.md) can come later beside the
//! embedded SQLite one ([`sqlite::SqliteStore`]).
//!
//! What the relay keeps: the scheme settings (the scheme key included — the relay is one of
//! the two places it lives), devices (public keys and code hashes only), recent nonces, the
//! log's change bytes per monthly partition, the heads each device was last brought to, and
//! the dependencies of refused changes. Only digests and masked hints of identifiers ever
//! reach it (data rule 3), so the file is not encrypted.
//!
//! Later issues add their own methods here: the identifier index and matches, the alerts
//! outbox, checker counts and police forwarding state.

pub(crate) mod migrations;
pub(crate) mod sqlite;

use automerge::ChangeHash;
use mugsync_core::auth::DevicePublicKey;
use mugsync_core::identifiers::{Region, SchemeKey};
use mugsync_core::log::{DeviceActor, LogWrite, PartitionKey};

use crate::RelayError;

/// A device's row id.
pub(crate) type DeviceId = i64;

/// One device as stored. Times are Unix seconds.
#[derive(Debug, Clone)]
pub(crate) struct DeviceRecord {
    /// Row id.
    pub id: DeviceId,
    /// The name the coordinator chose.
    pub name: String,
    /// Set once enrolled.
    pub public_key: Option<DevicePublicKey>,
    /// When the code was issued.
    pub created_at: i64,
    /// When the code stops working.
    pub code_expires_at: i64,
    /// When the device enrolled.
    pub enrolled_at: Option<i64>,
    /// When the coordinator revoked it.
    pub revoked_at: Option<i64>,
    /// Its last authenticated request.
    pub last_seen: Option<i64>,
}

/// What enrolment hands a device, and what the relay needs to read reports.
pub(crate) struct SchemeRecord {
    /// The scheme key.
    pub key: SchemeKey,
    /// Default phone region.
    pub region: Region,
    /// The scheme's areas, as TOML.
    pub areas_toml: String,
}

/// A device to add, pending its enrolment.
pub(crate) struct NewDevice<'a> {
    /// Its name (already checked).
    pub name: &'a str,
    /// SHA-256 of its one-time code.
    pub code_hash: [u8; 32],
    /// Now.
    pub created_at: i64,
    /// When the code stops working.
    pub code_expires_at: i64,
}

/// Whether a request's nonce was new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// First time seen: the request may proceed.
    Fresh,
    /// Seen before within the window: a replay.
    Replayed,
}

/// A partition's durable bytes: a snapshot and the chunks appended after it.
#[derive(Default)]
pub(crate) struct StoredPartition {
    /// The compacted document, when there is one.
    pub snapshot: Option<Vec<u8>>,
    /// Chunks in the order written.
    pub chunks: Vec<Vec<u8>>,
}

/// Everything one sync round changes, committed in one transaction before the device is
/// answered.
#[derive(Default)]
pub(crate) struct RoundCommit {
    /// New change bytes, per partition.
    pub chunks: Vec<LogWrite>,
    /// The heads each partition's device will hold once it applies the answer.
    pub device_heads: Vec<(PartitionKey, Vec<ChangeHash>)>,
    /// Refused changes and their dependencies.
    pub rejected: Vec<(PartitionKey, ChangeHash, Vec<ChangeHash>)>,
}

impl RoundCommit {
    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.chunks.iter().all(|c| c.bytes.is_empty())
            && self.device_heads.is_empty()
            && self.rejected.is_empty()
    }
}

/// The relay's durable state. Every method that writes commits before it returns
/// (SQLite: WAL, `synchronous=FULL`), so a relay killed at any point loses nothing it
/// acknowledged.
pub(crate) trait RelayStore: Send {
    /// The scheme key, region and areas.
    fn scheme(&self) -> Result<SchemeRecord, RelayError>;
    /// The relay's own automerge actor (it never writes changes; loading needs one).
    fn actor(&self) -> Result<DeviceActor, RelayError>;

    /// Adds a pending device. A name held by an enrolled device, or by a pending one whose
    /// code is still valid, is refused; an expired, unused code under the name is replaced.
    fn add_pending_device(&mut self, new: &NewDevice<'_>) -> Result<(), RelayError>;
    /// The device a code was issued to, by the code's hash.
    fn device_by_code(&self, code_hash: &[u8; 32]) -> Result<Option<DeviceRecord>, RelayError>;
    /// The device holding a public key.
    fn device_by_key(&self, key: &DevicePublicKey) -> Result<Option<DeviceRecord>, RelayError>;
    /// Marks a pending device enrolled with its key. False when the key already belongs to
    /// another device, or the device is no longer pending (a concurrent enrolment won).
    fn enrol(
        &mut self,
        id: DeviceId,
        key: &DevicePublicKey,
        actor: &DeviceActor,
        at: i64,
    ) -> Result<bool, RelayError>;
    /// The automerge actor an enrolled device named at enrolment.
    fn device_actor(&self, id: DeviceId) -> Result<Option<DeviceActor>, RelayError>;
    /// Every device, oldest first.
    fn devices(&self) -> Result<Vec<DeviceRecord>, RelayError>;
    /// Revokes the unrevoked device with this name (pending or enrolled).
    fn revoke(&mut self, name: &str, at: i64) -> Result<(), RelayError>;

    /// Records a request's nonce and, for an enrolled device, its last-seen time, in one
    /// transaction. [`Admission::Replayed`] when the nonce was already there.
    fn admit(
        &mut self,
        key: &DevicePublicKey,
        nonce: &str,
        time_ms: i64,
        device: Option<DeviceId>,
        now: i64,
    ) -> Result<Admission, RelayError>;
    /// Forgets nonces signed before `before_ms`: such requests fail the clock check anyway.
    fn purge_nonces(&mut self, before_ms: i64) -> Result<usize, RelayError>;

    /// Every partition holding durable bytes.
    fn partition_keys(&self) -> Result<Vec<PartitionKey>, RelayError>;
    /// A partition's durable bytes.
    fn load_partition(&self, key: &PartitionKey) -> Result<StoredPartition, RelayError>;
    /// The heads a device was last brought to in a partition.
    fn device_heads(
        &self,
        device: DeviceId,
        key: &PartitionKey,
    ) -> Result<Option<Vec<ChangeHash>>, RelayError>;
    /// The dependencies of a refused change, when it was refused here.
    fn rejected_deps(
        &self,
        key: &PartitionKey,
        hash: &ChangeHash,
    ) -> Result<Option<Vec<ChangeHash>>, RelayError>;
    /// Commits one sync round for a device in one transaction.
    fn commit_round(&mut self, device: DeviceId, round: &RoundCommit) -> Result<(), RelayError>;
    /// Replaces a partition's snapshot and chunks with one snapshot, in one transaction.
    fn compact(&mut self, key: &PartitionKey, snapshot: &[u8]) -> Result<(), RelayError>;
}

/// Heads as one blob of 32-byte hashes.
pub(crate) fn heads_blob(heads: &[ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|h| h.0).collect()
}

/// Heads from a blob of 32-byte hashes.
pub(crate) fn heads_from_blob(blob: &[u8]) -> Result<Vec<ChangeHash>, RelayError> {
    if blob.len() % 32 != 0 {
        return Err(RelayError::Damaged("stored heads".into()));
    }
    Ok(blob
        .chunks(32)
        .map(|c| ChangeHash(c.try_into().expect("32-byte chunk")))
        .collect())
}
