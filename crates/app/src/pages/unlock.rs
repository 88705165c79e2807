//! The passphrase page (after the idle lock or "Lock"), and locking now.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use mugsync_store::{DeviceStore, Passphrase, StoreError};
use std::collections::HashMap;

use crate::formdata::FormData;
use crate::html::{csrf_field, esc, notice, Nav, Page, E};
use crate::state::{AppState, LockReason};
use crate::store_access::error_kind;
use crate::words;

use super::respond;

/// `/unlock?next=…` for coming back to `here`.
pub(crate) fn unlock_url(here: &str) -> String {
    let mut out = String::from("/unlock?next=");
    for b in here.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Where to go after unlocking: only a path on this app, never another site.
fn safe_next(next: &str) -> &str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/unlock")
        && next
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-._~".contains(&b));
    if ok {
        next
    } else {
        "/"
    }
}

/// `GET /unlock`.
pub(crate) async fn page(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let next = safe_next(q.get("next").map(String::as_str).unwrap_or("/")).to_owned();
    if !state.is_locked() {
        return Redirect::to(&next).into_response();
    }
    unlock_page(&state, &next, None, StatusCode::OK)
}

/// The page itself, with an error when the last try failed.
pub(crate) fn unlock_page(
    state: &AppState,
    next: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let why = match state.lock_reason() {
        Some(LockReason::Idle) | None => format!(
            "The app locked itself after {} without use, so nobody else can read the reports on this laptop.",
            words::duration(state.idle_lock)
        ),
        Some(LockReason::Manual) => "The app is locked. Type the store passphrase to carry on.".to_owned(),
        Some(LockReason::Fault) => {
            "The store was closed after a problem. Nothing half-done was kept: every change is saved whole or not at all.".to_owned()
        }
    };
    let mut body = format!("<h1>Unlock</h1>\n<p>{}</p>\n", E(&why));
    if state.has_pending() {
        body.push_str(&notice(
            "warn",
            "Your report is not filed yet",
            "<p>The app locked before it arrived. Unlock and it will be filed straight away.</p>",
        ));
    }
    if let Some(e) = error {
        body.push_str(&notice(
            "error",
            "Not unlocked",
            &format!("<p id=\"passphrase-error\">{}</p>", esc(e)),
        ));
    }
    let described = if error.is_some() {
        " aria-describedby=\"passphrase-hint passphrase-error\" aria-invalid=\"true\""
    } else {
        " aria-describedby=\"passphrase-hint\""
    };
    body.push_str(&format!(
        "<form method=\"post\" action=\"/unlock\" class=\"stack narrow\">\n{}\
         <input type=\"hidden\" name=\"next\" value=\"{}\">\n\
         <div class=\"field\"><label for=\"passphrase\">Store passphrase</label>\n\
         <p class=\"hint\" id=\"passphrase-hint\">The passphrase this laptop's mugsync store was set up with.</p>\n\
         <input id=\"passphrase\" name=\"passphrase\" type=\"password\" autocomplete=\"current-password\" autofocus required{described}></div>\n\
         <button type=\"submit\" class=\"button primary\">Unlock</button>\n</form>\n",
        csrf_field(state.csrf.as_str()),
        E(next),
    ));
    respond(state, Page::new("Unlock", Nav::None, body).status(status))
}

/// `POST /unlock`.
pub(crate) async fn submit(
    State(state): State<AppState>,
    Extension(form): Extension<FormData>,
) -> Response {
    let next = safe_next(form.get("next")).to_owned();
    if !state.is_locked() {
        return Redirect::to(&next).into_response();
    }
    let passphrase = match Passphrase::new(form.get("passphrase")) {
        Ok(p) => p,
        Err(_) => {
            return unlock_page(
                &state,
                &next,
                Some("Type the passphrase first."),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    };
    let dir = state.data_dir.clone();
    let opened = tokio::task::spawn_blocking(move || DeviceStore::open(&dir, &passphrase)).await;
    let store = match opened {
        Ok(Ok(store)) => store,
        Ok(Err(StoreError::WrongPassphrase)) => {
            tracing::info!("unlock refused: wrong passphrase");
            return unlock_page(
                &state,
                &next,
                Some("That passphrase does not open this store. Nothing was changed — check it and try again."),
                StatusCode::UNAUTHORIZED,
            );
        }
        Ok(Err(e)) => {
            tracing::warn!(kind = error_kind(&e), "unlock failed");
            return unlock_page(
                &state,
                &next,
                Some(&e.to_string()),
                StatusCode::INTERNAL_SERVER_ERROR,
            );
        }
        Err(_) => {
            tracing::error!("opening the store panicked");
            return unlock_page(
                &state,
                &next,
                Some("Opening the store failed unexpectedly; try again."),
                StatusCode::INTERNAL_SERVER_ERROR,
            );
        }
    };
    state.unlock_with(store);
    if let Some(pending) = state.take_pending() {
        return super::file::file_form(&state, pending).await;
    }
    Redirect::to(&next).into_response()
}

/// `POST /lock`.
pub(crate) async fn lock_now(State(state): State<AppState>) -> Response {
    let st = state.clone();
    // Dropping the store closes SQLite, which may wait for the disk: off the async threads.
    let _ = tokio::task::spawn_blocking(move || st.lock_store(LockReason::Manual)).await;
    Redirect::to("/unlock").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_app() {
        assert_eq!(safe_next("/reports/new"), "/reports/new");
        assert_eq!(safe_next("//evil.example/"), "/");
        assert_eq!(safe_next("https://evil.example/"), "/");
        assert_eq!(safe_next("/unlock?next=/x"), "/");
        assert_eq!(safe_next("/a\"onmouseover"), "/");
        assert_eq!(unlock_url("/reports/new"), "/unlock?next=/reports/new");
        assert_eq!(unlock_url("/a b"), "/unlock?next=/a%20b");
    }
}
