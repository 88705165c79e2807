//! `POST /v1/enroll`: a device presents a one-time code and its public key, signing the
//! request with that key (proof that it holds the private half), and receives the scheme
//! key, region and areas.
//!
//! Anyone may call this, so it spends as little as possible on a stranger: the source's
//! enrolment budget is checked before anything else, and the body is capped at
//! [`MAX_ENROLMENT_BODY`](crate::auth::MAX_ENROLMENT_BODY).

use axum::extract::{ConnectInfo, Request, State};
use axum::Json;
use base64::Engine;

use mugsync_core::auth::DevicePublicKey;
use mugsync_core::log::DeviceActor;
use mugsync_core::wire::{EnrollRequest, EnrollResponse};

use crate::api_error::ApiError;
use crate::auth::{now_ms, BodyLimit, Unverified};
use crate::enrolment::{code_hash, may_enrol, CodeRefusal};
use crate::ratelimit::Source;
use crate::server::PeerAddr;
use crate::state::AppState;
use crate::storage::Admission;

/// Checks the code and enrols the key.
pub(crate) async fn enroll(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<PeerAddr>,
    req: Request,
) -> Result<Json<EnrollResponse>, ApiError> {
    // Every attempt counts, well-formed or not: guessing codes costs the guesser's budget.
    state
        .rate
        .check_enrolment(Source::of(peer.0.ip()))
        .map_err(|wait| ApiError::rate_limited(wait).body_unread())?;
    let signed = Unverified::new(req)?
        .verify(&state, BodyLimit::Enrolment)
        .await?;
    let request: EnrollRequest = serde_json::from_slice(&signed.body)
        .map_err(|e| ApiError::malformed(format!("not an enrolment request: {e}")))?;
    let key = DevicePublicKey::parse(&request.public_key).map_err(|_| ApiError::key_mismatch())?;
    if key != signed.key {
        return Err(ApiError::key_mismatch());
    }
    let actor = DeviceActor::from_hex(&request.actor)
        .map_err(|_| ApiError::malformed("the enrolment request's actor is not 16 bytes of hex"))?;
    let hash = code_hash(&request.code);
    let response = state
        .with_core(move |core, _| -> Result<EnrollResponse, ApiError> {
            let now = now_ms();
            core.purge_nonces_if_due(now);
            if core
                .store
                .admit(&key, &signed.nonce, signed.time_ms, None, now / 1000)?
                == Admission::Replayed
            {
                return Err(ApiError::replayed());
            }
            let Some(device) = core.store.device_by_code(&hash)? else {
                return Err(ApiError::bad_code());
            };
            may_enrol(&device, now / 1000).map_err(|refusal| match refusal {
                CodeRefusal::Revoked => ApiError::code_revoked(),
                CodeRefusal::Used => ApiError::code_used(),
                CodeRefusal::Expired => ApiError::code_expired(),
            })?;
            if core.store.device_by_key(&key)?.is_some() {
                return Err(ApiError::key_in_use());
            }
            if actor == core.store.actor()? {
                return Err(ApiError::key_in_use());
            }
            if !core.store.enrol(device.id, &key, &actor, now / 1000)? {
                // Another request enrolled this code between the checks above and here.
                return Err(ApiError::code_used());
            }
            let scheme = core.store.scheme()?;
            Ok(EnrollResponse {
                device_name: device.name,
                scheme_key: base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(core.keys.scheme_key().expose_bytes()),
                region: scheme.region.to_string(),
                areas_toml: scheme.areas_toml,
            })
        })
        .await;
    let outcome = match &response {
        Ok(Ok(_)) => "enrolled",
        Ok(Err(e)) => e.word(),
        Err(e) => e.word(),
    };
    tracing::info!(outcome, "enrolment");
    Ok(Json(response??))
}
