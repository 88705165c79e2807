//! Recovering a device whose change the relay refused.
//!
//! Automerge cannot remove a change from a document, and every later change of the device
//! depends on it, so one refused change would strand every later honest report of that
//! device in the same month ("builds on a refused change"). Instead the device rebuilds
//! the partition from every change but the refused ones and their dependants, and makes its
//! own dependants again — the same filings, amendments, consent and status changes, through
//! the same checked API — on the remaining history. The refused changes' bytes are handed
//! back so the store keeps them locally (nothing is lost; the worker can see and fix them).

use automerge::legacy::{Key, ObjectId, OpType};
use automerge::{AutoCommit, Change, ChangeHash, ReadDoc, ScalarValue, ROOT};
use std::collections::{BTreeMap, BTreeSet};

use super::{layout, LogError, LogPartition};
use crate::report::{Amendment, Consent, PoliceConsent, Reason, ReportBody, ReportId, Status};

/// What setting refused changes aside did.
#[derive(Debug, Default)]
pub struct SetAside {
    /// The refused changes (and dependants of other devices, which cannot be re-made),
    /// as loadable bytes, to keep on the device.
    pub kept_bytes: Vec<(ChangeHash, Vec<u8>)>,
    /// This device's changes made again on the remaining history.
    pub remade: usize,
    /// Reports whose state changed by the rebuild.
    pub touched: BTreeSet<ReportId>,
}

/// What a filing change wrote, gathered op by op: body, alert consent, police consent.
type Filed = (Option<ReportBody>, Option<bool>, Option<PoliceConsent>);

/// One of this device's own edits, re-made through the checked API.
enum Edit {
    File {
        id: ReportId,
        body: Box<ReportBody>,
        consent: Consent,
    },
    Alert(ReportId, bool),
    Police(ReportId, PoliceConsent),
    Withdraw(ReportId, Option<Reason>),
    Amend(ReportId, Amendment),
}

impl LogPartition {
    /// Rebuilds this partition without `refused` and every change built on them, then makes
    /// this device's own later edits again. The caller persists the result as a fresh
    /// snapshot ([`LogPartition::save`]) and keeps [`SetAside::kept_bytes`].
    pub fn set_aside(&mut self, refused: &[ChangeHash]) -> Result<SetAside, LogError> {
        let all = self.doc_mut().get_changes(&[]);
        let mut bad: BTreeSet<ChangeHash> = BTreeSet::new();
        let refused: BTreeSet<ChangeHash> = refused.iter().copied().collect();
        for c in &all {
            if refused.contains(&c.hash()) || c.deps().iter().any(|d| bad.contains(d)) {
                bad.insert(c.hash());
            }
        }
        let mut out = SetAside::default();
        if bad.is_empty() {
            return Ok(out);
        }
        let own = self.doc().get_actor().clone();
        // Edits to re-make, read off the old document before it is replaced.
        let mut edits = Vec::new();
        for c in all.iter().filter(|c| bad.contains(&c.hash())) {
            if refused.contains(&c.hash()) || c.actor_id() != &own {
                out.kept_bytes.push((c.hash(), c.raw_bytes().to_vec()));
                continue;
            }
            edits.extend(self.edits_in(c));
        }
        let good: Vec<Change> = all
            .into_iter()
            .filter(|c| !bad.contains(&c.hash()))
            .collect();
        let mut doc = AutoCommit::new().with_actor(own);
        doc.apply_changes(good)?;
        let before: BTreeSet<ReportId> = self
            .doc()
            .keys(ROOT)
            .filter_map(|k| ReportId::parse(&k).ok())
            .collect();
        self.replace_doc(doc);
        for edit in edits {
            let (id, outcome) = match edit {
                Edit::File { id, body, consent } => {
                    (id, self.file(id, body.as_ref(), consent).map(|_| ()))
                }
                Edit::Alert(id, alert) => (
                    id,
                    self.report(&id).and_then(|r| match r {
                        Some(r) => self
                            .set_consent(&id, Consent { alert, ..r.consent })
                            .map(|_| ()),
                        None => Err(LogError::NotFound(id)),
                    }),
                ),
                Edit::Police(id, police) => (
                    id,
                    self.report(&id).and_then(|r| match r {
                        Some(r) => self
                            .set_consent(
                                &id,
                                Consent {
                                    police,
                                    ..r.consent
                                },
                            )
                            .map(|_| ()),
                        None => Err(LogError::NotFound(id)),
                    }),
                ),
                Edit::Withdraw(id, reason) => {
                    let reason = reason.unwrap_or_else(|| {
                        Reason::parse("reason", "withdrawn").expect("a valid reason")
                    });
                    (
                        id,
                        self.set_status(&id, Status::Withdrawn, Some(&reason))
                            .map(|_| ()),
                    )
                }
                Edit::Amend(id, a) => (id, self.amend(&id, &a).map(|_| ())),
            };
            out.touched.insert(id);
            if outcome.is_ok() {
                out.remade += 1;
            }
        }
        let after: BTreeSet<ReportId> = self
            .doc()
            .keys(ROOT)
            .filter_map(|k| ReportId::parse(&k).ok())
            .collect();
        out.touched
            .extend(before.symmetric_difference(&after).copied());
        Ok(out)
    }

