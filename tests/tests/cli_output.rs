//! What a new user sees on the terminal: the demo's walk-through, the sync progress bar
//! (only on a terminal), and every command exiting quietly when its reader has gone.

use mugsync_e2e::{fixture, fixture_reports, mugsync_bin, Device, RelayProcess, TEST_PASSPHRASE};
use std::process::Stdio;

/// Runs `args` with standard output a pipe whose reading end is already closed (as
/// `| head -0` leaves it): the command must neither panic nor fail.
fn with_closed_stdout(d: &Device, args: &[&str]) {
    // A connected socket pair with one end dropped: a write to the other fails with EPIPE,
    // exactly as a pipe whose reader has gone (std's `io::pipe` is newer than our MSRV).
    let (reader, writer) = std::os::unix::net::UnixStream::pair().unwrap();
    drop(reader);
    let out = d
        .command(args)
        .stdout(std::os::fd::OwnedFd::from(writer))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{args:?}: {stderr}"
    );
    assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
}

#[test]
fn every_command_exits_quietly_when_its_reader_has_gone() {
    let relay = RelayProcess::start();
    let van = Device::blank();
    let code = relay.add_device("van-1");
    let areas = fixture("areas.toml");
    // init and enroll print on success; so do file, list, show, check, sync and view.
    with_closed_stdout(
        &Device::blank(),
        &["init", "--areas", areas.to_str().unwrap()],
    );
    with_closed_stdout(&van, &["enroll", "--relay", relay.url(), "--code", &code]);
    let id = van.file_json(&fixture_reports()[0]);
    let short = &id[id.len() - 8..];
    for args in [
        &["report", "list"][..],
        &["report", "list", "--json"],
        &["report", "show", &id],
        &["report", "show", short],
        &["report", "consent", short, "--alert", "no"],
        &["check", "07700 900123"],
        &["check", "07700 900123", "--json"],
        &["sync"],
        &["sync", "--json"],
        &["export", "--json"],
        &["view", "rebuild"],
        &["demo"],
    ] {
        with_closed_stdout(&van, args);
    }
    // The demo's relay was stopped with it: no mugsync-relay is left serving its store.
    assert_eq!(
        van.run(&["report", "list", "--json"])
            .success()
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn the_demo_reads_as_a_walk_through() {
    let out = Device::blank().run(&["demo"]).success().stdout;
    // Steps numbered once, from 1, in order, across both parts.
    let numbers: Vec<usize> = out
        .lines()
        .filter_map(|l| l.split_once(". ").and_then(|(n, _)| n.parse().ok()))
        .collect();
    assert!(numbers.len() >= 10, "{out}");
    assert_eq!(numbers, (1..=numbers.len()).collect::<Vec<_>>(), "{out}");
    // Area names, not codes.
    assert!(out.contains("Cheetham Hill"), "{out}");
    for code in ["mcr-piccadilly", "mcr-cheetham-hill", "gm-other"] {
        assert!(!out.contains(code), "area code {code} shown: {out}");
    }
    // The list: a heading and aligned columns with short ids.
    let heading = out
        .lines()
        .find(|l| l.trim_start().starts_with("ID "))
        .expect(&out);
    let cols = ["DATE", "AREA", "STATUS", "WHAT", "SYNC"].map(|c| heading.find(c).unwrap());
    let rows: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("ID "))
        .skip(1)
        .take_while(|l| l.contains("[not yet synced]"))
        .collect();
    assert_eq!(rows.len(), fixture_reports().len(), "{out}");
    for row in &rows {
        let id = row.split_whitespace().next().unwrap();
        assert_eq!(id.len(), 8, "short id in {row}");
        for (col, at) in ["date", "area", "status", "what", "sync"].iter().zip(cols) {
            let before = row.chars().nth(at.saturating_sub(1)).unwrap_or(' ');
            assert!(
                before == ' ' && row.chars().nth(at) != Some(' '),
                "{col} column not aligned at {at} in\n{heading}\n{row}"
            );
        }
    }
    // Consent changed, then a withdrawal that shows its status.
    assert!(out.contains("mugsync report consent"), "{out}");
    assert!(
        out.contains("Consent now: alert yes; police: no police sharing"),
        "{out}"
    );
    assert!(
        out.contains("is now withdrawn (asked to withdraw)"),
        "{out}"
    );
    assert!(out.contains("1 withdrawn report(s) not counted"), "{out}");
    // Sync in plain words.
    assert!(out.contains("van-1: sent 3 reports, received 0."), "{out}");
    assert!(out.contains("van-1: sent 0 reports, received 3."), "{out}");
    assert!(out.contains("the same reports everywhere"), "{out}");
}

#[test]
fn report_commands_take_the_short_id_the_list_shows() {
    let d = Device::new();
    let id = d.file_json(&fixture_reports()[0]);
    let short = &id[id.len() - 8..];
    let list = d.run(&["report", "list"]).success().stdout;
    assert!(list.contains(short) && !list.contains(&id), "{list}");
    assert!(
        list.contains("City Centre – east of Piccadilly station"),
        "{list}"
    );
    let shown = d.run(&["report", "show", short]).success().stdout;
    assert!(shown.contains(&id), "{shown}");
    let consent = d
        .run(&["report", "consent", short, "--police", "none"])
        .success()
        .stdout;
    assert!(consent.contains("police: no police sharing"), "{consent}");
    let json = d.run(&["report", "show", &id, "--json"]).success().json();
    assert_eq!(json["consent"]["police"], "none");
    let none = d.command(&["report", "show", "00000000"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&none.stderr);
    assert!(stderr.contains("short id 00000000"), "{stderr}");
    assert_eq!(none.status.code(), Some(2), "bad input");
}

/// Runs `mugsync ARGS` on a pseudo-terminal (util-linux `script`); what the terminal showed.
fn on_a_terminal(d: &Device, args: &str) -> Option<String> {
    let script = std::path::Path::new("/usr/bin/script");
    if !script.exists() {
        eprintln!("skipped: no /usr/bin/script to give mugsync a terminal");
        return None;
    }
    let out = std::process::Command::new(script)
        .args([
            "-qefc",
            &format!("{} {args}", mugsync_bin().display()),
            "/dev/null",
        ])
        .env("MUGSYNC_DATA_DIR", d.data_dir())
        .env("MUGSYNC_PASSPHRASE", TEST_PASSPHRASE)
        .env("TERM", "xterm")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn sync_shows_a_progress_bar_on_a_terminal_only() {
    let relay = RelayProcess::start();
    let first = Device::enrolled(&relay, "van-1");
    let report = fixture_reports()[0].clone();
    let many: Vec<serde_json::Value> = (0..200).map(|_| report.clone()).collect();
    let file = first.scratch("many.json");
    std::fs::write(&file, serde_json::to_string(&many).unwrap()).unwrap();
    first
        .run(&["report", "file", "--from", file.to_str().unwrap(), "--yes"])
        .success();
    // Not a terminal: no bar, no control characters, just the summary.
    let plain = first.run(&["sync"]).success();
    assert!(
        !plain.stderr.contains("round 1") && !plain.stderr.contains('\r'),
        "{}",
        plain.stderr
    );
    assert!(
        plain
            .stdout
            .contains("Synced: sent 200 reports, received 0"),
        "{}",
        plain.stdout
    );
    // A new van's first sync, on a terminal: the bar draws (and is cleared at the end).
    let second = Device::enrolled(&relay, "van-2");
    let Some(shown) = on_a_terminal(&second, "sync") else {
        return;
    };
    assert!(shown.contains("round 1"), "{shown}");
    assert!(shown.contains("received"), "{shown}");
    assert!(
        shown.contains("Synced: sent 0 reports, received 200"),
        "{shown}"
    );
    // --json on a terminal: still no bar.
    let json = on_a_terminal(&second, "sync --json").unwrap();
    assert!(!json.contains("round 1"), "{json}");
}

/// The client's progress events during a real first sync: what the bar and the van app's
/// line are fed. Every figure is one the device has seen, and the saving step reaches its
/// total.
#[test]
fn progress_events_follow_a_real_first_sync() {
    let relay = RelayProcess::start();
    let first = Device::enrolled(&relay, "van-1");
    let report = fixture_reports()[1].clone();
    let many: Vec<serde_json::Value> = (0..60).map(|_| report.clone()).collect();
    let file = first.scratch("many.json");
    std::fs::write(&file, serde_json::to_string(&many).unwrap()).unwrap();
    first
        .run(&["report", "file", "--from", file.to_str().unwrap(), "--yes"])
        .success();
    first.sync();
    let second = Device::enrolled(&relay, "van-2");
    let mut store = mugsync_store::DeviceStore::open(
        &second.data_dir(),
        &mugsync_store::Passphrase::new(TEST_PASSPHRASE).unwrap(),
    )
    .unwrap();
    let client = mugsync_client::client_for(&store).unwrap();
    let mut events = Vec::new();
    let summary = mugsync_client::sync(&mut store, &client, |p| events.push(p)).unwrap();
    assert_eq!(summary.reports_received, 60);
    use mugsync_client::Stage;
    let saving: Vec<_> = events.iter().filter(|p| p.stage == Stage::Saving).collect();
    assert!(!saving.is_empty(), "{events:?}");
    let last = saving.last().unwrap();
    assert_eq!(
        Some(last.step_done),
        last.step_total,
        "saving reaches its total"
    );
    assert_eq!(last.reports_received, 60);
    for w in events.windows(2) {
        assert!(w[1].reports_received >= w[0].reports_received, "{w:?}");
        assert!(w[1].bytes_received >= w[0].bytes_received, "{w:?}");
        assert!(w[1].round >= w[0].round, "{w:?}");
    }
    let done = events.last().unwrap();
    assert_eq!(done.stage, Stage::Done);
    assert_eq!(done.bytes_received, summary.bytes_received);
    assert_eq!(done.reports_received, summary.reports_received);
}
