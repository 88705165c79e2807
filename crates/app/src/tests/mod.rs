//! Tests of the whole router in-process: the guard, every page, filing, locking and sync.
//! (The real-browser test is `tests/browser.rs`.)

mod filing;
mod lock;
mod pages;
mod security;
mod sync;

use axum::body::{to_bytes, Body};
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use mugsync_core::identifiers::{Region, SchemeKey};
use mugsync_core::report::{AreaList, ReportId, ReportInput};
use mugsync_store::{DeviceStore, InitOptions, Passphrase};
use std::net::SocketAddr;
use std::time::Duration;
use tempfile::TempDir;
use tower::ServiceExt;

use crate::state::{lock as lock_mutex, AppState, Shared};
use crate::{AppOptions, SyncHook};

pub(crate) const PASS: &str = "correct horse battery staple";
pub(crate) const AREAS: &str = include_str!("../../../../fixtures/areas.toml");
pub(crate) const REPORTS: &str = include_str!("../../../../fixtures/reports.json");

/// A response, read whole.
pub(crate) struct Got {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Got {
    pub(crate) fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// A store in a temporary directory, the app state and router over it, and a session.
pub(crate) struct Harness {
    pub _dir: TempDir,
    pub state: AppState,
    router: Router,
    pub cookie: String,
}

pub(crate) fn new_store(dir: &std::path::Path) -> DeviceStore {
    DeviceStore::create(
        dir,
        &Passphrase::new(PASS).unwrap(),
        InitOptions {
            scheme_key: SchemeKey::from_bytes(&[7u8; 32]).unwrap(),
            region: Region::gb(),
            areas: AreaList::from_toml(AREAS).unwrap(),
        },
    )
    .unwrap()
}

impl Harness {
    pub(crate) async fn new() -> Harness {
        Harness::with(|o| o).await
    }

    pub(crate) async fn with(opts: impl FnOnce(AppOptions) -> AppOptions) -> Harness {
        let dir = TempDir::new().unwrap();
        let store = new_store(dir.path());
        let addr: SocketAddr = "127.0.0.1:4567".parse().unwrap();
        let state = Shared::new(store, opts(AppOptions::new(dir.path())), addr);
        let router = crate::pages::router(state.clone());
        let mut h = Harness {
            _dir: dir,
            state,
            router,
            cookie: String::new(),
        };
        let url = h.state.open_url();
        let path = url
            .strip_prefix("http://127.0.0.1:4567")
            .unwrap()
            .to_owned();
        let got = h
            .send(h.req("GET", &path).body(Body::empty()).unwrap())
            .await;
        assert_eq!(got.status, StatusCode::SEE_OTHER);
        let set = got
            .headers
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        h.cookie = set.split(';').next().unwrap().to_owned();
        h
    }

    /// A request builder with the right Host and no cookie.
    pub(crate) fn req(&self, method: &str, path: &str) -> axum::http::request::Builder {
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "127.0.0.1:4567")
    }

    pub(crate) async fn send(&self, req: Request<Body>) -> Got {
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        Got {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Got {
        self.send(
            self.req("GET", path)
                .header(header::COOKIE, &self.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// POSTs a form with the session's cookie and CSRF token.
    pub(crate) async fn post(&self, path: &str, pairs: &[(&str, &str)]) -> Got {
        let mut all: Vec<(&str, &str)> = vec![("csrf", self.state.csrf.as_str())];
        all.extend_from_slice(pairs);
        self.post_raw(path, &encode(&all)).await
    }

    pub(crate) async fn post_raw(&self, path: &str, body: &str) -> Got {
        self.send(
            self.req("POST", path)
                .header(header::COOKIE, &self.cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ORIGIN, "http://127.0.0.1:4567")
                .body(Body::from(body.to_owned()))
                .unwrap(),
        )
        .await
    }

    /// Runs `f` on the store directly.
    pub(crate) fn store<T>(&self, f: impl FnOnce(&mut DeviceStore) -> T) -> T {
        let mut g = lock_mutex(self.state.store_slot());
        f(g.as_mut().expect("store is open"))
    }

    /// Files every fixture report; returns their ids in fixture order.
    pub(crate) fn file_fixtures(&self) -> Vec<ReportId> {
        let v: serde_json::Value = serde_json::from_str(REPORTS).unwrap();
        self.store(|s| {
            v["reports"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    let input = ReportInput::from_json(&r.to_string()).unwrap();
                    let new = input.parse(&s.intake()).unwrap();
                    s.file(new).unwrap()
                })
                .collect()
        })
    }

    /// Waits (briefly) for a condition the app reaches on its own.
    pub(crate) async fn eventually(&self, what: &str, mut cond: impl FnMut() -> bool) {
        for _ in 0..200 {
            if cond() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("timed out waiting for: {what}");
    }
}

/// urlencodes pairs.
pub(crate) fn encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn enc(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            o.push(b as char);
        } else if b == b' ' {
            o.push('+');
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

/// A complete, valid report form with HTML, quotes and unicode in the free text.
pub(crate) fn good_form() -> Vec<(&'static str, &'static str)> {
    vec![
        ("form_id", "test-form-1"),
        ("incident_date", "2026-11-20"),
        ("incident_time", "23:40"),
        ("area", "mcr-piccadilly"),
        ("setting", "car"),
        ("kinds", "physical_assault"),
        ("kinds", "robbery"),
        ("perpetrator.phones", "07700 900321\n"),
        ("perpetrator.emails", "Dave.M+x@Example.com"),
        ("perpetrator.names_used", "Dave <b>"),
        ("perpetrator.gender", "man"),
        ("perpetrator.age_range", "40-50"),
        ("perpetrator.vehicle.colour", "white"),
        ("perpetrator.vehicle.make", "Ford"),
        ("perpetrator.vehicle.registration", "ma6 ?"),
        ("perpetrator.online_handles", "example-app: nightowl"),
        ("narrative", "Refused to pay & hit her. <script>alert(\"x\")</script> 'single' \"double\" — ünïcödé 名前"),
        ("alert_text", "Man in a <b>white</b> Ford, \"Dave\" — ünïcödé"),
        ("alert_for", "women"),
        ("reporter_role", "outreach_worker"),
        ("consent.alert", "yes"),
        ("consent.police", "full"),
        ("victim_private.name", "Sample Person Z"),
        ("victim_private.contact", "via drop-in"),
    ]
}

/// The store's hook for tests: marks every unsynced report synced.
pub(crate) fn marking_hook() -> SyncHook {
    std::sync::Arc::new(|store: &mut DeviceStore, _progress: &dyn Fn(&str)| {
        let ids = store.unsynced().map_err(|e| e.to_string())?;
        for id in &ids {
            store
                .set_local_state(id, &mugsync_store::LocalSyncState::Synced)
                .map_err(|e| e.to_string())?;
        }
        Ok(format!("Sent {} report(s); received 0.", ids.len()))
    })
}
