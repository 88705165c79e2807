//! The HTTP surface: one file per feature, assembled here with the layers every request
//! passes through (JSON errors, tracing, timeout, body limit).
//!
//! Later issues add their routes beside these: the member checker and member pages,
//! police acknowledgements, and alert preferences.

mod enroll;
mod health;
mod sync;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::StatusCode;
use axum::middleware::map_response_with_state;
use axum::routing::{get, post};
use axum::Router;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::api_error::{json_errors, ApiError};
use crate::auth::MAX_ENROLMENT_BODY;
use crate::paths::{ENROLL, HEALTH, SYNC};
use crate::state::AppState;

/// The relay's router.
pub(crate) fn router(state: AppState) -> Router {
    let limits = state.limits;
    Router::new()
        .route(HEALTH, get(health::health))
        // Enrolment is unauthenticated: its body is capped small (the handler also checks
        // the declared length before reading anything).
        .route(
            ENROLL,
            post(enroll::enroll).layer(DefaultBodyLimit::max(MAX_ENROLMENT_BODY)),
        )
        .route(SYNC, post(sync::sync))
        .fallback(|| async { ApiError::not_found() })
        // The body limit below replaces axum's 2 MB default, which an initial sync of
        // ~10k reports would already break (DESIGN.md).
        .layer(DefaultBodyLimit::disable())
        .layer(
            ServiceBuilder::new()
                .layer(map_response_with_state(limits.max_body_bytes, json_errors))
                .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
                    // Method and route template only: never the query, headers or body.
                    let route = req
                        .extensions()
                        .get::<MatchedPath>()
                        .map_or("other", |p| p.as_str());
                    tracing::info_span!("request", method = %req.method(), route)
                }))
                .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
                // Inside the body limit: the timeout's own answer needs a plain body type.
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    limits.request_timeout,
                )),
        )
        .with_state(state)
}
