//! The answer to "have we seen this number, email or registration?", built from reports.
//!
//! Finding the matching reports is the caller's job (the device store keeps an index); this
//! module decides what an answer may say: counts, months, areas, kinds, statuses and public
//! alert texts, never a narrative.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use crate::identifiers::Identifier;
use crate::report::{AlertText, AreaCode, IncidentKind, Report, Status};

/// What was checked, as it may be shown back (masked for phones and emails).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CheckedValue {
    /// `phone`, `email` or `registration`.
    pub kind: &'static str,
    /// The masked hint, or the normalised registration.
    pub shown_as: String,
}

impl CheckedValue {
    /// From a parsed identifier.
    pub fn of(id: &Identifier) -> CheckedValue {
        match id {
            Identifier::Phone(p) => CheckedValue {
                kind: "phone",
                shown_as: p.hint().to_string(),
            },
            Identifier::Email(e) => CheckedValue {
                kind: "email",
                shown_as: e.hint().to_string(),
            },
            Identifier::Registration(r) => CheckedValue {
                kind: "registration",
                shown_as: r.as_str().to_owned(),
            },
        }
    }
}

/// One matching report as a check shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CheckHit {
    /// The report id (devices only; members never see it).
    pub id: String,
    /// Incident month, `YYYY-MM`.
    pub month: String,
    /// Area code.
    pub area: AreaCode,
    /// What happened.
    pub kinds: Vec<IncidentKind>,
    /// Status.
    pub status: Status,
    /// The public warning.
    pub alert_text: AlertText,
}

/// The whole answer.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CheckAnswer {
    /// What was checked.
    pub checked: CheckedValue,
    /// Number of matching reports that are not withdrawn.
    pub count: usize,
    /// Number of matching reports that were withdrawn (not counted above).
    pub withdrawn: usize,
    /// Distinct incident months, oldest first.
    pub months: Vec<String>,
    /// Distinct areas.
    pub areas: Vec<AreaCode>,
    /// Distinct kinds.
    pub kinds: Vec<IncidentKind>,
    /// The matching reports, newest incident first.
    pub reports: Vec<CheckHit>,
}

impl CheckHit {
    /// What a check may show of a report.
    pub fn of(r: &Report) -> CheckHit {
        CheckHit {
            id: r.id.to_string(),
            month: r.body.when.month(),
            area: r.body.area.clone(),
            kinds: r.body.kinds.clone(),
            status: r.status,
            alert_text: r.body.alert_text.clone(),
        }
    }
}

impl CheckAnswer {
    /// Builds the answer from the hits of the reports that matched.
    pub fn from_hits(checked: CheckedValue, mut reports: Vec<CheckHit>) -> CheckAnswer {
        let mut months = BTreeSet::new();
        let mut areas = BTreeSet::new();
        let mut kinds = BTreeSet::new();
        let mut withdrawn = 0;
        for r in &reports {
            if r.status == Status::Withdrawn {
                withdrawn += 1;
            } else {
                months.insert(r.month.clone());
                areas.insert(r.area.clone());
                kinds.extend(r.kinds.iter().copied());
            }
        }
        reports.sort_by(|a, b| b.month.cmp(&a.month).then_with(|| a.id.cmp(&b.id)));
        CheckAnswer {
            checked,
            count: reports.len() - withdrawn,
            withdrawn,
            months: months.into_iter().collect(),
            areas: areas.into_iter().collect(),
            kinds: kinds.into_iter().collect(),
            reports,
        }
    }
}
