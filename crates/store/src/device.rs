//! [`DeviceStore`]: the filing device's encrypted SQLite store.
//!
//! Every write follows one rule: the log change, the view and any local-only row are
//! committed in a single SQLite transaction (WAL, `synchronous=FULL`) before the call
//! returns, so a crash after return cannot lose the report and a crash before it leaves
//! no half-written report.

use automerge::ChangeHash;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Transaction};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use mugsync_core::check::{CheckAnswer, CheckedValue};
use mugsync_core::identifiers::{
    Identifier, NormalisedEmail, NormalisedPhone, PlainIdentifiers, Region, SchemeKey,
};
use mugsync_core::log::{BadEntry, DeviceActor, LogPartition, LogWrite, PartitionKey};
use mugsync_core::report::{
    Amendment, AreaList, Consent, IntakeContext, NewReport, Reason, Report, ReportId, Status,
};
use mugsync_core::victim::VictimPrivate;
use mugsync_persist::ChunkTally;

use crate::meta;
use crate::{Passphrase, StoreError};

mod links;
mod rekey;

pub use rekey::NewScheme;

/// The file name of the store inside a data directory.
pub const STORE_FILE: &str = "device.db";

/// What a new store starts with.
pub struct InitOptions {
    /// The scheme key (from a file, or enrolment with a relay).
    pub scheme_key: SchemeKey,
    /// Default region for national phone numbers.
    pub region: Region,
    /// The scheme's areas.
    pub areas: AreaList,
}

/// Where a report this device filed stands with the relay.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", content = "detail", rename_all = "snake_case")]
pub enum LocalSyncState {
    /// Filed here, not yet accepted by the relay.
    NotSynced,
    /// The relay holds it.
    Synced,
    /// The relay refused it; the reason says why.
    Rejected(String),
}

/// The device store, unlocked.
pub struct DeviceStore {
    conn: Connection,
    path: PathBuf,
    actor: DeviceActor,
    key: SchemeKey,
    region: Region,
    areas: AreaList,
    loaded: BTreeMap<PartitionKey, LogPartition>,
    chunks_since_snapshot: ChunkTally,
}

fn open_conn(path: &Path, passphrase: &Passphrase, create: bool) -> Result<Connection, StoreError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags)?;
    conn.pragma_update(None, "key", passphrase.expose())?;
    // SQLCipher logs a wrong key's failed page checks to stderr by itself, ahead of our one
    // clear message. Its log settings are global and reset when the first key is applied,
    // so silence it here, after `key` and before the first read.
    conn.pragma_update(None, "cipher_log_level", "NONE")?;
    mugsync_persist::check_readable(&conn).map_err(|e| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => StoreError::WrongPassphrase,
        _ => StoreError::from(e),
    })?;
    mugsync_persist::apply_pragmas(&conn)?;
    // Every page read from disk is decrypted and authenticated; a larger page cache (16 MiB)
    // keeps checks and lists off that path once warm.
    conn.pragma_update(None, "cache_size", -16_384)?;
    Ok(conn)
}

impl DeviceStore {
    /// What this device may do to a report under the lifecycle rules (the app and CLI
    /// offer only that).
    pub fn role(
        &mut self,
        id: &ReportId,
    ) -> Result<mugsync_core::report::lifecycle::Role, StoreError> {
        Ok(self.partition(&PartitionKey::of(id))?.role(id)?)
    }

    /// This device's automerge actor.
    pub fn actor(&self) -> &DeviceActor {
        &self.actor
    }

    /// The store's path inside a data directory.
    pub fn path_in(data_dir: &Path) -> PathBuf {
        data_dir.join(STORE_FILE)
    }

    /// Creates a new store in `data_dir` (which is created if missing).
    pub fn create(
        data_dir: &Path,
        passphrase: &Passphrase,
        init: InitOptions,
    ) -> Result<DeviceStore, StoreError> {
        Self::create_with_settings(data_dir, passphrase, init, &[], DeviceActor::generate())
    }

