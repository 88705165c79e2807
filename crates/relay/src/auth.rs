//! Request authentication, relay side of `mugsync_core::auth`.
//!
//! Checks run cheapest first, so an unsigned or forged request costs the relay no database
//! work: headers present and well-formed → time within [`MAX_CLOCK_SKEW_MS`] → body read
//! (within the body limit) → signature verifies → (database) key enrolled and not revoked →
//! the device's rate budget → nonce not seen before, recorded durably with last-seen.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::HeaderMap;

use mugsync_core::auth::{
    check_nonce, DevicePublicKey, RequestToSign, HEADER_KEY, HEADER_NONCE, HEADER_SIGNATURE,
    HEADER_TIME, MAX_CLOCK_SKEW_MS,
};

use crate::api_error::ApiError;
use crate::state::AppState;
use crate::storage::{Admission, DeviceId};

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

impl FromRequest<AppState> for Signed {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let headers = SignedHeaders::parse(req.headers())?;
        let off = headers.time_ms.saturating_sub(now_ms());
        if off.abs() > MAX_CLOCK_SKEW_MS {
            return Err(ApiError::clock_skew(off));
        }
        let method = req.method().as_str().to_owned();
        let path = req
            .uri()
            .path_and_query()
            .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
        let max_body = state.limits.max_body_bytes;
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|r| ApiError::from_body_rejection(r, max_body))?;
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

/// A request from an enrolled, unrevoked device, within its rate budget, seen once.
pub(crate) struct DeviceRequest {
    /// The device.
    pub device: DeviceId,
    /// The body.
    pub body: Bytes,
}

impl FromRequest<AppState> for DeviceRequest {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let Signed {
            key,
            time_ms,
            nonce,
            body,
        } = Signed::from_request(req, state).await?;
        let device = state
            .with_core(move |core, shared| -> Result<DeviceId, ApiError> {
                let Some(device) = core.store.device_by_key(&key)? else {
                    tracing::info!(outcome = "not_enrolled", "request refused");
                    return Err(ApiError::not_enrolled());
                };
                if device.revoked_at.is_some() {
                    tracing::info!(outcome = "revoked", "request refused");
                    return Err(ApiError::revoked());
                }
                shared
                    .rate
                    .check_device(&key)
                    .map_err(ApiError::rate_limited)?;
                let now = now_ms();
                core.purge_nonces_if_due(now);
                match core
                    .store
                    .admit(&key, &nonce, time_ms, Some(device.id), now / 1000)?
                {
                    Admission::Fresh => Ok(device.id),
                    Admission::Replayed => {
                        tracing::info!(outcome = "replayed", "request refused");
                        Err(ApiError::replayed())
                    }
                }
            })
            .await??;
        Ok(DeviceRequest { device, body })
    }
}
