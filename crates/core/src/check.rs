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

/// One report as a member's check shows it: no report id, no narrative, no status beyond
/// open or verified (a withdrawn report is never in a member's answer).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MemberCheckHit {
    /// Incident month, `YYYY-MM`.
    pub month: String,
    /// Area code.
    pub area: AreaCode,
    /// What happened.
    pub kinds: Vec<IncidentKind>,
    /// Open or verified.
    pub status: Status,
    /// The public warning.
    pub alert_text: AlertText,
}

/// The answer a member (a person who sex works, checking before a booking) may receive:
/// no report ids, no narratives, and the same shape for a hit and a miss.
///
/// It counts only reports that may be warnings ([`crate::alerts::eligible`]: alert consent
/// given, not withdrawn): a person who said "no alert" has not agreed to warn others
/// through the checker either. That is why it is built from the matching reports, not from
/// a device's [`CheckAnswer`], which counts every report for outreach workers.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MemberCheckAnswer {
    /// What was checked, masked.
    pub checked: CheckedValue,
    /// Number of matching reports that may be shown.
    pub count: usize,
    /// The earliest incident month among them, `YYYY-MM` ("reported N times since …").
    pub since: Option<String>,
    /// Distinct incident months, oldest first.
    pub months: Vec<String>,
    /// Distinct areas.
    pub areas: Vec<AreaCode>,
    /// Distinct kinds.
    pub kinds: Vec<IncidentKind>,
    /// The warnings, newest incident first.
    pub reports: Vec<MemberCheckHit>,
}

impl MemberCheckAnswer {
    /// Builds the answer from the reports whose index keys matched what was checked;
    /// reports that may not be warnings are left out here, so callers pass every match.
    pub fn from_reports<'a>(
        checked: CheckedValue,
        matched: impl IntoIterator<Item = &'a Report>,
    ) -> MemberCheckAnswer {
        let mut months = BTreeSet::new();
        let mut areas = BTreeSet::new();
        let mut kinds = BTreeSet::new();
        let mut reports: Vec<MemberCheckHit> = matched
            .into_iter()
            .filter(|r| crate::alerts::eligible(r))
            .map(|r| {
                months.insert(r.body.when.month());
                areas.insert(r.body.area.clone());
                kinds.extend(r.body.kinds.iter().copied());
                MemberCheckHit {
                    month: r.body.when.month(),
                    area: r.body.area.clone(),
                    kinds: r.body.kinds.clone(),
                    status: r.status,
                    alert_text: r.body.alert_text.clone(),
                }
            })
            .collect();
        // Newest first, then by content: never by id or filing order, which would hint at
        // which device filed what.
        reports.sort_by(|a, b| {
            b.month
                .cmp(&a.month)
                .then_with(|| a.area.cmp(&b.area))
                .then_with(|| a.alert_text.as_str().cmp(b.alert_text.as_str()))
        });
        MemberCheckAnswer {
            checked,
            count: reports.len(),
            since: months.first().cloned(),
            months: months.into_iter().collect(),
            areas: areas.into_iter().collect(),
            kinds: kinds.into_iter().collect(),
            reports,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identifiers::{Identifier, Region};
    use crate::index::IndexKey;
    use crate::report::{AreaList, IntakeContext, ReportId, ReportInput};
    use crate::testing::key;

    const AREAS: &str = include_str!("../../../fixtures/areas.toml");
    const REPORTS: &str = include_str!("../../../fixtures/reports.json");

    /// The fixture reports, filed (ids minted, consent and status as given).
    fn fixture_reports() -> Vec<Report> {
        let areas = AreaList::from_toml(AREAS).unwrap();
        let key = key();
        let ctx = IntakeContext {
            key: &key,
            region: Region::gb(),
            areas: &areas,
        };
        let v: serde_json::Value = serde_json::from_str(REPORTS).unwrap();
        v["reports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let new = ReportInput::from_json(&r.to_string())
                    .unwrap()
                    .parse(&ctx)
                    .unwrap();
                Report {
                    id: ReportId::new(),
                    body: new.body,
                    consent: new.consent,
                    status: Status::Open,
                    withdrawal_reason: None,
                    amendments: Vec::new(),
                }
            })
            .collect()
    }

    fn matching<'a>(reports: &'a [Report], id: &Identifier) -> Vec<&'a Report> {
        let wanted = match id {
            Identifier::Phone(p) => IndexKey::Phone(key().phone_digest(p)),
            Identifier::Email(e) => IndexKey::Email(key().email_digest(e)),
            Identifier::Registration(r) => IndexKey::Registration(r.clone()),
        };
        reports
            .iter()
            .filter(|r| r.index_keys().any(|k| k == wanted))
            .collect()
    }

    #[test]
    fn a_member_answer_carries_no_report_id_or_narrative() {
        let mut reports = fixture_reports();
        let asked = Identifier::parse("07700 900123", Region::gb()).unwrap();
        let matched = matching(&reports, &asked);
        assert_eq!(matched.len(), 2, "two fixture reports share this number");
        let answer = MemberCheckAnswer::from_reports(CheckedValue::of(&asked), matched);
        assert_eq!(answer.count, 2);
        assert_eq!(answer.since.as_deref(), Some("2026-10"));
        let json = serde_json::to_string(&answer).unwrap();
        for r in &reports {
            let id = r.id.as_uuid();
            for shown in [id.hyphenated().to_string(), id.simple().to_string()] {
                assert!(!json.contains(&shown), "report id {shown} in {json}");
            }
            assert!(
                !json.contains(r.body.narrative.as_str()),
                "narrative in {json}"
            );
        }
        assert!(!json.contains("\"id\""), "{json}");
        assert!(!json.contains("900123"), "the full number in {json}");

        // The device's answer for the same check does carry ids: the difference is the type.
        let device = CheckAnswer::from_hits(
            CheckedValue::of(&asked),
            matching(&reports, &asked)
                .into_iter()
                .map(CheckHit::of)
                .collect(),
        );
        let device_json = serde_json::to_string(&device).unwrap();
        assert!(device_json.contains(&matching(&reports, &asked)[0].id.to_string()));

        // A withdrawn match and one without alert consent are not counted for members.
        let ids: Vec<ReportId> = matching(&reports, &asked).iter().map(|r| r.id).collect();
        for r in reports.iter_mut().filter(|r| ids.contains(&r.id)) {
            if r.id == ids[0] {
                r.status = Status::Withdrawn;
            } else {
                r.consent.alert = false;
            }
        }
        let answer =
            MemberCheckAnswer::from_reports(CheckedValue::of(&asked), matching(&reports, &asked));
        assert_eq!(answer.count, 0);
        assert!(answer.reports.is_empty() && answer.since.is_none());
    }

    #[test]
    fn a_hit_and_a_miss_have_the_same_shape() {
        let reports = fixture_reports();
        let shape = |v: &str| {
            let asked = Identifier::parse(v, Region::gb()).unwrap();
            let answer = MemberCheckAnswer::from_reports(
                CheckedValue::of(&asked),
                matching(&reports, &asked),
            );
            let json = serde_json::to_value(&answer).unwrap();
            json.as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(shape("07700 900123"), shape("07700 900001"));
    }
}
