//! [`ApiError`]: what a device is told when a request fails — a status code and a JSON
//! [`ErrorBody`] with a stable word and one sentence saying what to do.
//!
//! Layers outside the handlers (body limit, timeout, the router's 404/405) answer with bare
//! bodies; [`json_errors`] rewrites those, so every error a device sees has the same shape.

use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::time::Duration;

use mugsync_core::auth::MAX_CLOCK_SKEW_MS;
use mugsync_core::wire::{words, ErrorBody, WireError};

use crate::exchange::ExchangeError;
use crate::RelayError;

/// What the coordinator runs to issue a code; quoted in enrolment errors.
const NEW_CODE: &str = "ask the coordinator for a new code: mugsync-relay device add --name NAME";

/// A failed request, as the device will see it.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    word: &'static str,
    message: String,
    retry_after: Option<u64>,
    /// Answered before the request body was read: the connection cannot carry another
    /// request, so the answer says `Connection: close`.
    close: bool,
}

impl ApiError {
    fn new(status: StatusCode, word: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            word,
            message: message.into(),
            retry_after: None,
            close: false,
        }
    }

    /// The same error, answered before the body was read: the relay closes the connection
    /// after it rather than read (or wait for) a body nobody vouched for.
    pub fn body_unread(self) -> ApiError {
        ApiError {
            close: true,
            ..self
        }
    }

    /// The stable word (also used as the tracing outcome).
    pub fn word(&self) -> &'static str {
        self.word
    }

    /// A missing or unreadable authentication header.
    pub fn unauthenticated(header: &str) -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            words::UNAUTHENTICATED,
            format!(
                "this request is not signed by a device (the {header} header is missing or malformed); enrol this device with `mugsync enroll --relay URL --code CODE`, then sync with mugsync"
            ),
        )
    }

    /// A signature that does not verify.
    pub fn bad_signature() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            words::BAD_SIGNATURE,
            "the request's signature does not verify (was it changed on the way, e.g. by a proxy?); if this keeps happening, re-enrol this device with a new code from the coordinator",
        )
    }

    /// A request time too far from the relay's clock.
    pub fn clock_skew(off_ms: i64) -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            words::CLOCK_SKEW,
            format!(
                "this device's clock is about {} minutes off the relay's (at most {} allowed); set the device's date and time correctly (automatic time), then sync again",
                off_ms.unsigned_abs().div_ceil(60_000),
                MAX_CLOCK_SKEW_MS / 60_000
            ),
        )
    }

    /// A key the relay does not know.
    pub fn not_enrolled() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            words::NOT_ENROLLED,
            format!("this device is not enrolled with this relay; run `mugsync enroll --relay URL --code CODE` ({NEW_CODE})"),
        )
    }

    /// A revoked device.
    pub fn revoked() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            words::REVOKED,
            "this device was revoked by the scheme's coordinator and can no longer sync with this relay; ask the coordinator if you think this is a mistake",
        )
    }

    /// A nonce seen before.
    pub fn replayed() -> ApiError {
        ApiError::new(
            StatusCode::CONFLICT,
            words::REPLAYED,
            "this exact request was already received, so it was refused as a replay and nothing was done; send it again as a new request (mugsync signs every request afresh)",
        )
    }

    /// Too many requests from one device.
    pub fn rate_limited(wait: Duration) -> ApiError {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let secs = secs.max(1);
        ApiError {
            retry_after: Some(secs),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                words::RATE_LIMITED,
                format!("this device is sending requests faster than the relay allows; wait {secs} s and try again"),
            )
        }
    }

    /// A body over the limit.
    pub fn too_large(max: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            words::TOO_LARGE,
            format!(
                "the request is larger than this relay accepts ({max} bytes); ask the coordinator to raise limits.max_body_bytes in relay.toml"
            ),
        )
    }

    /// An enrolment body over its (small, fixed) limit.
    pub fn enrolment_too_large(max: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "an enrolment request is a code and a key, at most {max} bytes, and this one is larger; update mugsync on this device and enrol again"
            ),
        )
    }

    /// A body that cannot be read.
    pub fn malformed(reason: impl std::fmt::Display) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            words::MALFORMED,
            format!("the request body could not be read ({reason}); nothing was changed — update mugsync on this device and sync again"),
        )
    }

    /// A sync body of the wrong content type.
    pub fn wrong_content_type(expected: &str) -> ApiError {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            words::UNSUPPORTED_MEDIA_TYPE,
            format!("sync requests must be sent as {expected}; update mugsync on this device"),
        )
    }

    /// An enrolment code the relay does not know.
    pub fn bad_code() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            words::BAD_CODE,
            format!(
                "this enrolment code is not recognised; check it was typed as given, or {NEW_CODE}"
            ),
        )
    }

    /// An expired enrolment code.
    pub fn code_expired() -> ApiError {
        ApiError::new(
            StatusCode::GONE,
            words::CODE_EXPIRED,
            format!("this enrolment code has expired (codes last 24 hours); {NEW_CODE}"),
        )
    }

    /// A used enrolment code.
    pub fn code_used() -> ApiError {
        ApiError::new(
            StatusCode::CONFLICT,
            words::CODE_USED,
            format!("this enrolment code has already been used (each code works once); {NEW_CODE}"),
        )
    }

    /// A code issued to a device that was revoked before enrolling.
    pub fn code_revoked() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            words::REVOKED,
            format!("the coordinator revoked the device this code was issued for; {NEW_CODE}"),
        )
    }

    /// The body's key is not the signing key.
    pub fn key_mismatch() -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            words::KEY_MISMATCH,
            "the public key in the enrolment request is not the key that signed it; update mugsync and enrol again",
        )
    }

    /// The key already belongs to an enrolled device.
    pub fn key_in_use() -> ApiError {
        ApiError::new(
            StatusCode::CONFLICT,
            words::KEY_IN_USE,
            "this device's key is already enrolled with this relay (as another device); to enrol afresh, use a new --data-dir",
        )
    }

    /// No such endpoint.
    pub fn not_found() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            words::NOT_FOUND,
            "there is no such endpoint on this relay; check the relay URL and update mugsync",
        )
    }

    /// Something on the relay failed; the device can retry.
    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            words::INTERNAL,
            "the relay could not complete this request; nothing was lost — try again later, and tell the coordinator if it keeps happening",
        )
    }

    /// A bare error response from a layer, given its status.
    fn for_status(status: StatusCode, max_body: usize) -> ApiError {
        match status {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::too_large(max_body),
            StatusCode::REQUEST_TIMEOUT => ApiError::new(
                status,
                words::TIMEOUT,
                "the request took too long (a slow connection, or a busy relay); nothing was lost — sync again",
            ),
            StatusCode::NOT_FOUND => ApiError::not_found(),
            StatusCode::METHOD_NOT_ALLOWED => {
                ApiError::new(status, words::METHOD_NOT_ALLOWED, "this endpoint does not take that method; update mugsync")
            }
            s if s.is_server_error() => ApiError { status: s, ..ApiError::internal() },
            s => ApiError::new(s, words::BAD_REQUEST, "the relay could not accept this request; update mugsync and try again"),
        }
    }

    /// The body could not be buffered (too large: `too_large`, or the connection failed).
    pub fn from_body_rejection(rejection: BytesRejection, too_large: ApiError) -> ApiError {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large
        } else {
            ApiError::malformed("the body could not be received")
        }
    }

    /// A sync body that is not an envelope of this version.
    pub fn from_wire(e: WireError) -> ApiError {
        match e {
            WireError::Malformed(reason) => {
                ApiError::malformed(format!("not a sync message: {reason}"))
            }
            v @ WireError::Version { .. } => ApiError::new(
                StatusCode::BAD_REQUEST,
                words::UNSUPPORTED_VERSION,
                v.to_string(),
            ),
        }
    }
}

