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
/// This device's signing key (PKCS#8), set at enrolment.
pub const DEVICE_KEY: &str = "device_key";
/// The relay's base URL, set at enrolment.
pub const RELAY_URL: &str = "relay_url";
/// The name the coordinator gave this device.
pub const DEVICE_NAME: &str = "device_name";
/// A CA certificate (PEM) to trust for the relay, when it uses a private CA.
pub const RELAY_CA: &str = "relay_ca";
/// Set when plain HTTP to a non-loopback relay was explicitly allowed (`--insecure`).
pub const RELAY_INSECURE: &str = "relay_insecure";

pub(crate) fn put(conn: &Connection, key: &str, value: &[u8]) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO meta (k, v) VALUES (?1, ?2) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
        params![key, value],
    )?;
    Ok(())
}

pub(crate) fn get_opt(conn: &Connection, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(conn
        .query_row("SELECT v FROM meta WHERE k = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn get(conn: &Connection, key: &str) -> Result<Vec<u8>, StoreError> {
    get_opt(conn, key)?.ok_or_else(|| StoreError::Damaged(format!("missing setting '{key}'")))
}
