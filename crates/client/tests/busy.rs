//! A relay that answers `503 busy` is asked again with backoff (signed afresh, honouring
//! `Retry-After`), and after the last try the error says "the relay is busy, will retry".
//! The relay is a loopback stub speaking plain HTTP/1.1, so each answer can be chosen.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mugsync_client::{BusyRetry, Client, ClientError, RelayUrl, Stage, Transport};
use mugsync_core::auth::{DeviceKeyPair, HEADER_NONCE};
use mugsync_core::identifiers::SchemeKey;
use mugsync_core::report::AreaList;
use mugsync_core::wire::{self, SyncResponse, WIRE_VERSION};
use mugsync_store::{DeviceStore, InitOptions, Passphrase};

/// One canned answer: status line, extra headers, body.
#[derive(Clone)]
struct Answer {
    status: &'static str,
    headers: &'static str,
    body: Vec<u8>,
}

fn busy(retry_after: Option<u64>) -> Answer {
    Answer {
        status: "503 Service Unavailable",
        headers: match retry_after {
            Some(1) => "Retry-After: 1\r\n",
            _ => "",
        },
        body: br#"{"error":"busy","message":"another relay kept changing the same month; sync again"}"#
            .to_vec(),
    }
}

fn synced() -> Answer {
    Answer {
        status: "200 OK",
        headers: "",
        body: wire::encode(&SyncResponse {
            version: WIRE_VERSION,
            ..SyncResponse::default()
        }),
    }
}

/// Serves `answers` in order (the last one again once they run out); records each
/// request's nonce.
fn stub(answers: Vec<Answer>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let nonces = Arc::new(Mutex::new(Vec::new()));
    let seen = nonces.clone();
    std::thread::spawn(move || {
        let mut n = 0;
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            // Several requests may come over one kept-alive connection.
            loop {
                let mut length = 0usize;
                let mut nonce = String::new();
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                loop {
                    line.clear();
                    reader.read_line(&mut line).unwrap();
                    let l = line.trim_end();
                    if l.is_empty() {
                        break;
                    }
                    let (name, value) = l.split_once(':').unwrap();
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.trim().parse().unwrap();
                    }
                    if name.eq_ignore_ascii_case(HEADER_NONCE) {
                        nonce = value.trim().to_owned();
                    }
                }
                let mut body = vec![0u8; length];
                reader.read_exact(&mut body).unwrap();
                seen.lock().unwrap().push(nonce);
                let a = answers[n.min(answers.len() - 1)].clone();
                n += 1;
                let head = format!(
                    "HTTP/1.1 {}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n{}\r\n",
                    a.status,
                    a.body.len(),
                    a.headers
                );
                conn.write_all(head.as_bytes()).unwrap();
                conn.write_all(&a.body).unwrap();
                conn.flush().unwrap();
            }
        }
    });
    (url, nonces)
}

fn store(dir: &std::path::Path) -> DeviceStore {
    DeviceStore::create(
        dir,
        &Passphrase::new("correct horse battery staple").unwrap(),
        InitOptions {
            scheme_key: SchemeKey::generate(),
            region: Default::default(),
            areas: AreaList::from_toml("[[area]]\ncode = \"online\"\nname = \"Online\"\n").unwrap(),
        },
    )
    .unwrap()
}

fn client(url: &str, attempts: u32) -> Client {
    Client::new(
        RelayUrl::parse(url, false).unwrap(),
        DeviceKeyPair::generate(),
        &Transport::default(),
    )
    .unwrap()
    .with_busy_retry(BusyRetry {
        attempts,
        first_wait: Duration::from_millis(20),
        max_wait: Duration::from_secs(5),
    })
}

#[test]
fn a_busy_relay_is_asked_again_and_the_sync_succeeds() {
    let (url, nonces) = stub(vec![busy(Some(1)), busy(None), synced()]);
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let mut waits = Vec::new();
    let started = Instant::now();
    let summary = mugsync_client::sync(&mut store, &client(&url, 4), |p| {
        if let Stage::Waiting { retry_in } = p.stage {
            waits.push(retry_in);
        }
    })
    .expect("the third answer is a sync");
    assert_eq!(summary.rounds, 1, "retries are one round, not three");
    let nonces = nonces.lock().unwrap().clone();
    assert_eq!(nonces.len(), 3, "asked three times");
    assert!(
        nonces[0] != nonces[1] && nonces[1] != nonces[2],
        "each try is signed afresh (a repeated nonce is refused as a replay): {nonces:?}"
    );
    // The first wait is the relay's Retry-After; the second the client's own backoff.
    assert_eq!(waits.len(), 2, "{waits:?}");
    assert_eq!(waits[0], Duration::from_secs(1));
    assert!(waits[1] < Duration::from_millis(100), "{waits:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
}

#[test]
fn a_relay_busy_every_time_is_given_up_on_with_words_that_say_so() {
    let (url, nonces) = stub(vec![busy(None)]);
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let err = mugsync_client::sync(&mut store, &client(&url, 3), |_| {}).unwrap_err();
    assert!(
        matches!(err, ClientError::Busy { attempts: 3, .. }),
        "{err:?}"
    );
    assert!(err.is_transient(), "an automatic sync keeps trying later");
    let text = err.to_string();
    assert!(text.contains("the relay is busy, will retry"), "{text}");
    assert!(text.contains("nothing was lost"), "{text}");
    assert_eq!(
        nonces.lock().unwrap().len(),
        3,
        "bounded: three tries, no more"
    );
}

#[test]
fn other_refusals_are_not_retried() {
    let (url, nonces) = stub(vec![Answer {
        status: "403 Forbidden",
        headers: "",
        body: br#"{"error":"revoked","message":"this device was revoked"}"#.to_vec(),
    }]);
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let err = mugsync_client::sync(&mut store, &client(&url, 4), |_| {}).unwrap_err();
    assert!(matches!(err, ClientError::Revoked(_)), "{err:?}");
    assert!(!err.is_transient());
    assert_eq!(nonces.lock().unwrap().len(), 1);
}

#[test]
fn progress_reports_the_answer_arriving_and_ends_done() {
    let (url, _) = stub(vec![synced()]);
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let mut events = Vec::new();
    let summary = mugsync_client::sync(&mut store, &client(&url, 1), |p| events.push(p)).unwrap();
    let stages: Vec<Stage> = events.iter().map(|p| p.stage).collect();
    assert_eq!(stages.first(), Some(&Stage::Sending), "{stages:?}");
    assert_eq!(stages.last(), Some(&Stage::Done), "{stages:?}");
    let arrived = events
        .iter()
        .rfind(|p| p.stage == Stage::Receiving)
        .expect("a receiving event");
    assert_eq!(arrived.step_total, Some(summary.bytes_received as u64));
    assert_eq!(arrived.step_done, summary.bytes_received as u64);
    let last = events.last().unwrap();
    assert_eq!(last.bytes_sent, summary.bytes_sent);
    assert_eq!(last.bytes_received, summary.bytes_received);
}