impl From<RelayError> for ApiError {
    fn from(e: RelayError) -> Self {
        // The kind only: error texts can quote paths or names (data rule 4).
        tracing::error!(error = e.kind(), "a request failed inside the relay");
        match e {
            RelayError::DiskFull => ApiError::new(
                StatusCode::INSUFFICIENT_STORAGE,
                words::DISK_FULL,
                "the relay's disk is full, so nothing was stored; try again later and tell the coordinator",
            ),
            RelayError::Conflict => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                words::BUSY,
                "another relay kept changing the same month while this sync ran; nothing was lost — sync again",
            ),
            _ => ApiError::internal(),
        }
    }
}

impl From<ExchangeError> for ApiError {
    fn from(e: ExchangeError) -> Self {
        match e {
            ExchangeError::Malformed(reason) => ApiError::malformed(reason),
            ExchangeError::Relay(e) => e.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.word.to_owned(),
            message: self.message,
        };
        let mut res = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.close
            || matches!(
                self.status,
                StatusCode::PAYLOAD_TOO_LARGE | StatusCode::REQUEST_TIMEOUT
            )
        {
            // The request body may be left unread, so the connection cannot carry another
            // request: say so, or a client reuses it and its next request fails.
            res.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        res
    }
}

/// Rewrites error responses that are not JSON (from the body limit, the timeout or the
/// router) into an [`ErrorBody`]. The state is the body limit, for the 413 message.
pub(crate) async fn json_errors<B>(State(max_body): State<usize>, res: Response<B>) -> Response
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        return ApiError::for_status(status, max_body).into_response();
    }
    res.map(axum::body::Body::new)
}