    /// Checks, without writing anything, that a store could be created in `data_dir`: the
    /// passphrase is strong enough, no store is there yet, and the directory can be created
    /// and written. Enrolment runs this before it spends a one-time code.
    pub fn check_can_create(data_dir: &Path, passphrase: &Passphrase) -> Result<(), StoreError> {
        passphrase.check_strength()?;
        let path = Self::path_in(data_dir);
        if path.exists() {
            return Err(StoreError::AlreadyInitialised(path.display().to_string()));
        }
        let cannot = |e: std::io::Error| {
            StoreError::Sqlite(format!(
                "cannot write in {}: {e}; choose another --data-dir",
                data_dir.display()
            ))
        };
        // The probe makes missing parents too; they are harmless and needed anyway.
        std::fs::create_dir_all(data_dir).map_err(cannot)?;
        let probe = data_dir.join(".mugsync-write-check");
        std::fs::write(&probe, b"").map_err(cannot)?;
        let _ = std::fs::remove_file(&probe);
        Ok(())
    }

    /// Creates a new store with local-only `settings` (e.g. enrolment's device key and
    /// relay address) written in the same transaction as the scheme key, region, areas and
    /// actor: a crash leaves either all of them or none. `actor` makes this device's log
    /// changes (enrolment names it to the relay before the store exists).
    pub fn create_with_settings(
        data_dir: &Path,
        passphrase: &Passphrase,
        init: InitOptions,
        settings: &[(&str, &[u8])],
        actor: DeviceActor,
    ) -> Result<DeviceStore, StoreError> {
        passphrase.check_strength()?;
        let path = Self::path_in(data_dir);
        if path.exists() {
            return Err(StoreError::AlreadyInitialised(path.display().to_string()));
        }
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::Sqlite(format!("cannot create {}: {e}", data_dir.display()))
        })?;
        restrict_permissions(data_dir);
        let mut conn = open_conn(&path, passphrase, true)?;
        crate::migrations::migrate(&mut conn)?;
        let tx = conn.transaction()?;
        meta::put(&tx, meta::SCHEME_KEY, init.scheme_key.expose_bytes())?;
        meta::put(&tx, meta::REGION, init.region.to_string().as_bytes())?;
        meta::put(&tx, meta::AREAS, init.areas.to_toml().as_bytes())?;
        meta::put(&tx, meta::ACTOR, &actor.to_bytes())?;
        for (k, v) in settings {
            meta::put(&tx, k, v)?;
        }
        tx.commit()?;
        Self::open(data_dir, passphrase)
    }

    /// Opens an existing store. A wrong passphrase changes nothing.
    pub fn open(data_dir: &Path, passphrase: &Passphrase) -> Result<DeviceStore, StoreError> {
        let path = Self::path_in(data_dir);
        if !path.exists() {
            return Err(StoreError::NotInitialised(data_dir.display().to_string()));
        }
        let mut conn = open_conn(&path, passphrase, false)?;
        crate::migrations::migrate(&mut conn)?;
        let key = SchemeKey::from_bytes(&meta::get(&conn, meta::SCHEME_KEY)?)
            .map_err(|e| StoreError::Damaged(format!("scheme key: {e}")))?;
        let region_text = String::from_utf8(meta::get(&conn, meta::REGION)?)
            .map_err(|_| StoreError::Damaged("region".into()))?;
        let region =
            Region::parse(&region_text).map_err(|e| StoreError::Damaged(format!("region: {e}")))?;
        let areas_text = String::from_utf8(meta::get(&conn, meta::AREAS)?)
            .map_err(|_| StoreError::Damaged("areas".into()))?;
        let areas = AreaList::from_toml(&areas_text)
            .map_err(|e| StoreError::Damaged(format!("areas: {e}")))?;
        let actor = DeviceActor::from_bytes(&meta::get(&conn, meta::ACTOR)?)?;
        let mut store = DeviceStore {
            conn,
            path,
            actor,
            key,
            region,
            areas,
            loaded: BTreeMap::new(),
            chunks_since_snapshot: ChunkTally::new(),
        };
        // The current month is where new reports go: have it ready.
        let current = PartitionKey::of(&ReportId::new());
        store.partition(&current)?;
        Ok(store)
    }

    /// Where the store file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What parsing a new report needs.
    pub fn intake(&self) -> IntakeContext<'_> {
        IntakeContext {
            key: &self.key,
            region: self.region,
            areas: &self.areas,
        }
    }

    /// The scheme's areas.
    pub fn areas(&self) -> &AreaList {
        &self.areas
    }

    /// The default phone region.
    pub fn region(&self) -> Region {
        self.region
    }

    /// The scheme key, for digesting what a user checks. Never print it.
    pub fn scheme_key(&self) -> &SchemeKey {
        &self.key
    }

    /// Replaces the scheme's areas (e.g. after enrolment or an update from the relay).
    pub fn set_areas(&mut self, areas: AreaList) -> Result<(), StoreError> {
        meta::put(&self.conn, meta::AREAS, areas.to_toml().as_bytes())?;
        self.areas = areas;
        Ok(())
    }

    /// A local-only setting (enrolment, relay URL, device keys).
    pub fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        meta::get_opt(&self.conn, key)
    }

    /// Sets a local-only setting.
    pub fn set_meta(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        meta::put(&self.conn, key, value)
    }

    /// Loads a partition on first use.
    pub fn partition(&mut self, key: &PartitionKey) -> Result<&mut LogPartition, StoreError> {
        if !self.loaded.contains_key(key) {
            let stored = mugsync_persist::load_partition(&self.conn, key)?;
            let part = stored.into_partition(key.clone(), &self.actor)?;
            self.chunks_since_snapshot.loaded(key, stored.chunks.len());
            self.loaded.insert(key.clone(), part);
        }
        Ok(self.loaded.get_mut(key).expect("just loaded"))
    }

    /// Every partition this device holds, oldest first.
    pub fn partition_keys(&self) -> Result<Vec<PartitionKey>, StoreError> {
        Ok(mugsync_persist::partition_keys(&self.conn)?)
    }

    /// Runs a log write and commits its bytes, the refreshed view and `extra` in one
    /// transaction. On any failure the in-memory partition is dropped, so it reloads from
    /// what is durably stored.
    fn write<T>(
        &mut self,
        id: &ReportId,
        op: impl FnOnce(&mut LogPartition) -> Result<(LogWrite, T), StoreError>,
        extra: impl FnOnce(&Transaction<'_>) -> Result<(), StoreError>,
    ) -> Result<T, StoreError> {
        let key = &PartitionKey::of(id);
        let outcome = (|| {
            let part = self.partition(key)?;
            let (write, value) = op(part)?;
            // A local write touches exactly its own report: no need to diff the document.
            let report = part.report(id)?;
            let tx = self.conn.transaction()?;
            append_chunk(&tx, &write)?;
            crate::view::refresh(&tx, id, key, report.as_ref())?;
            extra(&tx)?;
            tx.commit()?;
            Ok(value)
        })();
        match outcome {
            Ok(v) => {
                self.chunks_since_snapshot.add(key);
                self.maybe_compact(key)?;
                Ok(v)
            }
            Err(e) => {
                self.loaded.remove(key);
                Err(e)
            }
        }
    }

    /// Files a new report: durable when this returns. Victim-private details go to their
    /// own local table in the same transaction; they never touch the log.
    pub fn file(&mut self, new: NewReport) -> Result<ReportId, StoreError> {
        let id = ReportId::new();
        let NewReport {
            body,
            consent,
            victim,
            plain,
        } = new;
        self.write(
            &id,
            |p| Ok((p.file(id, &body, consent)?, ())),
            |tx| record_filed_here(tx, &id, victim.as_ref(), &plain),
        )?;
        Ok(id)
    }

    /// Files many reports at once, as when a scheme imports its history: one transaction,
    /// one chunk per partition, then each touched partition is compacted. All or nothing.
    pub fn import(
        &mut self,
        reports: Vec<(ReportId, NewReport)>,
    ) -> Result<Vec<ReportId>, StoreError> {
        let mut by_partition: BTreeMap<PartitionKey, Vec<(ReportId, NewReport)>> = BTreeMap::new();
        for (id, new) in reports {
            by_partition
                .entry(PartitionKey::of(&id))
                .or_default()
                .push((id, new));
        }
        let keys: Vec<PartitionKey> = by_partition.keys().cloned().collect();
        let outcome = (|| {
            let mut writes = Vec::new();
            let mut rows = Vec::new();
            for (key, items) in by_partition {
                let part = self.partition(&key)?;
                let mut bytes = Vec::new();
                for (id, new) in items {
                    bytes.extend(part.file(id, &new.body, new.consent)?.bytes);
                    let report = part.report(&id)?;
                    rows.push((id, key.clone(), report, new.victim, new.plain));
                }
                writes.push(LogWrite {
                    partition: key,
                    bytes,
                });
            }
            let tx = self.conn.transaction()?;
            for w in &writes {
                append_chunk(&tx, w)?;
            }
            let mut ids = Vec::with_capacity(rows.len());
            for (id, key, report, victim, plain) in &rows {
                crate::view::refresh(&tx, id, key, report.as_ref())?;
                record_filed_here(&tx, id, victim.as_ref(), plain)?;
                ids.push(*id);
            }
            tx.commit()?;
            Ok(ids)
        })();
        match outcome {
            Ok(ids) => {
                for key in &keys {
                    self.compact(key)?;
                }
                Ok(ids)
            }
            Err(e) => {
                for key in &keys {
                    self.loaded.remove(key);
                }
                Err(e)
            }
        }
    }

    /// Appends an amendment.
    pub fn amend(&mut self, id: &ReportId, amendment: &Amendment) -> Result<(), StoreError> {
        self.amend_with_plain(id, amendment, &PlainIdentifiers::default())
    }

    /// Appends an amendment and keeps the plaintext of the identifiers it adds in the
    /// local-only table, in the same transaction (see [`DeviceStore::plain_identifiers`]).
    pub fn amend_with_plain(
        &mut self,
        id: &ReportId,
        amendment: &Amendment,
        plain: &PlainIdentifiers,
    ) -> Result<(), StoreError> {
        if amendment.is_empty() {
            return Err(mugsync_core::report::FieldError::new(
                "amendment",
                "adds nothing; give a note, a phone or an email",
            )
            .into());
        }
        self.write(
            id,
            |p| Ok((p.amend(id, amendment)?, ())),
            |tx| record_plain(tx, id, plain),
        )
    }

    /// The plaintext phone numbers and emails given on this device for a report (its body
    /// and amendments): local only, for sealing police payloads and re-keying.
    pub fn plain_identifiers(&self, id: &ReportId) -> Result<PlainIdentifiers, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT kind, value FROM local_identifier WHERE report_id = ?1 ORDER BY kind, value",
        )?;
        let rows: Vec<(String, String)> = stmt
            .query_map([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut plain = PlainIdentifiers::default();
        for (kind, value) in rows {
            // The error would repeat the plaintext: say only which kind failed.
            let damaged = |_| StoreError::Damaged(format!("a kept {kind} no longer parses"));
            match kind.as_str() {
                "phone" => {
                    plain.add_phone(NormalisedPhone::parse(&value, self.region).map_err(damaged)?)
                }
                "email" => plain.add_email(NormalisedEmail::parse(&value).map_err(damaged)?),
                other => return Err(StoreError::Damaged(format!("identifier kind '{other}'"))),
            }
        }
        Ok(plain)
    }

    /// Withdraws a report, with a reason. Alert consent is withdrawn with it.
    pub fn withdraw(&mut self, id: &ReportId, reason: &Reason) -> Result<(), StoreError> {
        self.write(id, |p| Ok((p.withdraw(id, reason)?, ())), |_| Ok(()))
    }

    /// Sets a report's status (open or verified; withdraw with [`DeviceStore::withdraw`]).
    pub fn set_status(&mut self, id: &ReportId, status: Status) -> Result<(), StoreError> {
        if status == Status::Withdrawn {
            return Err(mugsync_core::report::FieldError::new(
                "status",
                "use withdraw, which records a reason",
            )
            .into());
        }
        self.write(
            id,
            |p| Ok((p.set_status(id, status, None)?, ())),
            |_| Ok(()),
        )
    }

    /// Changes consent.
    pub fn set_consent(&mut self, id: &ReportId, consent: Consent) -> Result<(), StoreError> {
        self.write(id, |p| Ok((p.set_consent(id, consent)?, ())), |_| Ok(()))
    }

    /// Persists whatever a sync (or any merge) added to a partition, and refreshes the view
    /// of every report it touched. Returns those reports.
    pub fn merge_into(
        &mut self,
        key: &PartitionKey,
        merge: impl FnOnce(&mut LogPartition) -> Result<(), StoreError>,
    ) -> Result<BTreeSet<ReportId>, StoreError> {
        self.merge_with(key, |p| merge(p).map(|()| None))
    }

    /// [`DeviceStore::merge_into`], where the merge may say which reports it touched (so
    /// the partition is not diffed: a diff across a long concurrent branch costs far more
    /// than the changes that arrived).
    fn merge_with(
        &mut self,
        key: &PartitionKey,
        merge: impl FnOnce(&mut LogPartition) -> Result<Option<BTreeSet<ReportId>>, StoreError>,
    ) -> Result<BTreeSet<ReportId>, StoreError> {
        let outcome = (|| {
            let part = self.partition(key)?;
            let before = part.heads();
            let told = merge(part)?;
            // A partition that was empty is stored as one compressed snapshot: its changes
            // one by one would be several times larger (and all encrypted on the way in).
            let write = if before.is_empty() {
                if part.is_empty() {
                    return Ok((BTreeSet::new(), false));
                }
                Persist::Snapshot(part.save())
            } else {
                match part.take_unpersisted() {
                    Some(w) => Persist::Chunk(w),
                    None => return Ok((BTreeSet::new(), false)),
                }
            };
            // A partition that was empty (a new device's first sync) has every report
            // touched: reading them all once is far cheaper than diffing from nothing.
            let (reports, bad): (Vec<(ReportId, Option<Report>)>, Vec<BadEntry>) =
                if before.is_empty() {
                    let (good, bad) = part.reports();
                    (good.into_iter().map(|r| (r.id, Some(r))).collect(), bad)
                } else {
                    let mut reports = Vec::new();
                    let mut bad = Vec::new();
                    let touched = match told {
                        Some(t) => t,
                        None => part.touched_since(&before),
                    };
                    for id in touched {
                        match part.report(&id) {
                            Ok(r) => reports.push((id, r)),
                            Err(e) => {
                                bad.push(BadEntry {
                                    key: id.to_string(),
                                    problem: e.to_string(),
                                });
                                reports.push((id, None));
                            }
                        }
                    }
                    (reports, bad)
                };
            let touched: BTreeSet<ReportId> = reports.iter().map(|(id, _)| *id).collect();
            let tx = self.conn.transaction()?;
            let snapshotted = match &write {
                Persist::Chunk(w) => {
                    append_chunk(&tx, w)?;
                    false
                }
                Persist::Snapshot(bytes) => {
                    put_snapshot(&tx, key, bytes)?;
                    true
                }
            };
            for (id, report) in &reports {
                crate::view::refresh(&tx, id, key, report.as_ref())?;
            }
            crate::view::record_bad(&tx, key, &bad)?;
            tx.commit()?;
            Ok((touched, snapshotted))
        })();
        match outcome {
            Ok((t, true)) => {
                self.chunks_since_snapshot.compacted(key);
                Ok(t)
            }
            Ok((t, false)) => {
                self.chunks_since_snapshot.add(key);
                self.maybe_compact(key)?;
                Ok(t)
            }
            Err(e) => {
                self.loaded.remove(key);
                Err(e)
            }
        }
    }

    /// Sets changes the relay refused aside: the partition is rebuilt without them (and
    /// their dependants), this device's later edits are made again on top, the refused
    /// bytes are kept in a local table, and the view is refreshed — in one transaction.
    pub fn set_aside(
        &mut self,
        key: &PartitionKey,
        refused: &[automerge::ChangeHash],
    ) -> Result<mugsync_core::log::SetAside, StoreError> {
        let outcome = (|| {
            let part = self.partition(key)?;
            let out = part.set_aside(refused)?;
            if out.kept_bytes.is_empty() && out.remade == 0 {
                return Ok(out);
            }
            let snapshot = part.save();
            let reports: Vec<(ReportId, Option<Report>)> = out
                .touched
                .iter()
                .map(|id| (*id, part.report(id).ok().flatten()))
                .collect();
            let tx = self.conn.transaction()?;
            put_snapshot(&tx, key, &snapshot)?;
            for (hash, bytes) in &out.kept_bytes {
                tx.execute(
                    "INSERT OR IGNORE INTO set_aside_change (partition, hash, bytes) VALUES (?1, ?2, ?3)",
                    params![key.as_str(), &hash.0[..], bytes],
                )?;
            }
            for (id, report) in &reports {
                crate::view::refresh(&tx, id, key, report.as_ref())?;
            }
            tx.commit()?;
            Ok(out)
        })();
        match outcome {
            Ok(out) => {
                self.chunks_since_snapshot.compacted(key);
                Ok(out)
            }
            Err(e) => {
                self.loaded.remove(key);
                Err(e)
            }
        }
    }

    /// Merges raw automerge bytes (another device's saved log) into a partition.
    pub fn merge_bytes(
        &mut self,
        key: &PartitionKey,
        bytes: &[u8],
    ) -> Result<BTreeSet<ReportId>, StoreError> {
        self.merge_with(key, |p| {
            p.merge_bytes(bytes).map(Some).map_err(StoreError::from)
        })
    }

    fn maybe_compact(&mut self, key: &PartitionKey) -> Result<(), StoreError> {
        if !self.chunks_since_snapshot.due(key) {
            return Ok(());
        }
        self.compact(key)
    }

    /// Rewrites a partition as one snapshot and drops its chunks, in one transaction.
    pub fn compact(&mut self, key: &PartitionKey) -> Result<(), StoreError> {
        let bytes = self.partition(key)?.save();
        let tx = self.conn.transaction()?;
        put_snapshot(&tx, key, &bytes)?;
        tx.commit()?;
        self.chunks_since_snapshot.compacted(key);
        Ok(())
    }

    /// One report from the view.
    pub fn report(&self, id: &ReportId) -> Result<Option<Report>, StoreError> {
        crate::view::get(&self.conn, id)
    }

    /// Every report, newest incident first.
    pub fn list(&self) -> Result<Vec<Report>, StoreError> {
        crate::view::all(&self.conn)
    }

    /// Number of reports in the view.
    pub fn count(&self) -> Result<usize, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM report_view", [], |r| r.get(0))?;
        Ok(n as usize)
    }

    /// Answers a check from the local index: no network.
    pub fn check(&self, identifier: &Identifier) -> Result<CheckAnswer, StoreError> {
        let hits = crate::view::matching(&self.conn, &self.key, identifier)?;
        Ok(CheckAnswer::from_hits(CheckedValue::of(identifier), hits))
    }

    /// The victim-private details of a report filed here.
    pub fn victim_private(&self, id: &ReportId) -> Result<Option<VictimPrivate>, StoreError> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT json FROM victim_private WHERE report_id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        json.map(|j| {
            VictimPrivate::from_store_json(&j).map_err(|e| StoreError::Damaged(e.to_string()))
        })
        .transpose()
    }

    /// Where a report filed here stands with the relay; `None` for reports from elsewhere.
    pub fn local_state(&self, id: &ReportId) -> Result<Option<LocalSyncState>, StoreError> {
        let row: Option<(String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT sync_state, detail FROM local_report WHERE report_id = ?1",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(row.map(|(state, detail)| match state.as_str() {
            "synced" => LocalSyncState::Synced,
            "rejected" => LocalSyncState::Rejected(detail.unwrap_or_default()),
            _ => LocalSyncState::NotSynced,
        }))
    }

    /// Records where a report filed here stands with the relay.
    pub fn set_local_state(&self, id: &ReportId, state: &LocalSyncState) -> Result<(), StoreError> {
        let (word, detail) = match state {
            LocalSyncState::NotSynced => ("not_synced", None),
            LocalSyncState::Synced => ("synced", None),
            LocalSyncState::Rejected(r) => ("rejected", Some(r.as_str())),
        };
        self.conn.execute(
            "INSERT INTO local_report (report_id, sync_state, detail) VALUES (?1, ?2, ?3)
             ON CONFLICT(report_id) DO UPDATE SET sync_state = excluded.sync_state, detail = excluded.detail",
            params![id.to_string(), word, detail],
        )?;
        Ok(())
    }

    /// Current heads of a partition (loading it if needed).
    pub fn heads(&mut self, key: &PartitionKey) -> Result<Vec<ChangeHash>, StoreError> {
        Ok(self.partition(key)?.heads())
    }

    /// Changes after `heads` in a partition; `None` when this device lacks one of them.
    pub fn changes_after(
        &mut self,
        key: &PartitionKey,
        heads: &[ChangeHash],
    ) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.partition(key)?.changes_after(heads))
    }

    /// What this device last knew of the relay's heads for a partition.
    pub fn relay_heads(&self, key: &PartitionKey) -> Result<Option<Vec<ChangeHash>>, StoreError> {
        let blob: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT heads FROM relay_heads WHERE partition = ?1",
                [key.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        blob.map(|b| mugsync_persist::heads::from_blob(&b).map_err(StoreError::from))
            .transpose()
    }

    /// Records the relay's heads for a partition.
    pub fn set_relay_heads(
        &self,
        key: &PartitionKey,
        heads: &[ChangeHash],
    ) -> Result<(), StoreError> {
        let blob = mugsync_persist::heads::to_blob(heads);
        self.conn.execute(
            "INSERT INTO relay_heads (partition, heads) VALUES (?1, ?2)
             ON CONFLICT(partition) DO UPDATE SET heads = excluded.heads",
            params![key.as_str(), blob],
        )?;
        Ok(())
    }

    /// Reports filed here that the relay has not yet accepted.
    pub fn unsynced(&self) -> Result<Vec<ReportId>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT report_id FROM local_report WHERE sync_state = 'not_synced'")?;
        let ids: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        ids.iter()
            .map(|i| ReportId::parse(i).map_err(StoreError::from))
            .collect()
    }

    /// Every durable log byte this device would share (snapshots and chunks): what a relay
    /// or another device can ever see. Audits and tests read it.
    pub fn shared_log_bytes(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        let mut out = Vec::new();
        let mut stmt = self
            .conn
            .prepare("SELECT bytes FROM log_snapshot UNION ALL SELECT bytes FROM log_chunk")?;
        for b in stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))? {
            out.push(b?);
        }
        Ok(out)
    }

    /// One partition saved whole (for a new peer or an audit).
    pub fn save_partition(&mut self, key: &PartitionKey) -> Result<Vec<u8>, StoreError> {
        // `save` marks everything persisted; anything unpersisted would be lost from disk,
        // so persist first.
        self.merge_into(key, |_| Ok(()))?;
        Ok(self.partition(key)?.save())
    }

    /// Rebuilds the view and index from the log itself.
    pub fn rebuild_view(&mut self) -> Result<usize, StoreError> {
        let keys = self.partition_keys()?;
        let mut all = Vec::new();
        for key in &keys {
            let (good, bad) = self.partition(key)?.reports();
            all.push((key.clone(), good, bad));
        }
        let tx = self.conn.transaction()?;
        tx.execute_batch("DELETE FROM report_view; DELETE FROM check_hit; DELETE FROM ident_index; DELETE FROM bad_entry;")?;
        let mut n = 0;
        for (key, good, bad) in &all {
            for r in good {
                crate::view::refresh(&tx, &r.id, key, Some(r))?;
                n += 1;
            }
            crate::view::record_bad(&tx, key, bad)?;
        }
        tx.commit()?;
        Ok(n)
    }
}

