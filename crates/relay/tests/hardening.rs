//! Nothing unauthenticated holds the relay's resources (issue 7): stalled connections are
//! capped and closed, bodies are read only from known devices (and enrolment bodies are
//! small), replays are refused before their bodies even after a restart, all bodies held
//! at once fit one budget (`busy` beyond it), enrolment budgets are per source, signed
//! times at the ends of `i64` are refused, and dependency logs never carry content whatever
//! `MUGSYNC_LOG` says.

mod common;

use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{now_ms, refused, Client, Device, TestRelay};
use mugsync_core::auth::{
    DeviceKeyPair, SignedHeaders, HEADER_KEY, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIME,
};
use mugsync_core::log::PartitionKey;
use mugsync_core::report::{Amendment, Description};
use mugsync_core::wire::{self, EnrollRequest, SyncRequest, SYNC_CONTENT_TYPE, WIRE_VERSION};
use mugsync_relay::{paths, Limits};
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn addr(relay: &TestRelay) -> SocketAddr {
    relay.base.trim_start_matches("http://").parse().unwrap()
}

fn empty_round() -> Vec<u8> {
    wire::encode(&SyncRequest {
        version: WIRE_VERSION,
        full_summary: true,
        ..SyncRequest::default()
    })
}

/// Connections the relay has accepted on `port` and still holds: rows of /proc/net/tcp
/// whose local port is the relay's, established, with an inode (a connection still in the
/// kernel's accept queue has none — no process holds it yet).
fn accepted_connections(port: u16) -> usize {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    table
        .lines()
        .skip(1)
        .filter(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let local_port = cols[1].rsplit(':').next().unwrap();
            u16::from_str_radix(local_port, 16).unwrap() == port
                && cols[3] == "01"
                && cols[9] != "0"
        })
        .count()
}

/// Reads until the peer closes; `Err` when it has not closed within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Result<(), ()> {
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return Err(()),
            Ok(Ok(0)) | Ok(Err(_)) => return Ok(()),
            Ok(Ok(_)) => continue,
        }
    }
}

/// Sends `head` (a request line and headers, without the blank line), then `body_start`,
/// and returns what the relay answers within `within` (status line and everything after).
async fn raw_exchange(
    relay: &TestRelay,
    head: &str,
    body_start: &[u8],
    within: Duration,
) -> Result<String, String> {
    let mut s = TcpStream::connect(addr(relay)).await.unwrap();
    s.write_all(format!("{head}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    s.write_all(body_start).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Err(_) => {
                return Err(format!(
                    "no complete answer within {within:?}; got {:?}",
                    String::from_utf8_lossy(&answer)
                ))
            }
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => {
                answer.extend_from_slice(&buf[..n]);
                // The relay closes after these answers; stop early once the JSON is whole.
                if answer.ends_with(b"}") {
                    break;
                }
            }
        }
    }
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

fn signed_head(path: &str, content_type: &str, content_length: usize, h: &SignedHeaders) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: relay\r\nContent-Type: {content_type}\r\nContent-Length: {content_length}\r\n{HEADER_KEY}: {}\r\n{HEADER_TIME}: {}\r\n{HEADER_NONCE}: {}\r\n{HEADER_SIGNATURE}: {}",
        h.key, h.time, h.nonce, h.signature
    )
}

