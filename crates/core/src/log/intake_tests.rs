//! The relay's intake against a hostile or broken device holding one enrolled actor: each
//! test is a way of getting text or authority into the shared log that the old intake (which
//! checked only the document after a change) let through.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ObjId, ReadDoc, ROOT};

use super::*;
use crate::report::{Consent, PoliceConsent, Reason, ReportBody, ReportId, Status};

const SECRET: &str = "Sample Person M, contact 07700 900900";

/// The first fixture report, parsed: a body and its consent.
pub(super) fn body_and_consent() -> (ReportBody, Consent) {
    let areas = crate::report::AreaList::from_toml(include_str!("../../../../fixtures/areas.toml"))
        .unwrap();
    let key =
        crate::identifiers::SchemeKey::from_bytes(b"mugsync-test-scheme-key-32bytes!").unwrap();
    let ctx = crate::report::IntakeContext {
        key: &key,
        region: crate::identifiers::Region::gb(),
        areas: &areas,
    };
    let v: serde_json::Value =
        serde_json::from_str(include_str!("../../../../fixtures/reports.json")).unwrap();
    let new = crate::report::ReportInput::from_json(&v["reports"][0].to_string())
        .unwrap()
        .parse(&ctx)
        .unwrap();
    (new.body, new.consent)
}

/// Writes a filing change by hand, past the device's own checks, as a hostile device
/// would: the report map with `bodies` written in turn, open, with an amendment list.
fn forge_filing(p: &mut LogPartition, id: &ReportId, bodies: &[String], alert: bool) {
    let doc = p.doc_mut();
    let obj = doc
        .put_object(ROOT, id.to_string(), automerge::ObjType::Map)
        .unwrap();
    for body in bodies {
        doc.put(&obj, layout::BODY, body.as_str()).unwrap();
    }
    doc.put(&obj, layout::ALERT, alert).unwrap();
    doc.put(&obj, layout::POLICE, "none").unwrap();
    doc.put(&obj, layout::STATUS, "open").unwrap();
    doc.put_object(&obj, layout::AMEND, automerge::ObjType::List)
        .unwrap();
    doc.commit();
}

/// One value written on a report by hand and committed on its own, past the device's API.
fn forge_put(
    p: &mut LogPartition,
    obj: &ObjId,
    key: &str,
    value: impl Into<automerge::ScalarValue>,
) {
    p.doc_mut().put(obj, key, value).unwrap();
    p.doc_mut().commit();
}

fn id(n: i64) -> ReportId {
    let at = time::macros::datetime!(2026-10-01 0:00 UTC) + time::Duration::seconds(n);
    ReportId::minted_at(at)
}

/// A relay copy holding one report filed by `filer`, and the filer's own partition.
struct Scene {
    relay: LogPartition,
    filer_actor: DeviceActor,
    filer: LogPartition,
    other_actor: DeviceActor,
    other: LogPartition,
    id: ReportId,
}

fn scene(consent: Consent) -> Scene {
    let (body, _) = body_and_consent();
    let id = id(1);
    let key = PartitionKey::of(&id);
    let filer_actor = DeviceActor::generate();
    let other_actor = DeviceActor::generate();
    let mut relay = LogPartition::new(key.clone(), &DeviceActor::generate());
    let mut filer = LogPartition::new(key.clone(), &filer_actor);
    let w = filer.file(id, &body, consent).unwrap();
    let intake = relay.accept_remote(&w.bytes, &filer_actor).unwrap();
    assert!(intake.rejected.is_empty(), "{intake:?}");
    let mut other = LogPartition::new(key, &other_actor);
    other.merge_bytes(&relay.save()).unwrap();
    Scene {
        relay,
        filer_actor,
        filer,
        other_actor,
        other,
        id,
    }
}

fn report_obj(p: &LogPartition, id: &ReportId) -> ObjId {
    p.doc().get(ROOT, id.to_string()).unwrap().unwrap().1
}