    /// This device's edits in one of its own changes, read through the document that holds
    /// it (objects created earlier are traced to their report).
    fn edits_in(&self, change: &Change) -> Vec<Edit> {
        let expanded = change.decode();
        let start = change.start_op().get();
        // Objects created in this change: counter → (report, is the amendment list).
        let mut created: BTreeMap<u64, (ReportId, bool)> = BTreeMap::new();
        let mut filing: BTreeMap<ReportId, Filed> = BTreeMap::new();
        let mut reasons: BTreeMap<ReportId, Reason> = BTreeMap::new();
        let mut out = Vec::new();
        for (i, op) in expanded.operations.iter().enumerate() {
            let counter = start + i as u64;
            let target = match &op.obj {
                ObjectId::Root => {
                    if let (Key::Map(k), OpType::Make(automerge::ObjType::Map)) =
                        (&op.key, &op.action)
                    {
                        if let Ok(id) = ReportId::parse(k) {
                            created.insert(counter, (id, false));
                            filing.insert(id, (None, None, None));
                        }
                    }
                    continue;
                }
                ObjectId::Id(obj) => {
                    if obj.actor() == change.actor_id() && created.contains_key(&obj.counter()) {
                        created[&obj.counter()]
                    } else {
                        match self.trace(obj.counter(), obj.actor()) {
                            Some(t) => t,
                            None => continue,
                        }
                    }
                }
            };
            let (id, in_list) = target;
            let text = match &op.action {
                OpType::Put(ScalarValue::Str(s)) => Some(s.to_string()),
                _ => None,
            };
            if in_list {
                if let Some(a) = text.and_then(|t| serde_json::from_str::<Amendment>(&t).ok()) {
                    out.push(Edit::Amend(id, a));
                }
                continue;
            }
            let Key::Map(key) = &op.key else { continue };
            let new = filing.get_mut(&id);
            match (key.as_str(), &op.action, new) {
                (layout::AMEND, OpType::Make(automerge::ObjType::List), _) => {
                    created.insert(counter, (id, true));
                }
                (layout::BODY, _, Some(f)) => {
                    f.0 = text.and_then(|t| serde_json::from_str(&t).ok())
                }
                (layout::ALERT, OpType::Put(ScalarValue::Boolean(b)), Some(f)) => f.1 = Some(*b),
                (layout::POLICE, _, Some(f)) => {
                    f.2 = text.and_then(|t| PoliceConsent::parse(&t).ok())
                }
                (layout::ALERT, OpType::Put(ScalarValue::Boolean(b)), None) => {
                    out.push(Edit::Alert(id, *b))
                }
                (layout::POLICE, _, None) => {
                    if let Some(p) = text.and_then(|t| PoliceConsent::parse(&t).ok()) {
                        out.push(Edit::Police(id, p));
                    }
                }
                (layout::STATUS, _, None)
                    if text.as_deref() == Some(Status::Withdrawn.as_wire()) =>
                {
                    out.push(Edit::Withdraw(id, None));
                }
                (layout::REASON, _, _) => {
                    if let Some(r) = text.and_then(|t| Reason::parse("reason", &t).ok()) {
                        reasons.insert(id, r);
                    }
                }
                _ => {}
            }
        }
        for e in out.iter_mut() {
            if let Edit::Withdraw(id, reason) = e {
                *reason = reasons.remove(id);
            }
        }
        let mut files: Vec<Edit> = filing
            .into_iter()
            .filter_map(|(id, (body, alert, police))| {
                Some(Edit::File {
                    id,
                    body: Box::new(body?),
                    consent: Consent {
                        alert: alert?,
                        police: police?,
                    },
                })
            })
            .collect();
        files.extend(out);
        files
    }

