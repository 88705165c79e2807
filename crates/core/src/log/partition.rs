//! One month of the log: an automerge document holding the reports filed that month.

use automerge::transaction::Transactable;
use automerge::{
    transaction::CommitOptions, ActorId, AutoCommit, ChangeHash, ObjId, ObjType, ReadDoc, Value,
    ROOT,
};
use std::collections::BTreeSet;
use std::fmt;

use super::layout;
use super::LogError;
use crate::report::lifecycle::{self, ReportState, Role, Transition};
use crate::report::{
    Amendment, Consent, PoliceConsent, Reason, Report, ReportBody, ReportId, Status,
};

/// Which partition a report belongs to: the UTC month (`YYYY-MM`) its id was minted in.
///
/// Partitioning by filing month (not incident month) keeps closed months closed: once a
/// month is over, only amendments and status changes touch it, so sync skips it by heads.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct PartitionKey(String);

impl PartitionKey {
    /// The partition of a report.
    pub fn of(id: &ReportId) -> PartitionKey {
        let t = id.filed_at();
        PartitionKey(format!("{:04}-{:02}", t.year(), u8::from(t.month())))
    }

    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Result<PartitionKey, LogError> {
        let b = s.as_bytes();
        let ok = b.len() == 7
            && b[4] == b'-'
            && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit)
            && matches!(s[5..].parse::<u8>(), Ok(1..=12));
        if ok {
            Ok(PartitionKey(s.to_owned()))
        } else {
            Err(LogError::Corrupt(format!(
                "'{s}' is not a partition key (YYYY-MM)"
            )))
        }
    }

    /// `YYYY-MM`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PartitionKey {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        PartitionKey::parse(&s).map_err(|e| e.to_string())
    }
}

impl From<PartitionKey> for String {
    fn from(p: PartitionKey) -> String {
        p.0
    }
}

impl fmt::Display for PartitionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// This device's automerge actor: one per device, random, kept in the device store.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceActor(ActorId);

impl DeviceActor {
    /// A fresh random actor.
    pub fn generate() -> DeviceActor {
        let mut bytes = [0u8; 16];
        crate::ambient::fill_random(&mut bytes);
        DeviceActor(ActorId::from(&bytes[..]))
    }

    /// From stored bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<DeviceActor, LogError> {
        if bytes.len() != 16 {
            return Err(LogError::Corrupt("a device actor is 16 bytes".into()));
        }
        Ok(DeviceActor(ActorId::from(bytes)))
    }

    /// For storing.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.to_bytes().to_vec()
    }

    /// Lower-case hex, as in the enrolment request.
    pub fn to_hex(&self) -> String {
        self.0.to_hex_string()
    }

    /// From [`DeviceActor::to_hex`].
    pub fn from_hex(s: &str) -> Result<DeviceActor, LogError> {
        let bytes =
            hex::decode(s).map_err(|_| LogError::Corrupt("a device actor is hex".into()))?;
        DeviceActor::from_bytes(&bytes)
    }

    /// The automerge actor.
    pub fn actor_id(&self) -> &ActorId {
        &self.0
    }
}

impl fmt::Debug for DeviceActor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceActor({})", self.0)
    }
}

/// Bytes to append to durable storage after a local write: the new changes only (empty
/// when the write changed nothing, e.g. a status set to what it already was).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogWrite {
    /// Partition the bytes belong to.
    pub partition: PartitionKey,
    /// Automerge change bytes, loadable with `load_incremental`.
    pub bytes: Vec<u8>,
}

/// One partition's document and what of it has been handed out for persisting.
pub struct LogPartition {
    key: PartitionKey,
    doc: AutoCommit,
    persisted: Vec<ChangeHash>,
}

impl fmt::Debug for LogPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogPartition")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// An entry under ROOT that could not be read as a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadEntry {
    /// The ROOT key.
    pub key: String,
    /// What was wrong.
    pub problem: String,
}

impl LogPartition {
    /// An empty partition written by `actor`.
    pub fn new(key: PartitionKey, actor: &DeviceActor) -> LogPartition {
        LogPartition {
            key,
            doc: AutoCommit::new().with_actor(actor.actor_id().clone()),
            persisted: Vec::new(),
        }
    }

