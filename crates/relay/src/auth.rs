//! Request authentication, relay side of `mugsync_core::auth`.
//!
//! Checks run cheapest first, and everything that can be checked without the body is
//! checked before a byte of it is read, so an unsigned, stale, unknown, revoked or replayed
//! request holds neither memory nor a connection for long: headers present and well-formed
//! → time within [`MAX_CLOCK_SKEW_MS`] (checked arithmetic) → (database) key enrolled and
//! not revoked → nonce not among those admitted (read-only) →
//! (memory) the body's share of the relay-wide body budget reserved → body read, up to the limit →
//! signature over the body's hash verifies → the device's rate budget → nonce recorded
//! durably (the authoritative replay check) with last-seen.
//!
//! The rate budget is spent only once the signature has verified, so nobody who merely
//! knows a device's public key can spend that device's budget.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap};
use std::collections::HashMap;
use std::sync::Mutex;

use mugsync_core::auth::{
    check_clock, check_nonce, DevicePublicKey, RequestToSign, HEADER_KEY, HEADER_NONCE,
    HEADER_SIGNATURE, HEADER_TIME, MAX_CLOCK_SKEW_MS,
};

use crate::api_error::ApiError;
use crate::body_budget::BodyReservation;
use crate::state::{AppState, RelayCore};
use crate::storage::{Admission, DeviceId};

/// Largest enrolment body accepted. An enrolment request is a code and a public key, about
/// a hundred bytes of JSON; anyone may send one, so nobody gets to make the relay buffer
/// more than this before it knows who they are.
pub(crate) const MAX_ENROLMENT_BODY: usize = 4096;

/// Milliseconds since the Unix epoch, now.
pub(crate) fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// The four signed-request headers, parsed.
struct SignedHeaders {
    key: DevicePublicKey,
    time_ms: i64,
    nonce: String,
    signature: String,
}

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, ApiError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::unauthenticated(name))
}

impl SignedHeaders {
    fn parse(headers: &HeaderMap) -> Result<SignedHeaders, ApiError> {
        let key = DevicePublicKey::parse(header(headers, HEADER_KEY)?)
            .map_err(|_| ApiError::unauthenticated(HEADER_KEY))?;
        let time_ms = header(headers, HEADER_TIME)?
            .trim()
            .parse()
            .map_err(|_| ApiError::unauthenticated(HEADER_TIME))?;
        let nonce = header(headers, HEADER_NONCE)?.trim().to_owned();
        check_nonce(&nonce).map_err(|_| ApiError::unauthenticated(HEADER_NONCE))?;
        let signature = header(headers, HEADER_SIGNATURE)?.to_owned();
        Ok(SignedHeaders {
            key,
            time_ms,
            nonce,
            signature,
        })
    }
}

/// Which body limit applies, for the answer when it is exceeded.
#[derive(Debug, Clone, Copy)]
pub(crate) enum BodyLimit {
    /// An enrolled device's request: `limits.max_body_bytes`.
    Device(usize),
    /// An enrolment: [`MAX_ENROLMENT_BODY`].
    Enrolment,
}

impl BodyLimit {
    fn bytes(self) -> usize {
        match self {
            BodyLimit::Device(max) => max,
            BodyLimit::Enrolment => MAX_ENROLMENT_BODY,
        }
    }

    fn too_large(self) -> ApiError {
        match self {
            BodyLimit::Device(max) => ApiError::too_large(max),
            BodyLimit::Enrolment => ApiError::enrolment_too_large(MAX_ENROLMENT_BODY),
        }
    }
}

/// A request whose signed headers are well-formed and whose time is within the window;
/// its body is not read yet.
pub(crate) struct Unverified {
    headers: SignedHeaders,
    req: Request,
}

impl Unverified {
    /// Parses the headers and checks the clock. Refusals here close the connection: the
    /// body is left unread.
    pub fn new(req: Request) -> Result<Unverified, ApiError> {
        let headers = SignedHeaders::parse(req.headers()).map_err(ApiError::body_unread)?;
        check_clock(headers.time_ms, now_ms())
            .map_err(|skew| ApiError::clock_skew(skew.off_ms).body_unread())?;
        Ok(Unverified { headers, req })
    }

    /// The key the request claims to be signed with.
    pub fn key(&self) -> DevicePublicKey {
        self.headers.key
    }

    /// The body's declared length, when it gives one.
    fn declared_length(&self) -> Option<u64> {
        self.req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    }

    /// The memory to reserve for this body before any of it is read: its declared length,
    /// or a full body when it declares none.
    fn body_share(&self, max: usize) -> usize {
        self.declared_length()
            .map_or(max, |n| usize::try_from(n).unwrap_or(usize::MAX).min(max))
    }

