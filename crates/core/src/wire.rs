//! The wire format between devices and the relay: the one module that owns it.
//!
//! Sync bodies are postcard-encoded ([`encode`] / [`decode`]) with content type
//! [`SYNC_CONTENT_TYPE`]; change bytes inside are automerge's own compressed format, so an
//! initial sync costs about what the saved documents cost. Enrolment uses JSON.
//!
//! ## The sync exchange (`POST /v1/sync`)
//!
//! Heads-based, per monthly partition, so closed months cost 16 bytes each:
//! 1. The device sends a [`SyncRequest`] with a [`PartitionFingerprint`] for every partition
//!    it holds, and [`PartitionChanges`] pushes for partitions whose heads moved since the
//!    relay last confirmed them (bytes after the relay's last known heads), with its heads.
//! 2. The relay validates each pushed change ([`crate::log::LogPartition::accept_remote`]),
//!    then for each partition whose fingerprint differs from its own, sends the changes after
//!    the device's heads when it knows them (pushed heads, or heads it saw last time that
//!    match the fingerprint), or asks for them in `need_heads`. Partitions the device lacks
//!    come whole. Its [`SyncResponse`] carries its heads for every partition it mentions.
//! 3. The device applies pulls, records relay heads, answers `need_heads` / `resend`, and
//!    stops when a response asks nothing and has no `more`.
//!
//! One new report each way is one round trip in the usual case, two at most.

use serde::{Deserialize, Serialize};

use crate::log::PartitionKey;

/// Version of the sync envelope.
pub const WIRE_VERSION: u16 = 1;
/// Content type of sync bodies.
pub const SYNC_CONTENT_TYPE: &str = "application/x-mugsync-sync";
/// A change hash (automerge's 32-byte SHA-256).
pub type Hash32 = [u8; 32];

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// Not a sync envelope.
    #[error("the body is not a mugsync sync message ({0})")]
    Malformed(String),
    /// A version this build does not speak.
    #[error("sync message version {found} is not supported (this side speaks {WIRE_VERSION}); update mugsync")]
    Version {
        /// The version received.
        found: u16,
    },
}

/// A partition and a short fingerprint of its heads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionFingerprint {
    /// Partition.
    pub key: PartitionKey,
    /// [`fingerprint`] of its heads.
    pub fingerprint: [u8; 8],
}

/// A partition's full heads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionHeads {
    /// Partition.
    pub key: PartitionKey,
    /// Heads, sorted.
    pub heads: Vec<Hash32>,
}

/// Changes for a partition, loadable with `load_incremental`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionChanges {
    /// Partition.
    pub key: PartitionKey,
    /// Automerge change bytes.
    pub changes: Vec<u8>,
}

/// Device → relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SyncRequest {
    /// Envelope version.
    pub version: u16,
    /// Fingerprints of every partition the device holds; empty on follow-up rounds that only
    /// answer the relay.
    pub summary: Vec<PartitionFingerprint>,
    /// True when `summary` is complete (the device holds nothing else).
    pub full_summary: bool,
    /// Full heads, for pushed partitions and those the relay asked about.
    pub heads: Vec<PartitionHeads>,
    /// Changes the device believes the relay lacks.
    pub pushes: Vec<PartitionChanges>,
}

/// A pushed change the relay refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// The report concerned, when known (hyphenated id).
    pub report: Option<String>,
    /// Why.
    pub reason: String,
}

/// A refused change, by hash, so the device can set it aside and make its later changes
/// again without it (appended to the response after `more`, so older devices ignore it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedChange {
    /// The partition it was pushed in.
    pub key: PartitionKey,
    /// Its hash.
    pub change: Hash32,
    /// True when it was refused only because it builds on a refused change: the device
    /// makes such changes again once it has set the first one aside.
    pub builds_on_refused: bool,
}

/// Relay → device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SyncResponse {
    /// Envelope version.
    pub version: u16,
    /// Changes the device lacks.
    pub pulls: Vec<PartitionChanges>,
    /// The relay's heads, after this round, for every partition this response concerns.
    pub relay_heads: Vec<PartitionHeads>,
    /// Partitions whose full heads the relay needs to answer.
    pub need_heads: Vec<PartitionKey>,
    /// Pushes that depended on changes the relay lacks: push again after these heads.
    pub resend: Vec<PartitionHeads>,
    /// Reports touched by accepted pushes (hyphenated ids).
    pub accepted: Vec<String>,
    /// Refused pushed changes.
    pub rejected: Vec<Rejection>,
    /// The relay held back pulls to bound the response size: ask again.
    pub more: bool,
    /// The refused changes by hash (what [`SyncResponse::rejected`] says in words).
    pub refused_changes: Vec<RefusedChange>,
}

