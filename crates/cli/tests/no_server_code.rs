//! The device binary carries no relay: no `mugsync-relay` (its SQLite relay store, sync
//! intake, enrolment server), no `axum-server` (the relay's TLS server) and nothing that
//! only the relay needs. A van laptop that is lost or seized then holds no server code to
//! probe, and the relay's later SMTP, SMS and PostgreSQL dependencies never reach it.

use std::collections::BTreeSet;
use std::process::Command;

/// Crates the device binary must never depend on, directly or not.
const FORBIDDEN: &[&str] = &["mugsync-relay", "axum-server", "governor"];

fn normal_deps(package: &str) -> BTreeSet<String> {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "-p",
            package,
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_device_binary_holds_no_relay_or_server_code() {
    let deps = normal_deps("mugsync");
    // The tree is real: the device's own crates are in it.
    for needed in ["mugsync-store", "mugsync-client", "mugsync-app"] {
        assert!(deps.contains(needed), "{needed} missing from {deps:?}");
    }
    let found: Vec<&&str> = FORBIDDEN.iter().filter(|f| deps.contains(**f)).collect();
    assert!(
        found.is_empty(),
        "the device binary `mugsync` depends on {found:?}; relay code belongs in mugsync-relay only"
    );
}

#[test]
fn the_relay_binary_is_where_that_code_lives() {
    // The same check would pass vacuously if the names were wrong: they are in the relay's.
    let deps = normal_deps("mugsync-relay");
    for f in FORBIDDEN.iter().filter(|f| **f != "mugsync-relay") {
        assert!(deps.contains(*f), "{f} not in the relay's tree: {deps:?}");
    }
}
