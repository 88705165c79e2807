//! Test harness: a real relay on 127.0.0.1:0 (bound before it serves, so no test waits),
//! a signing HTTP client, and a small device that speaks the sync protocol with real
//! `LogPartition`s.
#![allow(dead_code)]

use automerge::ChangeHash;
use base64::Engine;
use reqwest::StatusCode;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use mugsync_core::auth::{
    new_nonce, DeviceKeyPair, RequestToSign, SignedHeaders, HEADER_KEY, HEADER_NONCE,
    HEADER_SIGNATURE, HEADER_TIME,
};
use mugsync_core::identifiers::{Region, SchemeKey};
use mugsync_core::log::{DeviceActor, LogPartition, PartitionKey};
use mugsync_core::report::{
    AreaList, Consent, IntakeContext, Report, ReportBody, ReportId, ReportInput,
};
use mugsync_core::wire::{
    self, fingerprint, heads_from_wire, heads_to_wire, EnrollRequest, EnrollResponse, ErrorBody,
    PartitionChanges, PartitionFingerprint, PartitionHeads, Rejection, SyncRequest, SyncResponse,
    SYNC_CONTENT_TYPE, WIRE_VERSION,
};
use mugsync_relay::{paths, Limits, Relay, RelayConfig, RelayError};

pub const AREAS: &str = include_str!("../../../../fixtures/areas.toml");
pub const REPORTS: &str = include_str!("../../../../fixtures/reports.json");

/// A relay serving in this process.
pub struct TestRelay {
    pub dir: tempfile::TempDir,
    pub data: PathBuf,
    pub base: String,
    pub limits: Limits,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), RelayError>>>,
}

pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

impl TestRelay {
    /// Initialises a relay in a fresh directory and starts it.
    pub async fn start(limits: Limits) -> TestRelay {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("relay");
        mugsync_relay::init(&data, AreaList::from_toml(AREAS).unwrap(), Region::gb()).unwrap();
        let mut relay = TestRelay {
            dir,
            data,
            base: String::new(),
            limits,
            stop: None,
            task: None,
        };
        relay.serve().await;
        relay
    }

    fn config(&self) -> RelayConfig {
        let mut config = RelayConfig::defaults(&self.data);
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.limits = self.limits;
        config
    }

    async fn serve(&mut self) {
        let bound = Relay::bind(self.config()).await.unwrap();
        assert!(!bound.is_tls());
        self.base = format!("http://{}", bound.local_addr());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        self.stop = Some(tx);
        self.task = Some(tokio::spawn(bound.serve_with_shutdown(async move {
            let _ = rx.await;
        })));
    }

    /// Stops serving (gracefully) and waits until the relay has let go of its store.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }

    /// Stops abruptly: the serving task is aborted mid-whatever, as a crash would.
    pub async fn kill(&mut self) {
        self.stop.take();
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// Stops, then binds a new relay on the same data directory (new port).
    pub async fn restart(&mut self) {
        self.stop().await;
        self.serve().await;
    }

    /// Issues a code for a new device.
    pub fn code(&self, name: &str) -> String {
        mugsync_relay::add_device(&self.data, name).unwrap().code
    }

    /// The relay's copy, as reports.
    pub fn reports(&self) -> Vec<Report> {
        snapshot_reports(&self.data)
    }

    /// A second relay serving the same data directory and database (its own connections
    /// and in-memory partitions), as a second process behind a load balancer would.
    pub async fn sibling(&self) -> Sibling {
        let bound = Relay::bind(self.config()).await.unwrap();
        let base = format!("http://{}", bound.local_addr());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(bound.serve_with_shutdown(async move {
            let _ = rx.await;
        }));
        Sibling {
            base,
            _stop: tx,
            _task: task,
        }
    }
}

/// A second relay on a [`TestRelay`]'s data; stops when dropped.
pub struct Sibling {
    pub base: String,
    _stop: tokio::sync::oneshot::Sender<()>,
    _task: tokio::task::JoinHandle<Result<(), RelayError>>,
}

pub fn snapshot_reports(data: &Path) -> Vec<Report> {
    let mut all: Vec<Report> = mugsync_relay::relay_log_snapshot(data)
        .unwrap()
        .into_iter()
        .flat_map(|(_, reports)| reports)
        .collect();
    all.sort_by_key(|r| r.id);
    all
}

/// An HTTP client that signs requests with a device key.
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub key: DeviceKeyPair,
    /// The automerge actor this device names at enrolment.
    pub actor: DeviceActor,
}

