//! The relay's durable state behind one trait, [`RelayStore`], so that a PostgreSQL backend
//! (several stateless relays behind a load balancer, DESIGN.md) can come later beside the
//! embedded SQLite one ([`sqlite::SqliteStore`]). The backend is chosen by the `database`
//! URL in `relay.toml` ([`crate::config::DatabaseUrl`]; [`open`]).
//!
//! The store only stores: which names and codes are allowed and when a code expires is
//! relay logic (`crate::enrolment`). Every method takes `&self` and the store is
//! `Send + Sync`: the SQLite backend hands each caller its own pooled connection, so the
//! coordinator's commands, authentication and sync rounds never queue behind one lock.
//!
//! Several relays may share one database: each partition carries a version, bumped in the
//! transaction that appends to it, with the heads it then has. A relay trusts its in-memory
//! copy only while the stored version matches, and a round commits only if the versions it
//! started from are still current ([`RelayError::Conflict`] otherwise: the round is rerun).
//!
//! What the relay keeps: the scheme settings (region and areas; the scheme key lives in the
//! key file, `crate::keys`), devices (public keys and code hashes only), recent nonces, the
//! log's change bytes per monthly partition, the heads each device was last brought to, and
//! the dependencies of refused changes. Only digests and masked hints of identifiers ever
//! reach it (data rule 3), and the SQLite file is encrypted at rest anyway (SQLCipher).
//!
//! Later issues add their own methods here: the identifier index and matches, the alerts
//! outbox, checker counts and police forwarding state.

#[cfg(test)]
mod contract;
pub(crate) mod migrations;
mod pool;
pub(crate) mod sqlite;

use automerge::ChangeHash;
use std::collections::BTreeMap;

use mugsync_core::auth::DevicePublicKey;
use mugsync_core::identifiers::Region;
use mugsync_core::log::{DeviceActor, LogWrite, PartitionKey};

pub(crate) use mugsync_persist::StoredPartition;

use crate::config::{DatabaseUrl, RelayConfig};
use crate::keys::RelayKeys;
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

/// What enrolment hands a device besides the scheme key (which lives in the key file,
/// never in the database).
pub(crate) struct SchemeRecord {
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

/// What the store says of a partition: how many times it has been appended to, and its
/// heads after the last append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PartitionState {
    /// Bumped by every transaction that appends to the partition.
    pub version: i64,
    /// The partition's heads at that version.
    pub heads: Vec<ChangeHash>,
}

/// A partition a round appends to: the version its copy was loaded at and the heads the
/// partition has once the round's chunk is added.
#[derive(Debug, Clone)]
pub(crate) struct PartitionAdvance {
    /// The partition.
    pub key: PartitionKey,
    /// The stored version the round's copy was loaded at (0: nothing stored yet).
    pub from_version: i64,
    /// Its heads after the round.
    pub heads: Vec<ChangeHash>,
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
    /// The version step of each partition in `chunks` (filled in by the round's log view
    /// just before committing).
    pub advances: Vec<PartitionAdvance>,
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
/// acknowledged. Any backend must pass the contract tests in `storage/contract.rs`.
pub(crate) trait RelayStore: Send + Sync {
    /// The scheme's region and areas.
    fn scheme(&self) -> Result<SchemeRecord, RelayError>;
    /// The relay's own automerge actor (it never writes changes; loading needs one).
    fn actor(&self) -> Result<DeviceActor, RelayError>;