    /// Loads a snapshot followed by incremental chunks (in the order they were written).
    ///
    /// Whatever was loaded counts as persisted, so the next [`LogWrite`] holds only new
    /// changes (DESIGN.md: the first `save_incremental()` after `load()` rewrites history).
    pub fn load<'a>(
        key: PartitionKey,
        actor: &DeviceActor,
        snapshot: Option<&[u8]>,
        chunks: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<LogPartition, LogError> {
        let mut doc = match snapshot {
            Some(bytes) => AutoCommit::load(bytes).map_err(|e| LogError::Corrupt(e.to_string()))?,
            None => AutoCommit::new(),
        };
        for chunk in chunks {
            doc.load_incremental(chunk)
                .map_err(|e| LogError::Corrupt(e.to_string()))?;
        }
        doc.set_actor(actor.actor_id().clone());
        let persisted = doc.get_heads();
        Ok(LogPartition {
            key,
            doc,
            persisted,
        })
    }

    /// The partition key.
    pub fn key(&self) -> &PartitionKey {
        &self.key
    }

    /// Current heads: equal heads mean equal documents.
    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// The whole document, compacted, for a snapshot. Everything counts as persisted after.
    pub fn save(&mut self) -> Vec<u8> {
        let bytes = self.doc.save();
        self.persisted = self.doc.get_heads();
        bytes
    }

    /// The underlying document, for the sync protocol.
    pub fn doc_mut(&mut self) -> &mut AutoCommit {
        &mut self.doc
    }

    /// Changes made since the last [`LogWrite`] or [`LogPartition::save`], e.g. after a
    /// sync round merged remote changes. `None` when there are none.
    pub fn take_unpersisted(&mut self) -> Option<LogWrite> {
        let heads = self.doc.get_heads();
        if heads == self.persisted {
            return None;
        }
        let bytes = self.doc.save_after(&self.persisted);
        self.persisted = heads;
        Some(LogWrite {
            partition: self.key.clone(),
            bytes,
        })
    }

    fn commit(&mut self) -> LogWrite {
        let now = crate::ambient::now_utc().unix_timestamp();
        let before = self.doc.get_heads();
        // No commit message: it would cost bytes in every change of every sync.
        let hash = self
            .doc
            .commit_with(CommitOptions::default().with_time(now));
        // Fast path: when everything before this commit was persisted, the new bytes are
        // exactly the one new change (O(1)), instead of a walk of the history.
        if hash.is_some() && before == self.persisted {
            if let Some(change) = self.doc.get_last_local_change() {
                self.persisted = self.doc.get_heads();
                return LogWrite {
                    partition: self.key.clone(),
                    bytes: change.raw_bytes().to_vec(),
                };
            }
        }
        // Setting a value to what it already is adds no change: nothing to persist.
        self.take_unpersisted().unwrap_or(LogWrite {
            partition: self.key.clone(),
            bytes: Vec::new(),
        })
    }

    fn check_partition(&self, id: &ReportId) -> Result<(), LogError> {
        let expected = PartitionKey::of(id);
        if expected != self.key {
            return Err(LogError::WrongPartition {
                id: *id,
                expected: expected.0,
                actual: self.key.0.clone(),
            });
        }
        Ok(())
    }

    fn report_obj(&self, id: &ReportId) -> Result<Option<ObjId>, LogError> {
        match self.doc.get(ROOT, id.to_string())? {
            Some((Value::Object(ObjType::Map), obj)) => Ok(Some(obj)),
            Some(_) => Err(LogError::Invalid {
                key: id.to_string(),
                problem: "is not a map".into(),
            }),
            None => Ok(None),
        }
    }

    fn existing(&self, id: &ReportId) -> Result<ObjId, LogError> {
        self.report_obj(id)?.ok_or(LogError::NotFound(*id))
    }

    /// Files a new report. The body must already be valid (see [`ReportBody::check`]).
    pub fn file(
        &mut self,
        id: ReportId,
        body: &ReportBody,
        consent: Consent,
    ) -> Result<LogWrite, LogError> {
        self.check_partition(&id)?;
        body.check()?;
        if self.report_obj(&id)?.is_some() {
            return Err(LogError::Exists(id));
        }
        let json = serde_json::to_string(body).expect("a report body always serialises");
        let obj = self.doc.put_object(ROOT, id.to_string(), ObjType::Map)?;
        self.doc.put(&obj, layout::BODY, json)?;
        self.doc.put(&obj, layout::ALERT, consent.alert)?;
        self.doc
            .put(&obj, layout::POLICE, consent.police.as_wire())?;
        self.doc.put(&obj, layout::STATUS, Status::Open.as_wire())?;
        self.doc.put_object(&obj, layout::AMEND, ObjType::List)?;
        Ok(self.commit())
    }