/// A failed request: status and the relay's error body.
#[derive(Debug)]
pub struct Refused {
    pub status: StatusCode,
    pub body: ErrorBody,
    pub retry_after: Option<String>,
}

pub fn plain_http() -> reqwest::Client {
    reqwest::Client::builder().build().unwrap()
}

impl Client {
    pub fn new(base: &str) -> Client {
        Client::with_http(plain_http(), base)
    }

    pub fn with_http(http: reqwest::Client, base: &str) -> Client {
        Client {
            http,
            base: base.to_owned(),
            key: DeviceKeyPair::generate(),
            actor: DeviceActor::generate(),
        }
    }

    pub fn sign(&self, path: &str, body: &[u8], time_ms: i64) -> SignedHeaders {
        let nonce = new_nonce();
        self.key.sign(&RequestToSign {
            method: "POST",
            path_and_query: path,
            time_ms,
            nonce: &nonce,
            body,
        })
    }

    /// Posts with the given headers (or none) exactly as given.
    pub async fn post_raw(
        &self,
        path: &str,
        body: Vec<u8>,
        signed: Option<&SignedHeaders>,
        content_type: &str,
    ) -> reqwest::Response {
        self.try_post_raw(path, body, signed, content_type)
            .await
            .unwrap()
    }

    /// [`Client::post_raw`], keeping a transport error.
    pub async fn try_post_raw(
        &self,
        path: &str,
        body: Vec<u8>,
        signed: Option<&SignedHeaders>,
        content_type: &str,
    ) -> reqwest::Result<reqwest::Response> {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body);
        if let Some(h) = signed {
            req = req
                .header(HEADER_KEY, &h.key)
                .header(HEADER_TIME, &h.time)
                .header(HEADER_NONCE, &h.nonce)
                .header(HEADER_SIGNATURE, &h.signature);
        }
        req.send().await
    }

    /// Signs now and posts.
    pub async fn post_signed(
        &self,
        path: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> reqwest::Response {
        let h = self.sign(path, &body, now_ms());
        self.post_raw(path, body, Some(&h), content_type).await
    }

    pub async fn enroll(&self, code: &str) -> Result<EnrollResponse, Refused> {
        let body = serde_json::to_vec(&EnrollRequest {
            code: code.to_owned(),
            public_key: self.key.public_key().to_string(),
            actor: self.actor.to_hex(),
        })
        .unwrap();
        let res = self
            .post_signed(paths::ENROLL, body, "application/json")
            .await;
        if res.status() == StatusCode::OK {
            Ok(res.json_body().await)
        } else {
            Err(refused(res).await)
        }
    }

    pub async fn sync_round(&self, req: &SyncRequest) -> Result<SyncResponse, Refused> {
        let res = self
            .post_signed(paths::SYNC, wire::encode(req), SYNC_CONTENT_TYPE)
            .await;
        if res.status() == StatusCode::OK {
            assert_eq!(res.headers()["content-type"], SYNC_CONTENT_TYPE);
            Ok(wire::decode_response(&res.bytes().await.unwrap()).unwrap())
        } else {
            Err(refused(res).await)
        }
    }
}

/// Reads an error answer, checking it is the JSON `ErrorBody` every error must be.
pub async fn refused(res: reqwest::Response) -> Refused {
    let status = res.status();
    assert!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .starts_with("application/json"),
        "{status}: not JSON"
    );
    let retry_after = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = res.json_body().await;
    Refused {
        status,
        body,
        retry_after,
    }
}

