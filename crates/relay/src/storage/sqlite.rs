//! [`SqliteStore`]: the embedded relay store, one SQLite file (`relay.db`) in the data
//! directory. WAL with `synchronous=FULL`: a write is on disk when its call returns.
//!
//! Not encrypted: the relay holds only digests and masked hints (data rule 3), and the
//! scheme key, which a server keeps on its own disk like any TLS key. The data directory is
//! made private to the relay's user.

use automerge::ChangeHash;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};

use mugsync_core::auth::DevicePublicKey;
use mugsync_core::identifiers::{Region, SchemeKey};
use mugsync_core::log::{DeviceActor, PartitionKey};
use mugsync_core::report::AreaList;

use super::{
    heads_blob, heads_from_blob, Admission, DeviceId, DeviceRecord, NewDevice, RelayStore,
    RoundCommit, SchemeRecord, StoredPartition,
};
use crate::RelayError;

/// The file name of the relay store inside a data directory.
pub const STORE_FILE: &str = "relay.db";

const META_SCHEME_KEY: &str = "scheme_key";
const META_REGION: &str = "region";
const META_AREAS: &str = "areas";
const META_ACTOR: &str = "actor";

/// The SQLite relay store.
pub(crate) struct SqliteStore {
    conn: Connection,
}

fn open_conn(path: &Path, create: bool) -> Result<Connection, RelayError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // The coordinator's commands (device add, revoke) open the same file while the relay
    // serves; wait for each other's short transactions rather than fail.
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

impl SqliteStore {
    /// The store's path inside a data directory.
    pub fn path_in(data_dir: &Path) -> PathBuf {
        data_dir.join(STORE_FILE)
    }

    /// Creates a new store with a scheme; refuses if one exists.
    pub fn create(
        data_dir: &Path,
        key: &SchemeKey,
        region: Region,
        areas: &AreaList,
    ) -> Result<SqliteStore, RelayError> {
        let path = Self::path_in(data_dir);
        if path.exists() {
            return Err(RelayError::AlreadyInitialised(
                data_dir.display().to_string(),
            ));
        }
        std::fs::create_dir_all(data_dir).map_err(|e| {
            RelayError::Io(format!(
                "cannot create {}: {e}; check the --data-dir path and its permissions",
                data_dir.display()
            ))
        })?;
        restrict_permissions(data_dir);
        let mut conn = open_conn(&path, true)?;
        super::migrations::migrate(&mut conn)?;
        let tx = conn.transaction()?;
        for (k, v) in [
            (META_SCHEME_KEY, key.expose_bytes().to_vec()),
            (META_REGION, region.to_string().into_bytes()),
            (META_AREAS, areas.to_toml().into_bytes()),
            (META_ACTOR, DeviceActor::generate().to_bytes()),
        ] {
            tx.execute("INSERT INTO meta (k, v) VALUES (?1, ?2)", params![k, v])?;
        }
        tx.commit()?;
        Ok(SqliteStore { conn })
    }

    /// Opens an existing store, bringing its schema up to date.
    pub fn open(data_dir: &Path) -> Result<SqliteStore, RelayError> {
        let path = Self::path_in(data_dir);
        if !path.exists() {
            return Err(RelayError::NotInitialised(data_dir.display().to_string()));
        }
        let mut conn = open_conn(&path, false)?;
        super::migrations::migrate(&mut conn)?;
        Ok(SqliteStore { conn })
    }

    fn meta(&self, key: &str) -> Result<Vec<u8>, RelayError> {
        self.conn
            .query_row("SELECT v FROM meta WHERE k = ?1", [key], |r| r.get(0))
            .optional()?
            .ok_or_else(|| RelayError::Damaged(format!("missing setting '{key}'")))
    }
}

const DEVICE_COLUMNS: &str =
    "id, name, public_key, created_at, code_expires_at, enrolled_at, revoked_at, last_seen";

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(DeviceRecord, Option<Vec<u8>>)> {
    Ok((
        DeviceRecord {
            id: r.get(0)?,
            name: r.get(1)?,
            public_key: None,
            created_at: r.get(3)?,
            code_expires_at: r.get(4)?,
            enrolled_at: r.get(5)?,
            revoked_at: r.get(6)?,
            last_seen: r.get(7)?,
        },
        r.get(2)?,
    ))
}

