//! The coordinator's commands on a relay's data directory: create the relay, issue
//! enrolment codes, list and revoke devices, read the relay's copy of the log. They open
//! the store directly and may run while the relay serves (SQLite's WAL lets both in; a
//! revocation takes effect on the device's next request).

use serde::Serialize;
use std::path::Path;
use time::OffsetDateTime;

use mugsync_core::identifiers::Region;
use mugsync_core::log::PartitionKey;
use mugsync_core::report::{AreaList, Report};

use crate::config::RelayConfig;
use crate::enrolment::{check_name, issue_code};
use crate::keys::RelayKeys;
use crate::storage::{DeviceRecord, RelayStore};
use crate::RelayError;

/// A one-time enrolment code, shown once to the coordinator and never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentCode {
    /// The code, grouped for reading (`ABCD-EFGH-…`, 140 random bits).
    pub code: String,
    /// When it stops working (24 hours after issue).
    pub expires_at: OffsetDateTime,
}

/// Where a device stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceState {
    /// A code was issued; the device has not enrolled (the code may have expired: see
    /// [`DeviceInfo::code_expires_at`]).
    Pending,
    /// Enrolled and allowed to sync.
    Enrolled,
    /// Revoked by the coordinator; refused from then on.
    Revoked,
}

/// One device, as `mugsync-relay device list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceInfo {
    /// The name the coordinator chose.
    pub name: String,
    /// Where it stands.
    pub state: DeviceState,
    /// When its code was issued.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When its code stops (or stopped) working.
    #[serde(with = "time::serde::rfc3339")]
    pub code_expires_at: OffsetDateTime,
    /// When it enrolled.
    #[serde(with = "time::serde::rfc3339::option")]
    pub enrolled_at: Option<OffsetDateTime>,
    /// When it was revoked.
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    /// Its last authenticated request.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_seen: Option<OffsetDateTime>,
}

fn at(secs: i64) -> Result<OffsetDateTime, RelayError> {
    OffsetDateTime::from_unix_timestamp(secs)
        .map_err(|_| RelayError::Damaged("a stored time".into()))
}

fn at_opt(secs: Option<i64>) -> Result<Option<OffsetDateTime>, RelayError> {
    secs.map(at).transpose()
}

impl TryFrom<DeviceRecord> for DeviceInfo {
    type Error = RelayError;
    fn try_from(d: DeviceRecord) -> Result<DeviceInfo, RelayError> {
        let state = match (d.revoked_at, &d.public_key) {
            (Some(_), _) => DeviceState::Revoked,
            (None, Some(_)) => DeviceState::Enrolled,
            (None, None) => DeviceState::Pending,
        };
        Ok(DeviceInfo {
            name: d.name,
            state,
            created_at: at(d.created_at)?,
            code_expires_at: at(d.code_expires_at)?,
            enrolled_at: at_opt(d.enrolled_at)?,
            revoked_at: at_opt(d.revoked_at)?,
            last_seen: at_opt(d.last_seen)?,
        })
    }
}

/// The store of the relay in `data_dir`, where its `relay.toml` (and the environment) say.
fn open_store(data_dir: &Path) -> Result<Box<dyn RelayStore>, RelayError> {
    let config = RelayConfig::load(None, data_dir)?;
    config.check_initialised()?;
    let keys = RelayKeys::load(&config.key_file)?;
    crate::storage::open(&config, &keys)
}

/// The relay's SQLite database opened directly with its key: for repairs and for tests
/// that must put the store in a state no command makes (an expired code). Not for serving.
#[doc(hidden)]
pub fn open_database_raw(data_dir: &Path) -> Result<rusqlite::Connection, RelayError> {
    let config = RelayConfig::load(None, data_dir)?;
    let keys = RelayKeys::load(&config.key_file)?;
    let crate::config::DatabaseUrl::Sqlite(path) = &config.database;
    let conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "key", &*keys.sqlcipher_key())?;
    mugsync_persist::check_readable(&conn)?;
    Ok(conn)
}

/// What [`init`] made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// The key file (mode 0600): keep it apart from backups of the database.
    pub key_file: std::path::PathBuf,
}

