//! Taking in changes from another device, as the relay does.
//!
//! Every OPERATION of every change is checked before the change joins the partition, not
//! the document after it: a value written and removed in one change, overwritten and
//! restored, or written in one change and deleted in the next would otherwise stay in the
//! history for ever, on the relay and on every device. What is checked, per change:
//!
//! - it was made by the device that pushes it (one automerge actor per enrolled device);
//! - it carries no commit message (free text outside the schema);
//! - each operation writes a key the schema allows, a value the schema allows (the body
//!   parses and passes [`ReportBody::check`], words are known words, amendments parse and
//!   are not empty), and free text holds no plain phone number or email;
//! - ROOT only ever gains report maps, once each: nothing under ROOT is deleted, put or
//!   re-created;
//! - a new report is complete and open in the change that files it, and its body is written
//!   exactly once, there;
//! - every change to an existing report passes [`lifecycle::check`] for the author's role
//!   (the filing device is the actor that created the report map) against the state the
//!   author saw (the report at the change's dependencies).
//!
//! Changes are checked and applied one at a time in dependency order, directly on the
//! partition: memory and time grow with what was pushed, not with the history. A refused
//! change — and every change built on it — never joins.

use automerge::legacy::{Key, ObjectId, OpType};
use automerge::{ActorId, Change, ChangeHash, ObjId, ObjType, ReadDoc, ScalarValue, ROOT};
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::chunks::decode_changes;
use super::partition::{resolved_consent_at, resolved_status_at};
use super::{layout, DeviceActor, LogError, LogPartition, PartitionKey};
use crate::report::lifecycle::{self, ReportState, Role, Transition};
use crate::report::{Amendment, PoliceConsent, Reason, ReportBody, ReportId, Status};

/// One change that was refused, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedChange {
    /// The change.
    pub change: ChangeHash,
    /// Its dependencies (so a peer still holding it can be read against what it lacks).
    pub deps: Vec<ChangeHash>,
    /// The report it touched, when it names one.
    pub report: Option<ReportId>,
    /// Why, in words the filing device can show.
    pub reason: String,
    /// Refused only because it builds on a refused change.
    pub builds_on_refused: bool,
}

/// What happened to a batch of incoming changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Intake {
    /// Reports touched by accepted changes.
    pub accepted: BTreeSet<ReportId>,
    /// Number of changes that joined.
    pub accepted_changes: usize,
    /// Refused changes.
    pub rejected: Vec<RejectedChange>,
    /// Some changes depend on changes this side lacks: the sender should resend from this
    /// side's heads.
    pub missing_deps: bool,
}

/// What an object named by an operation is.
#[derive(Debug, Clone)]
enum Target {
    /// A report's map.
    Report {
        id: ReportId,
        filer: ActorId,
        new: bool,
    },
    /// A report's amendment list.
    Amendments { id: ReportId, new: bool },
}

/// What the filing change of a report has written so far.
#[derive(Default)]
struct Filing {
    keys: BTreeSet<String>,
}

type Refused = (Option<ReportId>, String);

/// The keys of a report that change after filing.
const MUTABLE: &[&str] = &[
    layout::ALERT,
    layout::POLICE,
    layout::STATUS,
    layout::REASON,
];

impl LogPartition {
    /// Takes in change bytes pushed by the device whose actor is `pusher`, keeping only the
    /// changes that pass every check. Damaged bytes are an error and change nothing.
    pub fn accept_remote(
        &mut self,
        bytes: &[u8],
        pusher: &DeviceActor,
    ) -> Result<Intake, LogError> {
        let mut incoming = decode_changes(bytes)?;
        let mut intake = Intake::default();
        let mut seen = BTreeSet::new();
        incoming.retain(|c| seen.insert(c.hash()) && !self.has_change(&c.hash()));
        let mut refused: BTreeMap<ChangeHash, ()> = BTreeMap::new();
        for change in in_dependency_order(incoming) {
            let hash = change.hash();
            if let Some(dep) = change.deps().iter().find(|d| refused.contains_key(d)) {
                intake.rejected.push(RejectedChange {
                    change: hash,
                    deps: change.deps().to_vec(),
                    report: None,
                    reason: format!("builds on a refused change ({})", &dep.to_string()[..12]),
                    builds_on_refused: true,
                });
                refused.insert(hash, ());
                continue;
            }
            if !change.deps().iter().all(|d| self.has_change(d)) {
                intake.missing_deps = true;
                continue;
            }
            match self.check_change(&change, pusher) {
                Ok(ids) => {
                    self.apply_changes(vec![change])?;
                    intake.accepted.extend(ids);
                    intake.accepted_changes += 1;
                }
                Err((report, reason)) => {
                    intake.rejected.push(RejectedChange {
                        change: hash,
                        deps: change.deps().to_vec(),
                        report,
                        reason,
                        builds_on_refused: false,
                    });
                    refused.insert(hash, ());
                }
            }
        }
        // Dependants were named by hash; name their report where the first refusal did.
        if let Some(first) = intake.rejected.iter().find_map(|r| r.report) {
            for r in intake.rejected.iter_mut().filter(|r| r.report.is_none()) {
                r.report = Some(first);
            }
        }
        Ok(intake)
    }

