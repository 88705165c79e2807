//! The van app in a real browser: Debian's chromium driven by `playwright-core`
//! (`tests/browser/app.spec.mjs`) against the app bound in this process on 127.0.0.1.
//!
//! Needs `node`, `/usr/bin/chromium` (or `MUGSYNC_CHROMIUM`) and
//! `tests/browser/node_modules`; `scripts/test` installs them. When any is missing, this
//! test FAILS under `scripts/test` and CI (which set `MUGSYNC_REQUIRE_BROWSER=1`), saying
//! how to install it: a browser test that silently passes proves nothing there. Under a
//! plain `cargo test` it is skipped with a message on stderr saying what is missing, so the
//! crates that need nothing extra still test with the Rust toolchain alone.
//!
//! Screenshots (1280×800 and 390 wide) and the printed sheet land in `tests/artifacts/app/`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use mugsync_app::{App, AppOptions, SyncHook};
use mugsync_core::identifiers::{Region, SchemeKey};
use mugsync_core::report::{AreaList, ReportInput};
use mugsync_store::{DeviceStore, InitOptions, LocalSyncState, Passphrase};

const PASS: &str = "correct horse battery staple";
const HOW_TO_INSTALL: &str =
    "run `scripts/test` (or `apt-get install chromium` and `PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix tests/browser`)";

/// Set by `scripts/test` (and so CI): a missing tool fails the test instead of skipping it.
const REQUIRE_ENV: &str = "MUGSYNC_REQUIRE_BROWSER";

fn browser_required() -> bool {
    std::env::var(REQUIRE_ENV).is_ok_and(|v| !v.is_empty() && v != "0")
        || std::env::var("CI").is_ok_and(|v| v == "true")
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root")
}

fn chromium() -> PathBuf {
    std::env::var_os("MUGSYNC_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// True when everything the browser test needs is here. When something is missing: a
/// panic that says how to get it when the browser test is required, else a skip message.
fn require_tools(root: &Path) -> bool {
    let mut missing = Vec::new();
    if Command::new("node")
        .arg("--version")
        .output()
        .map(|o| !o.status.success())
        .unwrap_or(true)
    {
        missing.push("node (Node.js 20 or later)".to_owned());
    }
    if !root
        .join("tests/browser/node_modules/playwright-core/package.json")
        .exists()
    {
        missing.push("tests/browser/node_modules (playwright-core)".to_owned());
    }
    if !chromium().exists() {
        missing.push(format!("chromium at {}", chromium().display()));
    }
    if missing.is_empty() {
        return true;
    }
    let why = format!(
        "the browser test cannot run: missing {}. To install them, {HOW_TO_INSTALL}.",
        missing.join(", ")
    );
    assert!(
        !browser_required(),
        "{why} ({REQUIRE_ENV} or CI is set, so this fails)"
    );
    eprintln!(
        "SKIPPED the_van_app_in_a_real_browser: {why} (set {REQUIRE_ENV}=1 to make this a failure)"
    );
    false
}

/// A store holding the fixture reports, so lists, alerts and checks have company.
fn store_with_fixtures(dir: &Path, root: &Path) -> DeviceStore {
    let areas = std::fs::read_to_string(root.join("fixtures/areas.toml")).unwrap();
    let mut store = DeviceStore::create(
        dir,
        &Passphrase::new(PASS).unwrap(),
        InitOptions {
            scheme_key: SchemeKey::from_bytes(b"browser-test scheme key, 32+ bytes long").unwrap(),
            region: Region::gb(),
            areas: AreaList::from_toml(&areas).unwrap(),
        },
    )
    .unwrap();
    let fixtures: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("fixtures/reports.json")).unwrap())
            .unwrap();
    for r in fixtures["reports"].as_array().unwrap() {
        let new = ReportInput::from_json(&r.to_string())
            .unwrap()
            .parse(&store.intake())
            .unwrap();
        store.file(new).unwrap();
    }
    store
}

/// Stands in for the relay: marks every report filed here as synced.
fn fake_sync() -> SyncHook {
    Arc::new(|store: &mut DeviceStore, _progress: &dyn Fn(&str)| {
        let ids = store.unsynced().map_err(|e| e.to_string())?;
        for id in &ids {
            store
                .set_local_state(id, &LocalSyncState::Synced)
                .map_err(|e| e.to_string())?;
        }
        Ok(format!(
            "Sent {} report(s); nothing new from the relay.",
            ids.len()
        ))
    })
}

#[test]
fn the_van_app_in_a_real_browser() {
    let root = repo_root();
    if !require_tools(&root) {
        return;
    }
    let data = tempfile::TempDir::new().unwrap();
    let store = store_with_fixtures(data.path(), &root);
    let artifacts = root.join("tests/artifacts/app");
    let _ = std::fs::remove_dir_all(&artifacts);
    std::fs::create_dir_all(&artifacts).unwrap();

    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut opts = AppOptions::new(data.path());
    opts.sync = Some(fake_sync());
    let bound = rt.block_on(App::bind(store, opts)).unwrap();
    assert!(bound.local_addr().ip().is_loopback());
    let url = bound.open_url();
    assert!(
        url.starts_with(&format!("http://{}/unlock?session=", bound.local_addr())),
        "{url}"
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = rt.spawn(bound.serve_with_shutdown(async {
        let _ = stopped.await;
    }));

    let out = Command::new("node")
        .arg(root.join("tests/browser/app.spec.mjs"))
        .arg(&url)
        .arg(&artifacts)
        .env("MUGSYNC_TEST_PASSPHRASE", PASS)
        .env("MUGSYNC_CHROMIUM", chromium())
        .current_dir(&root)
        .output()
        .expect("node runs");
    let _ = stop.send(());
    rt.block_on(server).unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "the browser test failed ({}); screenshots are in {}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status,
        artifacts.display()
    );
    for shot in [
        "home",
        "form",
        "form-errors",
        "report",
        "reports",
        "check",
        "alerts",
        "bulletin",
        "sync",
        "settings",
        "unlock",
    ] {
        for width in ["1280", "390"] {
            let p = artifacts.join(format!("{shot}-{width}.png"));
            assert!(p.exists(), "no screenshot {}", p.display());
        }
    }

    // What the browser filed is in the store, whole; the person's details stayed local.
    let store = DeviceStore::open(data.path(), &Passphrase::new(PASS).unwrap()).unwrap();
    let reports = store.list().unwrap();
    assert_eq!(
        reports.len(),
        7,
        "six fixtures and the one filed in the browser"
    );
    let filed = reports
        .iter()
        .find(|r| r.body.narrative.as_str().contains("ünïcödé 名前"))
        .expect("the browser's report");
    assert!(filed
        .body
        .narrative
        .as_str()
        .contains("<script>alert(\"xss\")</script>"));
    assert_eq!(
        filed.body.perpetrator.phones[0].hint.as_str(),
        "+44 7••• •••321"
    );
    assert_eq!(
        store.local_state(&filed.id).unwrap(),
        Some(LocalSyncState::Synced)
    );
    let private = store
        .victim_private(&filed.id)
        .unwrap()
        .expect("victim details kept locally");
    assert_eq!(private.name.unwrap().as_str(), "Sample Person Z");
    let log = store.shared_log_bytes().unwrap().concat();
    assert!(
        !log.windows(15).any(|w| w == b"Sample Person Z"),
        "victim name in the shared log"
    );
}
