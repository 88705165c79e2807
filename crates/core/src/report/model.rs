//! The report as it lives in the shared log: typed, anonymised, and valid by construction.

use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Date, OffsetDateTime, Time};
use uuid::Uuid;

use super::enums::{
    AlertGroup, Gender, IncidentKind, PoliceConsent, ReporterRole, Setting, Status, TimePrecision,
};
use super::text::{AlertText, Description, Narrative, Reason, ShortText};
use super::{AreaCode, FieldError};
use crate::identifiers::{EmailRef, PhoneRef, Registration};

time::serde::format_description!(ymd, Date, "[year]-[month]-[day]");
time::serde::format_description!(hm, Time, "[hour]:[minute]");

/// The version of the report body schema written by this build.
pub const BODY_SCHEMA: u32 = 1;

/// A report's identity: a UUID v7, so it also records when (to the millisecond) it was
/// filed, and therefore which monthly log partition holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReportId(Uuid);

impl ReportId {
    /// A new id for a report filed now.
    pub fn new() -> ReportId {
        ReportId(crate::ambient::uuid_v7_now())
    }

    /// An id minted as if at `at`: for importing historical reports and for tests and
    /// benchmarks that need reports spread over months.
    pub fn minted_at(at: OffsetDateTime) -> ReportId {
        let nanos = at.unix_timestamp_nanos().max(0) as u128;
        let secs = (nanos / 1_000_000_000) as u64;
        let sub = (nanos % 1_000_000_000) as u32;
        ReportId(crate::ambient::uuid_v7_at(secs, sub))
    }

    /// Parses the hyphenated form; only version 7 ids are reports.
    pub fn parse(input: &str) -> Result<ReportId, FieldError> {
        let uuid = Uuid::parse_str(input.trim()).map_err(|_| {
            FieldError::new(
                "id",
                "is not a report id (they look like 0193a1b2-…; `mugsync report list` shows them)",
            )
        })?;
        ReportId::from_uuid(uuid)
    }

    /// Wraps a UUID, refusing any that is not version 7.
    pub fn from_uuid(uuid: Uuid) -> Result<ReportId, FieldError> {
        if uuid.get_version_num() == 7 {
            Ok(ReportId(uuid))
        } else {
            Err(FieldError::new(
                "id",
                "is not a report id: report ids are UUID version 7",
            ))
        }
    }

    /// The underlying UUID.
    pub fn as_uuid(&self) -> Uuid {
        self.0
    }

    /// When the report was filed, from the id's timestamp.
    pub fn filed_at(&self) -> OffsetDateTime {
        let (secs, nanos) = self
            .0
            .get_timestamp()
            .map(|t| t.to_unix())
            .unwrap_or((0, 0));
        OffsetDateTime::from_unix_timestamp(secs as i64)
            .map(|t| t + time::Duration::nanoseconds(nanos as i64))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

impl Default for ReportId {
    fn default() -> Self {
        ReportId::new()
    }
}

impl fmt::Display for ReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl std::str::FromStr for ReportId {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, FieldError> {
        ReportId::parse(s)
    }
}

/// When the incident happened, and how exactly that is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentWhen {
    /// The day (or, with coarser precision, a day in the week or month).
    #[serde(with = "ymd")]
    pub date: Date,
    /// The time of day, when known.
    #[serde(with = "hm::option", default, skip_serializing_if = "Option::is_none")]
    pub time: Option<Time>,
    /// How exact `date` and `time` are.
    pub precision: TimePrecision,
}

impl IncidentWhen {
    /// `YYYY-MM`: the month members see in check answers.
    pub fn month(&self) -> String {
        format!("{:04}-{:02}", self.date.year(), u8::from(self.date.month()))
    }
}

/// A vehicle the perpetrator used. Every part is optional; registrations are normalised
/// (upper case, no spaces) so partial ones can be searched.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vehicle {
    /// Make, e.g. Ford.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub make: Option<ShortText>,
    /// Model, e.g. Transit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ShortText>,
    /// Colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colour: Option<ShortText>,
    /// Registration or the part of it that was seen (`?` marks an unknown character).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "registration_serde"
    )]
    pub registration: Option<Registration>,
}