    /// Checks one change whose dependencies this partition holds; the reports it touches.
    fn check_change(
        &self,
        change: &Change,
        pusher: &DeviceActor,
    ) -> Result<BTreeSet<ReportId>, Refused> {
        if change.actor_id() != pusher.actor_id() {
            return Err((None, "a device may push only changes it made itself; this one was made by another device".into()));
        }
        if change.message().is_some() {
            return Err((
                None,
                "changes carry no commit message (free text outside the report form)".into(),
            ));
        }
        let author = change.actor_id().clone();
        let deps = change.deps().to_vec();
        let expanded = change.decode();
        let start = change.start_op().get();
        let mut created: HashMap<u64, Target> = HashMap::new();
        let mut filings: BTreeMap<ReportId, Filing> = BTreeMap::new();
        let mut resolved: HashMap<(u64, ActorId), Target> = HashMap::new();
        let mut touched = BTreeSet::new();
        // Reports this change withdraws: a reason may come with the withdrawal.
        let mut withdrawing: BTreeSet<(u64, ActorId)> = BTreeSet::new();
        for op in &expanded.operations {
            if let (
                automerge::legacy::ObjectId::Id(obj),
                automerge::legacy::Key::Map(k),
                automerge::legacy::OpType::Put(ScalarValue::Str(v)),
            ) = (&op.obj, &op.key, &op.action)
            {
                if k.as_str() == layout::STATUS && v.as_str() == Status::Withdrawn.as_wire() {
                    withdrawing.insert((obj.counter(), obj.actor().clone()));
                }
            }
        }

        for (i, op) in expanded.operations.iter().enumerate() {
            let counter = start + i as u64;
            match &op.obj {
                ObjectId::Root => {
                    let Key::Map(key) = &op.key else {
                        return Err((None, "ROOT holds reports by id, not a list".into()));
                    };
                    let id = ReportId::parse(key).map_err(|_| {
                        (
                            None,
                            format!(
                                "'{}' is not a report id; only reports are written to the log",
                                short(key)
                            ),
                        )
                    })?;
                    if PartitionKey::of(&id) != *self.key() {
                        return Err((
                            Some(id),
                            format!(
                                "report {id} belongs to partition {}, not {}",
                                PartitionKey::of(&id),
                                self.key()
                            ),
                        ));
                    }
                    match &op.action {
                        OpType::Make(ObjType::Map) if !op.insert && op.pred.is_empty() => {
                            let exists =
                                self.doc().get(ROOT, key.as_str()).ok().flatten().is_some();
                            if exists || filings.contains_key(&id) {
                                return Err((Some(id), format!("report {id} already exists; a report is filed once and never re-created")));
                            }
                            created.insert(
                                counter,
                                Target::Report {
                                    id,
                                    filer: author.clone(),
                                    new: true,
                                },
                            );
                            filings.insert(id, Filing::default());
                            touched.insert(id);
                        }
                        OpType::Delete => {
                            return Err((
                                Some(id),
                                format!(
                                    "report {id} was deleted; reports are withdrawn, never deleted"
                                ),
                            ))
                        }
                        _ => {
                            return Err((
                                Some(id),
                                format!(
                                    "report {id} was overwritten; a report is filed once as a map"
                                ),
                            ))
                        }
                    }
                }
                ObjectId::Id(obj) => {
                    let target = if obj.actor() == &author && created.contains_key(&obj.counter()) {
                        created[&obj.counter()].clone()
                    } else {
                        let key = (obj.counter(), obj.actor().clone());
                        match resolved.get(&key) {
                            Some(t) => t.clone(),
                            None => {
                                let t = self.existing_target(obj.counter(), obj.actor())?;
                                resolved.insert(key, t.clone());
                                t
                            }
                        }
                    };
                    match target {
                        Target::Report { id, filer, new } => {
                            touched.insert(id);
                            let Key::Map(key) = &op.key else {
                                return Err((Some(id), format!("report {id}: a report is a map")));
                            };
                            if op.insert || !layout::ALL_KEYS.contains(&key.as_str()) {
                                return Err((
                                    Some(id),
                                    format!(
                                        "report {id}: '{}' is not a field of a report",
                                        short(key)
                                    ),
                                ));
                            }
                            if new {
                                let filing = filings.get_mut(&id).expect("created in this change");
                                if !filing.keys.insert(key.to_string()) {
                                    return Err((
                                        Some(id),
                                        format!(
                                            "report {id}: '{key}' was written twice while filing"
                                        ),
                                    ));
                                }
                                check_filing_op(id, key, &op.action, &mut created, counter)?;
                            } else {
                                let report_obj = (obj.counter(), obj.actor().clone());
                                let withdrawing = withdrawing.contains(&report_obj);
                                let transition = match &op.action {
                                    // Automerge settles a conflict by deleting the values
                                    // it does not keep: what remains is the new value.
                                    OpType::Delete if MUTABLE.contains(&key.as_str()) => self
                                        .settled(
                                            id,
                                            obj,
                                            key,
                                            &op.pred.iter().cloned().collect::<Vec<_>>(),
                                            &deps,
                                            withdrawing,
                                        )?,
                                    action => existing_op(id, key, action, withdrawing)?,
                                };
                                let state = self.state_at(&id, &deps).map_err(|e| (Some(id), e))?;
                                let role = if filer == author {
                                    Role::FilingDevice
                                } else {
                                    Role::OtherDevice
                                };
                                lifecycle::check(&state, role, transition)
                                    .map_err(|r| (Some(id), format!("report {id}: {r}")))?;
                            }
                        }
                        Target::Amendments { id, new, .. } => {
                            touched.insert(id);
                            let OpType::Put(ScalarValue::Str(text)) = &op.action else {
                                return Err((
                                    Some(id),
                                    format!("report {id}: amendments are append-only text"),
                                ));
                            };
                            if !op.insert {
                                return Err((Some(id), format!("report {id}: amendments are append-only; one was overwritten")));
                            }
                            check_amendment(id, text)?;
                            if !new {
                                let state = self.state_at(&id, &deps).map_err(|e| (Some(id), e))?;
                                lifecycle::check(&state, Role::OtherDevice, Transition::Amend)
                                    .map_err(|r| (Some(id), format!("report {id}: {r}")))?;
                            }
                        }
                    }
                }
            }
        }
        for (id, filing) in &filings {
            for key in [
                layout::BODY,
                layout::ALERT,
                layout::POLICE,
                layout::STATUS,
                layout::AMEND,
            ] {
                if !filing.keys.contains(key) {
                    return Err((
                        Some(*id),
                        format!("report {id} was filed without its '{key}'"),
                    ));
                }
            }
        }
        Ok(touched)
    }

