//! The device side of the sync exchange described in `mugsync_core::wire`.
//!
//! Every pulled batch is merged and committed to the store before the next request, and the
//! relay's heads are recorded only after that, so a dropped connection or a killed process
//! loses nothing: the next run starts from what is durably known.

use mugsync_core::log::PartitionKey;
use mugsync_core::report::ReportId;
use mugsync_core::wire::{
    self, heads_from_wire, heads_to_wire, PartitionChanges, PartitionFingerprint, PartitionHeads,
    SyncRequest, SyncResponse, SYNC_CONTENT_TYPE, WIRE_VERSION,
};
use mugsync_store::{DeviceStore, LocalSyncState};
use std::collections::{BTreeSet, VecDeque};

use crate::http::HttpEvent;
use crate::{Client, ClientError};

/// The most request/response rounds one sync may take before giving up for now.
pub const MAX_ROUNDS: usize = 64;

/// What a sync did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SyncSummary {
    /// Reports the relay accepted from this device in this sync.
    pub reports_sent: usize,
    /// Reports that arrived or changed here.
    pub reports_received: usize,
    /// Request/response rounds.
    pub rounds: usize,
    /// Request bytes sent (bodies).
    pub bytes_sent: usize,
    /// Response bytes received (bodies).
    pub bytes_received: usize,
    /// Reports the relay refused, with its reasons.
    pub rejected: Vec<RejectedReport>,
    /// Refused changes set aside on this device (kept locally; later work re-made).
    pub set_aside: usize,
}

/// A report the relay refused.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RejectedReport {
    /// The report id, when the relay named one.
    pub report: Option<String>,
    /// Why.
    pub reason: String,
}

/// What a sync is doing at the moment of a [`Progress`] event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Sending a request of `step_total` bytes.
    Sending,
    /// The relay's answer is arriving: `step_done` bytes of `step_total` (when the relay
    /// said how long it is).
    Receiving,
    /// Saving the answer's changes into the store, partition by partition: `step_done`
    /// change bytes of `step_total` saved. (On a new device's first sync this is most of
    /// the time: every report's readable view and index entries are written.)
    Saving,
    /// The relay is busy; the request is sent again after this wait.
    Waiting {
        /// The wait.
        retry_in: std::time::Duration,
    },
    /// The sync has finished; the counts are final.
    Done,
}

/// Progress, for a progress bar or line: sent to the caller's callback as each step
/// happens. Every figure is what the device has seen or done so far, never an estimate;
/// the relay does not say how much is still to come beyond the answer in hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The request/response round, from 1.
    pub round: usize,
    /// What is happening now.
    pub stage: Stage,
    /// How far the stage has got (bytes).
    pub step_done: u64,
    /// How far the stage goes (bytes), when known.
    pub step_total: Option<u64>,
    /// Request bytes sent so far (bodies).
    pub bytes_sent: usize,
    /// Answer bytes received so far (bodies).
    pub bytes_received: usize,
    /// Reports the relay has accepted from this device so far.
    pub reports_sent: usize,
    /// Reports that have arrived or changed here so far.
    pub reports_received: usize,
}

impl Progress {
    fn of(summary: &SyncSummary, stage: Stage, step_done: u64, step_total: Option<u64>) -> Self {
        Progress {
            round: summary.rounds,
            stage,
            step_done,
            step_total,
            bytes_sent: summary.bytes_sent,
            bytes_received: summary.bytes_received,
            reports_sent: summary.reports_sent,
            reports_received: summary.reports_received,
        }
    }
}

/// The most change bytes one request pushes; the rest follow in later rounds, so a device
/// with a long offline backlog never exceeds the relay's body limit (16 MiB by default).
pub const PUSH_BUDGET_BYTES: usize = 4 * 1024 * 1024;

/// Partitions still to push, each with the relay heads to push after.
#[derive(Default)]
struct PendingPushes {
    queue: VecDeque<(PartitionKey, Option<Vec<automerge::ChangeHash>>)>,
}