    /// Appends an amendment: a note and/or extra identifiers.
    pub fn amend(&mut self, id: &ReportId, amendment: &Amendment) -> Result<LogWrite, LogError> {
        let obj = self.existing(id)?;
        amendment.check()?;
        if self.state_of(&obj)?.status == Status::Withdrawn {
            return Err(LogError::Withdrawn(*id));
        }
        let list = match self.doc.get(&obj, layout::AMEND)? {
            Some((Value::Object(ObjType::List), list)) => list,
            _ => {
                return Err(LogError::Invalid {
                    key: id.to_string(),
                    problem: "has no amendment list".into(),
                })
            }
        };
        let json = serde_json::to_string(amendment).expect("an amendment always serialises");
        let len = self.doc.length(&list);
        self.doc.insert(&list, len, json)?;
        Ok(self.commit())
    }

    /// Sets the status; a withdrawal needs a reason.
    pub fn set_status(
        &mut self,
        id: &ReportId,
        status: Status,
        reason: Option<&Reason>,
    ) -> Result<LogWrite, LogError> {
        let obj = self.existing(id)?;
        if status == Status::Withdrawn && reason.is_none() {
            return Err(
                crate::report::FieldError::new("reason", "a withdrawal needs a reason").into(),
            );
        }
        let state = self.state_of(&obj)?;
        let role = self.role_for(&obj);
        let refused = |refusal| LogError::Refused { id: *id, refusal };
        lifecycle::check(&state, role, Transition::Status(status)).map_err(refused)?;
        if let Some(reason) = reason {
            if let Some(kind) = crate::report::plain_contact_in_text(reason.as_str()) {
                return Err(crate::report::FieldError::new(
                    "reason",
                    format!(
                        "holds {} in plain text; this text leaves the device, take it out",
                        kind.with_article()
                    ),
                )
                .into());
            }
            let withdrawing = status == Status::Withdrawn;
            lifecycle::check(&state, role, Transition::Reason { withdrawing }).map_err(refused)?;
        }
        if state.status != status || self.has_conflict(&obj, layout::STATUS) {
            self.doc.put(&obj, layout::STATUS, status.as_wire())?;
        }
        if let Some(reason) = reason {
            self.doc.put(&obj, layout::REASON, reason.as_str())?;
        }
        Ok(self.commit())
    }

    /// Changes consent as [`lifecycle::check`] allows this device: only the filing device
    /// raises consent, any device lowers it. Only what changes is written.
    pub fn set_consent(&mut self, id: &ReportId, consent: Consent) -> Result<LogWrite, LogError> {
        let obj = self.existing(id)?;
        let state = self.state_of(&obj)?;
        let role = self.role_for(&obj);
        let refused = |refusal| LogError::Refused { id: *id, refusal };
        lifecycle::check(&state, role, Transition::Alert(consent.alert)).map_err(refused)?;
        lifecycle::check(&state, role, Transition::Police(consent.police)).map_err(refused)?;
        if state.consent.alert != consent.alert || self.has_conflict(&obj, layout::ALERT) {
            self.doc.put(&obj, layout::ALERT, consent.alert)?;
        }
        if state.consent.police != consent.police || self.has_conflict(&obj, layout::POLICE) {
            self.doc
                .put(&obj, layout::POLICE, consent.police.as_wire())?;
        }
        Ok(self.commit())
    }

    /// Withdraws a report (any device may), withdrawing consent to alert with it, in one
    /// change; on a report already withdrawn, corrects the reason.
    pub fn withdraw(&mut self, id: &ReportId, reason: &Reason) -> Result<LogWrite, LogError> {
        let obj = self.existing(id)?;
        let state = self.state_of(&obj)?;
        if state.status != Status::Withdrawn
            && (state.consent.alert || self.has_conflict(&obj, layout::ALERT))
        {
            self.doc.put(&obj, layout::ALERT, false)?;
        }
        // set_status checks the lifecycle and the reason, and commits both writes at once.
        match self.set_status(id, Status::Withdrawn, Some(reason)) {
            Ok(w) => Ok(w),
            Err(e) => {
                self.doc.rollback();
                Err(e)
            }
        }
    }