fn with_key((mut rec, key): (DeviceRecord, Option<Vec<u8>>)) -> Result<DeviceRecord, RelayError> {
    rec.public_key = match key {
        Some(bytes) => {
            let arr: [u8; 32] = bytes
                .try_into()
                .map_err(|_| RelayError::Damaged("a device key".into()))?;
            Some(DevicePublicKey::from_bytes(arr))
        }
        None => None,
    };
    Ok(rec)
}

impl RelayStore for SqliteStore {
    fn scheme(&self) -> Result<SchemeRecord, RelayError> {
        let key = SchemeKey::from_bytes(&self.meta(META_SCHEME_KEY)?)
            .map_err(|e| RelayError::Damaged(format!("scheme key: {e}")))?;
        let region_text = String::from_utf8(self.meta(META_REGION)?)
            .map_err(|_| RelayError::Damaged("region".into()))?;
        let region =
            Region::parse(&region_text).map_err(|e| RelayError::Damaged(format!("region: {e}")))?;
        let areas_toml = String::from_utf8(self.meta(META_AREAS)?)
            .map_err(|_| RelayError::Damaged("areas".into()))?;
        Ok(SchemeRecord {
            key,
            region,
            areas_toml,
        })
    }

    fn actor(&self) -> Result<DeviceActor, RelayError> {
        Ok(DeviceActor::from_bytes(&self.meta(META_ACTOR)?)?)
    }

