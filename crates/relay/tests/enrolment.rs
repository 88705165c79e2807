//! Enrolment by one-time code: single use, 24 h, proof of possession of the key.

mod common;

use common::{now_ms, refused, Client, Device, TestRelay};
use mugsync_core::wire::EnrollRequest;
use mugsync_relay::{paths, DeviceState, Limits};
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_work_once_within_their_time_and_only_for_their_key() {
    let relay = TestRelay::start(Limits::default()).await;

    // A code that was never issued.
    let c = Client::new(&relay.base);
    let r = c
        .enroll("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG")
        .await
        .unwrap_err();
    assert_eq!(
        (r.status, r.body.error.as_str()),
        (StatusCode::UNAUTHORIZED, "bad_code"),
        "{r:?}"
    );
    assert!(
        r.body
            .message
            .contains("mugsync-relay device add --name NAME"),
        "{r:?}"
    );

    // A good code, typed in lower case with spaces: enrols, and gives the scheme.
    let code = relay.code("van-1");
    let typed = code.to_lowercase().replace('-', " ");
    let resp = c.enroll(&typed).await.unwrap();
    assert_eq!(resp.device_name, "van-1");
    assert_eq!(resp.region, "GB");
    assert!(resp.areas_toml.contains("mcr-piccadilly"));
    let listed = mugsync_relay::list_devices(&relay.data).unwrap();
    assert_eq!(listed[0].state, DeviceState::Enrolled);
    assert!(listed[0].enrolled_at.is_some());

    // The same code again, from another key: used.
    let r = Client::new(&relay.base).enroll(&code).await.unwrap_err();
    assert_eq!(
        (r.status, r.body.error.as_str()),
        (StatusCode::CONFLICT, "code_used"),
        "{r:?}"
    );
    assert!(r
        .body
        .message
        .contains("mugsync-relay device add --name NAME"));

    // An expired code (its expiry moved into the past in the store).
    let code = relay.code("van-2");
    {
        let db = mugsync_relay::open_database_raw(&relay.data).unwrap();
        db.execute(
            "UPDATE device SET code_expires_at = ?1 WHERE name = 'van-2'",
            [time::OffsetDateTime::now_utc().unix_timestamp() - 1],
        )
        .unwrap();
    }
    let r = Client::new(&relay.base).enroll(&code).await.unwrap_err();
    assert_eq!(
        (r.status, r.body.error.as_str()),
        (StatusCode::GONE, "code_expired"),
        "{r:?}"
    );
    assert!(r
        .body
        .message
        .contains("mugsync-relay device add --name NAME"));
    // An expired, unused code's name can be issued again.
    let fresh = relay.code("van-2");
    Client::new(&relay.base).enroll(&fresh).await.unwrap();

    // A code whose device was revoked before enrolling.
    let code = relay.code("van-3");
    mugsync_relay::revoke_device(&relay.data, "van-3").unwrap();
    let r = Client::new(&relay.base).enroll(&code).await.unwrap_err();
    assert_eq!(
        (r.status, r.body.error.as_str()),
        (StatusCode::FORBIDDEN, "revoked"),
        "{r:?}"
    );

    // Proof of possession: the body names one key, another key signs.
    let code = relay.code("van-4");
    let signer = Client::new(&relay.base);
    let other = mugsync_core::auth::DeviceKeyPair::generate();
    let body = serde_json::to_vec(&EnrollRequest {
        code: code.clone(),
        public_key: other.public_key().to_string(),
        actor: signer.actor.to_hex(),
    })
    .unwrap();
    let r = refused(
        signer
            .post_signed(paths::ENROLL, body, "application/json")
            .await,
    )
    .await;
    assert_eq!(
        (r.status, r.body.error.as_str()),
        (StatusCode::BAD_REQUEST, "key_mismatch"),
        "{r:?}"
    );
    // Unsigned enrolment is refused too.
    let body = serde_json::to_vec(&EnrollRequest {
        code: code.clone(),
        public_key: signer.key.public_key().to_string(),
        actor: signer.actor.to_hex(),
    })
    .unwrap();
    let r = refused(
        signer
            .post_raw(paths::ENROLL, body.clone(), None, "application/json")
            .await,
    )
    .await;
    assert_eq!(r.body.error, "unauthenticated", "{r:?}");
    // A replayed enrolment request is refused as a replay.
    let h = signer.sign(paths::ENROLL, &body, now_ms());
    assert_eq!(
        signer
            .post_raw(paths::ENROLL, body.clone(), Some(&h), "application/json")
            .await
            .status(),
        StatusCode::OK
    );
    let r = refused(
        signer
            .post_raw(paths::ENROLL, body, Some(&h), "application/json")
            .await,
    )
    .await;
    assert_eq!(
        (r.status, r.body.error.as_str()),
        (StatusCode::CONFLICT, "replayed"),
        "{r:?}"
    );
    // Not JSON.
    let r = refused(
        signer
            .post_signed(paths::ENROLL, b"{".to_vec(), "application/json")
            .await,
    )
    .await;
    assert_eq!(
        (r.status, r.body.error.as_str()),
        (StatusCode::BAD_REQUEST, "malformed"),
        "{r:?}"
    );

    // The relay's database holds no code and no private key material.
    let db = std::fs::read(relay.data.join(mugsync_relay::STORE_FILE)).unwrap();
    assert!(!db.windows(code.len()).any(|w| w == code.as_bytes()));
    // (ring's Ed25519 PKCS#8 v2 document holds the 32-byte private seed at bytes 16..48.)
    let seed = &signer.key.pkcs8()[16..48];
    assert!(!db.windows(32).any(|w| w == seed));

    // An enrolled device syncs.
    let mut d = Device::enrol(&relay, "van-5").await;
    d.file(0);
    assert_eq!(d.sync().await.rounds, 1);
}
