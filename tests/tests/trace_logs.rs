//! `MUGSYNC_LOG=trace` on both sides of a sync prints no amendment text (issue 7): the
//! binary caps its dependencies' logs (automerge at `warn`, the HTTP stack at `info`)
//! whatever the directives say. Run with the real binaries, reading their stderr.

use std::io::BufRead;
use std::process::{Command, Stdio};

use mugsync_e2e::{fixture, fixture_reports, relay_bin, Device};

const MARKER: &str = "Wombat marker note 8812";
const EVERYTHING: &str = "trace,automerge=trace,automerge::transaction=trace,hyper=trace";

fn logged(d: &Device, args: &[&str]) -> String {
    let out = d
        .command(args)
        .env("MUGSYNC_LOG", EVERYTHING)
        .output()
        .expect("mugsync runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?} failed: {stderr}");
    stderr
}

#[test]
fn trace_logs_on_device_and_relay_carry_no_amendment_text() {
    let dir = tempfile::tempdir().unwrap();
    let relay_dir = dir.path().join("relay");
    let admin = |args: &[&str]| {
        let out = Command::new(relay_bin())
            .args(args)
            .env("MUGSYNC_RELAY_DATA_DIR", &relay_dir)
            .env_remove("MUGSYNC_LOG")
            .stdin(Stdio::null())
            .output()
            .expect("mugsync runs");
        assert!(out.status.success(), "{args:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    admin(&["init", "--areas", fixture("areas.toml").to_str().unwrap()]);
    let code = |name: &str| {
        admin(&["device", "add", "--name", name])
            .lines()
            .find_map(|l| l.strip_prefix("code: "))
            .expect("a code")
            .trim()
            .to_owned()
    };
    let (code_a, code_b) = (code("van-1"), code("van-2"));

    let relay_log = dir.path().join("relay-stderr.log");
    let mut relay = Command::new(relay_bin())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("MUGSYNC_RELAY_DATA_DIR", &relay_dir)
        .env("MUGSYNC_LOG", EVERYTHING)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&relay_log).unwrap())
        .spawn()
        .expect("relay starts");
    let mut lines = std::io::BufReader::new(relay.stdout.take().unwrap()).lines();
    let url = lines
        .by_ref()
        .take(20)
        .find_map(|l| l.ok()?.strip_prefix("listening on ").map(str::to_owned))
        .expect("the relay printed its address");
    std::thread::spawn(move || for _ in lines {});

    let a = Device::blank();
    let b = Device::blank();
    let mut device_logs = vec![logged(&a, &["enroll", "--relay", &url, "--code", &code_a])];
    let id = a.file_json(&fixture_reports()[0]);
    device_logs.push(logged(&a, &["sync", "--json"]));
    device_logs.push(logged(&a, &["report", "amend", &id, "--note", MARKER]));
    device_logs.push(logged(&a, &["sync", "--json"]));
    device_logs.push(logged(&b, &["enroll", "--relay", &url, "--code", &code_b]));
    device_logs.push(logged(&b, &["sync", "--json"]));
    let shown = logged(&b, &["report", "show", &id, "--json"]);
    device_logs.push(shown);
    // The note did travel: device B has it.
    let out = b
        .command(&["report", "show", &id, "--json"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(MARKER));

    let _ = relay.kill();
    let _ = relay.wait();
    let relay_text = std::fs::read_to_string(&relay_log).unwrap();
    assert!(
        !relay_text.contains(MARKER),
        "the relay's trace log carries the amendment text"
    );
    for (i, text) in device_logs.iter().enumerate() {
        assert!(
            !text.contains(MARKER),
            "device command {i}'s trace log carries the amendment text"
        );
    }
    // Not vacuous: the directives were honoured for mugsync's own lines.
    assert!(relay_text.contains("sync round"), "{relay_text}");
    assert!(relay_text.contains("DEBUG"), "{relay_text}");
}