    /// The report (and whether the object is its amendment list) an existing object is.
    fn trace(&self, counter: u64, actor: &automerge::ActorId) -> Option<(ReportId, bool)> {
        let (obj, _) = self.doc().import(&format!("{counter}@{actor}")).ok()?;
        let path: Vec<_> = self.doc().parents(&obj).ok()?.collect();
        let top = path.last()?;
        let automerge::Prop::Map(k) = &top.prop else {
            return None;
        };
        Some((ReportId::parse(k).ok()?, path.len() == 2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::{DeviceActor, PartitionKey};
    use automerge::transaction::Transactable;

    #[test]
    fn a_refused_change_no_longer_strands_the_devices_later_reports() {
        let (body, consent) = crate::log::intake_tests::body_and_consent();
        let at = time::macros::datetime!(2026-10-01 0:00 UTC);
        let ids: Vec<ReportId> = (0..4)
            .map(|n| ReportId::minted_at(at + time::Duration::seconds(n)))
            .collect();
        let pkey = PartitionKey::of(&ids[0]);
        let actor = DeviceActor::generate();
        let mut dev = LogPartition::new(pkey.clone(), &actor);
        let mut relay = LogPartition::new(pkey, &DeviceActor::generate());
        dev.file(ids[0], &body, consent).unwrap();
        // A change the relay refuses (an older build wrote a field outside the schema) …
        let obj = dev.doc().get(ROOT, ids[0].to_string()).unwrap().unwrap().1;
        dev.doc_mut()
            .put(&obj, "note", "outside the schema")
            .unwrap();
        dev.doc_mut().commit();
        // … then honest work built on it.
        dev.file(ids[1], &body, consent).unwrap();
        let a = Amendment {
            at: 9,
            note: Some(crate::report::Description::parse("note", "seen again").unwrap()),
            phones: vec![],
            emails: vec![],
        };
        dev.amend(&ids[0], &a).unwrap();
        dev.set_status(
            &ids[1],
            Status::Withdrawn,
            Some(&Reason::parse("reason", "asked").unwrap()),
        )
        .unwrap();
        let intake = relay
            .accept_remote(&dev.doc_mut().save_after(&[]), &actor)
            .unwrap();
        assert_eq!(intake.accepted_changes, 1);
        let refused: Vec<ChangeHash> = intake
            .rejected
            .iter()
            .filter(|r| !r.reason.contains("builds on"))
            .map(|r| r.change)
            .collect();
        assert_eq!(refused.len(), 1);

        let out = dev.set_aside(&refused).unwrap();
        assert_eq!(
            out.kept_bytes.len(),
            1,
            "the refused change is handed back to keep"
        );
        assert_eq!(out.remade, 3);
        let heads = relay.heads();
        let intake = relay
            .accept_remote(&dev.doc_mut().save_after(&heads), &actor)
            .unwrap();
        assert!(intake.rejected.is_empty(), "{intake:?}");
        let r0 = relay.report(&ids[0]).unwrap().unwrap();
        assert_eq!(r0.amendments, vec![a]);
        let r1 = relay.report(&ids[1]).unwrap().unwrap();
        assert_eq!(r1.status, Status::Withdrawn);
        assert_eq!(relay.reports().0.len(), 2);
        assert!(dev.doc().get(&obj, "note").unwrap().is_none());
    }
}
