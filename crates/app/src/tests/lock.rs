//! Locking: by hand, after idle time, the unlock page, and a report that arrives while
//! locked.

use axum::http::StatusCode;
use std::time::Duration;

use super::{good_form, Harness, PASS};

#[tokio::test]
async fn lock_then_unlock_with_the_passphrase() {
    let h = Harness::new().await;
    let got = h.post("/lock", &[]).await;
    assert_eq!(got.status, StatusCode::SEE_OTHER);
    assert!(h.state.is_locked());
    // Every page now leads to the unlock page, and back afterwards.
    let home = h.get("/reports").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location(), "/unlock?next=/reports");
    let page = h.get("/unlock?next=/reports").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("type=\"password\""));
    assert!(
        !page.body.contains("aria-label=\"Main\""),
        "no navigation while locked"
    );

    let wrong = h
        .post("/unlock", &[("passphrase", "not it"), ("next", "/reports")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong
            .body
            .contains("That passphrase does not open this store"),
        "{}",
        wrong.body
    );
    assert!(h.state.is_locked());
    let empty = h
        .post("/unlock", &[("passphrase", ""), ("next", "/reports")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);

    let right = h
        .post("/unlock", &[("passphrase", PASS), ("next", "/reports")])
        .await;
    assert_eq!(right.status, StatusCode::SEE_OTHER);
    assert_eq!(right.location(), "/reports");
    assert!(!h.state.is_locked());
    assert_eq!(h.get("/reports").await.status, StatusCode::OK);
    // A crafted next cannot send the browser elsewhere.
    h.post("/lock", &[]).await;
    let away = h
        .post(
            "/unlock",
            &[("passphrase", PASS), ("next", "//evil.example/")],
        )
        .await;
    assert_eq!(away.location(), "/");
}

#[tokio::test]
async fn the_store_closes_itself_after_the_idle_time() {
    let h = Harness::with(|mut o| {
        o.idle_lock = Duration::from_millis(300);
        o
    })
    .await;
    let watcher = tokio::spawn(crate::server::idle_watch(h.state.clone()));
    assert!(!h.state.is_locked());
    let state = h.state.clone();
    h.eventually("the idle lock", || state.is_locked()).await;
    let page = h.get("/unlock").await.body;
    assert!(page.contains("after 300 ms without use"), "{page}");
    let right = h.post("/unlock", &[("passphrase", PASS)]).await;
    assert_eq!(right.status, StatusCode::SEE_OTHER);
    assert!(!h.state.is_locked());
    watcher.abort();
}

#[tokio::test]
async fn a_report_sent_while_locked_is_filed_after_unlocking() {
    let h = Harness::new().await;
    h.post("/lock", &[]).await;
    let got = h.post("/reports", &good_form()).await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(
        got.body.contains("Your report is not filed yet"),
        "{}",
        got.body
    );
    assert!(
        !got.body.contains("Sample Person Z"),
        "the held form is not echoed into the unlock page"
    );
    let unlocked = h.post("/unlock", &[("passphrase", PASS)]).await;
    assert_eq!(unlocked.status, StatusCode::SEE_OTHER);
    assert!(
        unlocked.location().ends_with("?filed=1"),
        "{}",
        unlocked.location()
    );
    let ids = h.store(|s| s.list().unwrap());
    assert_eq!(ids.len(), 1);
    let private = h.store(|s| s.victim_private(&ids[0].id).unwrap());
    assert_eq!(private.unwrap().name.unwrap().as_str(), "Sample Person Z");
}

#[tokio::test]
async fn the_unlock_page_needs_the_session_too() {
    let h = Harness::new().await;
    h.post("/lock", &[]).await;
    let got = h
        .send(
            h.req("POST", "/unlock")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(super::encode(&[
                    ("csrf", h.state.csrf.as_str()),
                    ("passphrase", PASS),
                ])))
                .unwrap(),
        )
        .await;
    assert_eq!(got.status, StatusCode::FORBIDDEN);
    assert!(h.state.is_locked());
}
