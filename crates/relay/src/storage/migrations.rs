//! Schema migrations of the relay's SQLite store. Append-only: never edit a shipped step,
//! add a new one.

use rusqlite::Connection;

use crate::RelayError;

/// Each step runs once, in order; `PRAGMA user_version` records how many have run.
const STEPS: &[&str] = &[
    // 1: scheme settings, devices, nonces, the log and per-device sync state.
    r#"
    CREATE TABLE meta (k TEXT PRIMARY KEY, v BLOB NOT NULL) STRICT;
    -- Devices. A row is created pending (code_hash set, public_key NULL), becomes enrolled
    -- when a device presents the code with its key, and revoked when the coordinator says.
    -- Only the SHA-256 of the one-time code is kept; only public keys, which cannot sign.
    CREATE TABLE device (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        code_hash BLOB NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        code_expires_at INTEGER NOT NULL,
        public_key BLOB UNIQUE,
        enrolled_at INTEGER,
        revoked_at INTEGER,
        last_seen INTEGER
    ) STRICT;
    -- Names are unique, ignoring case, among devices that are not revoked.
    CREATE UNIQUE INDEX device_live_name ON device(name COLLATE NOCASE) WHERE revoked_at IS NULL;
    -- Nonces seen within the clock-skew window, with the signed request time, so a captured
    -- request cannot be replayed (purged once older than the window).
    CREATE TABLE nonce (
        public_key BLOB NOT NULL,
        nonce TEXT NOT NULL,
        time_ms INTEGER NOT NULL,
        PRIMARY KEY (public_key, nonce)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX nonce_time ON nonce(time_ms);
    -- Durable log bytes: a partition is its snapshot (if any) plus its chunks in seq order.
    CREATE TABLE log_snapshot (partition TEXT PRIMARY KEY, bytes BLOB NOT NULL) STRICT;
    CREATE TABLE log_chunk (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        partition TEXT NOT NULL,
        bytes BLOB NOT NULL
    ) STRICT;
    CREATE INDEX log_chunk_partition ON log_chunk(partition, seq);
    -- The heads each device will hold after the relay's last answer to it, per partition:
    -- lets a sync skip asking for heads when the device's fingerprint matches.
    CREATE TABLE device_heads (
        device_id INTEGER NOT NULL REFERENCES device(id),
        partition TEXT NOT NULL,
        heads BLOB NOT NULL,
        PRIMARY KEY (device_id, partition)
    ) STRICT, WITHOUT ROWID;
    -- Changes the relay refused, with their dependencies, so a device whose log holds one
    -- is answered from the refused change's ancestors instead of being asked to resend it
    -- for ever. The change itself is never stored.
    CREATE TABLE rejected_change (
        partition TEXT NOT NULL,
        hash BLOB NOT NULL,
        deps BLOB NOT NULL,
        PRIMARY KEY (partition, hash)
    ) STRICT, WITHOUT ROWID;
    "#,
    // 2: each partition's version and heads, so relays sharing one database can tell whether
    // their in-memory copy is current, and compare a device's summary without loading it.
    // Filled for partitions stored before this step when the store is next opened.
    r#"
    CREATE TABLE partition_state (
        partition TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        heads BLOB NOT NULL
    ) STRICT, WITHOUT ROWID;
    "#,
    // 3: each enrolled device's automerge actor: the relay takes log changes from a device
    // only when that device's actor made them.
    r#"
    ALTER TABLE device ADD COLUMN actor BLOB;
    CREATE UNIQUE INDEX device_actor ON device(actor) WHERE actor IS NOT NULL;
    "#,
];

/// Brings the schema up to date inside one transaction (the shared runner:
/// `mugsync_persist::migrate`).
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), RelayError> {
    Ok(mugsync_persist::migrate(conn, STEPS)?)
}
