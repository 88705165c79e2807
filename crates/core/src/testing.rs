//! Test-only report builder for the rule modules (alerts, links, index, check): a valid
//! report with exactly the identifiers, consent and status a test names.

use crate::identifiers::{NormalisedEmail, NormalisedPhone, Region, Registration, SchemeKey};
use crate::report::{
    AlertGroup, AlertText, Amendment, AreaCode, Consent, IncidentKind, IncidentWhen, Narrative,
    Perpetrator, PoliceConsent, Report, ReportBody, ReportId, ReporterRole, Setting, Status,
    TimePrecision, Vehicle, BODY_SCHEMA,
};

/// The scheme key every rule test digests under.
pub(crate) fn key() -> SchemeKey {
    SchemeKey::from_bytes(b"mugsync-test-scheme-key-32bytes!").unwrap()
}

/// A report to build; every field has a harmless default.
pub(crate) struct ReportSpec {
    phones: Vec<String>,
    emails: Vec<String>,
    amended_phones: Vec<String>,
    amended_emails: Vec<String>,
    registration: Option<String>,
    alert: bool,
    status: Status,
    date: time::Date,
    area: &'static str,
    alert_for: AlertGroup,
    text: String,
}

impl ReportSpec {
    pub(crate) fn new() -> ReportSpec {
        ReportSpec {
            phones: Vec::new(),
            emails: Vec::new(),
            amended_phones: Vec::new(),
            amended_emails: Vec::new(),
            registration: None,
            alert: true,
            status: Status::Open,
            date: time::macros::date!(2026 - 10 - 03),
            area: "mcr-piccadilly",
            alert_for: AlertGroup::Women,
            text: "Man in a white van refused to pay and hit her.".into(),
        }
    }
    pub(crate) fn phones(mut self, p: &[&str]) -> Self {
        self.phones = p.iter().map(|s| s.to_string()).collect();
        self
    }
    pub(crate) fn emails(mut self, e: &[&str]) -> Self {
        self.emails = e.iter().map(|s| s.to_string()).collect();
        self
    }
    pub(crate) fn amended_phones(mut self, p: &[&str]) -> Self {
        self.amended_phones = p.iter().map(|s| s.to_string()).collect();
        self
    }
    pub(crate) fn amended_emails(mut self, e: &[&str]) -> Self {
        self.amended_emails = e.iter().map(|s| s.to_string()).collect();
        self
    }
    pub(crate) fn registration(mut self, r: &str) -> Self {
        self.registration = Some(r.into());
        self
    }
    pub(crate) fn alert(mut self, alert: bool) -> Self {
        self.alert = alert;
        self
    }
    pub(crate) fn status(mut self, status: Status) -> Self {
        self.status = status;
        self
    }
    pub(crate) fn date(mut self, date: time::Date) -> Self {
        self.date = date;
        self
    }
    pub(crate) fn text(mut self, text: &str) -> Self {
        self.text = text.into();
        self
    }

    pub(crate) fn build(self) -> Report {
        let key = key();
        let phone =
            |p: &String| key.protect_phone(&NormalisedPhone::parse(p, Region::gb()).unwrap());
        let email = |e: &String| key.protect_email(&NormalisedEmail::parse(e).unwrap());
        let amendments = if self.amended_phones.is_empty() && self.amended_emails.is_empty() {
            Vec::new()
        } else {
            vec![Amendment {
                at: 1,
                note: None,
                phones: self.amended_phones.iter().map(phone).collect(),
                emails: self.amended_emails.iter().map(email).collect(),
            }]
        };
        let body = ReportBody {
            schema: BODY_SCHEMA,
            when: IncidentWhen {
                date: self.date,
                time: None,
                precision: TimePrecision::Day,
            },
            area: AreaCode::parse(self.area).unwrap(),
            setting: Setting::Car,
            kinds: vec![IncidentKind::PhysicalAssault, IncidentKind::NonPayment],
            perpetrator: Perpetrator {
                phones: self.phones.iter().map(phone).collect(),
                emails: self.emails.iter().map(email).collect(),
                vehicle: self.registration.map(|r| Vehicle {
                    registration: Some(Registration::parse(&r).unwrap()),
                    ..Vehicle::default()
                }),
                ..Perpetrator::default()
            },
            narrative: Narrative::parse("narrative", "The private account: never in a warning.")
                .unwrap(),
            alert_text: AlertText::parse("alert_text", &self.text).unwrap(),
            alert_for: self.alert_for,
            reporter_role: ReporterRole::OutreachWorker,
        };
        body.check().unwrap();
        Report {
            id: ReportId::new(),
            body,
            consent: Consent {
                alert: self.alert,
                police: PoliceConsent::None,
            },
            status: self.status,
            withdrawal_reason: None,
            amendments,
        }
    }
}