    /// Marks a report verified, as the scheme's coordinator does on the relay (a device's
    /// own [`LogPartition::set_status`] is refused this).
    pub fn verify_as_coordinator(&mut self, id: &ReportId) -> Result<LogWrite, LogError> {
        let obj = self.existing(id)?;
        let state = self.state_of(&obj)?;
        lifecycle::check(
            &state,
            Role::Coordinator,
            Transition::Status(Status::Verified),
        )
        .map_err(|refusal| LogError::Refused { id: *id, refusal })?;
        self.doc
            .put(&obj, layout::STATUS, Status::Verified.as_wire())?;
        Ok(self.commit())
    }

    /// Who this device is to a report: the filing device when its actor created the map.
    fn role_for(&self, obj: &ObjId) -> Role {
        match obj {
            ObjId::Id(_, actor, _) if actor == self.doc.get_actor() => Role::FilingDevice,
            _ => Role::OtherDevice,
        }
    }

    /// True when concurrent writes left more than one value at a key (writing again
    /// settles it).
    fn has_conflict(&self, obj: &ObjId, key: &str) -> bool {
        self.doc
            .get_all(obj, key)
            .map(|v| v.len() > 1)
            .unwrap_or(false)
    }

    /// This device's role for a report: what [`lifecycle::check`] lets it do (the app and
    /// CLI offer only that).
    pub fn role(&self, id: &ReportId) -> Result<Role, LogError> {
        Ok(self.role_for(&self.existing(id)?))
    }

    fn state_of(&self, obj: &ObjId) -> Result<ReportState, LogError> {
        Ok(ReportState {
            consent: resolved_consent_at(&self.doc, obj, None)?,
            status: resolved_status_at(&self.doc, obj, None)?,
        })
    }

    fn str_at(&self, obj: &ObjId, key: &str) -> Result<Option<String>, LogError> {
        match self.doc.get(obj, key)? {
            Some((Value::Scalar(s), _)) => match s.as_str() {
                Some(v) => Ok(Some(v.to_owned())),
                None => Err(LogError::Invalid {
                    key: key.into(),
                    problem: "is not text".into(),
                }),
            },
            Some(_) => Err(LogError::Invalid {
                key: key.into(),
                problem: "is not text".into(),
            }),
            None => Ok(None),
        }
    }

    /// One report, as merged so far.
    pub fn report(&self, id: &ReportId) -> Result<Option<Report>, LogError> {
        match self.report_obj(id)? {
            Some(obj) => self.read(id, &obj).map(Some),
            None => Ok(None),
        }
    }

    fn read(&self, id: &ReportId, obj: &ObjId) -> Result<Report, LogError> {
        let invalid = |problem: String| LogError::Invalid {
            key: id.to_string(),
            problem,
        };
        for key in self.doc.keys(obj) {
            if !layout::ALL_KEYS.contains(&key.as_str()) {
                return Err(invalid(format!("has a field '{key}' outside the schema")));
            }
        }
        let body_json = self
            .str_at(obj, layout::BODY)?
            .ok_or_else(|| invalid("has no body".into()))?;
        let body: ReportBody =
            serde_json::from_str(&body_json).map_err(|e| invalid(format!("body: {e}")))?;
        // The shape only: what was filed under older rules stays readable (data rule 5);
        // the free-text rules are applied where text is written.
        body.check_shape().map_err(|e| invalid(e.to_string()))?;
        let Consent { alert, police } =
            resolved_consent_at(&self.doc, obj, None).map_err(|e| invalid(e.to_string()))?;
        let status =
            resolved_status_at(&self.doc, obj, None).map_err(|e| invalid(e.to_string()))?;
        let withdrawal_reason = match self.str_at(obj, layout::REASON)? {
            Some(r) => Some(Reason::parse("reason", &r).map_err(|e| invalid(e.to_string()))?),
            None => None,
        };
        let mut amendments = Vec::new();
        if let Some((Value::Object(ObjType::List), list)) = self.doc.get(obj, layout::AMEND)? {
            for item in self.doc.list_range(&list, ..) {
                let value = item.value.into_value();
                let text = value
                    .as_str()
                    .ok_or_else(|| invalid("an amendment is not text".into()))?;
                let a: Amendment =
                    serde_json::from_str(text).map_err(|e| invalid(format!("amendment: {e}")))?;
                amendments.push(a);
            }
        } else {
            return Err(invalid("has no amendment list".into()));
        }
        // List order of concurrent appends depends on actor ids; sort so every reader agrees
        // on a meaningful order.
        amendments.sort_by(|a, b| {
            a.at.cmp(&b.at).then_with(|| {
                serde_json::to_string(a)
                    .unwrap_or_default()
                    .cmp(&serde_json::to_string(b).unwrap_or_default())
            })
        });
        let withdrawal_reason = if status == Status::Withdrawn {
            withdrawal_reason
        } else {
            None
        };
        Ok(Report {
            id: *id,
            body,
            consent: Consent { alert, police },
            status,
            withdrawal_reason,
            amendments,
        })
    }

