//! The report form's fields, and turning a posted form into the import format
//! ([`ReportInput`]) so that the same parsing and the same field errors as the CLI apply.
//!
//! Form field names are the import format's field paths (`perpetrator.vehicle.make`), so a
//! [`FieldError`] from parsing lands next to the input it is about.

use mugsync_core::report::{FieldError, IntakeContext, NewReport, ReportInput};
use serde_json::{json, Map, Value};

use crate::formdata::FormData;

/// Victim-private inputs start with this; they never go into drafts.
pub(crate) const PRIVATE_PREFIX: &str = "victim_private.";

/// Fields that are not report content: never stored in a draft.
const NOT_CONTENT: &[&str] = &["csrf", "form_id", "ack_warnings"];

/// Every field's label, for error summaries and warnings.
pub(crate) const LABELS: &[(&str, &str)] = &[
    ("incident_date", "Date"),
    ("incident_time", "Time, if known"),
    ("time_precision", "How sure of the time"),
    ("area", "Area"),
    ("setting", "Where it happened"),
    ("kinds", "What happened"),
    ("perpetrator.phones", "Phone numbers"),
    ("perpetrator.emails", "Emails"),
    ("perpetrator.names_used", "Names or aliases used"),
    ("perpetrator.gender", "Gender"),
    ("perpetrator.age_range", "Age range"),
    ("perpetrator.height", "Height"),
    ("perpetrator.build", "Build"),
    ("perpetrator.appearance", "Appearance"),
    (
        "perpetrator.distinguishing_features",
        "Distinguishing features",
    ),
    ("perpetrator.vehicle.make", "Vehicle make"),
    ("perpetrator.vehicle.model", "Vehicle model"),
    ("perpetrator.vehicle.colour", "Vehicle colour"),
    ("perpetrator.vehicle.registration", "Registration"),
    ("perpetrator.online_handles", "Online accounts"),
    ("narrative", "What happened, in words"),
    ("alert_text", "Warning text"),
    ("alert_for", "Who the warning is for"),
    ("reporter_role", "Who is filing"),
    ("consent.alert", "Warning to members"),
    ("consent.police", "Police"),
    ("victim_private.name", "Name or working name"),
    ("victim_private.contact", "How to reach them"),
    ("victim_private.address", "Address or exact place"),
    (
        "victim_private.statement",
        "Statement for the police liaison",
    ),
];

/// Labels of the fields of the other forms (amend, withdraw, check).
const OTHER_LABELS: &[(&str, &str)] = &[
    ("amend.note", "Note"),
    ("amend.phones", "More phone numbers"),
    ("amend.emails", "More emails"),
    ("withdraw.reason", "Why it is withdrawn"),
    ("value", "Number, email or registration"),
];

/// The label of a field, or the field path itself.
pub(crate) fn label(field: &str) -> &str {
    LABELS
        .iter()
        .chain(OTHER_LABELS)
        .find(|(f, _)| *f == field)
        .map(|(_, l)| *l)
        .unwrap_or(field)
}

/// Where an error belongs: the form field, and the textarea line (0-based) for list fields
/// such as `perpetrator.phones[2]` or `kinds[0]`.
pub(crate) fn place(field: &str) -> (String, Option<usize>) {
    if field == "consent" {
        return ("consent.alert".into(), None);
    }
    match field.split_once('[') {
        Some((base, rest)) => {
            let line = rest.split_once(']').and_then(|(n, _)| n.parse().ok());
            // kinds are checkboxes, not lines.
            let line = if base == "kinds" { None } else { line };
            (base.to_owned(), line)
        }
        None => (field.to_owned(), None),
    }
}

/// True for a field name some form has (errors for others go only in the summary).
pub(crate) fn is_form_field(name: &str) -> bool {
    LABELS.iter().chain(OTHER_LABELS).any(|(f, _)| *f == name)
}

/// True for a field of the report form.
fn is_report_field(name: &str) -> bool {
    LABELS.iter().any(|(f, _)| *f == name)
}

