//! Devices filing offline and syncing through a real relay converge with it; validation
//! keeps forbidden fields out; the relay keeps everything across restarts.

mod common;

use automerge::transaction::Transactable;
use common::{month, Device, TestRelay};
use mugsync_relay::Limits;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_converge_with_the_relay() {
    let relay = TestRelay::start(Limits::default()).await;
    let mut a = Device::enrol(&relay, "van-1").await;
    let mut b = Device::enrol(&relay, "van-2").await;
    assert_eq!(a.name, "van-1");
    assert_eq!(
        a.scheme_key.expose_bytes(),
        b.scheme_key.expose_bytes(),
        "one scheme key for all"
    );

    // A files every fixture offline, then syncs: one round.
    let ids: Vec<_> = (0..a.templates.len()).map(|i| a.file(i)).collect();
    let stats = a.sync().await;
    assert_eq!(stats.rounds, 1, "{stats:?}");
    assert_eq!(a.accepted.len(), ids.len());
    assert!(a.rejected.is_empty(), "{:?}", a.rejected);

    // B, holding nothing, gets everything in one round.
    let stats = b.sync().await;
    assert_eq!(stats.rounds, 1, "{stats:?}");
    assert_eq!(b.reports(), a.reports());
    assert_eq!(relay.reports(), a.reports());

    // One new report each way: one round each, and the other side sees it.
    b.file(0);
    assert_eq!(b.sync().await.rounds, 1);
    let stats = a.sync().await;
    assert_eq!((stats.rounds, stats.pulls), (1, 1), "{stats:?}");
    // Status changes travel too: another device may withdraw a's report.
    let first = ids[0];
    b.part(&mugsync_core::log::PartitionKey::of(&first))
        .set_status(
            &first,
            mugsync_core::report::Status::Withdrawn,
            Some(&mugsync_core::report::Reason::parse("reason", "asked to withdraw").unwrap()),
        )
        .unwrap();
    b.sync().await;
    a.sync().await;
    assert!(b.rejected.is_empty(), "{:?}", b.rejected);
    assert_eq!(a.reports(), b.reports());
    assert_eq!(relay.reports(), a.reports());
    assert_eq!(relay.reports().len(), ids.len() + 1);

    // Nothing new: one round, nothing pulled.
    let stats = b.sync().await;
    assert_eq!((stats.rounds, stats.pulls), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_devices_file_offline_and_converge_in_any_order() {
    let relay = TestRelay::start(Limits::default()).await;
    let mut devices = Vec::new();
    for name in ["van-1", "van-2", "van-3"] {
        devices.push(Device::enrol(&relay, name).await);
    }
    // Each files in two months, offline, and amends the status of its own report.
    for (d, dev) in devices.iter_mut().enumerate() {
        for n in 0..3 {
            dev.file_at(d + n, month(2026, 9 + (n % 2) as u8, (d * 10 + n) as i64));
        }
    }
    // Sync in a few different orders; every device syncs at least twice after the last
    // change anywhere.
    for order in [[2, 0, 1], [1, 2, 0], [0, 1, 2], [2, 1, 0]] {
        for i in order {
            devices[i].sync().await;
        }
    }
    let reference = relay.reports();
    assert_eq!(reference.len(), 9);
    for dev in &devices {
        assert_eq!(
            dev.reports(),
            reference,
            "{} differs from the relay",
            dev.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_field_is_rejected_and_never_reaches_another_device() {
    let relay = TestRelay::start(Limits::default()).await;
    let mut a = Device::enrol(&relay, "buggy").await;
    let mut b = Device::enrol(&relay, "honest").await;
    let good = a.file(0);
    let key = mugsync_core::log::PartitionKey::of(&good);
    // A buggy device writes a victim field into its report.
    {
        let part = a.part(&key);
        let obj = match automerge::ReadDoc::get(part.doc_mut(), automerge::ROOT, good.to_string())
            .unwrap()
        {
            Some((_, o)) => o,
            None => unreachable!(),
        };
        part.doc_mut()
            .put(&obj, "victim_name", "Sample Person A")
            .unwrap();
        part.doc_mut().commit();
    }
    let stats = a.sync().await;
    assert_eq!(
        stats.rounds, 1,
        "a refused change must not make the device loop: {stats:?}"
    );
    assert_eq!(a.rejected.len(), 1, "{:?}", a.rejected);
    assert_eq!(
        a.rejected[0].report.as_deref(),
        Some(good.to_string().as_str())
    );
    assert!(
        a.rejected[0].reason.contains("victim_name"),
        "{:?}",
        a.rejected[0]
    );
    // The honest part (the report as filed) was accepted.
    assert!(a.accepted.contains(&good.to_string()));

    // B gets the report without the forbidden field; nothing of it anywhere.
    b.sync().await;
    assert_eq!(b.reports().len(), 1);
    assert!(
        b.part(&key).reports().1.is_empty(),
        "no bad entry reached B"
    );
    let saved = b.part(&key).doc_mut().save();
    assert!(!saved
        .windows(b"Sample Person".len())
        .any(|w| w == b"Sample Person"));
    let db = std::fs::read(relay.data.join(mugsync_relay::STORE_FILE)).unwrap();
    assert!(
        !db.windows(b"Sample Person".len())
            .any(|w| w == b"Sample Person"),
        "the relay stored the refused change"
    );
    let wal = relay
        .data
        .join(format!("{}-wal", mugsync_relay::STORE_FILE));
    if let Ok(wal) = std::fs::read(wal) {
        assert!(!wal
            .windows(b"Sample Person".len())
            .any(|w| w == b"Sample Person"));
    }

    // A keeps syncing normally: the refused change is re-offered and refused again, but A
    // still receives B's reports, in one round.
    let from_b = b.file(1);
    b.sync().await;
    let stats = a.sync().await;
    assert_eq!((stats.rounds, stats.resends), (1, 0), "{stats:?}");
    assert!(
        a.reports().iter().any(|r| r.id == from_b),
        "A has B's report"
    );
    // (A's own copy of its report still carries the forbidden field, so A reads it as a
    // bad entry; that is the filing device's problem to show, not the relay's.)
    assert_eq!(relay.reports(), b.reports());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_and_a_small_response_budget_still_converge() {
    // A tiny pull budget: one partition per answer, the rest on `more`.
    let relay = TestRelay::start(Limits {
        max_pull_bytes_per_response: 1,
        ..Limits::default()
    })
    .await;
    let mut a = Device::enrol(&relay, "van-1").await;
    let mut b = Device::enrol(&relay, "van-2").await;
    for m in 1..=4u8 {
        a.file_at(m as usize, month(2026, m, 0));
    }
    a.sync().await;
    let stats = b.sync().await;
    assert_eq!(stats.pulls, 4);
    assert_eq!(stats.rounds, 4, "one partition per round: {stats:?}");
    assert_eq!(b.reports(), a.reports());

    // A files more; B's answer is lost on the way back (the relay recorded heads B never
    // reached). B's next sync notices (its fingerprint does not match) and still converges.
    a.file_at(0, month(2026, 2, 5));
    a.file_at(1, month(2026, 3, 5));
    a.sync().await;
    b.sync_round_lost().await;
    let stats = b.sync().await;
    assert!(stats.need_heads >= 1, "{stats:?}");
    assert_eq!(b.reports(), a.reports());
    assert_eq!(relay.reports(), a.reports());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_the_relay_cannot_place_are_asked_again() {
    let relay = TestRelay::start(Limits::default()).await;
    let mut a = Device::enrol(&relay, "van-1").await;
    a.file(0);
    a.sync().await;
    // A second relay-less device that claims heads the relay has never seen.
    let mut b = Device::enrol(&relay, "van-2").await;
    let id = b.file(2);
    let key = mugsync_core::log::PartitionKey::of(&id);
    let heads = b.part(&key).heads();
    let req = mugsync_core::wire::SyncRequest {
        version: mugsync_core::wire::WIRE_VERSION,
        summary: vec![],
        full_summary: false,
        heads: vec![mugsync_core::wire::PartitionHeads {
            key: key.clone(),
            heads: mugsync_core::wire::heads_to_wire(&heads),
        }],
        pushes: vec![],
    };
    let resp = b.client.sync_round(&req).await.unwrap();
    assert_eq!(resp.resend.len(), 1, "{resp:?}");
    assert_eq!(resp.resend[0].key, key);
    assert!(resp.pulls.is_empty());
    // The normal loop answers the resend and converges.
    b.sync().await;
    a.sync().await;
    assert_eq!(a.reports(), b.reports());
    assert_eq!(relay.reports().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_relay_keeps_everything() {
    let mut relay = TestRelay::start(Limits::default()).await;
    let mut a = Device::enrol(&relay, "van-1").await;
    for i in 0..4 {
        a.file_at(i, month(2026, 10 + (i % 2) as u8, i as i64));
    }
    a.sync().await;
    let before = relay.reports();
    assert_eq!(before.len(), 4);

    // A clean restart.
    relay.restart().await;
    a.client.base = relay.base.clone();
    assert_eq!(relay.reports(), before);
    let stats = a.sync().await;
    assert_eq!(
        (stats.rounds, stats.pulls),
        (1, 0),
        "the relay remembers A's heads: {stats:?}"
    );

    // A crash: the serving task is aborted, then the relay starts again on the same data.
    a.file(5);
    a.sync().await;
    relay.kill().await;
    relay.restart().await;
    a.client.base = relay.base.clone();
    let mut b = Device::enrol(&relay, "van-2").await;
    b.sync().await;
    assert_eq!(b.reports(), a.reports());
    assert_eq!(relay.reports(), a.reports());
    assert_eq!(relay.reports().len(), 5);
    // A enrolled before the restarts is still enrolled.
    assert_eq!(a.sync().await.rounds, 1);
}

/// Issue 7: an enrolled device that writes past its own API cannot raise another device's
/// consent, and cannot push changes made by another actor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_device_cannot_raise_consent_through_the_relay() {
    use automerge::transaction::Transactable;
    use mugsync_core::log::PartitionKey;
    let relay = TestRelay::start(Limits::default()).await;
    let mut a = Device::enrol(&relay, "van-a").await;
    let mut b = Device::enrol(&relay, "van-b").await;
    let id = a.file(0);
    let none = mugsync_core::report::Consent {
        alert: false,
        police: mugsync_core::report::PoliceConsent::None,
    };
    a.part(&PartitionKey::of(&id))
        .set_consent(&id, none)
        .unwrap();
    a.sync().await;
    b.sync().await;
    let police_before = relay.reports()[0].consent.police;
    assert_eq!(police_before, mugsync_core::report::PoliceConsent::None);
    // The device's own API refuses the raise.
    assert!(b
        .part(&PartitionKey::of(&id))
        .set_consent(
            &id,
            mugsync_core::report::Consent {
                alert: true,
                police: mugsync_core::report::PoliceConsent::Full
            }
        )
        .is_err());
    let part = b.part(&PartitionKey::of(&id));
    let obj = automerge::ReadDoc::get(part.doc_mut(), automerge::ROOT, id.to_string())
        .unwrap()
        .unwrap()
        .1;
    part.doc_mut().put(&obj, "police", "full").unwrap();
    part.doc_mut().put(&obj, "alert", true).unwrap();
    part.doc_mut().commit();
    b.sync().await;
    assert!(
        b.rejected
            .iter()
            .any(|r| r.reason.contains("only the device that filed")),
        "{:?}",
        b.rejected
    );
    a.sync().await;
    assert_eq!(relay.reports()[0].consent.police, police_before);
    assert_eq!(a.reports()[0].consent.police, police_before);
}

/// Two relays sharing one database never answer from a stale in-memory copy: each checks
/// the stored partition version before trusting its copy, and a round that raced another
/// relay's append is rerun rather than committed over it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_relays_on_one_database_never_answer_from_stale_copies() {
    let relay_a = TestRelay::start(Limits::default()).await;
    let relay_b = relay_a.sibling().await;
    let mut a = Device::enrol(&relay_a, "van-a").await;
    let mut b = Device::enrol(&relay_a, "van-b").await;
    b.client.base = relay_b.base.clone();

    // B's relay loads the month once (one report in it)...
    let first = a.file_at(0, month(2026, 3, 1));
    a.sync().await;
    b.sync().await;
    assert!(b.reports().iter().any(|r| r.id == first));
    // ...then A's relay appends to it: B's relay must see that its copy is stale.
    let second = a.file_at(1, month(2026, 3, 2));
    a.sync().await;
    let stats = b.sync().await;
    assert!(
        b.reports().iter().any(|r| r.id == second),
        "the device syncing to the second relay did not receive the report: {stats:?}"
    );

    // The other way round, and both at once into the same month.
    let from_b = b.file_at(2, month(2026, 3, 3));
    b.sync().await;
    a.sync().await;
    assert!(a.reports().iter().any(|r| r.id == from_b));
    let x = a.file_at(0, month(2026, 3, 4));
    let y = b.file_at(1, month(2026, 3, 5));
    let (sa, sb) = tokio::join!(a.try_sync(), b.try_sync());
    sa.unwrap();
    sb.unwrap();
    a.sync().await;
    b.sync().await;
    a.sync().await;
    assert_eq!(a.reports(), b.reports());
    assert!([x, y]
        .iter()
        .all(|id| a.reports().iter().any(|r| r.id == *id)));
    assert_eq!(relay_a.reports(), a.reports(), "both appends are durable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_push_in_one_month_does_not_hold_up_another_months_sync() {
    // Issue 7: one van's long backlog used to stall every other van behind a relay-wide
    // lock (408s at 3,000). Rounds now lock only the months they touch.
    let relay = TestRelay::start(Limits::default()).await;
    let mut backlog = Device::enrol(&relay, "van-backlog").await;
    let mut other = Device::enrol(&relay, "van-2").await;
    for i in 0..2000 {
        backlog.file_at(i, month(2026, 3, i as i64));
    }
    other.file_at(0, month(2026, 6, 0));
    let started = std::time::Instant::now();
    let push = tokio::spawn(async move {
        let stats = backlog.sync().await;
        (stats, started.elapsed())
    });
    // Let the big round reach the relay first.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let stats = other.sync().await;
    let other_done = started.elapsed();
    assert!(other.rejected.is_empty(), "{:?}", other.rejected);
    assert_eq!(stats.rounds, 1, "{stats:?}");
    let (push_stats, push_done) = push.await.unwrap();
    println!("figure: backlog push of 2,000 done after {push_done:?} ({push_stats:?}); another month's sync done after {other_done:?}");
    assert!(
        other_done < push_done,
        "another month's sync waited for the backlog: {other_done:?} vs {push_done:?}"
    );
    // And both landed.
    assert_eq!(relay.reports().len(), 2001);
}
