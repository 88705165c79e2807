//! Every request but enrolment-by-code is signed; bad, stale, replayed, oversized,
//! malformed or too frequent requests get a clear 4xx, and the relay keeps serving others.

mod common;

use common::{now_ms, refused, Client, Device, TestRelay};
use mugsync_core::auth::MAX_CLOCK_SKEW_MS;
use mugsync_core::wire::{self, SyncRequest, SYNC_CONTENT_TYPE, WIRE_VERSION};
use mugsync_relay::{paths, Limits};
use reqwest::StatusCode;

fn empty_round() -> Vec<u8> {
    wire::encode(&SyncRequest {
        version: WIRE_VERSION,
        full_summary: true,
        ..SyncRequest::default()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_refused_and_good_ones_still_served() {
    let relay = TestRelay::start(Limits {
        max_body_bytes: 64 * 1024,
        ..Limits::default()
    })
    .await;
    let mut good = Device::enrol(&relay, "van-1").await;
    good.file(0);
    let c = &good.client;

    // Health says nothing but ok, unauthenticated.
    let res = c
        .http
        .get(format!("{}{}", relay.base, paths::HEALTH))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "ok");

    // No headers at all.
    let r = refused(
        c.post_raw(paths::SYNC, empty_round(), None, SYNC_CONTENT_TYPE)
            .await,
    )
    .await;
    assert_eq!(
        (r.status, r.body.error.as_str()),
        (StatusCode::UNAUTHORIZED, "unauthenticated"),
        "{r:?}"
    );
    assert!(r.body.message.contains("mugsync enroll"), "{r:?}");

    // A signature over another body.
    let h = c.sign(paths::SYNC, b"something else", now_ms());
    let r = refused(
        c.post_raw(paths::SYNC, empty_round(), Some(&h), SYNC_CONTENT_TYPE)
            .await,
    )
    .await;
    assert_eq!(
        (r.status, r.body.error.as_str()),
        (StatusCode::UNAUTHORIZED, "bad_signature"),
        "{r:?}"
    );

    // A signature over another path.
    let body = empty_round();
    let h = c.sign(paths::ENROLL, &body, now_ms());
    let r = refused(
        c.post_raw(paths::SYNC, body, Some(&h), SYNC_CONTENT_TYPE)
            .await,
    )
    .await;
    assert_eq!(r.body.error, "bad_signature", "{r:?}");

    // A stale clock.
    let body = empty_round();
    let h = c.sign(paths::SYNC, &body, now_ms() - MAX_CLOCK_SKEW_MS - 60_000);
    let r = refused(
        c.post_raw(paths::SYNC, body, Some(&h), SYNC_CONTENT_TYPE)
            .await,
    )
    .await;
    assert_eq!(
        (r.status, r.body.error.as_str()),
        (StatusCode::UNAUTHORIZED, "clock_skew"),
        "{r:?}"
    );
    assert!(r.body.message.contains("clock"), "{r:?}");

    // The same exact request twice: the second is a replay.
    let body = empty_round();
    let h = c.sign(paths::SYNC, &body, now_ms());
    let first = c
        .post_raw(paths::SYNC, body.clone(), Some(&h), SYNC_CONTENT_TYPE)
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    let r = refused(
        c.post_raw(paths::SYNC, body, Some(&h), SYNC_CONTENT_TYPE)
            .await,
    )
    .await;
    assert_eq!(
        (r.status, r.body.error.as_str()),
        (StatusCode::CONFLICT, "replayed"),
        "{r:?}"
    );

    // A validly signed request from a key the relay does not know.
    let stranger = Client::new(&relay.base);
    let r = refused(
        stranger
            .post_signed(paths::SYNC, empty_round(), SYNC_CONTENT_TYPE)
            .await,
    )
    .await;
    assert_eq!(
        (r.status, r.body.error.as_str()),
        (StatusCode::UNAUTHORIZED, "not_enrolled"),
        "{r:?}"
    );
    assert!(r.body.message.contains("mugsync enroll"), "{r:?}");

    // Not a sync envelope.
    let r = refused(
        c.post_signed(paths::SYNC, b"\xff\xfe garbage".to_vec(), SYNC_CONTENT_TYPE)
            .await,
    )
    .await;
    assert_eq!(
        (r.status, r.body.error.as_str()),
        (StatusCode::BAD_REQUEST, "malformed"),
        "{r:?}"
    );
    assert!(r.body.message.contains("not a sync message"), "{r:?}");
    // An envelope whose pushed bytes are not automerge.
    let junk = wire::encode(&SyncRequest {
        version: WIRE_VERSION,
        pushes: vec![wire::PartitionChanges {
            key: mugsync_core::log::PartitionKey::parse("2026-10").unwrap(),
            changes: b"not automerge at all".to_vec(),
        }],
        ..SyncRequest::default()
    });
    let r = refused(c.post_signed(paths::SYNC, junk, SYNC_CONTENT_TYPE).await).await;
    assert_eq!(
        (r.status, r.body.error.as_str()),
        (StatusCode::BAD_REQUEST, "malformed"),
        "{r:?}"
    );
    // A version this relay does not speak.
    let old = wire::encode(&SyncRequest {
        version: 99,
        ..SyncRequest::default()
    });
    let r = refused(c.post_signed(paths::SYNC, old, SYNC_CONTENT_TYPE).await).await;
    assert_eq!(r.body.error, "unsupported_version", "{r:?}");
    // The wrong content type.
    let r = refused(
        c.post_signed(paths::SYNC, empty_round(), "application/json")
            .await,
    )
    .await;
    assert_eq!(
        (r.status, r.body.error.as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    );

    // Over the body limit: refused before anything is read or verified. The relay answers
    // without reading the body, so the connection may be reset under the client before it
    // reads the answer (a TCP race, not the relay's choice): try a few times.
    let mut answer = None;
    for _ in 0..5 {
        let body = vec![0u8; 100 * 1024];
        let h = c.sign(paths::SYNC, &body, now_ms());
        if let Ok(res) = c
            .try_post_raw(paths::SYNC, body, Some(&h), SYNC_CONTENT_TYPE)
            .await
        {
            answer = Some(res);
            break;
        }
    }
    let r = refused(answer.expect("the 413 answer never arrived")).await;
    assert_eq!(
        (r.status, r.body.error.as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
        "{r:?}"
    );
    assert!(r.body.message.contains("65536"), "{r:?}");

    // Unknown endpoints and methods answer in the same JSON shape.
    let r = refused(
        c.http
            .get(format!("{}/v1/nothing", relay.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (r.status, r.body.error.as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let r = refused(
        c.http
            .get(format!("{}{}", relay.base, paths::SYNC))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (r.status, r.body.error.as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );

    // After all that, the good device still syncs, and another device gets its report.
    assert_eq!(good.sync().await.rounds, 1);
    let mut other = Device::enrol(&relay, "van-2").await;
    other.sync().await;
    assert_eq!(other.reports(), good.reports());
    assert_eq!(relay.reports().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_device_is_told_it_was_revoked() {
    let relay = TestRelay::start(Limits::default()).await;
    let mut a = Device::enrol(&relay, "lost-laptop").await;
    let mut b = Device::enrol(&relay, "van-2").await;
    a.file(0);
    a.sync().await;
    mugsync_relay::revoke_device(&relay.data, "lost-laptop").unwrap();
    let r = a.try_sync().await.unwrap_err();
    assert_eq!(
        (r.status, r.body.error.as_str()),
        (StatusCode::FORBIDDEN, "revoked"),
        "{r:?}"
    );
    assert!(
        r.body
            .message
            .contains("revoked by the scheme's coordinator"),
        "{r:?}"
    );
    // Others are unaffected, and what A synced before revocation stays.
    b.sync().await;
    assert_eq!(b.reports().len(), 1);
    let listed = mugsync_relay::list_devices(&relay.data).unwrap();
    let lost = listed.iter().find(|d| d.name == "lost-laptop").unwrap();
    assert_eq!(lost.state, mugsync_relay::DeviceState::Revoked);
    assert!(lost.last_seen.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_over_its_rate_is_told_when_to_retry_and_others_are_not() {
    let relay = TestRelay::start(Limits {
        per_device_per_second: 1,
        per_device_burst: 3,
        ..Limits::default()
    })
    .await;
    let a = Device::enrol(&relay, "busy").await;
    let mut b = Device::enrol(&relay, "calm").await;
    let mut limited = None;
    for _ in 0..30 {
        let res = a
            .client
            .post_signed(paths::SYNC, empty_round(), SYNC_CONTENT_TYPE)
            .await;
        if res.status() != StatusCode::OK {
            limited = Some(refused(res).await);
            break;
        }
    }
    let r = limited.expect("the rate limit never applied");
    assert_eq!(
        (r.status, r.body.error.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        "{r:?}"
    );
    let secs: u64 = r.retry_after.expect("Retry-After").parse().unwrap();
    assert!((1..=2).contains(&secs), "{secs}");
    // Another device has its own budget.
    assert_eq!(b.sync().await.rounds, 1);
}