impl PendingPushes {
    /// Every partition whose heads moved since the relay last confirmed them.
    fn all_moved(store: &mut DeviceStore) -> Result<PendingPushes, ClientError> {
        let mut queue = VecDeque::new();
        for key in store.partition_keys()? {
            let known = store.relay_heads(&key)?;
            if known.as_deref() != Some(store.heads(&key)?.as_slice()) {
                queue.push_back((key, known));
            }
        }
        Ok(PendingPushes { queue })
    }

    /// The relay asked for a resend after `heads`: do it next.
    fn resend(&mut self, key: PartitionKey, heads: Vec<automerge::ChangeHash>) {
        self.queue.retain(|(k, _)| *k != key);
        self.queue.push_front((key, Some(heads)));
    }

    fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Moves pushes into `req` until the budget is spent (always at least one).
    fn fill(&mut self, store: &mut DeviceStore, req: &mut SyncRequest) -> Result<(), ClientError> {
        let mut used: usize = req.pushes.iter().map(|p| p.changes.len()).sum();
        while let Some((key, base)) = self.queue.front().cloned() {
            if req.pushes.iter().any(|p| p.key == key) {
                self.queue.pop_front();
                continue;
            }
            let bytes = match store.changes_after(&key, base.as_deref().unwrap_or(&[]))? {
                Some(b) => b,
                // We lack something the relay has: send everything; it ignores duplicates.
                None => store.changes_after(&key, &[])?.unwrap_or_default(),
            };
            if bytes.is_empty() {
                self.queue.pop_front();
                continue;
            }
            if used > 0 && used + bytes.len() > PUSH_BUDGET_BYTES {
                break;
            }
            used += bytes.len();
            self.queue.pop_front();
            let heads = heads_to_wire(&store.heads(&key)?);
            req.heads.retain(|h| h.key != key);
            req.heads.push(PartitionHeads {
                key: key.clone(),
                heads,
            });
            req.pushes.push(PartitionChanges {
                key,
                changes: bytes,
            });
        }
        Ok(())
    }
}

fn summary_request(store: &mut DeviceStore) -> Result<SyncRequest, ClientError> {
    let mut req = SyncRequest {
        version: WIRE_VERSION,
        full_summary: true,
        ..SyncRequest::default()
    };
    for key in store.partition_keys()? {
        let heads = store.heads(&key)?;
        req.summary.push(PartitionFingerprint {
            key,
            fingerprint: wire::fingerprint(&heads),
        });
    }
    Ok(req)
}