    /// A delete of some of a key's concurrent values, read as setting the values that
    /// remain. Deleting them all is a deletion, which is refused.
    fn settled(
        &self,
        id: ReportId,
        obj: &automerge::legacy::OpId,
        key: &str,
        pred: &[automerge::legacy::OpId],
        deps: &[ChangeHash],
        withdrawing: bool,
    ) -> Result<Transition, Refused> {
        let deleted = || {
            (
                Some(id),
                format!("report {id}: '{key}' was deleted; nothing in a filed report is deleted"),
            )
        };
        let (report, _) = self
            .doc()
            .import(&format!("{}@{}", obj.counter(), obj.actor()))
            .map_err(|_| deleted())?;
        let remaining: Vec<ScalarValue> = self
            .doc()
            .get_all_at(&report, key, deps)
            .map_err(|_| deleted())?
            .into_iter()
            .filter(|(_, at)| match at {
                ObjId::Id(counter, actor, _) => !pred
                    .iter()
                    .any(|p| p.counter() == *counter && p.actor() == actor),
                ObjId::Root => true,
            })
            .filter_map(|(v, _)| match v {
                automerge::Value::Scalar(s) => Some(s.into_owned()),
                automerge::Value::Object(_) => None,
            })
            .collect();
        if remaining.is_empty() {
            return Err(deleted());
        }
        let bad = || {
            (
                Some(id),
                format!("report {id}: '{key}' holds a value of the wrong kind"),
            )
        };
        Ok(match key {
            layout::ALERT => Transition::Alert(
                lifecycle::resolve_alert(
                    remaining
                        .iter()
                        .map(|v| v.as_bool().ok_or_else(bad))
                        .collect::<Result<Vec<_>, _>>()?,
                )
                .ok_or_else(deleted)?,
            ),
            layout::POLICE => Transition::Police(
                lifecycle::resolve_police(
                    remaining
                        .iter()
                        .map(|v| {
                            v.as_str()
                                .and_then(|w| PoliceConsent::parse(w).ok())
                                .ok_or_else(bad)
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                )
                .ok_or_else(deleted)?,
            ),
            layout::STATUS => Transition::Status(
                lifecycle::resolve_status(
                    remaining
                        .iter()
                        .map(|v| {
                            v.as_str()
                                .and_then(|w| Status::parse(w).ok())
                                .ok_or_else(bad)
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                )
                .ok_or_else(deleted)?,
            ),
            _ => Transition::Reason { withdrawing },
        })
    }

    /// What an object that existed before this change is: a report map or its amendment list.
    fn existing_target(&self, counter: u64, actor: &ActorId) -> Result<Target, Refused> {
        let unknown = || {
            (
                None,
                "a change writes to an object outside the report schema".to_string(),
            )
        };
        let (obj, typ) = self
            .doc()
            .import(&format!("{counter}@{actor}"))
            .map_err(|_| unknown())?;
        let path: Vec<_> = self.doc().parents(&obj).map_err(|_| unknown())?.collect();
        let report_of =
            |report_obj: &ObjId, prop: &automerge::Prop| -> Result<(ReportId, ActorId), Refused> {
                let automerge::Prop::Map(key) = prop else {
                    return Err(unknown());
                };
                let id = ReportId::parse(key).map_err(|_| unknown())?;
                let ObjId::Id(_, filer, _) = report_obj else {
                    return Err(unknown());
                };
                Ok((id, filer.clone()))
            };
        match (typ, path.as_slice()) {
            (ObjType::Map, [root]) if root.obj == ROOT => {
                let (id, filer) = report_of(&obj, &root.prop)?;
                Ok(Target::Report {
                    id,
                    filer,
                    new: false,
                })
            }
            (ObjType::List, [report, root])
                if root.obj == ROOT
                    && report.prop == automerge::Prop::Map(layout::AMEND.into()) =>
            {
                let (id, _) = report_of(&report.obj, &root.prop)?;
                Ok(Target::Amendments { id, new: false })
            }
            _ => Err(unknown()),
        }
    }

    /// A report's state as of `heads`, conflicts resolved as the log resolves them.
    fn state_at(&self, id: &ReportId, heads: &[ChangeHash]) -> Result<ReportState, String> {
        let Some((_, obj)) = self
            .doc()
            .get_at(ROOT, id.to_string(), heads)
            .ok()
            .flatten()
        else {
            return Err(format!("report {id} is changed before it was filed"));
        };
        let consent =
            resolved_consent_at(self.doc(), &obj, Some(heads)).map_err(|e| e.to_string())?;
        let status =
            resolved_status_at(self.doc(), &obj, Some(heads)).map_err(|e| e.to_string())?;
        Ok(ReportState { consent, status })
    }
}

/// One write inside the change that files a report.
fn check_filing_op(
    id: ReportId,
    key: &str,
    action: &automerge::legacy::OpType,
    created: &mut HashMap<u64, Target>,
    counter: u64,
) -> Result<(), Refused> {
    use automerge::legacy::OpType;
    let bad = |what: String| Err((Some(id), format!("report {id}: {what}")));
    match (key, action) {
        (layout::BODY, OpType::Put(ScalarValue::Str(json))) => {
            let body: ReportBody = serde_json::from_str(json).map_err(|e| {
                (
                    Some(id),
                    format!("report {id}: the body does not fit the schema ({e})"),
                )
            })?;
            body.check()
                .map_err(|e| (Some(id), format!("report {id}: {e}")))?;
            Ok(())
        }
        (layout::ALERT, OpType::Put(ScalarValue::Boolean(_))) => Ok(()),
        (layout::POLICE, OpType::Put(ScalarValue::Str(w))) => PoliceConsent::parse(w)
            .map(|_| ())
            .map_err(|e| (Some(id), e.to_string())),
        (layout::STATUS, OpType::Put(ScalarValue::Str(w)))
            if w.as_str() == Status::Open.as_wire() =>
        {
            Ok(())
        }
        (layout::STATUS, _) => bad("a new report is filed open".into()),
        (layout::AMEND, OpType::Make(ObjType::List)) => {
            created.insert(counter, Target::Amendments { id, new: true });
            Ok(())
        }
        (layout::REASON, _) => bad("a new report has no withdrawal reason".into()),
        (key, _) => bad(format!("'{key}' holds a value of the wrong kind")),
    }
}

/// One write to a report filed before this change, as a lifecycle transition.
fn existing_op(
    id: ReportId,
    key: &str,
    action: &automerge::legacy::OpType,
    withdrawing: bool,
) -> Result<Transition, Refused> {
    use automerge::legacy::OpType;
    let refuse = |what: String| Err((Some(id), format!("report {id}: {what}")));
    let word = |e: crate::report::FieldError| (Some(id), format!("report {id}: {e}"));
    match (key, action) {
        (_, OpType::Delete) => refuse(format!(
            "'{key}' was deleted; nothing in a filed report is deleted"
        )),
        (layout::BODY, _) => {
            refuse("the body of a filed report cannot change; add an amendment instead".into())
        }
        (layout::AMEND, _) => {
            refuse("the amendment list is made once, when the report is filed".into())
        }
        (layout::ALERT, OpType::Put(ScalarValue::Boolean(b))) => Ok(Transition::Alert(*b)),
        (layout::POLICE, OpType::Put(ScalarValue::Str(w))) => {
            Ok(Transition::Police(PoliceConsent::parse(w).map_err(word)?))
        }
        (layout::STATUS, OpType::Put(ScalarValue::Str(w))) => {
            Ok(Transition::Status(Status::parse(w).map_err(word)?))
        }
        (layout::REASON, OpType::Put(ScalarValue::Str(text))) => {
            let reason = Reason::parse("reason", text).map_err(word)?;
            if let Some(kind) = holds_contact(reason.as_str()) {
                return refuse(format!("the withdrawal reason holds {kind}; take it out"));
            }
            Ok(Transition::Reason { withdrawing })
        }
        (key, _) => refuse(format!("'{key}' holds a value of the wrong kind")),
    }
}

fn check_amendment(id: ReportId, text: &str) -> Result<(), Refused> {
    let amendment: Amendment = serde_json::from_str(text).map_err(|e| {
        (
            Some(id),
            format!("report {id}: an amendment does not fit the schema ({e})"),
        )
    })?;
    amendment
        .check()
        .map_err(|e| (Some(id), format!("report {id}: {e}")))?;
    Ok(())
}

/// "a phone number" / "an email address" when the text seems to hold one.
fn holds_contact(text: &str) -> Option<&'static str> {
    crate::report::plain_contact_in_text(text).map(|kind| kind.with_article())
}

fn short(s: &str) -> String {
    crate::report::text::shorten_for_error(s)
}

/// The changes in an order where every change comes after the changes of the batch it
/// depends on (automerge already writes them so; this makes it true for any sender).
fn in_dependency_order(changes: Vec<Change>) -> Vec<Change> {
    let hashes: BTreeSet<ChangeHash> = changes.iter().map(|c| c.hash()).collect();
    let mut waiting: BTreeMap<ChangeHash, usize> = BTreeMap::new();
    let mut dependants: BTreeMap<ChangeHash, Vec<usize>> = BTreeMap::new();
    for (i, c) in changes.iter().enumerate() {
        let inside: Vec<_> = c.deps().iter().filter(|d| hashes.contains(d)).collect();
        waiting.insert(c.hash(), inside.len());
        for d in inside {
            dependants.entry(*d).or_default().push(i);
        }
    }
    let mut slots: Vec<Option<Change>> = changes.into_iter().map(Some).collect();
    let mut ready: Vec<usize> = (0..slots.len())
        .filter(|i| waiting[&slots[*i].as_ref().expect("present").hash()] == 0)
        .collect();
    ready.reverse();
    let mut out = Vec::with_capacity(slots.len());
    while let Some(i) = ready.pop() {
        let c = slots[i].take().expect("each change is ready once");
        if let Some(ds) = dependants.get(&c.hash()) {
            for &j in ds.iter().rev() {
                let h = slots[j].as_ref().expect("not yet emitted").hash();
                let n = waiting.get_mut(&h).expect("counted");
                *n -= 1;
                if *n == 0 {
                    ready.push(j);
                }
            }
        }
        out.push(c);
    }
    // A cycle cannot happen with hashes; anything left is kept, last.
    out.extend(slots.into_iter().flatten());
    out
}
