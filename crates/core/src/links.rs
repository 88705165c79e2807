//! Repeat-perpetrator linking: which other reports share a phone number or email with a
//! report, and which masked identifier links them.
//!
//! The rule, for the device's alerts and the relay's alerts alike: two reports are linked
//! when both are live (not withdrawn) and share a phone or email digest
//! ([`crate::index::IndexKind::links`]); registrations do not link, a partial one is shared by many
//! vehicles. A report never links to itself, and a withdrawn report links to nothing and
//! counts for nothing (DESIGN.md: withdrawn reports never count).
//!
//! [`Links`] is built once — from reports ([`Links::from_reports`]) or from an identifier
//! index ([`Links::from_entries`]) — and answers [`Links::of`] per report without a rescan.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use serde::{Serialize, Serializer};

use crate::identifiers::{EmailHint, PhoneHint};
use crate::index::IndexKey;
use crate::report::{Report, ReportId, Status};

/// The masked identifier that links two reports: at most the last three digits of a number
/// or the first letter of an email (data rule 3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Hint {
    /// A masked phone number, e.g. `+44 7••• •••123`.
    Phone(PhoneHint),
    /// A masked email, e.g. `d•••@example.com`.
    Email(EmailHint),
}

impl Hint {
    /// The masked text.
    pub fn as_str(&self) -> &str {
        match self {
            Hint::Phone(h) => h.as_str(),
            Hint::Email(h) => h.as_str(),
        }
    }
}

impl fmt::Display for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Hint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// What linking says of one report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Repeats {
    /// How many other live reports share one of its phone numbers or emails.
    pub others: usize,
    /// The masked identifiers it shares with them, each once, in the report's order (its
    /// phones, then its emails).
    pub linked_by: Vec<Hint>,
}

impl Repeats {
    /// True when no other report is linked.
    pub fn is_none(&self) -> bool {
        self.others == 0
    }
}

/// Which live reports carry each linking key.
#[derive(Debug, Clone, Default)]
pub struct Links {
    carriers: HashMap<IndexKey, BTreeSet<ReportId>>,
}

impl Links {
    /// From every report that might be linked: withdrawn ones are left out here, so callers
    /// may pass everything they hold.
    pub fn from_reports<'a>(reports: impl IntoIterator<Item = &'a Report>) -> Links {
        Links::from_entries(
            reports
                .into_iter()
                .filter(|r| r.status != Status::Withdrawn)
                .flat_map(|r| r.index_keys().map(move |k| (k, r.id))),
        )
    }

    /// From identifier index entries `(key, report)` of live reports only: the caller (a
    /// store) has already left withdrawn reports out. Keys that do not link
    /// (registrations) are ignored.
    pub fn from_entries(entries: impl IntoIterator<Item = (IndexKey, ReportId)>) -> Links {
        let mut carriers: HashMap<IndexKey, BTreeSet<ReportId>> = HashMap::new();
        for (key, id) in entries {
            if key.kind().links() {
                carriers.entry(key).or_default().insert(id);
            }
        }
        Links { carriers }
    }

    /// The other live reports linked to `report`, and by which masked identifiers. A
    /// withdrawn report has none.
    pub fn of(&self, report: &Report) -> Repeats {
        if report.status == Status::Withdrawn {
            return Repeats::default();
        }
        let mut others = BTreeSet::new();
        let mut linked_by = Vec::new();
        let keyed = report
            .all_phones()
            .map(|p| (IndexKey::Phone(p.digest), Hint::Phone(p.hint.clone())))
            .chain(
                report
                    .all_emails()
                    .map(|e| (IndexKey::Email(e.digest), Hint::Email(e.hint.clone()))),
            );
        for (key, hint) in keyed {
            let Some(ids) = self.carriers.get(&key) else {
                continue;
            };
            others.extend(ids.iter().filter(|id| **id != report.id).copied());
            let shared = ids.iter().any(|id| *id != report.id);
            if shared && !linked_by.contains(&hint) {
                linked_by.push(hint);
            }
        }
        Repeats {
            others: others.len(),
            linked_by,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::ReportSpec;

    #[test]
    fn reports_sharing_a_phone_or_an_email_are_linked_with_the_masked_identifier() {
        let a = ReportSpec::new().phones(&["07700 900123"]).build();
        let b = ReportSpec::new()
            .phones(&["+44 7700 900123"])
            .emails(&["dave@example.com"])
            .build();
        let c = ReportSpec::new().emails(&["Dave@Example.com"]).build();
        let d = ReportSpec::new().phones(&["07700 900999"]).build();
        let links = Links::from_reports([&a, &b, &c, &d]);

        let of_a = links.of(&a);
        assert_eq!(of_a.others, 1);
        assert_eq!(
            of_a.linked_by.iter().map(Hint::as_str).collect::<Vec<_>>(),
            ["+44 7••• •••123"]
        );
        let of_b = links.of(&b);
        assert_eq!(of_b.others, 2, "a by phone, c by email");
        assert_eq!(
            of_b.linked_by.iter().map(Hint::as_str).collect::<Vec<_>>(),
            ["+44 7••• •••123", "d•••@example.com"]
        );
        assert!(links.of(&d).is_none());
        assert!(links.of(&d).linked_by.is_empty());
    }

    #[test]
    fn a_report_never_links_to_itself() {
        // The same number in the body and again in an amendment is one report, not two.
        let a = ReportSpec::new()
            .phones(&["07700 900123"])
            .amended_phones(&["07700 900123"])
            .build();
        let links = Links::from_reports([&a, &a]);
        assert_eq!(links.of(&a), Repeats::default());
    }

    #[test]
    fn withdrawn_reports_neither_link_nor_are_linked() {
        let live = ReportSpec::new().phones(&["07700 900123"]).build();
        let gone = ReportSpec::new()
            .phones(&["07700 900123"])
            .status(Status::Withdrawn)
            .build();
        let links = Links::from_reports([&live, &gone]);
        assert!(links.of(&live).is_none());
        assert!(links.of(&gone).is_none());
        // Even when a careless caller hands a withdrawn report's entries in.
        let links = Links::from_entries(
            [&live, &gone]
                .into_iter()
                .flat_map(|r| r.index_keys().map(move |k| (k, r.id))),
        );
        assert!(links.of(&gone).is_none());
    }

    #[test]
    fn identifiers_added_by_amendment_link_too() {
        let a = ReportSpec::new()
            .amended_emails(&["dave@example.com"])
            .build();
        let b = ReportSpec::new().emails(&["dave@example.com"]).build();
        let links = Links::from_reports([&a, &b]);
        assert_eq!(links.of(&a).others, 1);
        assert_eq!(links.of(&b).linked_by[0].as_str(), "d•••@example.com");
    }

    #[test]
    fn registrations_do_not_link() {
        let a = ReportSpec::new().registration("MA6?").build();
        let b = ReportSpec::new().registration("MA6?").build();
        assert!(Links::from_reports([&a, &b]).of(&a).is_none());
    }
}
