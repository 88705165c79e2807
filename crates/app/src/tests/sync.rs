//! Sync now: without a hook it says how to set it up; with one it runs and reports back.

use axum::http::StatusCode;
use mugsync_core::report::ReportId;
use std::sync::Arc;

use super::{marking_hook, Harness};

#[tokio::test]
async fn without_enrolment_sync_says_how_to_set_it_up() {
    let h = Harness::new().await;
    let page = h.get("/sync").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("mugsync enroll"), "{}", page.body);
    assert!(!page.body.contains("action=\"/sync\""));
    let post = h.post("/sync", &[]).await;
    assert_eq!(post.location(), "/sync");
}

#[tokio::test]
async fn sync_now_runs_the_hook_and_shows_the_result() {
    let h = Harness::with(|mut o| {
        o.sync = Some(marking_hook());
        o
    })
    .await;
    let ids: Vec<ReportId> = h.file_fixtures();
    let before = h.get("/sync").await.body;
    assert!(
        before.contains("<strong>6</strong> reports filed here not yet synced"),
        "{before}"
    );
    let got = h.post("/sync", &[]).await;
    assert_eq!(got.status, StatusCode::SEE_OTHER);
    let state = h.state.clone();
    h.eventually("sync to finish", || !state.sync_running())
        .await;
    let after = h.get("/sync").await.body;
    assert!(after.contains("Sent 6 report(s); received 0."), "{after}");
    assert!(after.contains("Every report filed on this laptop has reached the relay"));
    let list = h.get("/reports").await.body;
    assert_eq!(list.matches(">synced<").count(), ids.len());
}

#[tokio::test]
async fn a_failed_sync_says_why_and_that_nothing_is_lost() {
    let h = Harness::with(|mut o| {
        o.sync = Some(Arc::new(
            |_: &mut mugsync_store::DeviceStore, _: &dyn Fn(&str)| {
                Err("the relay could not be reached <offline>".to_owned())
            },
        ));
        o
    })
    .await;
    h.post("/sync", &[]).await;
    let state = h.state.clone();
    h.eventually("sync to finish", || !state.sync_running())
        .await;
    let page = h.get("/sync").await.body;
    assert!(page.contains("Sync did not finish"));
    assert!(page.contains("the relay could not be reached &lt;offline&gt;"));
    assert!(page.contains("still safe on this laptop"));
}

#[tokio::test]
async fn a_panicking_hook_closes_the_store_instead_of_taking_the_app_down() {
    let h = Harness::with(|mut o| {
        o.sync = Some(Arc::new(
            |_: &mut mugsync_store::DeviceStore, _: &dyn Fn(&str)| panic!("boom"),
        ));
        o
    })
    .await;
    h.post("/sync", &[]).await;
    let state = h.state.clone();
    h.eventually("sync to finish", || !state.sync_running())
        .await;
    assert!(
        h.state.is_locked(),
        "the store was closed to be reloaded from disk"
    );
    let locked = h.get("/sync").await;
    assert_eq!(locked.location(), "/unlock?next=/sync");
    let unlock = h.get(locked.location()).await.body;
    assert!(unlock.contains("closed after a problem"), "{unlock}");
    let right = h
        .post("/unlock", &[("passphrase", super::PASS), ("next", "/sync")])
        .await;
    assert_eq!(right.location(), "/sync");
    let page = h.get("/sync").await.body;
    assert!(page.contains("sync stopped unexpectedly"), "{page}");
    assert_eq!(h.get("/reports").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_filed_report_is_synced_with_no_button_pressed() {
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = calls.clone();
    let marking = marking_hook();
    let h = Harness::with(move |mut o| {
        o.sync = Some(Arc::new(
            move |store: &mut mugsync_store::DeviceStore, progress: &dyn Fn(&str)| {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                progress("Round 1: 0 KB received, 1 KB sent so far.");
                marking(store, progress)
            },
        ));
        o
    })
    .await;
    let filed = h.post("/reports", &super::good_form()).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let state = h.state.clone();
    let store_state = state.clone();
    // Well under the minute between scheduled syncs, and under the first one after opening:
    // filing itself set it off.
    h.eventually("the filed report to be synced by itself", move || {
        let g = crate::state::lock(store_state.store_slot());
        g.as_ref()
            .is_some_and(|s| s.unsynced().map(|u| u.is_empty()).unwrap_or(false))
            && !store_state.sync_running()
    })
    .await;
    assert!(calls.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    let page = h.get("/sync").await.body;
    assert!(page.contains("Sent 1 report(s); received 0."), "{page}");
    assert!(page.contains("syncs by itself"), "{page}");
    let list = h.get("/reports").await.body;
    assert_eq!(list.matches(">synced<").count(), 1, "{list}");
}

#[tokio::test]
async fn while_a_sync_runs_the_pages_show_how_far_it_has_got() {
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let release_rx = std::sync::Mutex::new(release_rx);
    let h = Harness::with(move |mut o| {
        o.sync = Some(Arc::new(
            move |_: &mut mugsync_store::DeviceStore, progress: &dyn Fn(&str)| {
                progress("Round 1: receiving the relay's answer, 1 MB of 4 MB (25 %) <b>.");
                // Hold the sync open until the test has looked at the pages.
                let _ = release_rx
                    .lock()
                    .unwrap()
                    .recv_timeout(std::time::Duration::from_secs(20));
                Ok("done".to_owned())
            },
        ));
        o
    })
    .await;
    let idle = h.get("/reports").await.body;
    assert!(
        !idle.contains("id=\"sync-line\""),
        "no line while idle: {idle}"
    );
    h.post("/sync", &[]).await;
    let state = h.state.clone();
    h.eventually("the progress line to arrive", move || {
        state.sync_progress().is_some()
    })
    .await;
    // (Pages that read the store wait for the sync, which holds it; the check page does not.)
    for path in ["/check"] {
        let page = h.get(path).await.body;
        assert!(
            page.contains("id=\"sync-line\"") && page.contains("1 MB of 4 MB (25 %) &lt;b&gt;."),
            "{path}: {page}"
        );
    }
    let sync_page = h.get("/sync").await.body;
    assert!(sync_page.contains("1 MB of 4 MB (25 %)"), "{sync_page}");
    assert!(
        !sync_page.contains("id=\"sync-line\""),
        "the sync page says it once, in full"
    );
    release_tx.send(()).unwrap();
    let state = h.state.clone();
    h.eventually("sync to finish", move || !state.sync_running())
        .await;
    assert!(!h.get("/reports").await.body.contains("id=\"sync-line\""));
}
