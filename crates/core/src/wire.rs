//! The wire format between devices and the relay: the one module that owns it.
//!
//! Sync bodies are postcard-encoded ([`encode`] / [`decode_request`] / [`decode_response`])
//! with content type [`SYNC_CONTENT_TYPE`]; change bytes inside are automerge's own
//! compressed format, so an initial sync costs about what the saved documents cost.
//! Enrolment uses JSON. Paths are in [`routes`], the relay's error words in [`words`].
//!
//! ## Versions: a van offline for weeks still syncs after the relay is upgraded
//!
//! - Every sync body starts with its version (a postcard varint: the envelopes' first field,
//!   read on its own before anything else), so a reader tells "a version I do not speak"
//!   from "garbage" whatever the rest of the layout became. A reader accepts every version
//!   in [`MIN_WIRE_VERSION`]`..=`[`WIRE_VERSION`].
//! - The relay answers a sync request in the version the device spoke (`request.version`),
//!   so an older device can read the answer; a new version may only append fields to an
//!   envelope (older readers ignore trailing bytes) or decode the older layout and fill in
//!   defaults. `fixtures/wire-v1/` keeps version 1 bodies as they were encoded, and a test
//!   decodes them with today's code.
//! - JSON answers a device reads ([`EnrollResponse`], [`ErrorBody`]) ignore fields they do
//!   not know, so a relay can add one without breaking enrolment on older devices; what
//!   the relay reads from devices ([`EnrollRequest`]) stays strict.
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

/// Version of the sync envelope this build writes (and the newest it reads).
pub const WIRE_VERSION: u16 = 2;
/// The oldest sync envelope version this build still reads.
pub const MIN_WIRE_VERSION: u16 = 1;
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
    #[error("sync message version {found} is not supported (this side speaks {MIN_WIRE_VERSION} to {WIRE_VERSION}); update mugsync")]
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

/// The version prefix of a sync body, checked against the range this build reads.
pub fn body_version(bytes: &[u8]) -> Result<u16, WireError> {
    let (found, _) =
        postcard::take_from_bytes::<u16>(bytes).map_err(|e| WireError::Malformed(e.to_string()))?;
    if !(MIN_WIRE_VERSION..=WIRE_VERSION).contains(&found) {
        return Err(WireError::Version { found });
    }
    Ok(found)
}

/// Decodes an envelope whose version [`body_version`] accepted. Every version so far
/// (1) shares one layout; a later one decodes older layouts here and fills in defaults.
fn decode_versioned<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, WireError> {
    body_version(bytes)?;
    postcard::from_bytes(bytes).map_err(|e| WireError::Malformed(e.to_string()))
}

/// Decodes a [`SyncRequest`] of any version this build reads.
pub fn decode_request(bytes: &[u8]) -> Result<SyncRequest, WireError> {
    decode_versioned(bytes)
}

/// Decodes a [`SyncResponse`] of any version this build reads. Version 2 appended
/// [`SyncResponse::refused_changes`]; a version 1 answer (an older relay) has none.
pub fn decode_response(bytes: &[u8]) -> Result<SyncResponse, WireError> {
    if body_version(bytes)? == 1 {
        let v1: SyncResponseV1 =
            postcard::from_bytes(bytes).map_err(|e| WireError::Malformed(e.to_string()))?;
        return Ok(SyncResponse {
            version: v1.version,
            pulls: v1.pulls,
            relay_heads: v1.relay_heads,
            need_heads: v1.need_heads,
            resend: v1.resend,
            accepted: v1.accepted,
            rejected: v1.rejected,
            more: v1.more,
            refused_changes: Vec::new(),
        });
    }
    decode_versioned(bytes)
}

