//! Parsing the fixture reports and rejecting bad ones.

use super::*;
use crate::identifiers::{Region, SchemeKey};

const AREAS: &str = include_str!("../../../../fixtures/areas.toml");
const REPORTS: &str = include_str!("../../../../fixtures/reports.json");

fn fixtures() -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(REPORTS).unwrap();
    v["reports"].as_array().unwrap().clone()
}

fn key() -> SchemeKey {
    SchemeKey::from_bytes(b"mugsync-test-scheme-key-32bytes!").unwrap()
}

fn parse(v: &serde_json::Value) -> Result<NewReport, InputErrors> {
    let areas = AreaList::from_toml(AREAS).unwrap();
    let key = key();
    let ctx = IntakeContext {
        key: &key,
        region: Region::gb(),
        areas: &areas,
    };
    ReportInput::from_json(&v.to_string())?.parse(&ctx)
}

#[test]
fn every_fixture_report_parses() {
    for (i, r) in fixtures().iter().enumerate() {
        let new = parse(r).unwrap_or_else(|e| panic!("fixture {i}: {e}"));
        assert!(new.body.check().is_ok());
        assert_eq!(
            new.victim.is_some(),
            r.get("victim_private").is_some(),
            "fixture {i}"
        );
    }
}

#[test]
fn body_json_holds_no_victim_details_or_plaintext_identifiers() {
    for r in fixtures() {
        let new = parse(&r).unwrap();
        let json = serde_json::to_string(&new.body).unwrap();
        for phone in r["perpetrator"]["phones"].as_array().unwrap() {
            let digits: String = phone
                .as_str()
                .unwrap()
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            assert!(
                !json.contains(&digits[digits.len() - 6..]),
                "phone digits leaked: {json}"
            );
        }
        for email in r["perpetrator"]["emails"].as_array().into_iter().flatten() {
            let local = email.as_str().unwrap().split('@').next().unwrap();
            assert!(!json.contains(local), "email leaked: {json}");
        }
        if let Some(v) = new.victim {
            for value in v.values() {
                assert!(!json.contains(value), "victim detail leaked");
            }
        }
    }
}

#[test]
fn default_alert_text_never_uses_the_narrative() {
    let r = &fixtures()[0];
    let new = parse(r).unwrap();
    let text = new.body.alert_text.as_str();
    assert!(
        text.starts_with("Physical assault, robbery (car)"),
        "{text}"
    );
    assert!(text.contains("October 2026"), "{text}");
    assert!(!text.contains("Mancunian"), "{text}");
}

#[test]
fn every_error_is_collected_with_its_field() {
    let mut r = fixtures()[0].clone();
    r["area"] = serde_json::json!("nowhere");
    r["setting"] = serde_json::json!("boat");
    r["perpetrator"]["phones"] = serde_json::json!(["123", "07700 900123"]);
    let errs = parse(&r).unwrap_err().0;
    let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["area", "setting", "perpetrator.phones[0]"]);
    assert!(errs[1].reason.contains("street, car"), "{}", errs[1].reason);
}

#[test]
fn unknown_fields_are_refused() {
    let mut r = fixtures()[0].clone();
    r["victim_address"] = serde_json::json!("1 Example Street");
    let err = parse(&r).unwrap_err();
    assert!(err.to_string().contains("victim_address"), "{err}");
}

#[test]
fn bodies_refuse_unknown_fields_when_read_back() {
    let new = parse(&fixtures()[0]).unwrap();
    let mut v = serde_json::to_value(&new.body).unwrap();
    v["victim"] = serde_json::json!({"name": "x"});
    assert!(serde_json::from_value::<ReportBody>(v).is_err());
    let mut v = serde_json::to_value(&new.body).unwrap();
    v["perpetrator"]["phones"][0]["hint"] = serde_json::json!("+447700900123");
    assert!(
        serde_json::from_value::<ReportBody>(v).is_err(),
        "a full number posing as a hint must be refused"
    );
}

#[test]
fn text_keeps_html_and_unicode_but_refuses_control_characters() {
    let t = ShortText::parse("f", "  <b>Zoë</b> & “Ünï” ").unwrap();
    assert_eq!(t.as_str(), "<b>Zoë</b> & “Ünï”");
    assert!(ShortText::parse("f", "a\u{1b}[31mred").is_err());
    assert!(ShortText::parse("f", "two\nlines").is_err());
    assert!(Description::parse("f", "two\nlines").is_ok());
    assert_eq!(format!("{t:?}"), "ShortText(18 chars)");
}

#[test]
fn vocabularies_round_trip() {
    for k in IncidentKind::ALL {
        assert_eq!(IncidentKind::parse(k.as_wire()).unwrap(), *k);
        assert_eq!(
            serde_json::to_value(k).unwrap(),
            serde_json::json!(k.as_wire())
        );
    }
    let err = Setting::parse("boat").unwrap_err();
    assert_eq!(err.field, "setting");
}

#[test]
fn report_ids_are_v7_and_map_to_their_month() {
    let id = ReportId::new();
    let now = time::OffsetDateTime::now_utc();
    assert_eq!(id.filed_at().year(), now.year());
    assert!(ReportId::parse("not-an-id").is_err());
    assert!(
        ReportId::parse("67e55044-10b1-426f-9247-bb680e5fe0c8").is_err(),
        "v4 ids are not report ids"
    );
    assert_eq!(ReportId::parse(&id.to_string()).unwrap(), id);
}

#[test]
fn parse_on_checks_the_incident_date_against_the_given_day_not_the_clock() {
    let areas = AreaList::from_toml(AREAS).unwrap();
    let key = key();
    let ctx = IntakeContext {
        key: &key,
        region: Region::gb(),
        areas: &areas,
    };
    let first = fixtures()[0].to_string(); // incident on 2026-10-03
    let on = |day| ReportInput::from_json(&first).unwrap().parse_on(&ctx, day);
    let e = on(time::macros::date!(2026 - 10 - 01)).unwrap_err();
    assert!(e.0.iter().any(|f| f.field == "incident_date"), "{e}");
    // The day before counts as today where the clock is ahead of UTC.
    assert!(on(time::macros::date!(2026 - 10 - 02)).is_ok());
}