    /// Reads the body (refusing one over `limit` — by its declared length before reading
    /// anything) and verifies the signature over it.
    pub async fn verify(self, state: &AppState, limit: BodyLimit) -> Result<Signed, ApiError> {
        let declared = self.declared_length();
        if declared.is_some_and(|n| n > limit.bytes() as u64) {
            return Err(limit.too_large());
        }
        let method = self.req.method().as_str().to_owned();
        let path = self.req.uri().path_and_query().map_or_else(
            || self.req.uri().path().to_owned(),
            |p| p.as_str().to_owned(),
        );
        let body = Bytes::from_request(self.req, state)
            .await
            .map_err(|r| ApiError::from_body_rejection(r, limit.too_large()))?;
        if body.len() > limit.bytes() {
            return Err(limit.too_large());
        }
        let headers = self.headers;
        let to_sign = RequestToSign {
            method: &method,
            path_and_query: &path,
            time_ms: headers.time_ms,
            nonce: &headers.nonce,
            body: &body,
        };
        headers
            .key
            .verify(&to_sign, &headers.signature)
            .map_err(|_| ApiError::bad_signature())?;
        Ok(Signed {
            key: headers.key,
            time_ms: headers.time_ms,
            nonce: headers.nonce,
            body,
        })
    }
}

/// A request whose signature has verified, with its body. Not yet admitted: the caller
/// decides what the key must be (enrolled, or about to enrol).
pub(crate) struct Signed {
    /// The signing key.
    pub key: DevicePublicKey,
    /// The signed time.
    pub time_ms: i64,
    /// The nonce.
    pub nonce: String,
    /// The body.
    pub body: Bytes,
}

/// Nonces this process admitted within the clock window, so a replayed request is refused
/// before its body is read. Only requests that passed every check are remembered, so
/// nobody can grow this with made-up nonces. The database's nonce table stays the
/// authority (it survives restarts and is checked atomically on admission).
#[derive(Default)]
pub(crate) struct RecentNonces {
    inner: Mutex<NonceSet>,
}

#[derive(Default)]
struct NonceSet {
    seen: HashMap<(DevicePublicKey, String), i64>,
    purge_at: usize,
}

/// Entries kept before the first purge of stale ones.
const NONCE_PURGE_FLOOR: usize = 4096;

impl RecentNonces {
    fn seen(&self, key: &DevicePublicKey, nonce: &str) -> bool {
        let set = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        set.seen.contains_key(&(*key, nonce.to_owned()))
    }

    fn remember(&self, key: DevicePublicKey, nonce: String, time_ms: i64, now_ms: i64) {
        let mut set = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        set.seen.insert((key, nonce), time_ms);
        if set.seen.len() >= set.purge_at {
            // Older than the window: such a request fails the clock check anyway.
            let cutoff = now_ms.saturating_sub(MAX_CLOCK_SKEW_MS);
            set.seen.retain(|_, t| *t >= cutoff);
            set.purge_at = (set.seen.len() * 2).max(NONCE_PURGE_FLOOR);
        }
    }
}

/// A request from an enrolled, unrevoked device, within its rate budget, seen once.
pub(crate) struct DeviceRequest {
    /// The device.
    pub device: DeviceId,
    /// The body.
    pub body: Bytes,
    /// The share of the relay's body budget the body holds, returned when handled.
    _budget: BodyReservation,
}

impl FromRequest<AppState> for DeviceRequest {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let unverified = Unverified::new(req)?;
        // Who is it, before reading what they send: a made-up or revoked key, or a replay,
        // never gets the relay to buffer its body.
        let key = unverified.key();
        let nonce = unverified.headers.nonce.clone();
        state
            .with_core(move |core, shared| -> Result<(), ApiError> {
                known_device(core, &key)?;
                // This process's recent admissions first (no database round trip), then the
                // database's, which also holds what another relay or an earlier run admitted.
                if shared.nonces.seen(&key, &nonce) || core.store.nonce_seen(&key, &nonce)? {
                    tracing::info!(outcome = "replayed", "request refused");
                    return Err(ApiError::replayed());
                }
                Ok(())
            })
            .await?
            .map_err(ApiError::body_unread)?;
        let share = unverified.body_share(state.limits.max_body_bytes);
        let budget = state.bodies.reserve(share).await.ok_or_else(|| {
            tracing::info!(outcome = "busy", "request refused");
            ApiError::busy()
        })?;
        let Signed {
            key,
            time_ms,
            nonce,
            body,
        } = unverified
            .verify(state, BodyLimit::Device(state.limits.max_body_bytes))
            .await?;
        let device = state
            .with_core(move |core, shared| -> Result<DeviceId, ApiError> {
                // Again: the device may have been revoked while its body arrived.
                let device = known_device(core, &key)?;
                shared
                    .rate
                    .check_device(&key)
                    .map_err(ApiError::rate_limited)?;
                let now = now_ms();
                core.purge_nonces_if_due(now);
                match core
                    .store
                    .admit(&key, &nonce, time_ms, Some(device), now / 1000)?
                {
                    Admission::Fresh => {
                        shared.nonces.remember(key, nonce, time_ms, now);
                        Ok(device)
                    }
                    Admission::Replayed => {
                        tracing::info!(outcome = "replayed", "request refused");
                        Err(ApiError::replayed())
                    }
                }
            })
            .await??;
        Ok(DeviceRequest {
            device,
            body,
            _budget: budget,
        })
    }
}

/// The enrolled, unrevoked device holding `key`.
fn known_device(core: &RelayCore, key: &DevicePublicKey) -> Result<DeviceId, ApiError> {
    let Some(device) = core.store.device_by_key(key)? else {
        tracing::info!(outcome = "not_enrolled", "request refused");
        return Err(ApiError::not_enrolled());
    };
    if device.revoked_at.is_some() {
        tracing::info!(outcome = "revoked", "request refused");
        return Err(ApiError::revoked());
    }
    Ok(device.id)
}