/// Applies a response; returns the follow-up request, if the relay asked for one.
fn apply(
    store: &mut DeviceStore,
    resp: SyncResponse,
    pending: &mut PendingPushes,
    summary: &mut SyncSummary,
    progress: &mut dyn FnMut(Progress),
) -> Result<Option<SyncRequest>, ClientError> {
    let mut received: BTreeSet<ReportId> = BTreeSet::new();
    let to_save: u64 = resp.pulls.iter().map(|p| p.changes.len() as u64).sum();
    let already = summary.reports_received;
    let mut saved = 0u64;
    if to_save > 0 {
        progress(Progress::of(summary, Stage::Saving, 0, Some(to_save)));
    }
    for pull in &resp.pulls {
        let touched = store.merge_bytes(&pull.key, &pull.changes)?;
        received.extend(touched);
        saved += pull.changes.len() as u64;
        summary.reports_received = already + received.len();
        progress(Progress::of(summary, Stage::Saving, saved, Some(to_save)));
    }
    summary.reports_received = already + received.len();
    for h in &resp.relay_heads {
        store.set_relay_heads(&h.key, &heads_from_wire(&h.heads))?;
    }
    for id in &resp.accepted {
        if let Ok(id) = ReportId::parse(id) {
            if store.local_state(&id)? == Some(LocalSyncState::NotSynced) {
                store.set_local_state(&id, &LocalSyncState::Synced)?;
                summary.reports_sent += 1;
            }
        }
    }
    for r in &resp.rejected {
        if let Some(id) = r.report.as_deref().and_then(|i| ReportId::parse(i).ok()) {
            if store.local_state(&id)?.is_some() {
                store.set_local_state(&id, &LocalSyncState::Rejected(r.reason.clone()))?;
            }
        }
        summary.rejected.push(RejectedReport {
            report: r.report.clone(),
            reason: r.reason.clone(),
        });
    }
    // A refused change would strand every later change of this device in its partition:
    // set it aside (kept locally) and push this device's later work again, re-made.
    let mut refused: std::collections::BTreeMap<PartitionKey, Vec<automerge::ChangeHash>> =
        Default::default();
    for r in resp.refused_changes.iter().filter(|r| !r.builds_on_refused) {
        refused
            .entry(r.key.clone())
            .or_default()
            .push(automerge::ChangeHash(r.change));
    }
    for (key, hashes) in refused {
        let out = store.set_aside(&key, &hashes)?;
        summary.set_aside += out.kept_bytes.len();
        if out.remade > 0 {
            let heads = resp
                .relay_heads
                .iter()
                .find(|h| h.key == key)
                .map(|h| heads_from_wire(&h.heads))
                .unwrap_or_default();
            pending.resend(key, heads);
        }
    }
    for r in &resp.resend {
        pending.resend(r.key.clone(), heads_from_wire(&r.heads));
    }
    if resp.is_final() && pending.is_empty() {
        return Ok(None);
    }
    let mut next = if resp.more {
        summary_request(store)?
    } else {
        SyncRequest {
            version: WIRE_VERSION,
            ..SyncRequest::default()
        }
    };
    for key in &resp.need_heads {
        if !next.heads.iter().any(|h| h.key == *key) {
            next.heads.push(PartitionHeads {
                key: key.clone(),
                heads: heads_to_wire(&store.heads(key)?),
            });
        }
    }
    pending.fill(store, &mut next)?;
    Ok(Some(next))
}

/// Reports filed here still marked unsynced, in partitions whose heads now equal the
/// relay's, are held by the relay: the answer that said so may have been lost on an earlier
/// run (the relay lists only reports new to it in `accepted`).
fn mark_synced_where_heads_agree(
    store: &mut DeviceStore,
    summary: &mut SyncSummary,
) -> Result<(), ClientError> {
    for id in store.unsynced()? {
        let key = PartitionKey::of(&id);
        let relay = store.relay_heads(&key)?;
        let mut local = store.heads(&key)?;
        local.sort();
        if let Some(mut relay) = relay {
            relay.sort();
            if relay == local {
                store.set_local_state(&id, &LocalSyncState::Synced)?;
                summary.reports_sent += 1;
            }
        }
    }
    Ok(())
}