impl Vehicle {
    /// Colour, make and model as given, in that order, space-separated (the CLI and the
    /// van app both show it so).
    pub fn colour_make_model(&self) -> String {
        [&self.colour, &self.make, &self.model]
            .into_iter()
            .flatten()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// True when nothing about the vehicle is known.
    pub fn is_empty(&self) -> bool {
        self.make.is_none()
            && self.model.is_none()
            && self.colour.is_none()
            && self.registration.is_none()
    }
}

mod registration_serde {
    use crate::identifiers::Registration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(r: &Option<Registration>, s: S) -> Result<S::Ok, S::Error> {
        match r {
            Some(r) => s.serialize_some(r.as_str()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Registration>, D::Error> {
        let raw: Option<String> = Option::deserialize(d)?;
        raw.map(|r| Registration::parse(&r).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// An account the perpetrator used online.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnlineHandle {
    /// The site or app.
    pub site: ShortText,
    /// The handle on it.
    pub handle: ShortText,
}

/// Who did it: identifiers only as digests and masked hints, plus a description.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Perpetrator {
    /// Phone numbers, as keyed digests and hints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<PhoneRef>,
    /// Emails, as keyed digests and hints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<EmailRef>,
    /// Names or aliases used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names_used: Vec<ShortText>,
    /// Gender as described.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    /// Age range, e.g. 40-50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_range: Option<ShortText>,
    /// Height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<ShortText>,
    /// Build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<ShortText>,
    /// Appearance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appearance: Option<Description>,
    /// Distinguishing features: tattoos, scars, accent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distinguishing_features: Option<Description>,
    /// Vehicle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle: Option<Vehicle>,
    /// Online accounts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub online_handles: Vec<OnlineHandle>,
}

impl Perpetrator {
    /// Gender, age, height and build in one line ("man, age 40-50, tall, slim"); empty when
    /// none is known.
    pub fn summary(&self) -> String {
        [
            self.gender.map(|g| g.label().to_string()),
            self.age_range.as_ref().map(|a| format!("age {a}")),
            self.height.as_ref().map(|h| h.to_string()),
            self.build.as_ref().map(|b| b.to_string()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
    }
}

/// The immutable part of a report: written once into the log as one value.
///
/// Holds nothing that identifies the person who was harmed (DESIGN.md rule 1) and no
/// plaintext perpetrator identifier (rule 3): the types of its fields make both impossible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    /// Schema version of this body.
    pub schema: u32,
    /// When it happened.
    pub when: IncidentWhen,
    /// Where, from the scheme's areas.
    pub area: AreaCode,
    /// What kind of place.
    pub setting: Setting,
    /// What happened: one or more, sorted, no repeats.
    pub kinds: Vec<IncidentKind>,
    /// Who did it.
    pub perpetrator: Perpetrator,
    /// The anonymised account; internal.
    pub narrative: Narrative,
    /// The public warning members may read.
    pub alert_text: AlertText,
    /// Who the alert is for.
    pub alert_for: AlertGroup,
    /// Who filed it.
    pub reporter_role: ReporterRole,
}

impl ReportBody {
    /// Checks what the types alone cannot: the shape ([`ReportBody::check_shape`]), and free
    /// text that holds no plain phone number or email (data rule 3). Every new body passes
    /// this, on the device and at the relay's intake.
    pub fn check(&self) -> Result<(), FieldError> {
        self.check_shape()?;
        for (field, text) in self.public_text() {
            if let Some(kind) = super::plain_contact_in_text(text) {
                return Err(FieldError::new(
                    field,
                    format!("holds {} in plain text; this text leaves the device. Put a perpetrator's number or email in the phone or email field (it is kept only as a digest there); take out anyone else's", kind.with_article()),
                ));
            }
        }
        Ok(())
    }

    /// A known schema, at least one kind, sorted kinds: what every stored body must have to
    /// be read.
    pub fn check_shape(&self) -> Result<(), FieldError> {
        if self.schema != BODY_SCHEMA {
            return Err(FieldError::new(
                "schema",
                format!(
                    "version {} is not known to this build (expects {BODY_SCHEMA}); update mugsync",
                    self.schema
                ),
            ));
        }
        if self.kinds.is_empty() {
            return Err(FieldError::new(
                "kinds",
                "name at least one kind of incident",
            ));
        }
        if self.kinds.windows(2).any(|w| w[0] >= w[1]) {
            return Err(FieldError::new("kinds", "must be sorted with no repeats"));
        }
        Ok(())
    }

    /// The free text that members read or that names the perpetrator: the public alert text
    /// and the names used. A plain phone number or email there is refused outright (the
    /// account and descriptions get a warning and a confirm on the device instead).
    pub fn public_text(&self) -> Vec<(&'static str, &str)> {
        let mut out = vec![("alert_text", self.alert_text.as_str())];
        out.extend(
            self.perpetrator
                .names_used
                .iter()
                .map(|n| ("perpetrator.names_used", n.as_str())),
        );
        out
    }
}

/// Consent, per report, explicit and changeable (DESIGN.md rule 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// May an anonymised warning go to other members?
    pub alert: bool,
    /// What the police may receive.
    pub police: PoliceConsent,
}

/// An append-only addition to a report: a note and/or more identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amendment {
    /// When it was added (seconds since the Unix epoch).
    pub at: i64,
    /// A note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Description>,
    /// Further phone numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<PhoneRef>,
    /// Further emails.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<EmailRef>,
}

impl Amendment {
    /// True when the amendment adds nothing.
    pub fn is_empty(&self) -> bool {
        self.note.is_none() && self.phones.is_empty() && self.emails.is_empty()
    }

    /// Checks what the types alone cannot: an amendment adds something.
    pub fn check(&self) -> Result<(), FieldError> {
        if self.is_empty() {
            return Err(FieldError::new(
                "amendment",
                "an amendment must add a note, a phone number or an email",
            ));
        }
        Ok(())
    }
}

/// A report as every device sees it once the log is merged: the body plus its mutable parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Identity.
    pub id: ReportId,
    /// The immutable body.
    pub body: ReportBody,
    /// Current consent.
    pub consent: Consent,
    /// Current status.
    pub status: Status,
    /// Why it was withdrawn, when it was.
    pub withdrawal_reason: Option<Reason>,
    /// Amendments in a stable order (time, then content).
    pub amendments: Vec<Amendment>,
}

impl Report {
    /// Every phone reference: the body's and the amendments'.
    pub fn all_phones(&self) -> impl Iterator<Item = &PhoneRef> {
        self.body
            .perpetrator
            .phones
            .iter()
            .chain(self.amendments.iter().flat_map(|a| a.phones.iter()))
    }

    /// Every email reference: the body's and the amendments'.
    pub fn all_emails(&self) -> impl Iterator<Item = &EmailRef> {
        self.body
            .perpetrator
            .emails
            .iter()
            .chain(self.amendments.iter().flat_map(|a| a.emails.iter()))
    }
}
