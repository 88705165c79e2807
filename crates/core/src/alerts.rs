//! Which reports may appear as a warning, and what a warning may show.
//!
//! One rule for the van app's alerts page and printed sheet and for the relay's alerts to
//! members: a report is a warning only while the person's consent allows an alert and the
//! report is not withdrawn ([`eligible`]). Consent is read when the warning is made, so a
//! caller about to send calls [`Warning::of`] at that moment, never earlier. A
//! [`Warning`] carries only what members may read: the incident month (never the day), the
//! area, the kinds, who it is for, the public alert text (never the narrative) and which
//! masked identifiers link it to other reports.

use serde::Serialize;

use crate::links::{Links, Repeats};
use crate::report::{AlertGroup, AlertText, AreaCode, IncidentKind, Report, Status};

/// May this report appear as a warning at all? Only with alert consent given and not
/// withdrawn (withdrawal also withdraws alert consent, but a concurrent consent change may
/// leave `alert` set on a withdrawn report: the status decides).
pub fn eligible(report: &Report) -> bool {
    report.consent.alert && report.status != Status::Withdrawn
}

/// Does a warning written for `alert_for` reach people in `group`? Yes when it is for
/// them or for everyone; a reader asking for everyone's warnings sees every group's.
pub fn is_for(alert_for: AlertGroup, group: AlertGroup) -> bool {
    alert_for == group || alert_for == AlertGroup::Everyone || group == AlertGroup::Everyone
}

/// A warning: what members may read of an eligible report. Built only by [`Warning::of`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    month: String,
    area: AreaCode,
    kinds: Vec<IncidentKind>,
    alert_for: AlertGroup,
    alert_text: AlertText,
    repeats: Repeats,
}

impl Warning {
    /// The warning for `report`, with its links to other reports, or `None` when the report
    /// may not be a warning ([`eligible`]).
    pub fn of(report: &Report, links: &Links) -> Option<Warning> {
        eligible(report).then(|| Warning {
            month: report.body.when.month(),
            area: report.body.area.clone(),
            kinds: report.body.kinds.clone(),
            alert_for: report.body.alert_for,
            alert_text: report.body.alert_text.clone(),
            repeats: links.of(report),
        })
    }

    /// Incident month, `YYYY-MM`.
    pub fn month(&self) -> &str {
        &self.month
    }

    /// The area's code.
    pub fn area(&self) -> &AreaCode {
        &self.area
    }

    /// What happened.
    pub fn kinds(&self) -> &[IncidentKind] {
        &self.kinds
    }

    /// Who the warning is for.
    pub fn alert_for(&self) -> AlertGroup {
        self.alert_for
    }

    /// The public warning text.
    pub fn alert_text(&self) -> &AlertText {
        &self.alert_text
    }

    /// Other live reports sharing a phone number or email with this one.
    pub fn repeats(&self) -> &Repeats {
        &self.repeats
    }

    /// Does it reach people in `group`? See [`is_for`].
    pub fn is_for(&self, group: AlertGroup) -> bool {
        is_for(self.alert_for, group)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::ReportSpec;

    #[test]
    fn only_consented_reports_that_are_not_withdrawn_are_eligible() {
        for status in Status::ALL {
            for alert in [true, false] {
                let r = ReportSpec::new().alert(alert).status(*status).build();
                let want = alert && *status != Status::Withdrawn;
                assert_eq!(eligible(&r), want, "alert {alert}, {status:?}");
                assert_eq!(
                    Warning::of(&r, &Links::default()).is_some(),
                    want,
                    "alert {alert}, {status:?}"
                );
            }
        }
    }

    #[test]
    fn a_warning_shows_the_month_and_public_text_never_the_day_or_narrative() {
        let r = ReportSpec::new()
            .date(time::macros::date!(2026 - 10 - 17))
            .text("Man in a white van, calls himself Dave.")
            .phones(&["07700 900123"])
            .build();
        let w = Warning::of(&r, &Links::default()).unwrap();
        assert_eq!(w.month(), "2026-10");
        assert_eq!(
            w.alert_text().as_str(),
            "Man in a white van, calls himself Dave."
        );
        let json = serde_json::to_string(&w).unwrap();
        for absent in [
            "2026-10-17",
            r.body.narrative.as_str(),
            &r.id.to_string(),
            "900123",
            &r.body.perpetrator.phones[0].digest.to_hex(),
        ] {
            assert!(!json.contains(absent), "{absent} in {json}");
        }
    }

    #[test]
    fn a_warning_carries_its_links() {
        let a = ReportSpec::new().phones(&["07700 900123"]).build();
        let b = ReportSpec::new()
            .phones(&["07700 900123"])
            .alert(false)
            .build();
        let w = Warning::of(&a, &Links::from_reports([&a, &b])).unwrap();
        assert_eq!(w.repeats().others, 1);
        assert_eq!(w.repeats().linked_by[0].as_str(), "+44 7••• •••123");
    }

    #[test]
    fn groups() {
        use AlertGroup::*;
        assert!(is_for(Women, Women));
        assert!(is_for(Everyone, Men));
        assert!(!is_for(Women, Men));
        assert!(!is_for(TransNonBinary, Women));
        assert!(is_for(Men, Everyone));
    }
}
