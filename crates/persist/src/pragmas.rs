//! Connection settings both stores share.

use rusqlite::Connection;
use std::time::Duration;

/// How long a connection waits for another's short write transaction before giving up
/// (the relay's coordinator commands run while it serves; the van app and CLI may overlap).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// WAL with `synchronous=FULL` (a write is on disk when its commit returns: data rule 5),
/// foreign keys enforced, and a busy timeout. Run after the key is set on an encrypted
/// database, and after [`check_readable`].
pub fn apply_pragmas(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(())
}

/// The first read of a database: where SQLCipher finds out whether the key is right
/// (`NotADatabase` when it is not). Nothing has been written before it.
pub fn check_readable(conn: &Connection) -> rusqlite::Result<()> {
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|_| ())
}
