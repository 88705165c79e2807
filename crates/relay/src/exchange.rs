//! One sync round, relay side: the exchange that `mugsync_core::wire`'s module docs
//! describe, step for step.
//!
//! 1. Pushes are validated change by change ([`LogPartition::accept_remote`]); what passes
//!    joins the relay's copy, what fails is reported and never merged.
//! 2. Candidates are the partitions whose summary fingerprint differs from the relay's, the
//!    relay's partitions missing from a full summary, and every partition the device gave
//!    heads for.
//! 3. For each candidate the device's heads are taken from the request, or are empty when
//!    the device lacks the partition, or are the heads recorded at the relay's last answer
//!    when their fingerprint matches; otherwise the relay asks for them (`need_heads`).
//!    With the device's heads known, the relay sends what the device lacks, or asks for a
//!    resend when the device holds changes the relay has never seen.
//! 4. Everything the round changed — new change bytes, the heads each partition's device
//!    will hold, refused changes — is committed in one transaction before the answer goes
//!    out, so a relay killed at any moment loses nothing it acknowledged.
//!
//! One refinement the wire docs leave open: a device's log may keep a change the relay
//! refused (automerge cannot remove it). Its heads then name a change the relay will never
//! hold, and a plain "resend" would loop for ever. The relay records each refused change's
//! dependencies and reads such heads as those dependencies: the device gets what it lacks,
//! and is not asked to send the refused change again.

use automerge::ChangeHash;
use std::collections::{BTreeMap, BTreeSet};

use mugsync_core::log::{LogError, LogPartition, PartitionKey};
use mugsync_core::wire::{
    fingerprint, heads_from_wire, heads_to_wire, PartitionChanges, PartitionHeads, Rejection,
    SyncRequest, SyncResponse, WIRE_VERSION,
};

use crate::relay_log::RoundLog;
use crate::storage::{DeviceId, RelayStore, RoundCommit};
use crate::RelayError;

/// Why a round failed.
#[derive(Debug)]
pub(crate) enum ExchangeError {
    /// Pushed bytes are not automerge changes.
    Malformed(String),
    /// The store failed.
    Relay(RelayError),
}

impl From<RelayError> for ExchangeError {
    fn from(e: RelayError) -> Self {
        ExchangeError::Relay(e)
    }
}

/// Counts for the tracing line (never content).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct RoundStats {
    pub pushes: usize,
    pub accepted: usize,
    pub rejected: usize,
    pub pulls: usize,
    pub pull_bytes: usize,
    pub need_heads: usize,
    pub resend: usize,
    pub more: bool,
}

/// Runs one round for `device`. On failure, every partition the round touched is evicted
/// from memory, so the relay's copy stays what is durably stored.
pub(crate) fn run(
    store: &dyn RelayStore,
    log: &mut RoundLog<'_, '_>,
    device: DeviceId,
    req: &SyncRequest,
    max_pull_bytes: usize,
) -> Result<(SyncResponse, RoundStats), ExchangeError> {
    let mut round = Round {
        store,
        log,
        device,
        mentioned: BTreeSet::new(),
        commit: RoundCommit::default(),
    };
    let outcome = round.run(req, max_pull_bytes);
    if outcome.is_err() {
        for key in &round.mentioned {
            round.log.evict(key);
        }
    }
    round.log.drop_empty();
    outcome
}

struct Round<'a, 'l, 'g> {
    store: &'a dyn RelayStore,
    log: &'a mut RoundLog<'l, 'g>,
    device: DeviceId,
    /// Every partition this round loaded or changed.
    mentioned: BTreeSet<PartitionKey>,
    commit: RoundCommit,
}

/// A device's heads read against the relay's copy.
struct Resolved {
    /// Relay-known changes the device holds (its heads, with refused ones replaced by their
    /// relay-known ancestors).
    known: BTreeSet<ChangeHash>,
    /// Heads of the device that the relay refused.
    refused_heads: BTreeSet<ChangeHash>,
    /// Relay-known ancestors reached from the refused heads.
    refused_ancestors: BTreeSet<ChangeHash>,
}