/// Syncs with the relay until both sides hold the same log, telling `progress` how it is
/// going (see [`Progress`]; the last event is [`Stage::Done`], sent only on success).
pub fn sync(
    store: &mut DeviceStore,
    client: &Client,
    mut progress: impl FnMut(Progress),
) -> Result<SyncSummary, ClientError> {
    let mut summary = SyncSummary::default();
    let mut pending = PendingPushes::all_moved(store)?;
    let mut req = summary_request(store)?;
    pending.fill(store, &mut req)?;
    loop {
        if summary.rounds >= MAX_ROUNDS {
            return Err(ClientError::TooManyRounds(MAX_ROUNDS));
        }
        let body = wire::encode(&req);
        summary.rounds += 1;
        let size = body.len() as u64;
        progress(Progress::of(&summary, Stage::Sending, 0, Some(size)));
        let received_before = summary.bytes_received;
        let reply = {
            let summary = &summary;
            let progress = &mut progress;
            client.post(
                wire::routes::SYNC,
                SYNC_CONTENT_TYPE,
                &body,
                &mut |event| match event {
                    HttpEvent::Receiving { done, total } => {
                        let mut p = Progress::of(summary, Stage::Receiving, done, total);
                        p.bytes_sent += body.len();
                        p.bytes_received = received_before + done as usize;
                        progress(p)
                    }
                    HttpEvent::Busy { retry_in } => {
                        progress(Progress::of(summary, Stage::Waiting { retry_in }, 0, None))
                    }
                },
            )?
        };
        summary.bytes_sent += body.len();
        summary.bytes_received += reply.body.len();
        let resp =
            wire::decode_response(&reply.body).map_err(|e| ClientError::Protocol(e.to_string()))?;
        let next = apply(store, resp, &mut pending, &mut summary, &mut progress)?;
        match next {
            Some(n) => req = n,
            None => break,
        }
    }
    mark_synced_where_heads_agree(store, &mut summary)?;
    tracing::info!(
        rounds = summary.rounds,
        sent = summary.reports_sent,
        received = summary.reports_received,
        "sync finished"
    );
    progress(Progress::of(&summary, Stage::Done, 0, None));
    Ok(summary)
}

/// How often an automatic sync (the van app, `mugsync sync --watch`) runs: every minute while
/// the relay answers, and after a failure a growing delay (doubling from
/// [`RETRY_FIRST`], capped at [`RETRY_CAP`]) with ±25 % jitter, so vans coming back into
/// signal together do not all retry at the same moment.
#[derive(Debug, Clone, Default)]
pub struct SyncSchedule {
    failures: u32,
}

/// The wait between automatic syncs while the relay answers.
pub const SYNC_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
/// The first wait after a failed automatic sync.
pub const RETRY_FIRST: std::time::Duration = std::time::Duration::from_secs(5);
/// The longest wait after failed automatic syncs.
pub const RETRY_CAP: std::time::Duration = std::time::Duration::from_secs(5 * 60);

impl SyncSchedule {
    /// A schedule with no failures yet.
    pub fn new() -> SyncSchedule {
        SyncSchedule::default()
    }

    /// Failures in a row so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Records a successful sync; returns the wait before the next one.
    pub fn succeeded(&mut self) -> std::time::Duration {
        self.failures = 0;
        SYNC_EVERY
    }

    /// Records a failed sync; returns the wait before trying again.
    pub fn failed(&mut self) -> std::time::Duration {
        self.failures = self.failures.saturating_add(1);
        let base = RETRY_FIRST
            .saturating_mul(1u32 << (self.failures - 1).min(16))
            .min(RETRY_CAP);
        // 0.75 … 1.25 of the base, from a per-call random hash (no RNG dependency needed
        // for jitter).
        let r = jitter_unit();
        if base >= RETRY_CAP {
            // At the cap, jitter only downwards: clamping an upward jitter would send every
            // long-offline van back at exactly the cap, together.
            return base.mul_f64(0.75 + 0.25 * r);
        }
        base.mul_f64(0.75 + 0.5 * r).min(RETRY_CAP)
    }
}

/// A number in [0, 1) that differs from call to call and process to process.
pub(crate) fn jitter_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod schedule_tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_is_capped_then_resets() {
        let mut s = SyncSchedule::new();
        let first = s.failed();
        assert!(first >= RETRY_FIRST.mul_f64(0.75) && first <= RETRY_FIRST.mul_f64(1.25));
        let second = s.failed();
        assert!(second >= RETRY_FIRST.mul_f64(1.5), "{second:?}");
        for _ in 0..40 {
            assert!(s.failed() <= RETRY_CAP);
        }
        assert!(s.failed() >= RETRY_CAP.mul_f64(0.75));
        let delays: std::collections::BTreeSet<_> = (0..8).map(|_| s.failed()).collect();
        assert!(delays.len() > 1, "jitter varies the delay");
        assert_eq!(s.succeeded(), SYNC_EVERY);
        assert_eq!(s.failures(), 0);
    }
}