/// Pushes what `device` has that the relay lacks; returns the intake.
fn push(relay: &mut LogPartition, device: &mut LogPartition, actor: &DeviceActor) -> Intake {
    let heads = relay.heads();
    let bytes = device.doc_mut().save_after(&heads);
    relay.accept_remote(&bytes, actor).unwrap()
}

/// Every string ever written into the relay's copy, from its saved bytes.
fn relay_holds(relay: &mut LogPartition, needle: &str) -> bool {
    let bytes = relay.save();
    let doc = automerge::Automerge::load(&bytes).unwrap();
    doc.get_changes(&[]).iter().any(|c| {
        c.decode()
            .operations
            .iter()
            .any(|op| format!("{:?}", op.action).contains(needle))
            || c.message().is_some_and(|m| m.contains(needle))
    })
}

fn refused(intake: &Intake, words: &str) {
    assert!(intake.accepted_changes == 0, "accepted: {intake:?}");
    assert!(
        intake.rejected.iter().any(|r| r.reason.contains(words)),
        "expected a refusal saying '{words}': {intake:?}"
    );
}

#[test]
fn another_device_cannot_raise_consent_but_can_lower_and_withdraw() {
    let low = Consent {
        alert: false,
        police: PoliceConsent::None,
    };
    let mut s = scene(low);
    // The device's own API refuses first.
    assert!(matches!(
        s.other.set_consent(
            &s.id,
            Consent {
                alert: true,
                police: PoliceConsent::Full
            }
        ),
        Err(LogError::Refused { .. })
    ));
    // Written by hand past the API, the relay refuses it.
    let obj = report_obj(&s.other, &s.id);
    forge_put(&mut s.other, &obj, layout::POLICE, "full");
    refused(
        &push(&mut s.relay, &mut s.other, &s.other_actor),
        "only the device that filed",
    );
    let obj = report_obj(&s.other, &s.id);
    let mut other2 = LogPartition::new(s.relay.key().clone(), &s.other_actor);
    other2.merge_bytes(&s.relay.save()).unwrap();
    forge_put(&mut other2, &obj, layout::ALERT, true);
    refused(
        &push(&mut s.relay, &mut other2, &s.other_actor),
        "only the device that filed",
    );

    // The filing device raises; then another device lowers and withdraws.
    s.filer
        .set_consent(
            &s.id,
            Consent {
                alert: true,
                police: PoliceConsent::Full,
            },
        )
        .unwrap();
    assert!(push(&mut s.relay, &mut s.filer, &s.filer_actor)
        .rejected
        .is_empty());
    let mut third = LogPartition::new(s.relay.key().clone(), &s.other_actor);
    third.merge_bytes(&s.relay.save()).unwrap();
    third
        .set_consent(
            &s.id,
            Consent {
                alert: false,
                police: PoliceConsent::Intelligence,
            },
        )
        .unwrap();
    third
        .set_status(
            &s.id,
            Status::Withdrawn,
            Some(&Reason::parse("reason", "asked to withdraw").unwrap()),
        )
        .unwrap();
    let intake = push(&mut s.relay, &mut third, &s.other_actor);
    assert!(intake.rejected.is_empty(), "{intake:?}");
    let r = s.relay.report(&s.id).unwrap().unwrap();
    assert_eq!(r.status, Status::Withdrawn);
    assert_eq!(
        r.consent,
        Consent {
            alert: false,
            police: PoliceConsent::Intelligence
        }
    );
}

#[test]
fn a_device_cannot_verify_or_un_withdraw() {
    let mut s = scene(Consent {
        alert: true,
        police: PoliceConsent::None,
    });
    let obj = report_obj(&s.other, &s.id);
    forge_put(&mut s.other, &obj, layout::STATUS, "verified");
    refused(
        &push(&mut s.relay, &mut s.other, &s.other_actor),
        "coordinator",
    );

    s.filer
        .set_status(
            &s.id,
            Status::Withdrawn,
            Some(&Reason::parse("reason", "asked").unwrap()),
        )
        .unwrap();
    assert!(push(&mut s.relay, &mut s.filer, &s.filer_actor)
        .rejected
        .is_empty());
    let obj = report_obj(&s.filer, &s.id);
    forge_put(&mut s.filer, &obj, layout::STATUS, "open");
    refused(
        &push(&mut s.relay, &mut s.filer, &s.filer_actor),
        "withdrawn",
    );
}