/// The draft to keep: every content field except the person's own details.
pub(crate) fn draft_of(form: &FormData) -> FormData {
    FormData(
        form.0
            .iter()
            .filter(|(k, _)| !k.starts_with(PRIVATE_PREFIX) && !NOT_CONTENT.contains(&k.as_str()))
            .filter(|(k, _)| is_report_field(k))
            .cloned()
            .collect(),
    )
}

/// Serialises a draft for the store.
pub(crate) fn draft_to_json(draft: &FormData) -> String {
    Value::Array(draft.0.iter().map(|(k, v)| json!([k, v])).collect()).to_string()
}

/// Reads a stored draft back (dropping anything that should not be in one).
pub(crate) fn draft_from_json(text: &str) -> FormData {
    let pairs: Vec<(String, String)> = serde_json::from_str(text).unwrap_or_default();
    draft_of(&FormData(pairs))
}

/// Parses a posted report form: every problem at once, each with its field, in the order
/// the form asks.
pub(crate) fn parse(
    form: &FormData,
    intake: &IntakeContext<'_>,
) -> Result<NewReport, Vec<FieldError>> {
    let (input, mut errors) = to_input(form);
    let parsed = input.map(|i| i.parse(intake));
    let result = match parsed {
        Some(Ok(new)) if errors.is_empty() => return Ok(new),
        Some(Ok(_)) | None => errors,
        Some(Err(core)) => {
            // A field the form already explained (an unanswered question) does not also
            // get the import format's wording for it.
            let explained: Vec<String> = errors.iter().map(|e| place(&e.field).0).collect();
            let consent_asked = explained.iter().any(|f| f.starts_with("consent"));
            let already = |e: &FieldError| {
                explained.contains(&place(&e.field).0) || (consent_asked && e.field == "consent")
            };
            errors.extend(core.0.into_iter().filter(|e| !already(e)));
            errors
        }
    };
    let mut sorted = result;
    sorted.sort_by_key(|e| {
        let field = place(&e.field).0;
        LABELS
            .iter()
            .position(|(f, _)| *f == field)
            .unwrap_or(LABELS.len())
    });
    Err(sorted)
}