trait JsonBody {
    async fn json_body<T: serde::de::DeserializeOwned>(self) -> T;
}

impl JsonBody for reqwest::Response {
    async fn json_body<T: serde::de::DeserializeOwned>(self) -> T {
        let bytes = self.bytes().await.unwrap();
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&bytes)))
    }
}

/// The fixture reports, parsed with a scheme's settings.
pub fn templates(key: &SchemeKey, region: Region, areas: &AreaList) -> Vec<(ReportBody, Consent)> {
    let ctx = IntakeContext { key, region, areas };
    let v: serde_json::Value = serde_json::from_str(REPORTS).unwrap();
    v["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let new = ReportInput::from_json(&r.to_string())
                .unwrap()
                .parse(&ctx)
                .unwrap();
            (new.body, new.consent)
        })
        .collect()
}

/// What one `Device::sync` did.
#[derive(Debug, Default, Clone, Copy)]
pub struct SyncStats {
    pub rounds: usize,
    pub pulls: usize,
    pub need_heads: usize,
    pub resends: usize,
}

/// A device: its own partitions, what it knows of the relay's heads, and a signing client.
pub struct Device {
    pub client: Client,
    pub name: String,
    actor: DeviceActor,
    pub parts: BTreeMap<PartitionKey, LogPartition>,
    relay_heads: BTreeMap<PartitionKey, Vec<ChangeHash>>,
    pub scheme_key: SchemeKey,
    pub templates: Vec<(ReportBody, Consent)>,
    pub accepted: BTreeSet<String>,
    pub rejected: Vec<Rejection>,
}

impl Device {
    /// Enrols with a code from `relay`.
    pub async fn enrol(relay: &TestRelay, name: &str) -> Device {
        Device::enrol_with(Client::new(&relay.base), &relay.code(name)).await
    }

