//! Keys of the `meta` table: device-wide settings and secrets, inside the encrypted store.

use rusqlite::{params, Connection, OptionalExtension};

use crate::StoreError;

/// The scheme key (HMAC key for identifier digests). Never leaves the store.
pub const SCHEME_KEY: &str = "scheme_key";
/// Default phone region.
pub const REGION: &str = "region";
/// The scheme's areas, as TOML.
pub const AREAS: &str = "areas";
/// This device's automerge actor id.
pub const ACTOR: &str = "actor";

pub(crate) fn put(conn: &Connection, key: &str, value: &[u8]) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO meta (k, v) VALUES (?1, ?2) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
        params![key, value],
    )?;
    Ok(())
}

pub(crate) fn get_opt(conn: &Connection, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(conn.query_row("SELECT v FROM meta WHERE k = ?1", [key], |r| r.get(0)).optional()?)
}

pub(crate) fn get(conn: &Connection, key: &str) -> Result<Vec<u8>, StoreError> {
    get_opt(conn, key)?.ok_or_else(|| StoreError::Damaged(format!("missing setting '{key}'")))
}
