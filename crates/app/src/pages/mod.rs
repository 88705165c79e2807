//! The routes, one file per page, and what every page shares.
//!
//! | route | page |
//! |---|---|
//! | `GET /` | home: the main jobs and a quick check |
//! | `GET /unlock?session=…` | the one-time `open_url`: sets the session cookie |
//! | `GET/POST /unlock`, `POST /lock` | the passphrase page; lock now |
//! | `GET /reports/new`, `POST /reports` | file a report |
//! | `POST /reports/draft`, `POST /reports/draft/discard` | save or drop the draft |
//! | `GET /reports`, `GET /reports/{id}` | reports with sync state; one report |
//! | `GET /reports/{id}/private` | the person's own details, on this device only |
//! | `POST /reports/{id}/amend`, `/withdraw`, `/consent` | change a report |
//! | `GET/POST /check` | check a number, email or registration offline |
//! | `GET /alerts`, `GET /alerts/bulletin` | alerts to read out; the printable sheet |
//! | `GET/POST /sync` | sync now |
//! | `GET /settings` | areas, region, idle lock |

mod alerts;
mod check;
mod file;
mod form_parts;
mod home;
mod reports;
mod settings;
mod sync;
mod unlock;

use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::assets;
use crate::html::{esc, notice, Nav, Page, PageSession};
use crate::state::AppState;
use crate::store_access::Failure;

/// The store setting that holds the report draft (for tests).
#[cfg(test)]
pub(crate) fn file_draft_key() -> &'static str {
    file::DRAFT_KEY
}

/// Every route, behind the guard.
pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(home::page))
        .route("/unlock", get(unlock::page).post(unlock::submit))
        .route("/lock", post(unlock::lock_now))
        .route("/reports/new", get(file::form))
        .route("/reports", get(reports::list).post(file::submit))
        .route("/reports/draft", post(file::save_draft))
        .route("/reports/draft/discard", post(file::discard_draft))
        .route("/reports/{id}", get(reports::detail))
        .route("/reports/{id}/private", get(reports::private))
        .route("/reports/{id}/amend", post(reports::amend))
        .route("/reports/{id}/withdraw", post(reports::withdraw))
        .route("/reports/{id}/consent", post(reports::consent))
        .route("/check", get(check::form).post(check::submit))
        .route("/alerts", get(alerts::page))
        .route("/alerts/bulletin", get(alerts::bulletin))
        .route("/sync", get(sync::page).post(sync::start))
        .route("/settings", get(settings::page))
        .route(assets::CSS_PATH, get(assets::css))
        .route(assets::JS_PATH, get(assets::js))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::guard::guard,
        ))
        .with_state(state)
}

/// Gives a page the session values the layout needs, and renders it.
pub(crate) fn respond(state: &AppState, mut page: Page) -> Response {
    page.session = Some(PageSession {
        csrf: state.csrf.as_str().to_owned(),
        idle_ms: state.idle_lock.as_millis(),
        locked: state.is_locked(),
        syncing: state.sync_running().then(|| {
            state
                .sync_progress()
                .unwrap_or_else(|| "connecting to the relay…".to_owned())
        }),
    });
    page.into_response()
}

/// What a failed store call shows. `here` is the page to come back to after an unlock.
pub(crate) fn failure(state: &AppState, f: Failure, here: &str) -> Response {
    match f {
        Failure::Locked => Redirect::to(&unlock::unlock_url(here)).into_response(),
        Failure::NotFound => respond(
            state,
            Page::new(
                "Not found",
                Nav::Reports,
                "<h1>That report is not on this device</h1><p><a href=\"/reports\">See the reports this device holds</a>.</p>".into(),
            )
            .status(StatusCode::NOT_FOUND),
        ),
        Failure::Store(e) => respond(
            state,
            Page::new(
                "Could not do that",
                Nav::None,
                format!(
                    "<h1>Could not do that</h1>{}<p><a href=\"/\">Back to the start</a></p>",
                    notice("error", "The store said:", &format!("<p>{}</p>", esc(&e.to_string())))
                ),
            )
            .status(StatusCode::INTERNAL_SERVER_ERROR),
        ),
        Failure::Internal => respond(
            state,
            Page::new(
                "Something went wrong",
                Nav::None,
                "<h1>Something went wrong</h1><p>Nothing half-done was kept: every change is saved whole or not at all. The store was closed to be safe; unlock it to carry on.</p><p><a href=\"/unlock\">Unlock</a></p>".into(),
            )
            .status(StatusCode::INTERNAL_SERVER_ERROR),
        ),
    }
}

async fn not_found(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    respond(
        &state,
        Page::new(
            "Not found",
            Nav::None,
            "<h1>There is no such page</h1><p><a href=\"/\">Back to the start</a></p>".into(),
        )
        .status(StatusCode::NOT_FOUND),
    )
}
