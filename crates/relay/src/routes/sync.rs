//! `POST /v1/sync`: one round of the sync exchange (see [`crate::exchange`]).

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};

use mugsync_core::wire::{self, SYNC_CONTENT_TYPE};

use crate::api_error::ApiError;
use crate::auth::DeviceRequest;
use crate::round;
use crate::state::AppState;

/// Decodes the envelope, runs the round, answers with the relay's envelope.
pub(crate) async fn sync(
    State(state): State<AppState>,
    headers: HeaderMap,
    req: DeviceRequest,
) -> Result<Response, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.split(';').next().map(str::trim) != Some(SYNC_CONTENT_TYPE) {
        return Err(ApiError::wrong_content_type(SYNC_CONTENT_TYPE));
    }
    let request = wire::decode_request(&req.body).map_err(ApiError::from_wire)?;
    let device = req.device;
    let max_pull = state.limits.max_pull_bytes_per_response;
    let (response, stats) = state
        .with_core(move |core, _| round::run(core, device, &request, max_pull))
        .await??;
    // Counts only (data rule 4).
    tracing::info!(
        pushes = stats.pushes,
        accepted = stats.accepted,
        rejected = stats.rejected,
        pulls = stats.pulls,
        pull_bytes = stats.pull_bytes,
        need_heads = stats.need_heads,
        resend = stats.resend,
        more = stats.more,
        "sync round"
    );
    Ok((
        [(header::CONTENT_TYPE, SYNC_CONTENT_TYPE)],
        wire::encode(&response),
    )
        .into_response())
}