    /// Every report in the partition; entries that do not fit the schema come back apart.
    pub fn reports(&self) -> (Vec<Report>, Vec<BadEntry>) {
        let mut good = Vec::new();
        let mut bad = Vec::new();
        for key in self.doc.keys(ROOT) {
            let outcome = ReportId::parse(&key)
                .map_err(|e| LogError::Invalid {
                    key: key.clone(),
                    problem: e.reason,
                })
                .and_then(|id| {
                    self.check_partition(&id)?;
                    let obj = self.existing(&id)?;
                    self.read(&id, &obj)
                });
            match outcome {
                Ok(r) => good.push(r),
                Err(e) => bad.push(BadEntry {
                    key,
                    problem: e.to_string(),
                }),
            }
        }
        (good, bad)
    }

    /// Number of reports (ROOT entries).
    pub fn len(&self) -> usize {
        self.doc.length(ROOT)
    }

    /// True when the partition holds no report.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Merges automerge change bytes from elsewhere (another device's log, a sync batch).
    /// Returns the reports touched. Nothing is merged when the bytes are damaged.
    ///
    /// The bytes are split into changes and applied directly: no copy of the partition,
    /// and the touched reports are read off the changes' operations, not a diff of the
    /// document, so the cost follows what arrived, not the history.
    pub fn merge_bytes(&mut self, bytes: &[u8]) -> Result<BTreeSet<ReportId>, LogError> {
        if self.doc.get_heads().is_empty() {
            // Nothing to protect in an empty partition: load directly, and start again from
            // empty if the bytes turn out to be damaged.
            if let Err(e) = self.doc.load_incremental(bytes) {
                let actor = self.doc.get_actor().clone();
                self.doc = AutoCommit::new().with_actor(actor);
                return Err(LogError::Corrupt(e.to_string()));
            }
            return Ok(self
                .doc
                .keys(ROOT)
                .filter_map(|k| ReportId::parse(&k).ok())
                .collect());
        }
        let mut changes = super::chunks::decode_changes(bytes)?;
        changes.retain(|c| self.doc.get_change_by_hash(&c.hash()).is_none());
        if changes.is_empty() {
            return Ok(BTreeSet::new());
        }
        let touched = super::touched::reports_touched_by(&changes);
        self.doc.apply_changes(changes.iter().cloned())?;
        // Operations on objects created by the same batch are resolved once it has landed.
        Ok(touched.resolve(&self.doc))
    }

    /// Merges another in-memory partition of the same key.
    pub fn merge(&mut self, other: &mut LogPartition) -> Result<BTreeSet<ReportId>, LogError> {
        let before = self.doc.get_heads();
        self.doc.merge(&mut other.doc)?;
        Ok(self.touched_since(&before))
    }

    /// Which reports changed between `before` and now.
    pub fn touched_since(&mut self, before: &[ChangeHash]) -> BTreeSet<ReportId> {
        self.touched_keys_since(before)
            .iter()
            .filter_map(|k| ReportId::parse(k).ok())
            .collect()
    }

    /// Which ROOT keys changed between `before` and now, report ids or not.
    pub fn touched_keys_since(&mut self, before: &[ChangeHash]) -> BTreeSet<String> {
        let after = self.doc.get_heads();
        if after == before {
            return BTreeSet::new();
        }
        let mut keys = BTreeSet::new();
        for patch in self.doc.diff(before, &after) {
            let key = match (patch.path.first(), &patch.action) {
                (Some((_, automerge::Prop::Map(k))), _) => Some(k.clone()),
                (None, automerge::PatchAction::PutMap { key, .. }) => Some(key.clone()),
                (None, automerge::PatchAction::DeleteMap { key }) => Some(key.clone()),
                (None, _) => Some(String::from("(root)")),
                _ => None,
            };
            keys.extend(key);
        }
        keys
    }

