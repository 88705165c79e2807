//! Messages that are true: what the real binary says (and exits with) when something goes
//! wrong, checked line by line. Exit codes: 2 bad input, 3 locked, 4 relay refused,
//! 5 unreachable (README, docs/JSON.md).

use mugsync_e2e::{fixture, Device, RelayProcess};
use std::io::Write;
use std::process::Stdio;

/// A command's exit code and streams.
struct Done {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(d: &Device, args: &[&str], env: &[(&str, &str)]) -> Done {
    let mut c = d.command(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().expect("mugsync runs");
    Done {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn file_fixtures(d: &Device) -> usize {
    let out = d
        .run(&[
            "report",
            "file",
            "--from",
            fixture("reports.json").to_str().unwrap(),
        ])
        .success();
    out.stdout.lines().count()
}

#[test]
fn a_wrong_passphrase_prints_one_clear_line_and_exits_3() {
    let d = Device::new();
    let out = run(
        &d,
        &["report", "list"],
        &[("MUGSYNC_PASSPHRASE", "not the passphrase")],
    );
    assert_eq!(out.code, Some(3), "{}", out.stderr);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "only our line on stderr: {}", out.stderr);
    assert!(
        lines[0].starts_with("error: the passphrase in MUGSYNC_PASSPHRASE does not open"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("try again"), "{}", out.stderr);
    assert!(out.stdout.is_empty());

    // No passphrase at all, and no terminal to ask at: locked too.
    let mut c = d.command(&["report", "list"]);
    c.env_remove("MUGSYNC_PASSPHRASE");
    let o = c.output().unwrap();
    assert_eq!(o.status.code(), Some(3));
}

#[test]
fn a_bad_report_id_is_named_and_exits_2() {
    let d = Device::new();
    let out = run(&d, &["report", "show", "nope-123"], &[]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr.contains("'nope-123' is not a report id"),
        "{}",
        out.stderr
    );
    // --json: the failure as a JSON object on stdout too.
    let out = run(&d, &["report", "show", "nope-123", "--json"], &[]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("a JSON error");
    assert_eq!(v["error"], "bad_input");
    assert_eq!(v["exit_code"], 2);
    assert!(v["message"].as_str().unwrap().contains("nope-123"));
}

#[test]
fn a_closed_pipe_is_not_a_panic() {
    let d = Device::new();
    file_fixtures(&d);
    // `mugsync report list | head -0`: the reader is gone before anything is written.
    let mut child = d
        .command(&["report", "list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.is_empty(), "quiet: {stderr}");
}

#[test]
fn view_rebuild_is_a_command_that_rebuilds() {
    let d = Device::new();
    let n = file_fixtures(&d);
    let out = d.run(&["view", "rebuild"]).success();
    assert!(
        out.stdout.contains(&format!("from the log: {n} report(s)")),
        "{}",
        out.stdout
    );
    let check = d.run(&["check", "07700 900123", "--json"]).success().json();
    assert_eq!(check["count"], 2, "the check index is back: {check}");
}

#[test]
fn a_relay_address_without_a_scheme_says_what_to_write() {
    let d = Device::blank();
    let out = run(
        &d,
        &["enroll", "--relay", "relay.example.org", "--code", "x"],
        &[],
    );
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr.contains("write it as https://relay.example.org"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("relative URL"), "{}", out.stderr);
}

#[test]
fn relay_refusals_and_silence_each_say_what_is_true() {
    let mut relay = RelayProcess::start();

    // A code the relay does not know: the advice names a command that parses.
    let d = Device::blank();
    let out = run(
        &d,
        &["enroll", "--relay", relay.url(), "--code", "not-a-code"],
        &[],
    );
    assert_eq!(out.code, Some(4), "{}", out.stderr);
    let advice = out
        .stderr
        .split("mugsync-relay ")
        .nth(1)
        .unwrap_or_else(|| panic!("no mugsync-relay command in: {}", out.stderr));
    let advice = advice.split([' ', '(', ')', ';', '\n']).collect::<Vec<_>>();
    let command: Vec<&str> = advice
        .iter()
        .take_while(|w| !w.is_empty())
        .map(|w| if *w == "NAME" { "van-9" } else { w })
        .collect();
    assert_eq!(command, ["device", "add", "--name", "van-9"]);
    let added = relay.admin(&command).success();
    assert!(added.stdout.contains("code: "), "{}", added.stdout);

    // Enrolling again: a local refusal, and the code is not spent.
    let van = Device::enrolled(&relay, "van-1");
    let code = relay.add_device("van-2");
    let out = run(
        &van,
        &["enroll", "--relay", relay.url(), "--code", &code],
        &[],
    );
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("already enrolled"), "{}", out.stderr);
    assert!(!out.stderr.contains("refused"), "{}", out.stderr);
    assert!(!out.stderr.contains("(0)"), "{}", out.stderr);
    let other = Device::blank();
    other
        .run(&["enroll", "--relay", relay.url(), "--code", &code])
        .success();

    // Revoked: said once, exit 4, and the JSON error carries the relay's word.
    relay.admin(&["device", "revoke", "van-1"]).success();
    let out = run(&van, &["sync", "--json"], &[]);
    assert_eq!(out.code, Some(4), "{}", out.stderr);
    assert_eq!(
        out.stderr.matches("revoked").count(),
        1,
        "said once: {}",
        out.stderr
    );
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("a JSON error");
    assert_eq!(v["error"], "refused");
    assert_eq!(v["relay_error"], "revoked");

    // The relay is gone: unreachable, exit 5, a JSON error for --json.
    relay.kill();
    let out = run(&other, &["sync", "--json"], &[]);
    assert_eq!(out.code, Some(5), "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("a JSON error");
    assert_eq!(v["error"], "unreachable");
    assert_eq!(v["exit_code"], 5);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("could not reach the relay"),
        "{v}"
    );
}

/// A TLS server on a loopback port with a certificate for `localhost` only; it answers
/// handshakes (which the device then refuses) until the test ends.
fn tls_server(dir: &std::path::Path) -> (u16, std::path::PathBuf) {
    use std::sync::Arc;
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let pem = dir.join("relay-ca.pem");
    std::fs::write(&pem, cert.cert.pem()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into()),
        )
        .unwrap();
    let config = Arc::new(config);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut conn = rustls::ServerConnection::new(config.clone()).unwrap();
            let mut stream = stream;
            let mut tls = rustls::Stream::new(&mut conn, &mut stream);
            let _ = tls.write_all(b"HTTP/1.1 500 x\r\ncontent-length: 0\r\n\r\n");
        }
    });
    (port, pem)
}

#[test]
fn a_certificate_problem_is_named_not_blamed_on_signal() {
    let d = Device::blank();
    let (port, ca) = tls_server(&d.scratch(""));
    let url = format!("https://127.0.0.1:{port}");

    let out = run(&d, &["enroll", "--relay", &url, "--code", "x"], &[]);
    assert_eq!(out.code, Some(5), "{}", out.stderr);
    assert!(out.stderr.contains("is not trusted"), "{}", out.stderr);
    assert!(out.stderr.contains("--ca-cert"), "{}", out.stderr);
    assert!(!out.stderr.contains("signal"), "{}", out.stderr);

    // Trusted now, but the certificate is for localhost, not 127.0.0.1.
    let out = run(
        &d,
        &[
            "enroll",
            "--relay",
            &url,
            "--code",
            "x",
            "--ca-cert",
            ca.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.code, Some(5), "{}", out.stderr);
    assert!(out.stderr.contains("for another name"), "{}", out.stderr);
    assert!(!out.stderr.contains("signal"), "{}", out.stderr);
}
