//! [`SqliteStore`]: the embedded relay store, one SQLite file (`relay.db`) in the data
//! directory. WAL with `synchronous=FULL`: a write is on disk when its call returns.
//!
//! Encrypted at rest with SQLCipher (pages of the file and of its WAL), under the raw
//! database key from the key file (`crate::keys`): a stolen `relay.db` alone yields no
//! narrative and no digest to test guesses against — and the scheme key is not in it at
//! all. The data directory is also made private to the relay's user.

use automerge::ChangeHash;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

use crate::keys::RelayKeys;

use mugsync_core::auth::DevicePublicKey;
use mugsync_core::identifiers::Region;
use mugsync_core::log::{DeviceActor, PartitionKey};
use mugsync_core::report::AreaList;

use std::collections::BTreeMap;

use super::pool::Pool;
use super::{
    heads_blob, heads_from_blob, Admission, DeviceId, DeviceRecord, NewDevice, PartitionState,
    RelayStore, RoundCommit, SchemeRecord, StoredPartition,
};
use crate::RelayError;

/// The file name of the relay store inside a data directory.
pub const STORE_FILE: &str = "relay.db";

const META_REGION: &str = "region";
const META_AREAS: &str = "areas";
const META_ACTOR: &str = "actor";

/// The SQLite relay store: a pool of connections to one file.
pub(crate) struct SqliteStore {
    pool: Pool,
}

/// What opening a connection needs: the file, its key, and where the key came from (for
/// the message when it does not fit).
struct Target {
    path: PathBuf,
    key: Zeroizing<String>,
    key_file: PathBuf,
}

fn open_conn(target: &Target, create: bool) -> Result<Connection, RelayError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(&target.path, flags)?;
    conn.pragma_update(None, "key", &*target.key)?;
    mugsync_persist::check_readable(&conn).map_err(|e| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => RelayError::WrongDatabaseKey {
            db: target.path.display().to_string(),
            key_file: target.key_file.display().to_string(),
        },
        _ => e.into(),
    })?;
    // WAL, synchronous=FULL, foreign keys, and a busy timeout: the coordinator's commands
    // (device add, revoke) open the same file while the relay serves, and several relays
    // may share it; they wait for each other's short transactions rather than fail.
    mugsync_persist::apply_pragmas(&conn)?;
    Ok(conn)
}

impl SqliteStore {
    fn with_pool(target: Target, first: Connection) -> SqliteStore {
        SqliteStore {
            pool: Pool::new(first, Box::new(move || open_conn(&target, false))),
        }
    }

    /// Creates a new store with a scheme at `path`; refuses if one exists.
    pub fn create(
        data_dir: &Path,
        path: &Path,
        keys: &RelayKeys,
        key_file: &Path,
        region: Region,
        areas: &AreaList,
    ) -> Result<SqliteStore, RelayError> {
        if path.exists() {
            return Err(RelayError::AlreadyInitialised(
                data_dir.display().to_string(),
            ));
        }
        for dir in [Some(data_dir), path.parent()].into_iter().flatten() {
            std::fs::create_dir_all(dir).map_err(|e| {
                RelayError::Io(format!(
                    "cannot create {}: {e}; check the --data-dir path and its permissions",
                    dir.display()
                ))
            })?;
        }
        restrict_permissions(data_dir);
        let target = Target {
            path: path.to_path_buf(),
            key: keys.sqlcipher_key(),
            key_file: key_file.to_path_buf(),
        };
        let mut conn = open_conn(&target, true)?;
        super::migrations::migrate(&mut conn)?;
        let tx = conn.transaction()?;
        for (k, v) in [
            (META_REGION, region.to_string().into_bytes()),
            (META_AREAS, areas.to_toml().into_bytes()),
            (META_ACTOR, DeviceActor::generate().to_bytes()),
        ] {
            tx.execute("INSERT INTO meta (k, v) VALUES (?1, ?2)", params![k, v])?;
        }
        tx.commit()?;
        Ok(Self::with_pool(target, conn))
    }

    /// Opens an existing store at `path`, bringing its schema up to date.
    pub fn open(
        data_dir: &Path,
        path: &Path,
        keys: &RelayKeys,
        key_file: &Path,
    ) -> Result<SqliteStore, RelayError> {
        if !path.exists() {
            return Err(RelayError::NotInitialised(data_dir.display().to_string()));
        }
        let target = Target {
            path: path.to_path_buf(),
            key: keys.sqlcipher_key(),
            key_file: key_file.to_path_buf(),
        };
        let mut conn = open_conn(&target, false)?;
        super::migrations::migrate(&mut conn)?;
        backfill_partition_states(&mut conn)?;
        Ok(Self::with_pool(target, conn))
    }

    fn meta(&self, key: &str) -> Result<Vec<u8>, RelayError> {
        self.pool
            .get()?
            .query_row("SELECT v FROM meta WHERE k = ?1", [key], |r| r.get(0))
            .optional()?
            .ok_or_else(|| RelayError::Damaged(format!("missing setting '{key}'")))
    }
}