#[test]
fn a_concurrent_re_assertion_cannot_outlive_the_filers_lowering() {
    let mut s = scene(Consent {
        alert: true,
        police: PoliceConsent::Full,
    });
    // The other device re-states the values it saw while the filer lowers them.
    let obj = report_obj(&s.other, &s.id);
    s.other.doc_mut().put(&obj, layout::POLICE, "full").unwrap();
    forge_put(&mut s.other, &obj, layout::ALERT, true);
    s.filer
        .set_consent(
            &s.id,
            Consent {
                alert: false,
                police: PoliceConsent::None,
            },
        )
        .unwrap();
    assert!(push(&mut s.relay, &mut s.filer, &s.filer_actor)
        .rejected
        .is_empty());
    let intake = push(&mut s.relay, &mut s.other, &s.other_actor);
    assert!(
        intake.rejected.is_empty(),
        "re-stating is not raising: {intake:?}"
    );
    let r = s.relay.report(&s.id).unwrap().unwrap();
    assert_eq!(
        r.consent,
        Consent {
            alert: false,
            police: PoliceConsent::None
        },
        "the lowest consent wins a conflict"
    );
}

#[test]
fn text_put_and_deleted_in_one_change_never_joins() {
    let mut s = scene(Consent {
        alert: true,
        police: PoliceConsent::None,
    });
    let obj = report_obj(&s.filer, &s.id);
    s.filer.doc_mut().put(&obj, "victim", SECRET).unwrap();
    s.filer.doc_mut().delete(&obj, "victim").unwrap();
    s.filer.doc_mut().commit();
    refused(
        &push(&mut s.relay, &mut s.filer, &s.filer_actor),
        "not a field of a report",
    );
    assert!(!relay_holds(&mut s.relay, "07700 900900"));
}

#[test]
fn text_overwritten_and_restored_never_joins() {
    let (body, consent) = body_and_consent();
    let id = id(2);
    let actor = DeviceActor::generate();
    let mut relay = LogPartition::new(PartitionKey::of(&id), &DeviceActor::generate());
    let mut dev = LogPartition::new(PartitionKey::of(&id), &actor);
    let mut dirty = serde_json::to_value(&body).unwrap();
    dirty["narrative"] = serde_json::json!(SECRET);
    let clean = serde_json::to_string(&body).unwrap();
    forge_filing(&mut dev, &id, &[dirty.to_string(), clean], consent.alert);
    let intake = push(&mut relay, &mut dev, &actor);
    assert!(
        intake.accepted_changes == 0 && !intake.rejected.is_empty(),
        "{intake:?}"
    );
    assert!(!relay_holds(&mut relay, "07700 900900"));
}

#[test]
fn text_written_then_removed_in_the_next_change_of_the_same_push_never_joins() {
    let mut s = scene(Consent {
        alert: true,
        police: PoliceConsent::None,
    });
    let obj = report_obj(&s.filer, &s.id);
    forge_put(&mut s.filer, &obj, layout::REASON, SECRET);
    s.filer.doc_mut().delete(&obj, layout::REASON).unwrap();
    s.filer.doc_mut().commit();
    let intake = push(&mut s.relay, &mut s.filer, &s.filer_actor);
    assert_eq!(intake.rejected.len(), 2, "{intake:?}");
    assert!(intake.rejected[1]
        .reason
        .contains("builds on a refused change"));
    assert!(!relay_holds(&mut s.relay, "07700 900900"));
}

#[test]
fn a_commit_message_never_joins() {
    let mut s = scene(Consent {
        alert: true,
        police: PoliceConsent::None,
    });
    let obj = report_obj(&s.filer, &s.id);
    s.filer.doc_mut().put(&obj, layout::ALERT, false).unwrap();
    s.filer
        .doc_mut()
        .commit_with(CommitOptions::default().with_message(SECRET));
    refused(
        &push(&mut s.relay, &mut s.filer, &s.filer_actor),
        "commit message",
    );
    assert!(!relay_holds(&mut s.relay, "07700 900900"));
}