    /// The device that is not revoked and holds this name (ignoring case), if any.
    fn live_device_named(&self, name: &str) -> Result<Option<DeviceRecord>, RelayError>;
    /// Adds a pending device, first deleting `replacing` if it is still pending. False when
    /// a live device holds the name (another coordinator's command won).
    fn add_pending_device(
        &self,
        new: &NewDevice<'_>,
        replacing: Option<DeviceId>,
    ) -> Result<bool, RelayError>;
    /// The device a code was issued to, by the code's hash.
    fn device_by_code(&self, code_hash: &[u8; 32]) -> Result<Option<DeviceRecord>, RelayError>;
    /// The device holding a public key.
    fn device_by_key(&self, key: &DevicePublicKey) -> Result<Option<DeviceRecord>, RelayError>;
    /// Marks a pending device enrolled with its key. False when the key already belongs to
    /// another device, or the device is no longer pending (a concurrent enrolment won).
    fn enrol(
        &self,
        id: DeviceId,
        key: &DevicePublicKey,
        actor: &DeviceActor,
        at: i64,
    ) -> Result<bool, RelayError>;
    /// The automerge actor an enrolled device named at enrolment.
    fn device_actor(&self, id: DeviceId) -> Result<Option<DeviceActor>, RelayError>;
    /// Every device, oldest first.
    fn devices(&self) -> Result<Vec<DeviceRecord>, RelayError>;
    /// Revokes the unrevoked device with this name (pending or enrolled). False when there
    /// is none.
    fn revoke(&self, name: &str, at: i64) -> Result<bool, RelayError>;

    /// Records a request's nonce and, for an enrolled device, its last-seen time, in one
    /// transaction. [`Admission::Replayed`] when the nonce was already there.
    fn admit(
        &self,
        key: &DevicePublicKey,
        nonce: &str,
        time_ms: i64,
        device: Option<DeviceId>,
        now: i64,
    ) -> Result<Admission, RelayError>;
    /// Whether a nonce was already admitted for this key. Read-only, so it can run before a
    /// request's body is read; [`RelayStore::admit`] stays the authoritative, atomic check.
    fn nonce_seen(&self, key: &DevicePublicKey, nonce: &str) -> Result<bool, RelayError>;
    /// Forgets nonces signed before `before_ms`: such requests fail the clock check anyway.
    fn purge_nonces(&self, before_ms: i64) -> Result<usize, RelayError>;

    /// Every partition holding durable bytes, with its version and heads.
    fn partition_states(&self) -> Result<BTreeMap<PartitionKey, PartitionState>, RelayError>;
    /// One partition's version and heads; `None` when nothing is stored for it.
    fn partition_state(&self, key: &PartitionKey) -> Result<Option<PartitionState>, RelayError>;
    /// A partition's durable bytes and the version they are at, read together.
    fn load_partition(&self, key: &PartitionKey) -> Result<(StoredPartition, i64), RelayError>;
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
    /// Commits one sync round for a device in one transaction: each partition in
    /// `round.advances` moves from its `from_version` to the next, or nothing is written
    /// and [`RelayError::Conflict`] says another relay appended first.
    fn commit_round(&self, device: DeviceId, round: &RoundCommit) -> Result<(), RelayError>;
    /// Replaces a partition's snapshot and chunks with one snapshot, in one transaction,
    /// if the partition is still at `version` (false, and nothing changed, otherwise).
    fn compact(
        &self,
        key: &PartitionKey,
        snapshot: &[u8],
        version: i64,
    ) -> Result<bool, RelayError>;
}

/// Opens the store the configuration names.
pub(crate) fn open(
    config: &RelayConfig,
    keys: &RelayKeys,
) -> Result<Box<dyn RelayStore>, RelayError> {
    match &config.database {
        DatabaseUrl::Sqlite(path) => Ok(Box::new(sqlite::SqliteStore::open(
            &config.data_dir,
            path,
            keys,
            &config.key_file,
        )?)),
    }
}

/// Creates a new store where the configuration says, with a scheme.
pub(crate) fn create(
    config: &RelayConfig,
    keys: &RelayKeys,
    region: Region,
    areas: &mugsync_core::report::AreaList,
) -> Result<Box<dyn RelayStore>, RelayError> {
    match &config.database {
        DatabaseUrl::Sqlite(path) => Ok(Box::new(sqlite::SqliteStore::create(
            &config.data_dir,
            path,
            keys,
            &config.key_file,
            region,
            areas,
        )?)),
    }
}

/// Heads as one blob of 32-byte hashes.
pub(crate) fn heads_blob(heads: &[ChangeHash]) -> Vec<u8> {
    mugsync_persist::heads::to_blob(heads)
}

/// Heads from a blob of 32-byte hashes.
pub(crate) fn heads_from_blob(blob: &[u8]) -> Result<Vec<ChangeHash>, RelayError> {
    mugsync_persist::heads::from_blob(blob).map_err(|_| RelayError::Damaged("stored heads".into()))
}
