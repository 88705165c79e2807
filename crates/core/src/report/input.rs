//! The JSON import format (one object of `fixtures/reports.json`) and its parsing into a
//! [`NewReport`]: the only way plaintext identifiers become digests.

use serde::Deserialize;
use time::{Date, Time};

use super::enums::{
    AlertGroup, Gender, IncidentKind, PoliceConsent, ReporterRole, Setting, TimePrecision,
};
use super::model::{
    Consent, IncidentWhen, OnlineHandle, Perpetrator, ReportBody, Vehicle, BODY_SCHEMA,
};
use super::text::{AlertText, Description, Narrative, ShortText};
use super::warnings::{free_text_warnings, FreeTextWarning};
use super::{AreaList, FieldError};
use crate::identifiers::{
    NormalisedEmail, NormalisedPhone, PlainIdentifiers, Region, Registration, SchemeKey,
};
use crate::victim::{VictimPrivate, VictimPrivateInput};

/// What parsing needs from the device: the scheme key, the default phone region and areas.
pub struct IntakeContext<'a> {
    /// Key for identifier digests.
    pub key: &'a SchemeKey,
    /// Region for national phone numbers.
    pub region: Region,
    /// The scheme's areas.
    pub areas: &'a AreaList,
}

/// A report ready to file: the body for the log, consent, and victim-private details that
/// stay on this device.
#[derive(Debug, Clone)]
pub struct NewReport {
    /// The log's immutable part.
    pub body: ReportBody,
    /// Initial consent.
    pub consent: Consent,
    /// Local-only details, when given.
    pub victim: Option<VictimPrivate>,
    /// The perpetrator's phone numbers and emails in plaintext, for the filing device's
    /// encrypted store only (never the log): police payloads are sealed from them, and
    /// reports filed before enrolment are re-keyed from them.
    pub plain: PlainIdentifiers,
}

/// Every field that could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct InputErrors(pub Vec<FieldError>);

impl std::fmt::Display for InputErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|e| e.to_string()).collect();
        f.write_str(&parts.join("; "))
    }
}

/// The raw import object, field names as in `fixtures/reports.json`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub incident_date: String,
    /// `HH:MM`, optional.
    #[serde(default)]
    pub incident_time: Option<String>,
    /// exact, approximate, day, week, month.
    #[serde(default)]
    pub time_precision: Option<String>,
    /// An area code from the scheme's list.
    #[serde(default)]
    pub area: String,
    /// street, car, incall, …
    #[serde(default)]
    pub setting: String,
    /// physical_assault, robbery, …
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Who did it.
    #[serde(default)]
    pub perpetrator: PerpetratorInput,
    /// The anonymised account.
    #[serde(default)]
    pub narrative: String,
    /// The short public warning; made from the structured fields when absent.
    #[serde(default)]
    pub alert_text: Option<String>,
    /// women, men, trans_nonbinary, everyone.
    #[serde(default)]
    pub alert_for: String,
    /// self, outreach_worker, third_party.
    #[serde(default)]
    pub reporter_role: String,
    /// Consent.
    #[serde(default)]
    pub consent: Option<ConsentInput>,
    /// Local-only details.
    #[serde(default)]
    victim_private: Option<VictimPrivateInput>,
}

impl std::fmt::Debug for VictimPrivateInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VictimPrivateInput(••••)")
    }
}

impl Clone for VictimPrivateInput {
    fn clone(&self) -> Self {
        // Parsing consumes the input; cloning raw victim details is never needed.
        VictimPrivateInput::default()
    }
}

/// Raw perpetrator fields.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerpetratorInput {
    /// Phone numbers as typed.
    #[serde(default)]
    pub phones: Vec<String>,
    /// Emails as typed.
    #[serde(default)]
    pub emails: Vec<String>,
    /// Names or aliases.
    #[serde(default)]
    pub names_used: Vec<String>,
    /// man, woman, trans_nonbinary, unknown.
    #[serde(default)]
    pub gender: Option<String>,
    /// e.g. 40-50.
    #[serde(default)]
    pub age_range: Option<String>,
    /// Height.
    #[serde(default)]
    pub height: Option<String>,
    /// Build.
    #[serde(default)]
    pub build: Option<String>,
    /// Appearance.
    #[serde(default)]
    pub appearance: Option<String>,
    /// Distinguishing features.
    #[serde(default)]
    pub distinguishing_features: Option<String>,
    /// Vehicle.
    #[serde(default)]
    pub vehicle: Option<VehicleInput>,
    /// Online accounts.
    #[serde(default)]
    pub online_handles: Vec<OnlineHandleInput>,
}

