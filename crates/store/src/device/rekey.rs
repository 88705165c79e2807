//! Enrolling after filing: the reports filed here before enrolment carry digests made with
//! the device's own scheme key. They have never left the device, so at enrolment they are
//! re-filed under the same ids with bodies re-keyed to the scheme's key (from the plaintext
//! kept in `local_identifier`), their amendments, consent and status carried over, and the
//! partitions rewritten — together with the new scheme settings, in one transaction.

use std::collections::BTreeMap;

use mugsync_core::identifiers::{Region, Rekey, SchemeKey};
use mugsync_core::log::{LogPartition, PartitionKey};
use mugsync_core::report::{Amendment, AreaList, Report, ReportBody, ReportId, Status};

use super::{put_snapshot, DeviceStore, LocalSyncState};
use crate::{meta, StoreError};

/// The scheme a relay hands out at enrolment, and the local-only settings that go with it.
pub struct NewScheme<'a> {
    /// The scheme key.
    pub key: SchemeKey,
    /// Default phone region.
    pub region: Region,
    /// The scheme's areas.
    pub areas: AreaList,
    /// Local-only settings (device key, relay address, …), written in the same transaction.
    pub settings: &'a [(&'a str, &'a [u8])],
}

impl DeviceStore {
    /// Checks, writing nothing, that [`DeviceStore::adopt_scheme`] will succeed whatever
    /// key it is given: every report here was filed here, has never been synced, and has
    /// the plaintext of each of its identifiers kept. Enrolment runs this before it spends
    /// a one-time code.
    pub fn check_can_adopt_scheme(&mut self) -> Result<(), StoreError> {
        if self.count()? == 0 && self.partition_keys()?.is_empty() {
            return Ok(());
        }
        self.rekeyed(&SchemeKey::generate()).map(|_| ())
    }

    /// Replaces the scheme key, region and areas, as enrolment with a relay does, and
    /// writes `settings`; when the key changes, every report here is re-keyed to it. All in
    /// one transaction. Refused (changing nothing) when a report cannot be re-keyed: see
    /// [`DeviceStore::check_can_adopt_scheme`].
    pub fn adopt_scheme(&mut self, scheme: NewScheme<'_>) -> Result<(), StoreError> {
        let NewScheme {
            key,
            region,
            areas,
            settings,
        } = scheme;
        let same_key = key.expose_bytes() == self.key.expose_bytes();
        let mut rebuilt = if same_key || self.partition_keys()?.is_empty() {
            None
        } else {
            Some(self.rekeyed(&key)?)
        };
        let tx = self.conn.transaction()?;
        meta::put(&tx, meta::SCHEME_KEY, key.expose_bytes())?;
        meta::put(&tx, meta::REGION, region.to_string().as_bytes())?;
        meta::put(&tx, meta::AREAS, areas.to_toml().as_bytes())?;
        for (k, v) in settings {
            meta::put(&tx, k, v)?;
        }
        if let Some(parts) = rebuilt.as_mut() {
            tx.execute_batch(
                "DELETE FROM report_view; DELETE FROM check_hit; DELETE FROM ident_index; \
                 DELETE FROM bad_entry; DELETE FROM relay_heads;",
            )?;
            for (pkey, part) in parts.iter_mut() {
                put_snapshot(&tx, pkey, &part.save())?;
                for r in part.reports().0 {
                    crate::view::refresh(&tx, &r.id, pkey, Some(&r))?;
                }
            }
        }
        tx.commit()?;
        self.key = key;
        self.region = region;
        self.areas = areas;
        if let Some(parts) = rebuilt {
            self.chunks_since_snapshot.clear();
            for k in parts.keys() {
                self.chunks_since_snapshot.compacted(k);
            }
            self.loaded = parts;
        }
        tracing::info!(rekeyed = !same_key, "scheme adopted");
        Ok(())
    }

    /// Every partition rebuilt with its reports re-keyed to `new`, in memory only.
    fn rekeyed(
        &mut self,
        new: &SchemeKey,
    ) -> Result<BTreeMap<PartitionKey, LogPartition>, StoreError> {
        let mut out = BTreeMap::new();
        for pkey in self.partition_keys()? {
            let (mut reports, bad) = self.partition(&pkey)?.reports();
            if !bad.is_empty() {
                return Err(StoreError::CannotRekey(format!(
                    "{} log entries here cannot be read",
                    bad.len()
                )));
            }
            reports.sort_by_key(|r| r.id);
            let mut part = LogPartition::new(pkey.clone(), &self.actor);
            for report in reports {
                self.refile(&mut part, &report, new)?;
            }
            out.insert(pkey, part);
        }
        Ok(out)
    }

    /// Files `report` into `part` under its own id, re-keyed to `new`.
    fn refile(
        &self,
        part: &mut LogPartition,
        report: &Report,
        new: &SchemeKey,
    ) -> Result<(), StoreError> {
        let id = &report.id;
        match self.local_state(id)? {
            Some(LocalSyncState::NotSynced) => {}
            Some(_) => {
                return Err(StoreError::CannotRekey(format!(
                    "report {id} has already been to a relay; enrol with a new --data-dir"
                )))
            }
            None => {
                return Err(StoreError::CannotRekey(format!(
                    "report {id} was not filed on this device; enrol with a new --data-dir"
                )))
            }
        }
        let mut rekey = Rekey::new();
        rekey.add(&self.plain_identifiers(id)?, &self.key, new);
        let body = rekey_body(&rekey, id, &report.body)?;
        part.file(*id, &body, report.consent)?;
        for a in &report.amendments {
            part.amend(id, &rekey_amendment(&rekey, id, a)?)?;
        }
        if report.status != Status::Open {
            part.set_status(id, report.status, report.withdrawal_reason.as_ref())?;
        }
        Ok(())
    }
}

fn missing(id: &ReportId, what: &str) -> StoreError {
    StoreError::CannotRekey(format!(
        "report {id} has {what} whose plaintext this device did not keep (it was filed by an \
         older mugsync); enrol with a new --data-dir and file it again there"
    ))
}

fn rekey_body(rekey: &Rekey, id: &ReportId, body: &ReportBody) -> Result<ReportBody, StoreError> {
    let mut body = body.clone();
    for p in &mut body.perpetrator.phones {
        *p = rekey
            .phone(p)
            .ok_or_else(|| missing(id, "a phone number"))?;
    }
    for e in &mut body.perpetrator.emails {
        *e = rekey.email(e).ok_or_else(|| missing(id, "an email"))?;
    }
    Ok(body)
}

fn rekey_amendment(rekey: &Rekey, id: &ReportId, a: &Amendment) -> Result<Amendment, StoreError> {
    let mut a = a.clone();
    for p in &mut a.phones {
        *p = rekey
            .phone(p)
            .ok_or_else(|| missing(id, "an amendment's phone number"))?;
    }
    for e in &mut a.emails {
        *e = rekey
            .email(e)
            .ok_or_else(|| missing(id, "an amendment's email"))?;
    }
    Ok(a)
}
