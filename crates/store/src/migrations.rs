//! Schema migrations. Append-only: never edit a shipped step, add a new one.

use rusqlite::Connection;

use crate::StoreError;

/// Each step runs once, in order; `PRAGMA user_version` records how many have run.
const STEPS: &[&str] = &[
    // 1: the log, its view, the identifier index and local-only tables.
    r#"
    CREATE TABLE meta (k TEXT PRIMARY KEY, v BLOB NOT NULL) STRICT;
    -- Durable log bytes: a partition is its snapshot (if any) plus its chunks in seq order.
    CREATE TABLE log_snapshot (partition TEXT PRIMARY KEY, bytes BLOB NOT NULL) STRICT;
    CREATE TABLE log_chunk (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        partition TEXT NOT NULL,
        bytes BLOB NOT NULL
    ) STRICT;
    CREATE INDEX log_chunk_partition ON log_chunk(partition, seq);
    -- Readable view of the merged log, rebuilt from it whenever a report changes.
    CREATE TABLE report_view (
        id TEXT PRIMARY KEY,
        partition TEXT NOT NULL,
        incident_date TEXT NOT NULL,
        status TEXT NOT NULL,
        json TEXT NOT NULL
    ) STRICT;
    CREATE INDEX report_view_date ON report_view(incident_date);
    -- kind: 'phone' | 'email' (value = digest hex) or 'registration' (value = normalised).
    CREATE TABLE ident_index (
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        report_id TEXT NOT NULL,
        PRIMARY KEY (kind, value, report_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX ident_index_report ON ident_index(report_id);
    -- Never leaves this device except sealed to the police liaison (DESIGN.md rule 1).
    CREATE TABLE victim_private (report_id TEXT PRIMARY KEY, json TEXT NOT NULL) STRICT;
    -- This device's own view of each report it filed: sync state and rejections.
    CREATE TABLE local_report (
        report_id TEXT PRIMARY KEY,
        sync_state TEXT NOT NULL,
        detail TEXT
    ) STRICT;
    -- Log entries that did not fit the schema, kept out of the view but not lost.
    CREATE TABLE bad_entry (key TEXT PRIMARY KEY, partition TEXT NOT NULL, problem TEXT NOT NULL) STRICT;
    "#,
    // 2: what this device last knew of the relay's heads, per partition (sync).
    r#"
    CREATE TABLE relay_heads (partition TEXT PRIMARY KEY, heads BLOB NOT NULL) STRICT;
    "#,
    // 3: what a check shows of each report, in its own small table so a check reads a few
    // compact pages instead of whole reports and their overflow pages. Reports written
    // before this step have no row; readers fall back to the report JSON.
    r#"
    CREATE TABLE check_hit (report_id TEXT PRIMARY KEY, hit TEXT NOT NULL) STRICT, WITHOUT ROWID;
    "#,
    // 4: the plaintext phone numbers and emails of reports filed here (kind 'phone' holds
    // E.164, 'email' the canonical address). Local only, like victim_private: police
    // payloads are sealed from them, and enrolling after filing re-keys from them.
    r#"
    CREATE TABLE local_identifier (
        report_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (report_id, kind, value)
    ) STRICT, WITHOUT ROWID;
    "#,
    // 5: log changes the relay refused, set aside (never lost): the partition is rebuilt
    // without them and this device's later changes are made again on top.
    r#"
    CREATE TABLE set_aside_change (
        partition TEXT NOT NULL,
        hash BLOB NOT NULL,
        bytes BLOB NOT NULL,
        PRIMARY KEY (partition, hash)
    ) STRICT, WITHOUT ROWID;
    "#,
];

/// Brings the schema up to date inside one transaction (the runner is shared with the
/// relay: `mugsync_persist::migrate`).
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    Ok(mugsync_persist::migrate(conn, STEPS)?)
}