#[test]
fn a_reason_on_an_open_report_never_joins() {
    let mut s = scene(Consent {
        alert: true,
        police: PoliceConsent::None,
    });
    let obj = report_obj(&s.filer, &s.id);
    forge_put(&mut s.filer, &obj, layout::REASON, "just a note");
    refused(
        &push(&mut s.relay, &mut s.filer, &s.filer_actor),
        "only given when a report is withdrawn",
    );
    // And a reason holding a number is refused even with the withdrawal.
    let mut dev = LogPartition::new(s.relay.key().clone(), &s.filer_actor);
    dev.merge_bytes(&s.relay.save()).unwrap();
    let obj = report_obj(&dev, &s.id);
    dev.doc_mut()
        .put(&obj, layout::STATUS, "withdrawn")
        .unwrap();
    forge_put(&mut dev, &obj, layout::REASON, SECRET);
    refused(
        &push(&mut s.relay, &mut dev, &s.filer_actor),
        "phone number",
    );
}

#[test]
fn deleting_or_recreating_a_report_never_joins() {
    let mut s = scene(Consent {
        alert: true,
        police: PoliceConsent::None,
    });
    s.other.doc_mut().delete(ROOT, s.id.to_string()).unwrap();
    s.other.doc_mut().commit();
    refused(
        &push(&mut s.relay, &mut s.other, &s.other_actor),
        "never deleted",
    );

    // Re-created identically (which would erase the filer's later offline amendment).
    let (body, consent) = body_and_consent();
    let mut again = LogPartition::new(s.relay.key().clone(), &s.other_actor);
    again.merge_bytes(&s.relay.save()).unwrap();
    let json = serde_json::to_string(&body).unwrap();
    forge_filing(&mut again, &s.id, &[json], consent.alert);
    refused(
        &push(&mut s.relay, &mut again, &s.other_actor),
        "overwritten",
    );
}

#[test]
fn a_change_made_by_another_actor_is_refused() {
    let mut s = scene(Consent {
        alert: true,
        police: PoliceConsent::None,
    });
    s.filer
        .set_consent(
            &s.id,
            Consent {
                alert: false,
                police: PoliceConsent::None,
            },
        )
        .unwrap();
    let heads = s.relay.heads();
    let bytes = s.filer.doc_mut().save_after(&heads);
    refused(
        &s.relay.accept_remote(&bytes, &s.other_actor).unwrap(),
        "made by another device",
    );
}

#[test]
fn alert_text_and_names_holding_a_number_or_email_are_refused() {
    let (body, consent) = body_and_consent();
    for (field, value) in [
        ("alert_text", "Avoid him, he rings from 07700 900123"),
        ("alert_text", "he writes from dave.m@example.com"),
    ] {
        let mut dirty = serde_json::to_value(&body).unwrap();
        dirty[field] = serde_json::json!(value);
        let dirty: ReportBody = serde_json::from_value(dirty).unwrap();
        let id = id(3);
        let actor = DeviceActor::generate();
        let mut dev = LogPartition::new(PartitionKey::of(&id), &actor);
        // The device refuses to file it …
        assert!(dev.file(id, &dirty, consent).is_err());
        // … and the relay refuses it when written past the device's checks.
        forge_filing(
            &mut dev,
            &id,
            &[serde_json::to_string(&dirty).unwrap()],
            true,
        );
        let mut relay = LogPartition::new(PartitionKey::of(&id), &DeviceActor::generate());
        refused(&push(&mut relay, &mut dev, &actor), "in plain text");
    }
    let mut names = serde_json::to_value(&body).unwrap();
    names["perpetrator"]["names_used"] = serde_json::json!(["Dave 07700 900456"]);
    let names: ReportBody = serde_json::from_value(names).unwrap();
    assert!(names.check().is_err());
}