    /// True when the partition holds this change.
    pub fn has_change(&mut self, hash: &ChangeHash) -> bool {
        self.doc.get_change_by_hash(hash).is_some()
    }

    /// Changes after `heads` as loadable bytes; `None` when this partition lacks one of
    /// `heads` (the peer knows something this side does not).
    pub fn changes_after(&mut self, heads: &[ChangeHash]) -> Option<Vec<u8>> {
        if heads.is_empty() {
            // Everything: the compressed document is several times smaller than the same
            // changes one by one (100k reports: ~12 MB against ~110 MB).
            return Some(if self.doc.is_empty() {
                Vec::new()
            } else {
                self.doc.save()
            });
        }
        if heads
            .iter()
            .all(|h| self.doc.get_change_by_hash(h).is_some())
        {
            Some(self.doc.save_after(heads))
        } else {
            None
        }
    }

    /// Replaces the document (same key and actor): everything in it counts as unpersisted
    /// until the caller saves it whole.
    pub(crate) fn replace_doc(&mut self, doc: AutoCommit) {
        self.doc = doc;
        self.persisted = Vec::new();
    }

    /// The document, read-only (intake reads it; only this type writes it).
    pub(crate) fn doc(&self) -> &AutoCommit {
        &self.doc
    }

    pub(crate) fn apply_changes(
        &mut self,
        changes: Vec<automerge::Change>,
    ) -> Result<(), LogError> {
        self.doc.apply_changes(changes)?;
        Ok(())
    }
}

/// A report's consent as of `heads` (now when `None`), concurrent values resolved as
/// [`lifecycle::resolve_alert`] and [`lifecycle::resolve_police`] say: the lowest wins, so a
/// device cannot keep a higher value alive by re-asserting it concurrently with a lowering.
pub(crate) fn resolved_consent_at(
    doc: &AutoCommit,
    obj: &ObjId,
    heads: Option<&[ChangeHash]>,
) -> Result<Consent, LogError> {
    let invalid = |problem: &str| LogError::Invalid {
        key: obj.to_string(),
        problem: problem.into(),
    };
    let alerts = values_at(doc, obj, layout::ALERT, heads)?
        .into_iter()
        .map(|v| {
            v.as_bool()
                .ok_or_else(|| invalid("alert consent is not true/false"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let police = values_at(doc, obj, layout::POLICE, heads)?
        .into_iter()
        .map(|v| {
            let word = v
                .as_str()
                .ok_or_else(|| invalid("police consent is not text"))?;
            PoliceConsent::parse(word).map_err(LogError::from)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Consent {
        alert: lifecycle::resolve_alert(alerts).ok_or_else(|| invalid("has no alert consent"))?,
        police: lifecycle::resolve_police(police)
            .ok_or_else(|| invalid("has no police consent"))?,
    })
}

/// A report's status as of `heads` (now when `None`); concurrent values resolve to the
/// most final ([`lifecycle::resolve_status`]).
pub(crate) fn resolved_status_at(
    doc: &AutoCommit,
    obj: &ObjId,
    heads: Option<&[ChangeHash]>,
) -> Result<Status, LogError> {
    let invalid = |problem: &str| LogError::Invalid {
        key: obj.to_string(),
        problem: problem.into(),
    };
    let statuses = values_at(doc, obj, layout::STATUS, heads)?
        .into_iter()
        .map(|v| {
            let word = v.as_str().ok_or_else(|| invalid("status is not text"))?;
            Status::parse(word).map_err(LogError::from)
        })
        .collect::<Result<Vec<_>, _>>()?;
    lifecycle::resolve_status(statuses).ok_or_else(|| invalid("has no status"))
}

fn values_at(
    doc: &AutoCommit,
    obj: &ObjId,
    key: &str,
    heads: Option<&[ChangeHash]>,
) -> Result<Vec<automerge::ScalarValue>, LogError> {
    let all = match heads {
        Some(h) => doc.get_all_at(obj, key, h)?,
        None => doc.get_all(obj, key)?,
    };
    Ok(all
        .into_iter()
        .filter_map(|(v, _)| match v {
            Value::Scalar(s) => Some(s.into_owned()),
            Value::Object(_) => None,
        })
        .collect())
}