impl SyncResponse {
    /// True when the relay asks nothing more of the device.
    pub fn is_final(&self) -> bool {
        self.need_heads.is_empty() && self.resend.is_empty() && !self.more
    }
}

/// Encodes an envelope.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    postcard::to_allocvec(value).expect("envelopes always encode")
}

/// Decodes a [`SyncRequest`], checking its version.
pub fn decode_request(bytes: &[u8]) -> Result<SyncRequest, WireError> {
    let r: SyncRequest =
        postcard::from_bytes(bytes).map_err(|e| WireError::Malformed(e.to_string()))?;
    if r.version != WIRE_VERSION {
        return Err(WireError::Version { found: r.version });
    }
    Ok(r)
}

/// Decodes a [`SyncResponse`], checking its version.
pub fn decode_response(bytes: &[u8]) -> Result<SyncResponse, WireError> {
    let r: SyncResponse =
        postcard::from_bytes(bytes).map_err(|e| WireError::Malformed(e.to_string()))?;
    if r.version != WIRE_VERSION {
        return Err(WireError::Version { found: r.version });
    }
    Ok(r)
}

/// Heads as wire hashes, sorted.
pub fn heads_to_wire(heads: &[automerge::ChangeHash]) -> Vec<Hash32> {
    let mut out: Vec<Hash32> = heads.iter().map(|h| h.0).collect();
    out.sort();
    out
}

/// Wire hashes as heads.
pub fn heads_from_wire(heads: &[Hash32]) -> Vec<automerge::ChangeHash> {
    heads.iter().map(|h| automerge::ChangeHash(*h)).collect()
}

/// A short fingerprint of a set of heads (first 8 bytes of SHA-256 over the sorted heads).
/// Equal heads give equal fingerprints; the empty set has its own.
pub fn fingerprint(heads: &[automerge::ChangeHash]) -> [u8; 8] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for h in heads_to_wire(heads) {
        ctx.update(&h);
    }
    let d = ctx.finish();
    let mut out = [0u8; 8];
    out.copy_from_slice(&d.as_ref()[..8]);
    out
}

/// Enrolment request (`POST /v1/enroll`, JSON).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    /// The one-time code from `mugsync relay device add`.
    pub code: String,
    /// The device's public key (base64url).
    pub public_key: String,
    /// The device's automerge actor (hex): the relay takes log changes from this device only
    /// when they were made by this actor.
    pub actor: String,
}

/// Enrolment response (JSON).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollResponse {
    /// The device name the coordinator chose.
    pub device_name: String,
    /// The scheme key (base64url). Goes straight into the encrypted store.
    pub scheme_key: String,
    /// Default phone region.
    pub region: String,
    /// The scheme's areas, as TOML.
    pub areas_toml: String,
}

/// An error body from the relay (JSON): what went wrong and what to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A stable machine word, e.g. `revoked`, `replayed`, `too_large`.
    pub error: String,
    /// One sentence for the user.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_round_trip_and_refuse_garbage() {
        let req = SyncRequest {
            version: WIRE_VERSION,
            summary: vec![PartitionFingerprint {
                key: PartitionKey::parse("2026-10").unwrap(),
                fingerprint: [1; 8],
            }],
            full_summary: true,
            heads: vec![],
            pushes: vec![PartitionChanges {
                key: PartitionKey::parse("2026-11").unwrap(),
                changes: vec![1, 2, 3],
            }],
        };
        assert_eq!(decode_request(&encode(&req)).unwrap(), req);
        assert!(matches!(
            decode_request(b"\xff\xff\xff"),
            Err(WireError::Malformed(_))
        ));
        assert!(matches!(decode_request(b""), Err(WireError::Malformed(_))));
        let old = SyncRequest {
            version: 99,
            ..req.clone()
        };
        assert!(matches!(
            decode_request(&encode(&old)),
            Err(WireError::Version { found: 99 })
        ));
        let mut bad_key = encode(&req);
        // Corrupt the partition key text ("2026-10" → "2026-13").
        let pos = bad_key.windows(7).position(|w| w == b"2026-10").unwrap();
        bad_key[pos + 6] = b'3';
        assert!(decode_request(&bad_key).is_err());
        assert_ne!(
            fingerprint(&[]),
            fingerprint(&[automerge::ChangeHash([1; 32])])
        );
    }
}