/// Raw vehicle fields; empty strings mean unknown.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VehicleInput {
    /// Make.
    #[serde(default)]
    pub make: Option<String>,
    /// Model.
    #[serde(default)]
    pub model: Option<String>,
    /// Colour.
    #[serde(default)]
    pub colour: Option<String>,
    /// Registration or part of it.
    #[serde(default)]
    pub registration: Option<String>,
}

/// Raw online handle.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnlineHandleInput {
    /// Site or app.
    #[serde(default)]
    pub site: String,
    /// Handle.
    #[serde(default)]
    pub handle: String,
}

/// Raw consent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// May a warning go to members?
    pub alert: bool,
    /// none, intelligence, full.
    pub police: String,
}

/// Collects errors instead of stopping at the first, so a form can mark every field.
struct Collector(Vec<FieldError>);

impl Collector {
    fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    fn text<T>(
        &mut self,
        field: &str,
        raw: Option<&str>,
        parse: fn(&str, &str) -> Result<T, FieldError>,
    ) -> Option<T> {
        let raw = raw.filter(|s| !s.trim().is_empty())?;
        self.take(parse(field, raw))
    }
}

impl ReportInput {
    /// Parses one import object from JSON text.
    pub fn from_json(text: &str) -> Result<ReportInput, InputErrors> {
        serde_json::from_str(text).map_err(|e| {
            InputErrors(vec![FieldError::new(
                "report",
                format!("is not a report in the import format: {e}"),
            )])
        })
    }

    /// True when the import carries victim-private details.
    pub fn has_victim_private(&self) -> bool {
        self.victim_private.is_some()
    }

    /// Warnings about the account and the public warning (a phone number, an email, a
    /// name, or one of the person's own details given under `victim_private`): what a worker
    /// should look at before filing. Phone numbers are read in `region`.
    pub fn free_text_warnings(&self, region: Region) -> Vec<FreeTextWarning> {
        let private = self
            .victim_private
            .as_ref()
            .map(VictimPrivateInput::labelled)
            .unwrap_or_default();
        free_text_warnings(
            &self.narrative,
            self.alert_text.as_deref().unwrap_or_default(),
            &self.perpetrator.names_used,
            &private,
            region,
        )
    }

    /// Validates every field and digests identifiers. Errors name each bad field. The
    /// incident date is checked against today in UTC from the clock
    /// ([`crate::ambient::now_utc`]); [`ReportInput::parse_on`] takes the day instead.
    pub fn parse(self, ctx: &IntakeContext<'_>) -> Result<NewReport, InputErrors> {
        self.parse_on(ctx, crate::ambient::now_utc().date())
    }

    /// [`ReportInput::parse`] with `today` (UTC) given rather than read from the clock:
    /// an incident date later than the day after `today` is refused.
    pub fn parse_on(self, ctx: &IntakeContext<'_>, today: Date) -> Result<NewReport, InputErrors> {
        let mut c = Collector(Vec::new());

        let date = c.take(parse_date(&self.incident_date, today));
        let time = match self
            .incident_time
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(t) => c.take(parse_time(t)),
            None => None,
        };
        let precision = match self
            .time_precision
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(p) => c.take(TimePrecision::parse(p)),
            None => Some(if time.is_some() {
                TimePrecision::Exact
            } else {
                TimePrecision::Day
            }),
        };
        let area = c.take(ctx.areas.area(&self.area).map(|a| a.code.clone()));
        let setting = c.take(Setting::parse(&self.setting));
        let mut kinds = Vec::new();
        if self.kinds.is_empty() {
            c.0.push(FieldError::new(
                "kinds",
                format!(
                    "name at least one of: {}",
                    wire_list(IncidentKind::ALL, IncidentKind::as_wire)
                ),
            ));
        }
        for (i, k) in self.kinds.iter().enumerate() {
            if let Some(k) = c.take(
                IncidentKind::parse(k)
                    .map_err(|e| FieldError::new(format!("kinds[{i}]"), e.reason)),
            ) {
                kinds.push(k);
            }
        }
        kinds.sort();
        kinds.dedup();

        let mut plain = PlainIdentifiers::default();
        let perpetrator = parse_perpetrator(self.perpetrator, ctx, &mut c, &mut plain);
        let narrative = match self.narrative.trim() {
            "" => {
                c.0.push(FieldError::new("narrative", "is empty; describe what happened, without the person's name or contact details"));
                None
            }
            n => c.take(Narrative::parse("narrative", n)),
        };
        let alert_for = c.take(AlertGroup::parse(&self.alert_for));
        let reporter_role = c.take(ReporterRole::parse(&self.reporter_role));
        let consent = match self.consent {
            None => {
                c.0.push(FieldError::new("consent", "is missing; ask: may a warning go to other members (alert: true/false), and what may the police receive (police: none, intelligence or full)?"));
                None
            }
            Some(ci) => c.take(PoliceConsent::parse(&ci.police).map(|police| Consent {
                alert: ci.alert,
                police,
            })),
        };
        let victim = self.victim_private.and_then(|v| v.parse(&mut c.0));
        let explicit_alert = c.text("alert_text", self.alert_text.as_deref(), AlertText::parse);

        if !c.0.is_empty() {
            return Err(InputErrors(c.0));
        }
        // Every Option is Some here: each None above pushed an error.
        let (
            date,
            precision,
            area,
            setting,
            perpetrator,
            narrative,
            alert_for,
            reporter_role,
            consent,
        ) = (
            date.expect("checked"),
            precision.expect("checked"),
            area.expect("checked"),
            setting.expect("checked"),
            perpetrator.expect("checked"),
            narrative.expect("checked"),
            alert_for.expect("checked"),
            reporter_role.expect("checked"),
            consent.expect("checked"),
        );
        let when = IncidentWhen {
            date,
            time,
            precision,
        };
        let alert_text = match explicit_alert {
            Some(t) => t,
            None => default_alert_text(
                &when,
                ctx.areas.name_of(&area),
                setting,
                &kinds,
                &perpetrator,
            ),
        };
        let body = ReportBody {
            schema: BODY_SCHEMA,
            when,
            area,
            setting,
            kinds,
            perpetrator,
            narrative,
            alert_text,
            alert_for,
            reporter_role,
        };
        body.check().map_err(|e| InputErrors(vec![e]))?;
        Ok(NewReport {
            body,
            consent,
            victim,
            plain,
        })
    }
}