/// The local-only rows of a report filed on this device: its victim-private details and the
/// plaintext of its identifiers (never in the log), and its sync state, which starts as not
/// synced.
fn record_filed_here(
    tx: &Transaction<'_>,
    id: &ReportId,
    victim: Option<&VictimPrivate>,
    plain: &PlainIdentifiers,
) -> Result<(), StoreError> {
    record_plain(tx, id, plain)?;
    if let Some(v) = victim {
        tx.prepare_cached("INSERT INTO victim_private (report_id, json) VALUES (?1, ?2)")?
            .execute(params![id.to_string(), v.to_store_json()])?;
    }
    tx.prepare_cached(
        "INSERT INTO local_report (report_id, sync_state) VALUES (?1, 'not_synced')",
    )?
    .execute([id.to_string()])?;
    Ok(())
}

/// Keeps the plaintext of a report's identifiers in the local-only table.
fn record_plain(
    tx: &Transaction<'_>,
    id: &ReportId,
    plain: &PlainIdentifiers,
) -> Result<(), StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT OR IGNORE INTO local_identifier (report_id, kind, value) VALUES (?1, ?2, ?3)",
    )?;
    let id = id.to_string();
    for p in &plain.phones {
        stmt.execute(params![id, "phone", p.as_e164()])?;
    }
    for e in &plain.emails {
        stmt.execute(params![id, "email", e.as_str()])?;
    }
    Ok(())
}

/// How a merge's new bytes reach the disk.
enum Persist {
    /// New changes appended after what is stored.
    Chunk(LogWrite),
    /// The whole partition, replacing what is stored.
    Snapshot(Vec<u8>),
}

/// Replaces a partition's stored bytes with one snapshot.
fn put_snapshot(tx: &Transaction<'_>, key: &PartitionKey, bytes: &[u8]) -> Result<(), StoreError> {
    Ok(mugsync_persist::put_snapshot(tx, key, bytes)?)
}

fn append_chunk(tx: &Transaction<'_>, write: &LogWrite) -> Result<(), StoreError> {
    mugsync_persist::append_chunk(tx, write)?;
    Ok(())
}

#[cfg(unix)]
fn restrict_permissions(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    // Encrypted anyway; still, other local users have no business listing it.
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
}

#[cfg(not(unix))]
fn restrict_permissions(_dir: &Path) {}
