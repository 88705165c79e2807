//! `GET /v1/health`: liveness for load balancers and systemd; unauthenticated, so it says
//! nothing but "ok".

/// Answers "ok".
pub(crate) async fn health() -> &'static str {
    "ok"
}