fn wire_list<T: Copy>(all: &[T], wire: fn(T) -> &'static str) -> String {
    all.iter().map(|v| wire(*v)).collect::<Vec<_>>().join(", ")
}

fn parse_date(raw: &str, today: Date) -> Result<Date, FieldError> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(FieldError::new(
            "incident_date",
            "is missing; give the date as YYYY-MM-DD, e.g. 2026-10-03",
        ));
    }
    let date = Date::parse(raw, &fmt).map_err(|_| {
        FieldError::new(
            "incident_date",
            format!(
                "'{}' is not a date; use YYYY-MM-DD, e.g. 2026-10-03",
                super::text::shorten_for_error(raw)
            ),
        )
    })?;
    let latest = latest_incident_date(today);
    if date > latest {
        return Err(FieldError::new(
            "incident_date",
            format!(
                "{date} is in the future; give the date it happened (today is {})",
                latest.previous_day().unwrap_or(latest)
            ),
        ));
    }
    Ok(date)
}

/// The latest incident date accepted: tomorrow in UTC, so a report filed just after
/// midnight where the clock is ahead of UTC is not refused.
fn latest_incident_date(today: Date) -> Date {
    today.next_day().unwrap_or(today)
}

fn parse_time(raw: &str) -> Result<Time, FieldError> {
    let fmt = time::macros::format_description!("[hour]:[minute]");
    Time::parse(raw, &fmt).map_err(|_| {
        FieldError::new(
            "incident_time",
            format!(
                "'{}' is not a time; use 24-hour HH:MM, e.g. 23:40",
                super::text::shorten_for_error(raw)
            ),
        )
    })
}