/// Creates the relay's key file (a fresh scheme key and database key, mode 0600) and its
/// encrypted store in `data_dir`, with the scheme's areas and default phone region.
/// Refuses if a relay store (or a key file) is already there.
pub fn init(data_dir: &Path, areas: AreaList, region: Region) -> Result<Created, RelayError> {
    let config = RelayConfig::load(None, data_dir)?;
    let crate::config::DatabaseUrl::Sqlite(db) = &config.database;
    if db.exists() {
        return Err(RelayError::AlreadyInitialised(
            data_dir.display().to_string(),
        ));
    }
    if let Some(dir) = config.key_file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| {
            RelayError::Io(format!(
                "cannot create {}: {e}; check the --data-dir path and its permissions",
                dir.display()
            ))
        })?;
    }
    let keys = RelayKeys::generate();
    keys.create(&config.key_file)?;
    crate::storage::create(&config, &keys, region, &areas)?;
    Ok(Created {
        key_file: config.key_file,
    })
}

/// Issues a one-time code for a new device called `name` (1–64 characters of letters,
/// digits, space, `_`, `.`, `-`; unique, ignoring case, among devices not revoked). The
/// code works once, for 24 hours; the relay keeps only its SHA-256.
pub fn add_device(data_dir: &Path, name: &str) -> Result<EnrolmentCode, RelayError> {
    check_name(name)?;
    let store = open_store(data_dir)?;
    issue_code(&*store, name, OffsetDateTime::now_utc())
}

/// Every device, oldest first (revoked ones included, for the record).
pub fn list_devices(data_dir: &Path) -> Result<Vec<DeviceInfo>, RelayError> {
    open_store(data_dir)?
        .devices()?
        .into_iter()
        .map(DeviceInfo::try_from)
        .collect()
}

/// Revokes the device called `name` (ignoring case): its next request is refused with
/// `revoked`, and a code still waiting for it stops working.
pub fn revoke_device(data_dir: &Path, name: &str) -> Result<(), RelayError> {
    if open_store(data_dir)?.revoke(name, OffsetDateTime::now_utc().unix_timestamp())? {
        Ok(())
    } else {
        Err(RelayError::NoSuchDevice(name.to_owned()))
    }
}

/// The relay's copy of the log as reports, per partition (oldest first, reports by id).
/// Entries that do not fit the schema are left out; validation keeps them from ever
/// reaching the relay.
pub fn relay_log_snapshot(data_dir: &Path) -> Result<Vec<(PartitionKey, Vec<Report>)>, RelayError> {
    let store = open_store(data_dir)?;
    let actor = store.actor()?;
    let mut out = Vec::new();
    for key in store.partition_states()?.into_keys() {
        let (stored, _) = store.load_partition(&key)?;
        let part = stored.into_partition(key.clone(), &actor)?;
        let mut reports = part.reports().0;
        reports.sort_by_key(|r| r.id);
        out.push((key, reports));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const AREAS: &str = include_str!("../../../fixtures/areas.toml");

    #[test]
    fn devices_from_code_to_revocation() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("relay");
        assert!(matches!(
            add_device(&data, "van-1"),
            Err(RelayError::NotInitialised(_))
        ));
        init(&data, AreaList::from_toml(AREAS).unwrap(), Region::gb()).unwrap();
        assert!(matches!(
            init(&data, AreaList::from_toml(AREAS).unwrap(), Region::gb()),
            Err(RelayError::AlreadyInitialised(_))
        ));
        let code = add_device(&data, "van-1").unwrap();
        assert!(code.expires_at > OffsetDateTime::now_utc() + time::Duration::hours(23));
        assert!(matches!(
            add_device(&data, "VAN-1"),
            Err(RelayError::CodePending { .. })
        ));
        assert!(matches!(
            add_device(&data, "van/1"),
            Err(RelayError::BadDeviceName(_))
        ));
        let list = list_devices(&data).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].state, DeviceState::Pending);
        let json = serde_json::to_value(&list[0]).unwrap();
        assert_eq!(json["state"], "pending");
        assert!(json["enrolled_at"].is_null());
        // The code is stored only as a hash.
        let db = std::fs::read(data.join(crate::STORE_FILE)).unwrap();
        assert!(!db
            .windows(code.code.len())
            .any(|w| w == code.code.as_bytes()));
        revoke_device(&data, "Van-1").unwrap();
        assert!(matches!(
            revoke_device(&data, "van-1"),
            Err(RelayError::NoSuchDevice(_))
        ));
        // A revoked name can be issued again.
        add_device(&data, "van-1").unwrap();
        let states: Vec<DeviceState> = list_devices(&data)
            .unwrap()
            .iter()
            .map(|d| d.state)
            .collect();
        assert_eq!(states, vec![DeviceState::Revoked, DeviceState::Pending]);
        assert!(relay_log_snapshot(&data).unwrap().is_empty());
    }
}