/// The version 1 layout of [`SyncResponse`].
#[derive(Deserialize)]
struct SyncResponseV1 {
    version: u16,
    pulls: Vec<PartitionChanges>,
    relay_heads: Vec<PartitionHeads>,
    need_heads: Vec<PartitionKey>,
    resend: Vec<PartitionHeads>,
    accepted: Vec<String>,
    rejected: Vec<Rejection>,
    more: bool,
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

/// Enrolment response (JSON). Unknown fields are ignored: a newer relay may add some, and
/// every older device must still enrol.
#[derive(Debug, Clone, Serialize, Deserialize)]
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

/// An error body from the relay (JSON): what went wrong and what to do. Unknown fields are
/// ignored (a newer relay may add some).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A stable machine word from [`words`], e.g. `revoked`, `replayed`, `too_large`.
    pub error: String,
    /// One sentence for the user.
    pub message: String,
}

/// The relay's HTTP paths, shared by the relay's router and the device's client.
pub mod routes {
    /// `GET`: liveness, unauthenticated.
    pub const HEALTH: &str = "/v1/health";
    /// `POST`: enrolment by one-time code (JSON).
    pub const ENROLL: &str = "/v1/enroll";
    /// `POST`: one sync round (postcard, [`super::SYNC_CONTENT_TYPE`]).
    pub const SYNC: &str = "/v1/sync";
}

/// The stable words of [`ErrorBody::error`]: the relay writes them, devices match on them.
/// Words are never renamed (an older device would stop recognising them); new ones may be
/// added, and a device treats a word it does not know as a plain refusal.
pub mod words {
    /// No or unreadable signature headers.
    pub const UNAUTHENTICATED: &str = "unauthenticated";
    /// A signature that does not verify.
    pub const BAD_SIGNATURE: &str = "bad_signature";
    /// The device's clock is too far from the relay's.
    pub const CLOCK_SKEW: &str = "clock_skew";
    /// A key the relay does not know.
    pub const NOT_ENROLLED: &str = "not_enrolled";
    /// A revoked device (or a code issued to one).
    pub const REVOKED: &str = "revoked";
    /// A request seen before.
    pub const REPLAYED: &str = "replayed";
    /// Too many requests; the answer carries `Retry-After`.
    pub const RATE_LIMITED: &str = "rate_limited";
    /// A body over the relay's limit.
    pub const TOO_LARGE: &str = "too_large";
    /// A body that cannot be read.
    pub const MALFORMED: &str = "malformed";
    /// A sync body sent with the wrong content type.
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported_media_type";
    /// A sync envelope version the relay does not read.
    pub const UNSUPPORTED_VERSION: &str = "unsupported_version";
    /// An enrolment code the relay does not know.
    pub const BAD_CODE: &str = "bad_code";
    /// An expired enrolment code.
    pub const CODE_EXPIRED: &str = "code_expired";
    /// An enrolment code already used.
    pub const CODE_USED: &str = "code_used";
    /// The enrolment body's key is not the signing key.
    pub const KEY_MISMATCH: &str = "key_mismatch";
    /// The key already belongs to an enrolled device.
    pub const KEY_IN_USE: &str = "key_in_use";
    /// No such endpoint.
    pub const NOT_FOUND: &str = "not_found";
    /// The endpoint does not take that method.
    pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";
    /// The request took too long.
    pub const TIMEOUT: &str = "timeout";
    /// The relay could not accept the request (another client error).
    pub const BAD_REQUEST: &str = "bad_request";
    /// Something failed inside the relay; retry.
    pub const INTERNAL: &str = "internal";
    /// The relay's disk is full; retry later.
    pub const DISK_FULL: &str = "disk_full";
    /// The relay is at a limit it shares between devices (the bodies it may hold at once)
    /// or lost a round to another relay, and kept nothing of the request: send it again
    /// after a short wait (`Retry-After` when given).
    pub const BUSY: &str = "busy";
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

    fn fixture_hex(text: &str) -> Vec<u8> {
        hex::decode(text.trim()).expect("fixture is hex")
    }