fn parse_perpetrator(
    p: PerpetratorInput,
    ctx: &IntakeContext<'_>,
    c: &mut Collector,
    plain: &mut PlainIdentifiers,
) -> Option<Perpetrator> {
    let before = c.0.len();
    let mut out = Perpetrator::default();
    for (i, raw) in p
        .phones
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.trim().is_empty())
    {
        match NormalisedPhone::parse(raw, ctx.region) {
            Ok(phone) => {
                let r = ctx.key.protect_phone(&phone);
                if !out.phones.iter().any(|p| p.digest == r.digest) {
                    out.phones.push(r);
                }
                plain.add_phone(phone);
            }
            Err(e) => c.0.push(FieldError::new(
                format!("perpetrator.phones[{i}]"),
                e.to_string(),
            )),
        }
    }
    for (i, raw) in p
        .emails
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.trim().is_empty())
    {
        match NormalisedEmail::parse(raw) {
            Ok(email) => {
                let r = ctx.key.protect_email(&email);
                if !out.emails.iter().any(|e| e.digest == r.digest) {
                    out.emails.push(r);
                }
                plain.add_email(email);
            }
            Err(e) => c.0.push(FieldError::new(
                format!("perpetrator.emails[{i}]"),
                e.to_string(),
            )),
        }
    }
    for (i, raw) in p
        .names_used
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.trim().is_empty())
    {
        if let Some(n) = c.take(ShortText::parse(
            &format!("perpetrator.names_used[{i}]"),
            raw,
        )) {
            out.names_used.push(n);
        }
    }
    if let Some(g) = p.gender.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        out.gender = c.take(Gender::parse(g));
    }
    out.age_range = c.text(
        "perpetrator.age_range",
        p.age_range.as_deref(),
        ShortText::parse,
    );
    out.height = c.text("perpetrator.height", p.height.as_deref(), ShortText::parse);
    out.build = c.text("perpetrator.build", p.build.as_deref(), ShortText::parse);
    out.appearance = c.text(
        "perpetrator.appearance",
        p.appearance.as_deref(),
        Description::parse,
    );
    out.distinguishing_features = c.text(
        "perpetrator.distinguishing_features",
        p.distinguishing_features.as_deref(),
        Description::parse,
    );
    if let Some(v) = p.vehicle {
        let vehicle = Vehicle {
            make: c.text(
                "perpetrator.vehicle.make",
                v.make.as_deref(),
                ShortText::parse,
            ),
            model: c.text(
                "perpetrator.vehicle.model",
                v.model.as_deref(),
                ShortText::parse,
            ),
            colour: c.text(
                "perpetrator.vehicle.colour",
                v.colour.as_deref(),
                ShortText::parse,
            ),
            registration: match v
                .registration
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                Some(r) => c.take(Registration::parse(r).map_err(|e| {
                    FieldError::new("perpetrator.vehicle.registration", e.to_string())
                })),
                None => None,
            },
        };
        out.vehicle = (!vehicle.is_empty()).then_some(vehicle);
    }
    for (i, h) in p.online_handles.iter().enumerate() {
        let site = c.take(ShortText::parse(
            &format!("perpetrator.online_handles[{i}].site"),
            &h.site,
        ));
        let handle = c.take(ShortText::parse(
            &format!("perpetrator.online_handles[{i}].handle"),
            &h.handle,
        ));
        if let (Some(site), Some(handle)) = (site, handle) {
            out.online_handles.push(OnlineHandle { site, handle });
        }
    }
    (c.0.len() == before).then_some(out)
}

/// The warning members read when the filer wrote none: built from structured fields only,
/// never from the narrative.
pub fn default_alert_text(
    when: &IncidentWhen,
    area_name: &str,
    setting: Setting,
    kinds: &[IncidentKind],
    p: &Perpetrator,
) -> AlertText {
    let kinds: Vec<&str> = kinds.iter().map(|k| k.label()).collect();
    let mut first = kinds.join(", ");
    if let Some(c) = first.get(0..1) {
        first = c.to_uppercase() + &first[1..];
    }
    let month = when.date.month();
    let mut text = format!(
        "{first} ({}), {area_name}, {month} {}.",
        setting.label(),
        when.date.year()
    );
    let mut who = Vec::new();
    if let Some(g) = p.gender.filter(|g| *g != Gender::Unknown) {
        who.push(g.label().to_owned());
    }
    if let Some(a) = &p.age_range {
        who.push(format!("age {a}"));
    }
    if let Some(v) = &p.vehicle {
        let car: Vec<&str> = [&v.colour, &v.make, &v.model]
            .into_iter()
            .flatten()
            .map(|t| t.as_str())
            .collect();
        if !car.is_empty() {
            who.push(format!("vehicle: {}", car.join(" ")));
        }
    }
    if !p.phones.is_empty() || !p.emails.is_empty() {
        who.push("check numbers and emails before booking".to_owned());
    }
    if !who.is_empty() {
        text.push(' ');
        let mut rest = who.join("; ");
        if let Some(c) = rest.get(0..1) {
            rest = c.to_uppercase() + &rest[1..];
        }
        text.push_str(&rest);
        text.push('.');
    }
    let limited: String = text.chars().take(AlertText::MAX_CHARS).collect();
    AlertText::parse("alert_text", &limited).expect("built from bounded parts")
}

#[cfg(test)]
mod date_tests {
    use super::*;

    #[test]
    fn an_incident_date_in_the_future_is_refused() {
        let today = time::macros::date!(2026 - 12 - 31);
        assert_eq!(parse_date(&today.to_string(), today).unwrap(), today);
        // Tomorrow (UTC) is allowed: it is already today where the clock is ahead of UTC.
        let tomorrow = today.next_day().unwrap();
        assert!(parse_date(&tomorrow.to_string(), today).is_ok());
        let later = tomorrow.next_day().unwrap();
        let e = parse_date(&later.to_string(), today).unwrap_err();
        assert_eq!(e.field, "incident_date");
        assert!(e.reason.contains("is in the future"), "{e}");
        let e = parse_date("2999-01-01", today).unwrap_err();
        assert!(e.reason.contains("2999-01-01 is in the future"), "{e}");
    }
}