/// The import object for a form, plus the problems only the form can have (an unanswered
/// consent question, an online account without its site).
fn to_input(form: &FormData) -> (Option<ReportInput>, Vec<FieldError>) {
    let mut errors = Vec::new();
    // Unanswered questions, in the form's words rather than the import format's.
    for (field, ask) in [
        ("incident_date", "is missing; choose the day it happened (if unsure, choose a day and say how sure under “How sure of the time”)"),
        ("area", "is not chosen; choose the area it happened in"),
        ("setting", "is not chosen; choose where it happened"),
        ("alert_for", "is not chosen; choose who the warning is for"),
        ("reporter_role", "is not chosen; choose who is filing"),
    ] {
        if form.get(field).trim().is_empty() {
            errors.push(FieldError::new(field, ask));
        }
    }
    if form.all("kinds").is_empty() {
        errors.push(FieldError::new(
            "kinds",
            "has nothing ticked; tick at least one",
        ));
    }
    let alert = match form.get("consent.alert") {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            errors.push(FieldError::new(
                "consent.alert",
                "is not answered; ask the person and choose yes or no",
            ));
            None
        }
    };
    let police = form.opt("consent.police");
    if police.is_none() {
        errors.push(FieldError::new(
            "consent.police",
            "is not answered; ask the person and choose one",
        ));
    }
    let mut handles = Vec::new();
    for (i, line) in form.lines("perpetrator.online_handles").iter().enumerate() {
        match line.split_once(':') {
            Some((site, handle)) => {
                handles.push(json!({"site": site.trim(), "handle": handle.trim()}))
            }
            None => errors.push(FieldError::new(
                format!("perpetrator.online_handles[{i}]"),
                "write it as site: handle, e.g. example-dating-app: nightowl_mcr",
            )),
        }
    }

    let opt = |name: &str| form.opt(name).map(Value::String).unwrap_or(Value::Null);
    let mut vehicle = Map::new();
    for part in ["make", "model", "colour", "registration"] {
        if let Some(v) = form.opt(&format!("perpetrator.vehicle.{part}")) {
            vehicle.insert(part.into(), Value::String(v));
        }
    }
    let mut perpetrator = json!({
        "phones": form.lines("perpetrator.phones"),
        "emails": form.lines("perpetrator.emails"),
        "names_used": form.lines("perpetrator.names_used"),
        "gender": opt("perpetrator.gender"),
        "age_range": opt("perpetrator.age_range"),
        "height": opt("perpetrator.height"),
        "build": opt("perpetrator.build"),
        "appearance": opt("perpetrator.appearance"),
        "distinguishing_features": opt("perpetrator.distinguishing_features"),
        "online_handles": handles,
    });
    if !vehicle.is_empty() {
        perpetrator["vehicle"] = Value::Object(vehicle);
    }
    // The form writes days as the scheme does (01/12/2026); the import format is ISO.
    let date = form.get("incident_date").trim();
    let date = if date.is_empty() {
        String::new()
    } else {
        match crate::words::parse_day(date) {
            Ok(d) => crate::words::iso(d),
            Err(why) => {
                // Said once: the core parser's words for this field are dropped below.
                errors.push(FieldError::new("incident_date", why));
                date.to_owned()
            }
        }
    };
    let mut input = json!({
        "incident_date": date,
        "incident_time": opt("incident_time"),
        "time_precision": opt("time_precision"),
        "area": form.get("area").trim(),
        "setting": form.get("setting").trim(),
        "kinds": form.all("kinds"),
        "perpetrator": perpetrator,
        "narrative": form.get("narrative"),
        "alert_text": opt("alert_text"),
        "alert_for": form.get("alert_for").trim(),
        "reporter_role": form.get("reporter_role").trim(),
    });
    if let (Some(alert), Some(police)) = (alert, police) {
        input["consent"] = json!({"alert": alert, "police": police});
    }
    let mut private = Map::new();
    for part in ["name", "contact", "address", "statement"] {
        if let Some(v) = form.opt(&format!("{PRIVATE_PREFIX}{part}")) {
            private.insert(part.into(), Value::String(v));
        }
    }
    if !private.is_empty() {
        // The import format is the only way in for victim-private details (its field is
        // private to mugsync-core), so they travel through it too.
        input["victim_private"] = Value::Object(private);
    }
    match serde_json::from_value::<ReportInput>(input) {
        Ok(i) => (Some(i), errors),
        Err(e) => {
            errors.push(FieldError::new(
                "report",
                format!("could not be read ({e}); this is a bug in the app"),
            ));
            (None, errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_errors_on_fields_and_lines() {
        assert_eq!(
            place("perpetrator.phones[2]"),
            ("perpetrator.phones".into(), Some(2))
        );
        assert_eq!(
            place("perpetrator.online_handles[0].site"),
            ("perpetrator.online_handles".into(), Some(0))
        );
        assert_eq!(place("kinds[1]"), ("kinds".into(), None));
        assert_eq!(place("consent"), ("consent.alert".into(), None));
        assert_eq!(place("narrative"), ("narrative".into(), None));
        assert!(is_form_field("perpetrator.vehicle.registration"));
        assert!(!is_form_field("report"));
    }

    #[test]
    fn drafts_never_keep_the_persons_details() {
        let form = FormData(vec![
            ("csrf".into(), "t".into()),
            ("narrative".into(), "x".into()),
            ("victim_private.name".into(), "Sample Person A".into()),
            ("kinds".into(), "theft".into()),
            ("kinds".into(), "robbery".into()),
            ("unknown".into(), "?".into()),
        ]);
        let json = draft_to_json(&draft_of(&form));
        assert!(!json.contains("Sample Person"), "{json}");
        assert!(!json.contains("csrf"), "{json}");
        let back = draft_from_json(&json);
        assert_eq!(back.all("kinds"), vec!["theft", "robbery"]);
        assert_eq!(back.get("narrative"), "x");
        // A tampered draft cannot smuggle them back either.
        let tampered =
            draft_from_json(r#"[["victim_private.contact","07700 900900"],["area","online"]]"#);
        assert_eq!(tampered.0, vec![("area".to_owned(), "online".to_owned())]);
    }
}