    /// Bodies encoded by the version 1 build still decode, field for field: an offline van
    /// that never upgraded can still sync with an upgraded relay.
    #[test]
    fn version_1_bodies_still_decode() {
        let req = decode_request(&fixture_hex(include_str!(
            "../fixtures/wire-v1/sync_request.hex"
        )))
        .expect("a version 1 request decodes");
        assert_eq!(req.version, 1);
        assert_eq!(req.summary[0].key.as_str(), "2026-10");
        assert_eq!(req.summary[0].fingerprint, [1, 2, 3, 4, 5, 6, 7, 8]);
        assert!(req.full_summary);
        assert_eq!(req.heads[0].key.as_str(), "2026-11");
        assert_eq!(req.heads[0].heads, vec![[0xab; 32]]);
        assert_eq!(req.pushes[0].changes, vec![0x85, 0x6f, 0x4a, 0x83, 1, 2, 3]);

        let resp = decode_response(&fixture_hex(include_str!(
            "../fixtures/wire-v1/sync_response.hex"
        )))
        .expect("a version 1 response decodes");
        assert_eq!(resp.version, 1);
        assert_eq!(resp.pulls[0].key.as_str(), "2026-09");
        assert_eq!(resp.pulls[0].changes, vec![9, 8, 7]);
        assert_eq!(resp.relay_heads[0].heads, vec![[0xcd; 32], [0xef; 32]]);
        assert_eq!(resp.need_heads[0].as_str(), "2026-10");
        assert!(resp.resend[0].heads.is_empty());
        assert_eq!(resp.accepted, vec!["019ab8c2-0000-7000-8000-000000000001"]);
        assert_eq!(
            resp.rejected[0].report.as_deref(),
            Some("019ab8c2-0000-7000-8000-000000000002")
        );
        assert_eq!(resp.rejected[1].report, None);
        assert!(resp.more);
        assert!(!resp.is_final());

        let enrolled: EnrollResponse =
            serde_json::from_str(include_str!("../fixtures/wire-v1/enroll_response.json"))
                .expect("a version 1 enrolment answer decodes");
        assert_eq!(enrolled.device_name, "van-1");
        assert_eq!(enrolled.region, "GB");
    }

    /// The version is read before the layout: a body of a version outside the range is
    /// named as such even when the rest would not decode, and the range's ends are accepted.
    #[test]
    fn the_version_prefix_is_read_first_and_a_range_is_accepted() {
        let mut future = encode(&(WIRE_VERSION + 1));
        future.extend_from_slice(&[0xff; 5]);
        assert_eq!(
            decode_response(&future).unwrap_err(),
            WireError::Version {
                found: WIRE_VERSION + 1
            }
        );
        assert!(matches!(
            decode_request(&encode(&0u16)),
            Err(WireError::Version { found: 0 })
        ));
        for v in MIN_WIRE_VERSION..=WIRE_VERSION {
            let resp = SyncResponse {
                version: v,
                ..SyncResponse::default()
            };
            assert_eq!(decode_response(&encode(&resp)).unwrap().version, v);
        }
        // Fields a later version appends are ignored by this reader.
        let mut longer = encode(&SyncResponse {
            version: WIRE_VERSION,
            more: true,
            ..SyncResponse::default()
        });
        longer.extend_from_slice(&encode(&("a later field", 7u32)));
        assert!(decode_response(&longer).unwrap().more);
    }

    /// A relay that adds a field to its JSON answers does not break older devices; the
    /// relay still refuses what it does not know from devices.
    #[test]
    fn answers_a_device_reads_tolerate_new_fields_requests_stay_strict() {
        let mut answer: serde_json::Value =
            serde_json::from_str(include_str!("../fixtures/wire-v1/enroll_response.json")).unwrap();
        answer["police_recipients"] = serde_json::json!(["age1example"]);
        let decoded: EnrollResponse = serde_json::from_value(answer).unwrap();
        assert_eq!(decoded.device_name, "van-1");
        let error: ErrorBody =
            serde_json::from_str(r#"{"error":"revoked","message":"m","retry_after_s":3}"#).unwrap();
        assert_eq!(error.error, words::REVOKED);
        assert!(serde_json::from_str::<EnrollRequest>(
            r#"{"code":"c","public_key":"k","surprise":1}"#
        )
        .is_err());
    }
}