#[test]
fn an_amendment_overwritten_or_empty_is_refused() {
    let mut s = scene(Consent {
        alert: true,
        police: PoliceConsent::None,
    });
    let obj = report_obj(&s.filer, &s.id);
    let list = s.filer.doc().get(&obj, layout::AMEND).unwrap().unwrap().1;
    s.filer.doc_mut().insert(&list, 0, r#"{"at":5}"#).unwrap();
    s.filer.doc_mut().commit();
    refused(
        &push(&mut s.relay, &mut s.filer, &s.filer_actor),
        "must add",
    );
}

#[test]
fn a_refused_push_costs_memory_in_proportion_to_the_push() {
    // No copy of the partition is made per change: a push of 200 changes with one bad one
    // in the middle refuses exactly the bad one and its dependants.
    let (body, consent) = body_and_consent();
    let actor = DeviceActor::generate();
    let key = PartitionKey::of(&id(10));
    let mut dev = LogPartition::new(key.clone(), &actor);
    let mut relay = LogPartition::new(key, &DeviceActor::generate());
    let ids: Vec<ReportId> = (0..200).map(|n| id(10 + n)).collect();
    for id in &ids[..100] {
        dev.file(*id, &body, consent).unwrap();
    }
    let obj = report_obj(&dev, &ids[0]);
    forge_put(&mut dev, &obj, "extra", "x");
    for id in &ids[100..] {
        dev.file(*id, &body, consent).unwrap();
    }
    let intake = push(&mut relay, &mut dev, &actor);
    assert_eq!(intake.accepted_changes, 100);
    assert_eq!(intake.rejected.len(), 101);
    assert_eq!(relay.len(), 100);
}

#[test]
fn settling_a_conflict_is_not_a_deletion_but_cannot_raise_consent() {
    let mut s = scene(Consent {
        alert: true,
        police: PoliceConsent::Full,
    });
    let r = Reason::parse("reason", "asked").unwrap();
    // Two devices withdraw at once; a third write settles the conflict (automerge writes
    // that as deleting the other value): honest, accepted.
    s.other
        .set_status(&s.id, Status::Withdrawn, Some(&r))
        .unwrap();
    s.filer
        .set_status(&s.id, Status::Withdrawn, Some(&r))
        .unwrap();
    assert!(push(&mut s.relay, &mut s.filer, &s.filer_actor)
        .rejected
        .is_empty());
    assert!(push(&mut s.relay, &mut s.other, &s.other_actor)
        .rejected
        .is_empty());
    s.other.merge_bytes(&s.relay.save()).unwrap();
    s.other
        .set_status(&s.id, Status::Withdrawn, Some(&r))
        .unwrap();
    let intake = push(&mut s.relay, &mut s.other, &s.other_actor);
    assert!(intake.rejected.is_empty(), "{intake:?}");

    // A conflict over police consent (full from the filer, none from another device)
    // resolves to none; deleting the lower value would raise it: refused.
    let mut s = scene(Consent {
        alert: true,
        police: PoliceConsent::Full,
    });
    s.other
        .set_consent(
            &s.id,
            Consent {
                alert: true,
                police: PoliceConsent::None,
            },
        )
        .unwrap();
    let obj = report_obj(&s.filer, &s.id);
    forge_put(&mut s.filer, &obj, layout::POLICE, "full");
    assert!(push(&mut s.relay, &mut s.other, &s.other_actor)
        .rejected
        .is_empty());
    assert!(push(&mut s.relay, &mut s.filer, &s.filer_actor)
        .rejected
        .is_empty());
    assert_eq!(
        s.relay.report(&s.id).unwrap().unwrap().consent.police,
        PoliceConsent::None
    );
    let mut third = LogPartition::new(s.relay.key().clone(), &s.other_actor);
    third.merge_bytes(&s.relay.save()).unwrap();
    let obj = report_obj(&third, &s.id);
    third.doc_mut().delete(&obj, layout::POLICE).unwrap();
    third.doc_mut().commit();
    let intake = push(&mut s.relay, &mut third, &s.other_actor);
    assert!(
        intake.accepted_changes == 0,
        "deleting every value is a deletion: {intake:?}"
    );
}
