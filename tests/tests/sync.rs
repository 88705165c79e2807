//! Devices and a real relay (`mugsync-relay serve` on a loopback port), driven through the
//! real binary as users would.

use mugsync_e2e::{fixture, fixture_reports, report_states, Device, RelayProcess};

fn relay_state(relay: &RelayProcess) -> Vec<(String, String, usize)> {
    report_states(&relay.reports())
}

#[test]
fn three_devices_file_offline_and_converge_in_any_order() {
    let relay = RelayProcess::start();
    let devices: Vec<Device> = (1..=3)
        .map(|i| Device::enrolled(&relay, &format!("van-{i}")))
        .collect();
    let reports = fixture_reports();
    // Offline: each device files two reports and amends one of its own.
    for (i, d) in devices.iter().enumerate() {
        let a = d.file_json(&reports[i * 2]);
        d.file_json(&reports[i * 2 + 1]);
        d.run(&[
            "report",
            "amend",
            &a,
            "--note",
            &format!("from van {i} <b>ünïcode</b>"),
        ])
        .success();
    }
    // A pseudo-random but fixed order of syncs, twice round.
    for &i in &[2usize, 0, 1, 0, 2, 1] {
        devices[i].sync();
    }
    let expected = relay_state(&relay);
    assert_eq!(expected.len(), 6);
    for d in &devices {
        assert_eq!(d.state(), expected);
    }
    // Concurrent edits to the same report on two devices, then sync: still one state.
    let id = expected[0].0.clone();
    devices[0]
        .run(&["report", "amend", &id, "--note", "seen again"])
        .success();
    devices[1]
        .run(&["report", "withdraw", &id, "--reason", "asked to withdraw"])
        .success();
    for &i in &[1usize, 0, 2, 1] {
        devices[i].sync();
    }
    let expected = relay_state(&relay);
    for d in &devices {
        assert_eq!(d.state(), expected);
    }
    let withdrawn = expected.iter().find(|r| r.0 == id).unwrap();
    assert_eq!(withdrawn.1, "withdrawn");
    // Reports filed here are marked synced.
    let shown = devices[0].run(&["report", "list"]).success().stdout;
    assert!(
        shown.contains("[synced]") && !shown.contains("not yet synced"),
        "{shown}"
    );
}

#[test]
fn a_second_sync_with_nothing_new_is_one_small_round() {
    let relay = RelayProcess::start();
    let d = Device::enrolled(&relay, "van-1");
    d.run(&[
        "report",
        "file",
        "--from",
        fixture("reports.json").to_str().unwrap(),
    ])
    .success();
    let first = d.sync();
    assert_eq!(first["reports_sent"], 6);
    let again = d.sync();
    assert_eq!(again["rounds"], 1);
    assert_eq!(again["reports_sent"], 0);
    assert!(again["bytes_sent"].as_u64().unwrap() < 200, "{again}");
}

#[test]
fn relay_killed_mid_sync_loses_nothing_and_the_next_sync_completes() {
    let mut relay = RelayProcess::start();
    let d = Device::enrolled(&relay, "van-1");
    let reports = fixture_reports();
    let batch: Vec<serde_json::Value> = (0..1500)
        .map(|i| reports[i % reports.len()].clone())
        .collect();
    let path = d.scratch("batch.json");
    std::fs::write(&path, serde_json::Value::Array(batch).to_string()).unwrap();
    d.run(&["report", "file", "--from", path.to_str().unwrap()])
        .success();

    let sync = d
        .command(&["sync", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The push of 1,500 reports takes the relay a while to validate and store; kill it then.
    std::thread::sleep(std::time::Duration::from_millis(300));
    relay.kill();
    let out = sync.wait_with_output().unwrap();
    let interrupted = !out.status.success();
    relay.restart();
    let summary = d.sync();
    let held = relay_state(&relay);
    assert_eq!(
        held.len(),
        1500,
        "interrupted: {interrupted}, summary: {summary}"
    );
    assert_eq!(d.state(), held);
    let again = d.sync();
    assert_eq!(again["reports_sent"], 0);
}

#[test]
fn revoked_device_is_refused_with_a_clear_reason() {
    let relay = RelayProcess::start();
    let d = Device::enrolled(&relay, "van-1");
    d.sync();
    relay.admin(&["device", "revoke", "van-1"]).success();
    let out = d.run(&["sync"]).failure();
    assert!(out.stderr.contains("revoked"), "{}", out.stderr);
    let list = relay.admin(&["device", "list", "--json"]).success().json();
    assert!(list.to_string().contains("revoked"), "{list}");
    // Its reports filed offline stay on the device.
    d.file_json(&fixture_reports()[0]);
    assert_eq!(d.state().len(), 1);
}

#[test]
fn enrolment_codes_are_single_use() {
    let relay = RelayProcess::start();
    let code = relay.add_device("van-1");
    let a = Device::blank();
    a.run(&["enroll", "--relay", relay.url(), "--code", &code])
        .success();
    let b = Device::blank();
    let out = b
        .run(&["enroll", "--relay", relay.url(), "--code", &code])
        .failure();
    assert!(out.stderr.to_lowercase().contains("code"), "{}", out.stderr);
    let out = b
        .run(&["enroll", "--relay", relay.url(), "--code", "WRONG-CODE"])
        .failure();
    assert!(out.stderr.to_lowercase().contains("code"), "{}", out.stderr);
}

#[test]
fn plain_http_to_another_machine_is_refused() {
    let d = Device::blank();
    let out = d
        .run(&[
            "enroll",
            "--relay",
            "http://relay.example.org",
            "--code",
            "X",
        ])
        .failure();
    assert!(out.stderr.contains("--insecure"), "{}", out.stderr);
}

/// Two relay processes on one data directory: a device that syncs to the second receives
/// what another device pushed to the first, even after the second has the month in memory.
#[test]
fn two_relay_processes_on_one_database_serve_the_same_reports() {
    let relay_a = RelayProcess::start();
    let relay_b = relay_a.sibling();
    let a = Device::enrolled(&relay_a, "van-a");
    // Enrolled through B, so it syncs with B.
    let b = Device::enrolled(&relay_b, "van-b");
    let reports = fixture_reports();
    a.file_json(&reports[0]);
    a.sync();
    b.sync();
    assert_eq!(b.state(), a.state());
    // B now holds the month in memory; A appends to it.
    a.file_json(&reports[1]);
    a.sync();
    b.sync();
    assert_eq!(b.state(), a.state(), "B answered from a stale copy");
    assert_eq!(b.state().len(), 2);
    // And the other way.
    b.file_json(&reports[2]);
    b.sync();
    a.sync();
    assert_eq!(a.state(), b.state());
    assert_eq!(relay_state(&relay_a), a.state());
}