    pub async fn enrol_with(client: Client, code: &str) -> Device {
        let resp = client.enroll(code).await.unwrap();
        let actor = client.actor.clone();
        let key_bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&resp.scheme_key)
            .unwrap();
        let scheme_key = SchemeKey::from_bytes(&key_bytes).unwrap();
        let region = Region::parse(&resp.region).unwrap();
        let areas = AreaList::from_toml(&resp.areas_toml).unwrap();
        let templates = templates(&scheme_key, region, &areas);
        Device {
            client,
            name: resp.device_name,
            actor,
            parts: BTreeMap::new(),
            relay_heads: BTreeMap::new(),
            scheme_key,
            templates,
            accepted: BTreeSet::new(),
            rejected: Vec::new(),
        }
    }

    pub fn part(&mut self, key: &PartitionKey) -> &mut LogPartition {
        let actor = self.actor.clone();
        self.parts
            .entry(key.clone())
            .or_insert_with(|| LogPartition::new(key.clone(), &actor))
    }

    /// Files fixture report `template` as if at `at` (which picks the partition).
    pub fn file_at(&mut self, template: usize, at: time::OffsetDateTime) -> ReportId {
        let id = ReportId::minted_at(at);
        let (body, consent) = self.templates[template % self.templates.len()].clone();
        self.part(&PartitionKey::of(&id))
            .file(id, &body, consent)
            .unwrap();
        id
    }

    /// Files fixture report `template` now.
    pub fn file(&mut self, template: usize) -> ReportId {
        self.file_at(template, time::OffsetDateTime::now_utc())
    }

    /// Every report this device holds, by id.
    pub fn reports(&self) -> Vec<Report> {
        let mut all: Vec<Report> = self.parts.values().flat_map(|p| p.reports().0).collect();
        all.sort_by_key(|r| r.id);
        all
    }

    /// Bytes after `base` (only the heads this device holds), or nothing.
    fn push_after(&mut self, key: &PartitionKey, base: &[ChangeHash]) -> Option<PartitionChanges> {
        let part = self.parts.get_mut(key)?;
        let base: Vec<ChangeHash> = base
            .iter()
            .filter(|h| part.has_change(h))
            .copied()
            .collect();
        let bytes = part.changes_after(&base).expect("filtered to held heads");
        (!bytes.is_empty()).then(|| PartitionChanges {
            key: key.clone(),
            changes: bytes,
        })
    }

    /// Builds one request: full summary, pushes where the relay is behind, answers to the
    /// last response.
    fn request(&mut self, need: &[PartitionKey], resend: &[PartitionHeads]) -> SyncRequest {
        let mut req = SyncRequest {
            version: WIRE_VERSION,
            full_summary: true,
            ..SyncRequest::default()
        };
        let keys: Vec<PartitionKey> = self.parts.keys().cloned().collect();
        let mut with_heads: BTreeSet<PartitionKey> = need.iter().cloned().collect();
        for key in &keys {
            let heads = self.parts.get_mut(key).unwrap().heads();
            req.summary.push(PartitionFingerprint {
                key: key.clone(),
                fingerprint: fingerprint(&heads),
            });
            let known = self.relay_heads.get(key).cloned();
            let mut sorted = heads.clone();
            sorted.sort();
            if known.as_ref() != Some(&sorted) {
                if let Some(push) = self.push_after(key, &known.unwrap_or_default()) {
                    req.pushes.push(push);
                    with_heads.insert(key.clone());
                }
            }
        }
        for r in resend {
            if let Some(push) = self.push_after(&r.key, &heads_from_wire(&r.heads)) {
                req.pushes.push(push);
                with_heads.insert(r.key.clone());
            }
        }
        for key in with_heads {
            if let Some(part) = self.parts.get_mut(&key) {
                req.heads.push(PartitionHeads {
                    key,
                    heads: heads_to_wire(&part.heads()),
                });
            }
        }
        req
    }

    /// Applies a response; returns the pulls applied.
    pub fn apply(&mut self, resp: &SyncResponse) -> usize {
        for pull in &resp.pulls {
            self.part(&pull.key).merge_bytes(&pull.changes).unwrap();
        }
        for h in &resp.relay_heads {
            self.relay_heads
                .insert(h.key.clone(), heads_from_wire(&h.heads));
        }
        self.accepted.extend(resp.accepted.iter().cloned());
        self.rejected.extend(resp.rejected.iter().cloned());
        resp.pulls.len()
    }

    /// One round whose answer is lost on the way back (a dropped connection).
    pub async fn sync_round_lost(&mut self) {
        let req = self.request(&[], &[]);
        self.client.sync_round(&req).await.unwrap();
    }

    /// Syncs until the relay asks nothing more; panics after 12 rounds.
    pub async fn sync(&mut self) -> SyncStats {
        self.try_sync().await.unwrap()
    }

    pub async fn try_sync(&mut self) -> Result<SyncStats, Refused> {
        let mut stats = SyncStats::default();
        let mut need = Vec::new();
        let mut resend = Vec::new();
        for _ in 0..12 {
            let req = self.request(&need, &resend);
            let resp = self.client.sync_round(&req).await?;
            stats.rounds += 1;
            stats.pulls += self.apply(&resp);
            stats.need_heads += resp.need_heads.len();
            stats.resends += resp.resend.len();
            if resp.is_final() {
                return Ok(stats);
            }
            need = resp.need_heads.clone();
            resend = resp.resend.clone();
        }
        panic!("device {} did not finish syncing in 12 rounds", self.name);
    }
}

pub fn month(year: i32, month: u8, n: i64) -> time::OffsetDateTime {
    time::Date::from_calendar_date(year, time::Month::try_from(month).unwrap(), 1)
        .unwrap()
        .midnight()
        .assume_utc()
        + time::Duration::seconds(n)
}