    fn add_pending_device(&mut self, new: &NewDevice<'_>) -> Result<(), RelayError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let live: Option<(DeviceId, Option<Vec<u8>>, i64)> = tx
            .query_row(
                "SELECT id, public_key, code_expires_at FROM device
                 WHERE name = ?1 COLLATE NOCASE AND revoked_at IS NULL",
                [new.name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        if let Some((id, key, expires)) = live {
            if key.is_some() {
                return Err(RelayError::DeviceNameTaken(new.name.to_owned()));
            }
            if expires > new.created_at {
                return Err(RelayError::CodePending {
                    name: new.name.to_owned(),
                    expires: rfc3339(expires),
                });
            }
            // An expired code that was never used: nothing refers to it; issue afresh.
            tx.execute("DELETE FROM device WHERE id = ?1", [id])?;
        }
        tx.execute(
            "INSERT INTO device (name, code_hash, created_at, code_expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![new.name, &new.code_hash[..], new.created_at, new.code_expires_at],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn device_by_code(&self, code_hash: &[u8; 32]) -> Result<Option<DeviceRecord>, RelayError> {
        let row = self
            .conn
            .query_row(
                &format!("SELECT {DEVICE_COLUMNS} FROM device WHERE code_hash = ?1"),
                [&code_hash[..]],
                device_row,
            )
            .optional()?;
        row.map(with_key).transpose()
    }

    fn device_by_key(&self, key: &DevicePublicKey) -> Result<Option<DeviceRecord>, RelayError> {
        let row = self
            .conn
            .prepare_cached(&format!(
                "SELECT {DEVICE_COLUMNS} FROM device WHERE public_key = ?1"
            ))?
            .query_row([&key.as_bytes()[..]], device_row)
            .optional()?;
        row.map(with_key).transpose()
    }

    fn enrol(
        &mut self,
        id: DeviceId,
        key: &DevicePublicKey,
        actor: &DeviceActor,
        at: i64,
    ) -> Result<bool, RelayError> {
        let outcome = self.conn.execute(
            "UPDATE device SET public_key = ?2, enrolled_at = ?3, last_seen = ?3, actor = ?4
             WHERE id = ?1 AND public_key IS NULL AND revoked_at IS NULL",
            params![id, &key.as_bytes()[..], at, actor.to_bytes()],
        );
        match outcome {
            Ok(n) => Ok(n == 1),
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    fn device_actor(&self, id: DeviceId) -> Result<Option<DeviceActor>, RelayError> {
        let bytes: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT actor FROM device WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?
            .flatten();
        bytes
            .map(|b| {
                DeviceActor::from_bytes(&b)
                    .map_err(|_| RelayError::Damaged("a device actor".into()))
            })
            .transpose()
    }

    fn devices(&self) -> Result<Vec<DeviceRecord>, RelayError> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {DEVICE_COLUMNS} FROM device ORDER BY id"))?;
        let rows = stmt
            .query_map([], device_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(with_key).collect()
    }

    fn revoke(&mut self, name: &str, at: i64) -> Result<(), RelayError> {
        let n = self.conn.execute(
            "UPDATE device SET revoked_at = ?2 WHERE name = ?1 COLLATE NOCASE AND revoked_at IS NULL",
            params![name, at],
        )?;
        if n == 0 {
            return Err(RelayError::NoSuchDevice(name.to_owned()));
        }
        Ok(())
    }

    fn admit(
        &mut self,
        key: &DevicePublicKey,
        nonce: &str,
        time_ms: i64,
        device: Option<DeviceId>,
        now: i64,
    ) -> Result<Admission, RelayError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let fresh = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO nonce (public_key, nonce, time_ms) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![&key.as_bytes()[..], nonce, time_ms])?;
        if fresh == 0 {
            return Ok(Admission::Replayed);
        }
        if let Some(id) = device {
            tx.prepare_cached("UPDATE device SET last_seen = ?2 WHERE id = ?1")?
                .execute(params![id, now])?;
        }
        tx.commit()?;
        Ok(Admission::Fresh)
    }

    fn purge_nonces(&mut self, before_ms: i64) -> Result<usize, RelayError> {
        Ok(self
            .conn
            .execute("DELETE FROM nonce WHERE time_ms < ?1", [before_ms])?)
    }

    fn partition_keys(&self) -> Result<Vec<PartitionKey>, RelayError> {
        let mut stmt = self
            .conn
            .prepare("SELECT partition FROM log_snapshot UNION SELECT DISTINCT partition FROM log_chunk ORDER BY 1")?;
        let keys: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        keys.iter()
            .map(|k| PartitionKey::parse(k).map_err(RelayError::from))
            .collect()
    }

    fn load_partition(&self, key: &PartitionKey) -> Result<StoredPartition, RelayError> {
        let snapshot: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT bytes FROM log_snapshot WHERE partition = ?1",
                [key.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT bytes FROM log_chunk WHERE partition = ?1 ORDER BY seq")?;
        let chunks = stmt
            .query_map([key.as_str()], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(StoredPartition { snapshot, chunks })
    }

    fn device_heads(
        &self,
        device: DeviceId,
        key: &PartitionKey,
    ) -> Result<Option<Vec<ChangeHash>>, RelayError> {
        let blob: Option<Vec<u8>> = self
            .conn
            .prepare_cached(
                "SELECT heads FROM device_heads WHERE device_id = ?1 AND partition = ?2",
            )?
            .query_row(params![device, key.as_str()], |r| r.get(0))
            .optional()?;
        blob.map(|b| heads_from_blob(&b)).transpose()
    }

    fn rejected_deps(
        &self,
        key: &PartitionKey,
        hash: &ChangeHash,
    ) -> Result<Option<Vec<ChangeHash>>, RelayError> {
        let blob: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT deps FROM rejected_change WHERE partition = ?1 AND hash = ?2")?
            .query_row(params![key.as_str(), &hash.0[..]], |r| r.get(0))
            .optional()?;
        blob.map(|b| heads_from_blob(&b)).transpose()
    }

    fn commit_round(&mut self, device: DeviceId, round: &RoundCommit) -> Result<(), RelayError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for w in round.chunks.iter().filter(|w| !w.bytes.is_empty()) {
            tx.prepare_cached("INSERT INTO log_chunk (partition, bytes) VALUES (?1, ?2)")?
                .execute(params![w.partition.as_str(), w.bytes])?;
        }
        for (key, heads) in &round.device_heads {
            tx.prepare_cached(
                "INSERT INTO device_heads (device_id, partition, heads) VALUES (?1, ?2, ?3)
                 ON CONFLICT(device_id, partition) DO UPDATE SET heads = excluded.heads",
            )?
            .execute(params![device, key.as_str(), heads_blob(heads)])?;
        }
        for (key, hash, deps) in &round.rejected {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO rejected_change (partition, hash, deps) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![key.as_str(), &hash.0[..], heads_blob(deps)])?;
        }
        tx.commit()?;
        Ok(())
    }

    fn compact(&mut self, key: &PartitionKey, snapshot: &[u8]) -> Result<(), RelayError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO log_snapshot (partition, bytes) VALUES (?1, ?2)
             ON CONFLICT(partition) DO UPDATE SET bytes = excluded.bytes",
            params![key.as_str(), snapshot],
        )?;
        tx.execute("DELETE FROM log_chunk WHERE partition = ?1", [key.as_str()])?;
        tx.commit()?;
        Ok(())
    }
}

/// Unix seconds as RFC 3339, for messages.
fn rfc3339(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| secs.to_string())
}

#[cfg(unix)]
fn restrict_permissions(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    // The store holds the scheme key: nobody but the relay's user should read it.
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
}

#[cfg(not(unix))]
fn restrict_permissions(_dir: &Path) {}