/// Partitions stored before `partition_state` existed get their row (version 1, the heads
/// their bytes load to), once.
fn backfill_partition_states(conn: &mut Connection) -> Result<(), RelayError> {
    let missing: Vec<PartitionKey> = mugsync_persist::partition_keys(conn)?
        .into_iter()
        .filter(|k| {
            conn.query_row(
                "SELECT 1 FROM partition_state WHERE partition = ?1",
                [k.as_str()],
                |_| Ok(()),
            )
            .optional()
            .map(|found| found.is_none())
            .unwrap_or(true)
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let actor_bytes: Vec<u8> =
        conn.query_row("SELECT v FROM meta WHERE k = ?1", [META_ACTOR], |r| {
            r.get(0)
        })?;
    let actor = DeviceActor::from_bytes(&actor_bytes)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for key in missing {
        let stored = mugsync_persist::load_partition(&tx, &key)?;
        let heads = stored.into_partition(key.clone(), &actor)?.heads();
        tx.execute(
            "INSERT OR IGNORE INTO partition_state (partition, version, heads) VALUES (?1, 1, ?2)",
            params![key.as_str(), heads_blob(&heads)],
        )?;
    }
    tx.commit()?;
    Ok(())
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
        let region_text = String::from_utf8(self.meta(META_REGION)?)
            .map_err(|_| RelayError::Damaged("region".into()))?;
        let region =
            Region::parse(&region_text).map_err(|e| RelayError::Damaged(format!("region: {e}")))?;
        let areas_toml = String::from_utf8(self.meta(META_AREAS)?)
            .map_err(|_| RelayError::Damaged("areas".into()))?;
        Ok(SchemeRecord { region, areas_toml })
    }

    fn actor(&self) -> Result<DeviceActor, RelayError> {
        Ok(DeviceActor::from_bytes(&self.meta(META_ACTOR)?)?)
    }

    fn live_device_named(&self, name: &str) -> Result<Option<DeviceRecord>, RelayError> {
        let row = self
            .pool
            .get()?
            .query_row(
                &format!(
                    "SELECT {DEVICE_COLUMNS} FROM device
                     WHERE name = ?1 COLLATE NOCASE AND revoked_at IS NULL"
                ),
                [name],
                device_row,
            )
            .optional()?;
        row.map(with_key).transpose()
    }

    fn add_pending_device(
        &self,
        new: &NewDevice<'_>,
        replacing: Option<DeviceId>,
    ) -> Result<bool, RelayError> {
        let mut conn = self.pool.get()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(id) = replacing {
            tx.execute(
                "DELETE FROM device WHERE id = ?1 AND public_key IS NULL AND revoked_at IS NULL",
                [id],
            )?;
        }
        let inserted = tx.execute(
            "INSERT INTO device (name, code_hash, created_at, code_expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![new.name, &new.code_hash[..], new.created_at, new.code_expires_at],
        );
        match inserted {
            Ok(_) => {
                tx.commit()?;
                Ok(true)
            }
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    fn device_by_code(&self, code_hash: &[u8; 32]) -> Result<Option<DeviceRecord>, RelayError> {
        let row = self
            .pool
            .get()?
            .query_row(
                &format!("SELECT {DEVICE_COLUMNS} FROM device WHERE code_hash = ?1"),
                [&code_hash[..]],
                device_row,
            )
            .optional()?;
        row.map(with_key).transpose()
    }

    fn device_by_key(&self, key: &DevicePublicKey) -> Result<Option<DeviceRecord>, RelayError> {
        let conn = self.pool.get()?;
        let row = conn
            .prepare_cached(&format!(
                "SELECT {DEVICE_COLUMNS} FROM device WHERE public_key = ?1"
            ))?
            .query_row([&key.as_bytes()[..]], device_row)
            .optional()?;
        row.map(with_key).transpose()
    }

    fn enrol(
        &self,
        id: DeviceId,
        key: &DevicePublicKey,
        actor: &DeviceActor,
        at: i64,
    ) -> Result<bool, RelayError> {
        let outcome = self.pool.get()?.execute(
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
        let conn = self.pool.get()?;
        let bytes: Option<Vec<u8>> = conn
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
        let conn = self.pool.get()?;
        let mut stmt = conn.prepare(&format!("SELECT {DEVICE_COLUMNS} FROM device ORDER BY id"))?;
        let rows = stmt
            .query_map([], device_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(with_key).collect()
    }

    fn revoke(&self, name: &str, at: i64) -> Result<bool, RelayError> {
        let n = self.pool.get()?.execute(
            "UPDATE device SET revoked_at = ?2 WHERE name = ?1 COLLATE NOCASE AND revoked_at IS NULL",
            params![name, at],
        )?;
        Ok(n > 0)
    }

    fn admit(
        &self,
        key: &DevicePublicKey,
        nonce: &str,
        time_ms: i64,
        device: Option<DeviceId>,
        now: i64,
    ) -> Result<Admission, RelayError> {
        let mut conn = self.pool.get()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
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

    fn nonce_seen(&self, key: &DevicePublicKey, nonce: &str) -> Result<bool, RelayError> {
        let conn = self.pool.get()?;
        let seen = conn
            .prepare_cached("SELECT 1 FROM nonce WHERE public_key = ?1 AND nonce = ?2")?
            .exists(params![&key.as_bytes()[..], nonce])?;
        Ok(seen)
    }

    fn purge_nonces(&self, before_ms: i64) -> Result<usize, RelayError> {
        Ok(self
            .pool
            .get()?
            .execute("DELETE FROM nonce WHERE time_ms < ?1", [before_ms])?)
    }

    fn partition_states(&self) -> Result<BTreeMap<PartitionKey, PartitionState>, RelayError> {
        let conn = self.pool.get()?;
        let rows: Vec<(String, i64, Vec<u8>)> = conn
            .prepare_cached("SELECT partition, version, heads FROM partition_state")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|(k, version, heads)| {
                Ok((
                    PartitionKey::parse(&k)?,
                    PartitionState {
                        version,
                        heads: heads_from_blob(&heads)?,
                    },
                ))
            })
            .collect()
    }

    fn partition_state(&self, key: &PartitionKey) -> Result<Option<PartitionState>, RelayError> {
        let conn = self.pool.get()?;
        let row: Option<(i64, Vec<u8>)> = conn
            .prepare_cached("SELECT version, heads FROM partition_state WHERE partition = ?1")?
            .query_row([key.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        row.map(|(version, heads)| {
            Ok(PartitionState {
                version,
                heads: heads_from_blob(&heads)?,
            })
        })
        .transpose()
    }

    fn load_partition(&self, key: &PartitionKey) -> Result<(StoredPartition, i64), RelayError> {
        let mut conn = self.pool.get()?;
        // One read transaction: the bytes and the version describe the same moment.
        let tx = conn.transaction()?;
        let version: i64 = tx
            .prepare_cached("SELECT version FROM partition_state WHERE partition = ?1")?
            .query_row([key.as_str()], |r| r.get(0))
            .optional()?
            .unwrap_or(0);
        let stored = mugsync_persist::load_partition(&tx, key)?;
        tx.commit()?;
        Ok((stored, version))
    }

    fn device_heads(
        &self,
        device: DeviceId,
        key: &PartitionKey,
    ) -> Result<Option<Vec<ChangeHash>>, RelayError> {
        let conn = self.pool.get()?;
        let blob: Option<Vec<u8>> = conn
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
        let conn = self.pool.get()?;
        let blob: Option<Vec<u8>> = conn
            .prepare_cached("SELECT deps FROM rejected_change WHERE partition = ?1 AND hash = ?2")?
            .query_row(params![key.as_str(), &hash.0[..]], |r| r.get(0))
            .optional()?;
        blob.map(|b| heads_from_blob(&b)).transpose()
    }

    fn commit_round(&self, device: DeviceId, round: &RoundCommit) -> Result<(), RelayError> {
        let mut conn = self.pool.get()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for adv in &round.advances {
            let moved = if adv.from_version == 0 {
                tx.prepare_cached(
                    "INSERT INTO partition_state (partition, version, heads) VALUES (?1, 1, ?2)
                     ON CONFLICT(partition) DO NOTHING",
                )?
                .execute(params![adv.key.as_str(), heads_blob(&adv.heads)])?
            } else {
                tx.prepare_cached(
                    "UPDATE partition_state SET version = version + 1, heads = ?3
                     WHERE partition = ?1 AND version = ?2",
                )?
                .execute(params![
                    adv.key.as_str(),
                    adv.from_version,
                    heads_blob(&adv.heads)
                ])?
            };
            if moved != 1 {
                // Dropping the transaction rolls everything back.
                return Err(RelayError::Conflict);
            }
        }
        for w in &round.chunks {
            mugsync_persist::append_chunk(&tx, w)?;
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

    fn compact(
        &self,
        key: &PartitionKey,
        snapshot: &[u8],
        version: i64,
    ) -> Result<bool, RelayError> {
        let mut conn = self.pool.get()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: Option<i64> = tx
            .query_row(
                "SELECT version FROM partition_state WHERE partition = ?1",
                [key.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        if current != Some(version) {
            // Another relay appended since this copy was loaded: the snapshot would miss it.
            return Ok(false);
        }
        mugsync_persist::put_snapshot(&tx, key, snapshot)?;
        tx.commit()?;
        Ok(true)
    }
}

#[cfg(unix)]
fn restrict_permissions(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    // The store holds the scheme key: nobody but the relay's user should read it.
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
}

#[cfg(not(unix))]
fn restrict_permissions(_dir: &Path) {}