// ---- point 1: connections -------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_connections_are_capped_and_closed_and_real_requests_still_answered() {
    let cap = 40;
    let timeout = Duration::from_millis(800);
    let relay = TestRelay::start(Limits {
        max_connections: cap,
        header_read_timeout: timeout,
        ..Limits::default()
    })
    .await;
    let port = addr(&relay).port();

    // cap + 50 slow-loris connections: half a request, then nothing.
    let mut stalled = Vec::new();
    for _ in 0..cap + 50 {
        let mut s = TcpStream::connect(addr(&relay)).await.unwrap();
        s.write_all(b"POST /v1/sync HTTP/1.1\r\nHost: relay\r\nx-mugsync-key: ")
            .await
            .unwrap();
        stalled.push(s);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The relay holds at most `cap` of them; the rest wait in the kernel's queue.
    let held = accepted_connections(port);
    assert!(
        held <= cap,
        "the relay holds {held} connections, over its cap of {cap}"
    );
    assert!(held > 0, "the /proc/net/tcp reading is broken (sanity)");

    // A real request still gets answered, within a few header timeouts: the stalled ones
    // ahead of it in the queue are closed one timeout after they were accepted.
    let started = Instant::now();
    let res = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap()
        .get(format!("{}{}", relay.base, paths::HEALTH))
        .send()
        .await
        .expect("a real request was not answered while stalled connections were open");
    assert_eq!(res.status(), StatusCode::OK);
    let waited = started.elapsed();
    // 91 connections through 40 slots: three rounds of the timeout, plus a loaded machine.
    assert!(waited < Duration::from_secs(8), "answered after {waited:?}");

    // Every stalled socket is closed by the relay after the timeout.
    for (i, s) in stalled.iter_mut().enumerate() {
        closed_within(s, Duration::from_secs(10))
            .await
            .unwrap_or_else(|_| panic!("stalled connection {i} was never closed"));
    }
    println!("figure: real request answered after {waited:?} behind {} stalled connections (cap {cap}, header timeout {timeout:?})", cap + 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_keep_alive_and_silent_connections_are_closed() {
    let timeout = Duration::from_millis(600);
    let relay = TestRelay::start(Limits {
        header_read_timeout: timeout,
        ..Limits::default()
    })
    .await;
    // A connection that sends nothing at all.
    let mut silent = TcpStream::connect(addr(&relay)).await.unwrap();
    // A keep-alive connection that made one request and then idles.
    let mut idle = TcpStream::connect(addr(&relay)).await.unwrap();
    idle.write_all(b"GET /v1/health HTTP/1.1\r\nHost: relay\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = idle.read(&mut buf).await.unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        !answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    let started = Instant::now();
    closed_within(&mut idle, Duration::from_secs(5))
        .await
        .expect("an idle keep-alive connection was never closed");
    closed_within(&mut silent, Duration::from_secs(5))
        .await
        .expect("a connection that sent nothing was never closed");
    assert!(started.elapsed() >= timeout / 2, "closed too early");
}

// ---- point 2: bodies ------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_are_not_read_before_the_key_and_nonce_pass() {
    // Default limits: a 16 MiB body limit and a 30 s request timeout. Waiting for the body
    // would answer after 30 s (408), so a prompt answer proves the body was never awaited.
    let relay = TestRelay::start(Limits::default()).await;
    let prompt = Duration::from_secs(5);
    let declared = 16 * 1024 * 1024 - 1;

    // A made-up key: refused as not enrolled, before its body.
    let forger = DeviceKeyPair::generate();
    let c = Client {
        key: forger,
        ..Client::new(&relay.base)
    };
    let h = c.sign(paths::SYNC, b"whatever", now_ms());
    let started = Instant::now();
    let answer = raw_exchange(
        &relay,
        &signed_head(paths::SYNC, SYNC_CONTENT_TYPE, declared, &h),
        b"abc",
        prompt,
    )
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("not_enrolled"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    println!(
        "figure: forged 16 MiB request refused after {:?}",
        started.elapsed()
    );

    // A revoked device: refused before its body.
    let revoked = Device::enrol(&relay, "lost-laptop").await;
    mugsync_relay::revoke_device(&relay.data, "lost-laptop").unwrap();
    let h = revoked.client.sign(paths::SYNC, b"x", now_ms());
    let answer = raw_exchange(
        &relay,
        &signed_head(paths::SYNC, SYNC_CONTENT_TYPE, declared, &h),
        b"abc",
        prompt,
    )
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");

    // A replay of a request already admitted: refused before its body.
    let good = Device::enrol(&relay, "van-1").await;
    let body = empty_round();
    let h = good.client.sign(paths::SYNC, &body, now_ms());
    let first = good
        .client
        .post_raw(paths::SYNC, body, Some(&h), SYNC_CONTENT_TYPE)
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    let answer = raw_exchange(
        &relay,
        &signed_head(paths::SYNC, SYNC_CONTENT_TYPE, declared, &h),
        b"abc",
        prompt,
    )
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 409"), "{answer}");
    assert!(answer.contains("replayed"), "{answer}");

    // An unsigned one with a big body, likewise.
    let answer = raw_exchange(
        &relay,
        &format!(
            "POST {} HTTP/1.1\r\nHost: relay\r\nContent-Length: {declared}",
            paths::SYNC
        ),
        b"abc",
        prompt,
    )
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");

    // The good device still syncs.
    let mut good = good;
    good.file(0);
    assert_eq!(good.sync().await.rounds, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_after_a_restart_is_refused_before_its_body() {
    // The in-process memory of admitted nonces is gone after a restart (or on another relay
    // sharing the database): the database's nonce table must answer before the body.
    let mut relay = TestRelay::start(Limits::default()).await;
    let good = Device::enrol(&relay, "van-1").await;
    let body = empty_round();
    let h = good.client.sign(paths::SYNC, &body, now_ms());
    let first = good
        .client
        .post_raw(paths::SYNC, body, Some(&h), SYNC_CONTENT_TYPE)
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    relay.restart().await;
    let answer = raw_exchange(
        &relay,
        &signed_head(paths::SYNC, SYNC_CONTENT_TYPE, 16 * 1024 * 1024 - 1, &h),
        b"abc",
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 409"), "{answer}");
    assert!(answer.contains("replayed"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_beyond_the_relay_wide_budget_are_told_busy_before_they_are_read() {
    // Each device's body is capped, but not the sum: a budget for all bodies held at once.
    let limits = Limits {
        max_body_bytes: 64 * 1024,
        max_buffered_body_bytes: 64 * 1024,
        ..Limits::default()
    };
    let relay = TestRelay::start(limits).await;
    let slow = Device::enrol(&relay, "van-slow").await;
    let mut other = Device::enrol(&relay, "van-other").await;

    // One device declares a full-size body and sends it slowly: it holds the whole budget.
    let h = slow.client.sign(paths::SYNC, b"not sent", now_ms());
    let mut holder = TcpStream::connect(addr(&relay)).await.unwrap();
    let head = signed_head(paths::SYNC, SYNC_CONTENT_TYPE, 64 * 1024, &h);
    holder
        .write_all(format!("{head}\r\n\r\nabc").as_bytes())
        .await
        .unwrap();
    // Bounded wait until the relay has reserved the budget for it.
    let mut busy_answer = None;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let body = empty_round();
        let h = other.client.sign(paths::SYNC, &body, now_ms());
        let answer = raw_exchange(
            &relay,
            &signed_head(paths::SYNC, SYNC_CONTENT_TYPE, body.len(), &h),
            &body,
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        if answer.starts_with("HTTP/1.1 503") {
            busy_answer = Some(answer);
            break;
        }
    }
    let answer = busy_answer.expect("a second body is refused while the budget is spent");
    assert!(answer.contains(wire::words::BUSY), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: "),
        "{answer}"
    );

    // Once the slow request ends, its share comes back and the other device syncs.
    drop(holder);
    let mut synced = false;
    for _ in 0..50 {
        if other.try_sync().await.is_ok() {
            synced = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(synced, "the budget came back when the slow request ended");
    other.file(0);
    assert_eq!(other.sync().await.rounds, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrolment_bodies_are_capped_small() {
    let relay = TestRelay::start(Limits::default()).await;
    let c = Client::new(&relay.base);
    let code = relay.code("van-1");
    // A real enrolment request padded (valid JSON still) to 8 KiB: refused as too large,
    // where before the relay read it and enrolled.
    let mut body = serde_json::to_vec(&EnrollRequest {
        code: code.clone(),
        public_key: c.key.public_key().to_string(),
        actor: c.actor.to_hex(),
    })
    .unwrap();
    body.resize(8 * 1024, b' ');
    let r = refused(c.post_signed(paths::ENROLL, body, "application/json").await).await;
    assert_eq!(
        (r.status, r.body.error.as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
        "{r:?}"
    );
    assert!(r.body.message.contains("4096"), "{r:?}");

    // Declared large and not sent: refused at once.
    let h = c.sign(paths::ENROLL, b"{}", now_ms());
    let answer = raw_exchange(
        &relay,
        &signed_head(paths::ENROLL, "application/json", 16 * 1024 * 1024 - 1, &h),
        b"{",
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    // Chunked, with no declared length: cut off at the cap.
    let chunk = vec![b' '; 6000];
    let mut chunked = format!("{:x}\r\n", chunk.len()).into_bytes();
    chunked.extend_from_slice(&chunk);
    chunked.extend_from_slice(b"\r\n0\r\n\r\n");
    let h = c.sign(paths::ENROLL, &chunk, now_ms());
    let head = signed_head(paths::ENROLL, "application/json", 0, &h)
        .replace("Content-Length: 0", "Transfer-Encoding: chunked");
    let answer = raw_exchange(&relay, &head, &chunked, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    // The code is unused still, and an ordinary enrolment with it works.
    Device::enrol_with(Client::new(&relay.base), &code).await;
}

// ---- point 3: enrolment budgets per source ---------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guessing_source_cannot_lock_out_another_sources_enrolment() {
    let relay = TestRelay::start(Limits {
        enrolment_per_source_per_minute: 1,
        enrolment_per_source_burst: 3,
        ..Limits::default()
    })
    .await;
    // 127.0.0.1 guesses codes until it is limited.
    let guesser = Client::new(&relay.base);
    let mut limited = None;
    for _ in 0..20 {
        match guesser.enroll("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG").await {
            Err(r) if r.status == StatusCode::TOO_MANY_REQUESTS => {
                limited = Some(r);
                break;
            }
            Err(r) => assert_eq!(r.body.error, "bad_code", "{r:?}"),
            Ok(_) => panic!("a made-up code enrolled"),
        }
    }
    let r = limited.expect("the guessing source was never limited");
    assert_eq!(r.body.error, "rate_limited", "{r:?}");
    assert!(r.retry_after.is_some(), "{r:?}");
    // Its own real attempt now waits too...
    let r = Client::new(&relay.base)
        .enroll(&relay.code("van-0"))
        .await
        .unwrap_err();
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{r:?}");
    // ...but a van enrolling from another address (the whole of 127/8 is loopback on
    // Linux) is not locked out, and syncs.
    let from_elsewhere = reqwest::Client::builder()
        .local_address(IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let mut van = Device::enrol_with(
        Client::with_http(from_elsewhere, &relay.base),
        &relay.code("van-1"),
    )
    .await;
    van.file(0);
    assert_eq!(van.sync().await.rounds, 1);
}

// ---- point 4: signed times at the ends of i64 -----------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_times_at_the_ends_of_i64_are_refused_as_clock_skew() {
    let relay = TestRelay::start(Limits::default()).await;
    let mut good = Device::enrol(&relay, "van-1").await;
    for t in [i64::MIN, i64::MIN + 1, i64::MIN + now_ms(), i64::MAX, -1] {
        let body = empty_round();
        let h = good.client.sign(paths::SYNC, &body, t);
        let res = good
            .client
            .try_post_raw(paths::SYNC, body.clone(), Some(&h), SYNC_CONTENT_TYPE)
            .await
            .unwrap_or_else(|e| panic!("time {t}: no answer ({e}); did the relay panic?"));
        let r = refused(res).await;
        assert_eq!(
            (r.status, r.body.error.as_str()),
            (StatusCode::UNAUTHORIZED, "clock_skew"),
            "time {t}: {r:?}"
        );
        // Enrolment checks the same window.
        let h = good.client.sign(paths::ENROLL, &body, t);
        let r = refused(
            good.client
                .post_raw(paths::ENROLL, body, Some(&h), "application/json")
                .await,
        )
        .await;
        assert_eq!(r.body.error, "clock_skew", "time {t}: {r:?}");
    }
    good.file(0);
    assert_eq!(good.sync().await.rounds, 1);
}

// ---- point 5: logs ---------------------------------------------------------------------

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_logging_never_prints_amendment_text() {
    const MARKER: &str = "Quokka marker note 5521";
    // The relay's subscriber, with the most the operator could ask for.
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = mugsync_relay::logging::subscriber(
        Some("trace,automerge=trace,automerge::transaction=trace,[request]=trace"),
        "info",
        move || sink.clone(),
        false,
    );
    tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");

    let relay = TestRelay::start(Limits::default()).await;
    let mut a = Device::enrol(&relay, "van-1").await;
    let mut b = Device::enrol(&relay, "van-2").await;
    let id = a.file(0);
    a.sync().await;
    let amendment = Amendment {
        at: now_ms() / 1000,
        note: Some(Description::parse("note", MARKER).unwrap()),
        phones: vec![],
        emails: vec![],
    };
    // Sanity: without the caps, automerge's trace lines do carry the note.
    let plain = Captured::default();
    let plain_sink = plain.clone();
    let uncapped = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
        .with_writer(move || plain_sink.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(uncapped, || {
        a.part(&PartitionKey::of(&id))
            .amend(&id, &amendment)
            .unwrap();
    });
    assert!(
        plain.text().contains(MARKER),
        "sanity: automerge at trace prints the note"
    );
    a.sync().await;
    b.sync().await;
    assert_eq!(b.reports(), a.reports());
    assert!(b.reports()[0].amendments.iter().any(|am| am.note.is_some()));

    let text = captured.text();
    assert!(
        !text.contains(MARKER),
        "a log line carries the amendment text"
    );
    // Not vacuous: the relay's own lines at every level are there.
    assert!(text.contains("sync round"), "{text}");
    assert!(text.contains("TRACE") || text.contains("DEBUG"), "{text}");
    let _ = std::io::stderr().flush();
}