impl Resolved {
    /// The device's heads once it has applied everything up to `relay_heads`: the relay's
    /// heads, less those a refused head builds on, plus the refused heads. (A relay head
    /// is an ancestor of a refused change only if it is one of the relay-known ancestors
    /// reached from it: nothing in the relay descends from a refused change.)
    fn expected_after(&self, relay_heads: &[ChangeHash]) -> Vec<ChangeHash> {
        let mut out: Vec<ChangeHash> = relay_heads
            .iter()
            .filter(|h| !self.refused_ancestors.contains(h))
            .copied()
            .collect();
        out.extend(self.refused_heads.iter().copied());
        out.sort();
        out.dedup();
        out
    }
}

impl Round<'_, '_, '_> {
    fn run(
        &mut self,
        req: &SyncRequest,
        max_pull_bytes: usize,
    ) -> Result<(SyncResponse, RoundStats), ExchangeError> {
        let mut resp = SyncResponse {
            // Answer in the version the device spoke: version 2 only appended a field,
            // which a version 1 reader ignores.
            version: req.version.min(WIRE_VERSION),
            ..SyncResponse::default()
        };
        let mut resend: BTreeSet<PartitionKey> = BTreeSet::new();
        let mut accepted = BTreeSet::new();
        // Refusals of this round, before they are committed: (partition, change) → deps.
        let mut refused_now: BTreeMap<(PartitionKey, ChangeHash), Vec<ChangeHash>> =
            BTreeMap::new();
        let mut stats = RoundStats {
            pushes: req.pushes.len(),
            ..RoundStats::default()
        };

        // 1. Pushes, taken only as this device's own changes.
        let actor = if req.pushes.is_empty() {
            None
        } else {
            Some(self.store.device_actor(self.device)?.ok_or_else(|| {
                ExchangeError::Malformed(
                    "this device enrolled before the relay recorded device actors; enrol it again"
                        .into(),
                )
            })?)
        };
        for push in &req.pushes {
            self.mentioned.insert(push.key.clone());
            let part = self.log.partition(self.store, &push.key)?;
            let actor = actor.as_ref().expect("set when there are pushes");
            let intake = part
                .accept_remote(&push.changes, actor)
                .map_err(|e| match e {
                    LogError::Corrupt(reason) => ExchangeError::Malformed(format!(
                        "the changes pushed for {} are not automerge changes ({reason})",
                        push.key
                    )),
                    other => ExchangeError::Relay(other.into()),
                })?;
            for r in &intake.rejected {
                resp.refused_changes
                    .push(mugsync_core::wire::RefusedChange {
                        key: push.key.clone(),
                        change: r.change.0,
                        builds_on_refused: r.builds_on_refused,
                    });
                refused_now.insert((push.key.clone(), r.change), r.deps.clone());
                self.commit
                    .rejected
                    .push((push.key.clone(), r.change, r.deps.clone()));
            }
            stats.rejected += intake.rejected.len();
            accepted.extend(intake.accepted.iter().map(|id| id.to_string()));
            resp.rejected
                .extend(intake.rejected.iter().map(|r| Rejection {
                    report: r.report.map(|id| id.to_string()),
                    reason: r.reason.clone(),
                }));
            if intake.missing_deps {
                resend.insert(push.key.clone());
            }
            if let Some(write) = part.take_unpersisted() {
                self.commit.chunks.push(write);
            }
        }
        stats.accepted = accepted.len();
        resp.accepted = accepted.into_iter().collect();

        // 2. Candidates.
        let summary: BTreeMap<PartitionKey, [u8; 8]> = req
            .summary
            .iter()
            .map(|s| (s.key.clone(), s.fingerprint))
            .collect();
        let given: BTreeMap<PartitionKey, Vec<ChangeHash>> = req
            .heads
            .iter()
            .map(|h| (h.key.clone(), heads_from_wire(&h.heads)))
            .collect();
        let mut candidates: BTreeSet<PartitionKey> = BTreeSet::new();
        for (key, fp) in &summary {
            if fingerprint(&self.log.heads(self.store, key)?) != *fp {
                candidates.insert(key.clone());
            }
        }
        if req.full_summary {
            let missing: Vec<PartitionKey> = self
                .log
                .held()
                .filter(|k| !summary.contains_key(*k))
                .cloned()
                .collect();
            candidates.extend(missing);
        }
        candidates.extend(given.keys().cloned());

        // 3. What each candidate's device lacks.
        let mut pulled = 0usize;
        for key in &candidates {
            self.mentioned.insert(key.clone());
            let relay_heads = self.log.heads(self.store, key)?;
            let device_heads = if let Some(h) = given.get(key) {
                h.clone()
            } else if !summary.contains_key(key) {
                // Missing from a full summary: the device lacks the partition.
                Vec::new()
            } else if relay_heads.is_empty() {
                // The relay lacks it entirely: the device must push everything.
                resend.insert(key.clone());
                continue;
            } else {
                match self.store.device_heads(self.device, key)? {
                    Some(recorded) if fingerprint(&recorded) == summary[key] => recorded,
                    _ => {
                        resp.need_heads.push(key.clone());
                        continue;
                    }
                }
            };
            let Some(resolved) = self.resolve(key, &device_heads, &refused_now)? else {
                // The device holds changes the relay has never seen.
                resend.insert(key.clone());
                continue;
            };
            let in_step = resolved.known.iter().copied().collect::<Vec<_>>() == {
                let mut h = relay_heads.clone();
                h.sort();
                h
            };
            if !in_step {
                if pulled > max_pull_bytes {
                    // Enough for one answer; the device asks again (`more`).
                    resp.more = true;
                    continue;
                }
                let part = self.log.partition(self.store, key)?;
                let bytes = if resolved.known.is_empty() {
                    // A device with none of this partition gets the compact document.
                    part.doc_mut().save()
                } else {
                    let known: Vec<ChangeHash> = resolved.known.iter().copied().collect();
                    part.changes_after(&known).unwrap_or_default()
                };
                if !bytes.is_empty() {
                    pulled += bytes.len();
                    stats.pulls += 1;
                    resp.pulls.push(PartitionChanges {
                        key: key.clone(),
                        changes: bytes,
                    });
                }
            }
            self.commit
                .device_heads
                .push((key.clone(), resolved.expected_after(&relay_heads)));
        }
        stats.pull_bytes = pulled;

        // 4. The relay's heads for every partition this answer concerns.
        for key in &self.mentioned.clone() {
            let heads = heads_to_wire(&self.log.heads(self.store, key)?);
            if resend.contains(key) {
                resp.resend.push(PartitionHeads {
                    key: key.clone(),
                    heads: heads.clone(),
                });
            }
            resp.relay_heads.push(PartitionHeads {
                key: key.clone(),
                heads,
            });
        }
        stats.need_heads = resp.need_heads.len();
        stats.resend = resp.resend.len();
        stats.more = resp.more;

        // Durable before the device hears of it.
        if !self.commit.is_empty() {
            self.log.commit(self.store, self.device, &mut self.commit)?;
            let written: BTreeSet<PartitionKey> = self
                .commit
                .chunks
                .iter()
                .filter(|w| !w.bytes.is_empty())
                .map(|w| w.partition.clone())
                .collect();
            for key in &written {
                self.log.committed_chunk(self.store, key);
            }
        }
        Ok((resp, stats))
    }

    /// Reads a device's heads against the relay's copy; `None` when the device holds a
    /// change the relay has neither taken in nor refused.
    fn resolve(
        &mut self,
        key: &PartitionKey,
        heads: &[ChangeHash],
        refused_now: &BTreeMap<(PartitionKey, ChangeHash), Vec<ChangeHash>>,
    ) -> Result<Option<Resolved>, RelayError> {
        let mut out = Resolved {
            known: BTreeSet::new(),
            refused_heads: BTreeSet::new(),
            refused_ancestors: BTreeSet::new(),
        };
        if heads.is_empty() {
            return Ok(Some(out));
        }
        let part: &mut LogPartition = self.log.partition(self.store, key)?;
        let mut seen = BTreeSet::new();
        for head in heads {
            if part.has_change(head) {
                out.known.insert(*head);
                continue;
            }
            // Walk a refused head's ancestry down to what the relay holds.
            let mut stack = vec![*head];
            while let Some(hash) = stack.pop() {
                if !seen.insert(hash) {
                    continue;
                }
                let deps = match refused_now.get(&(key.clone(), hash)) {
                    Some(deps) => deps.clone(),
                    None => match self.store.rejected_deps(key, &hash)? {
                        Some(deps) => deps,
                        None => return Ok(None),
                    },
                };
                for dep in deps {
                    if part.has_change(&dep) {
                        out.known.insert(dep);
                        out.refused_ancestors.insert(dep);
                    } else {
                        stack.push(dep);
                    }
                }
            }
            out.refused_heads.insert(*head);
        }
        Ok(Some(out))
    }
}
