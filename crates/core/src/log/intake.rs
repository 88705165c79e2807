//! Taking in changes from another device, as the relay does: every change is checked against
//! the schema and the data rules before it joins the partition; a rejected change (and any
//! change built on it) never does.

use automerge::ChangeHash;
use std::collections::{BTreeMap, BTreeSet};

use super::{LogError, LogPartition};
use crate::report::{Report, ReportId};

/// One change that was refused, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedChange {
    /// The change.
    pub change: ChangeHash,
    /// The report it touched, when it names one.
    pub report: Option<ReportId>,
    /// Why, in words the filing device can show.
    pub reason: String,
}

/// What happened to a batch of incoming changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Intake {
    /// Reports touched by accepted changes.
    pub accepted: BTreeSet<ReportId>,
    /// Refused changes.
    pub rejected: Vec<RejectedChange>,
    /// Some changes depend on changes this side lacks: the sender should resend from this
    /// side's heads.
    pub missing_deps: bool,
}

/// Checks one report's transition from `before` to `after` against the rules a device may
/// never break: valid schema, right partition, immutable body, append-only amendments, no
/// deletion.
fn check_transition(
    key: &str,
    before: Option<&Report>,
    after: Result<Option<Report>, LogError>,
) -> Result<(), String> {
    let id = ReportId::parse(key).map_err(|_| {
        format!("'{key}' is not a report id; only reports may be written to the log")
    })?;
    let after = after.map_err(|e| e.to_string())?;
    let Some(after) = after else {
        return Err(format!(
            "report {id} was deleted; reports are withdrawn, never deleted"
        ));
    };
    if let Some(before) = before {
        if before.body != after.body {
            return Err(format!(
                "report {id}: the body of a filed report cannot change; add an amendment instead"
            ));
        }
        if !before
            .amendments
            .iter()
            .all(|a| after.amendments.contains(a))
        {
            return Err(format!("report {id}: amendments are append-only"));
        }
    }
    Ok(())
}

fn validate(
    part: &mut LogPartition,
    trial: &mut LogPartition,
    before_heads: &[ChangeHash],
) -> Result<BTreeSet<ReportId>, (Option<ReportId>, String)> {
    let mut ids = BTreeSet::new();
    for key in trial.touched_keys_since(before_heads) {
        let id = ReportId::parse(&key).ok();
        if let Some(id) = &id {
            if super::PartitionKey::of(id) != *part.key() {
                return Err((
                    Some(*id),
                    format!(
                        "report {id} belongs to partition {}, not {}",
                        super::PartitionKey::of(id),
                        part.key()
                    ),
                ));
            }
        }
        let before = match &id {
            Some(id) => part.report(id).ok().flatten(),
            None => None,
        };
        let after = match &id {
            Some(id) => trial.report(id),
            None => Ok(None),
        };
        check_transition(&key, before.as_ref(), after).map_err(|reason| (id, reason))?;
        ids.extend(id);
    }
    Ok(ids)
}

impl LogPartition {
    /// Takes in change bytes from a device, keeping only changes that pass validation.
    /// Damaged bytes are an error and change nothing.
    pub fn accept_remote(&mut self, bytes: &[u8]) -> Result<Intake, LogError> {
        let (changes, missing_deps) = self.new_changes_in(bytes)?;
        let mut intake = Intake {
            missing_deps,
            ..Intake::default()
        };
        if changes.is_empty() {
            return Ok(intake);
        }
        // Fast path: the whole batch at once, which is what honest devices send.
        let before = self.heads();
        let mut trial = self.fork();
        trial.apply_changes(changes.clone())?;
        if let Ok(ids) = validate(self, &mut trial, &before) {
            self.adopt(trial);
            intake.accepted = ids;
            return Ok(intake);
        }
        // Slow path: one change at a time, so one bad change does not sink good ones.
        let mut refused: BTreeMap<ChangeHash, ()> = BTreeMap::new();
        for change in changes {
            let hash = change.hash();
            if let Some(dep) = change.deps().iter().find(|d| refused.contains_key(d)) {
                intake.rejected.push(RejectedChange {
                    change: hash,
                    report: None,
                    reason: format!("builds on a rejected change ({})", &dep.to_string()[..12]),
                });
                refused.insert(hash, ());
                continue;
            }
            let before = self.heads();
            let mut trial = self.fork();
            trial.apply_changes(vec![change])?;
            match validate(self, &mut trial, &before) {
                Ok(ids) => {
                    self.adopt(trial);
                    intake.accepted.extend(ids);
                }
                Err((report, reason)) => {
                    intake.rejected.push(RejectedChange {
                        change: hash,
                        report,
                        reason,
                    });
                    refused.insert(hash, ());
                }
            }
        }
        // Dependants were named by hash; name their report where the first rejection did.
        if let Some(first) = intake.rejected.iter().find_map(|r| r.report) {
            for r in intake.rejected.iter_mut().filter(|r| r.report.is_none()) {
                r.report = Some(first);
            }
        }
        Ok(intake)
    }
}
