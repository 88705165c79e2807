//! Sync now: runs the sync hook on a blocking thread and shows how it is going. The page
//! reloads itself every two seconds while a sync runs, so it works without the script.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use std::fmt::Write;

use crate::html::{csrf_field, notice, Nav, Page, E};
use crate::state::{AppState, SyncStatus};
use crate::store_access::{with_store, Failure};
use crate::words;

use super::respond;

/// What to tell a device that is not enrolled.
const NOT_SET_UP: &str = "Sync is not set up on this device. Enrol this device with <code>mugsync enroll</code> (your scheme coordinator gives you the code), then start <code>mugsync app</code> again. Until then everything filed here stays on this laptop, safely.";

/// `GET /sync`.
pub(crate) async fn page(State(state): State<AppState>) -> Response {
    let status = state.sync_status();
    let mut o = String::from("<h1>Sync</h1>\n");
    o.push_str("<p class=\"lead\">Sends this laptop's new reports and changes to the relay, and brings back everyone else's. Nothing is lost if the signal drops half-way: try again later.</p>\n");
    let mut page_refresh = None;
    match &status {
        SyncStatus::Running { started } => {
            page_refresh = Some(2);
            o.push_str(&notice(
                "info",
                "Syncing…",
                &format!(
                    "<p>Started {}. This page updates by itself; you can keep working in another tab.</p><p id=\"sync-progress\">{}</p><p class=\"progress\" aria-hidden=\"true\"><span></span></p>",
                    E(&words::ago(*started)),
                    E(&state.sync_progress().unwrap_or_else(|| "Connecting to the relay…".to_owned()))
                ),
            ));
        }
        SyncStatus::Finished {
            at,
            outcome: Ok(summary),
        } => {
            o.push_str(&notice(
                "ok",
                &format!("Synced {}", words::ago(*at)),
                &format!("<p id=\"sync-summary\">{}</p>", E(summary)),
            ));
        }
        SyncStatus::Finished {
            at,
            outcome: Err(reason),
        } => {
            o.push_str(&notice(
                "error",
                &format!("Sync did not finish ({})", words::ago(*at)),
                &format!("<p id=\"sync-summary\">{}</p><p>Everything filed here is still safe on this laptop. Try again when there is signal.</p>", E(reason)),
            ));
        }
        SyncStatus::NotRun => {}
    }
    if !matches!(status, SyncStatus::Running { .. }) {
        // Not while a sync runs: it holds the store.
        match with_store(&state, |store| Ok(store.unsynced()?.len())).await {
            Ok(0) => {
                o.push_str("<p>Every report filed on this laptop has reached the relay.</p>\n")
            }
            Ok(n) => {
                let _ = writeln!(
                    o,
                    "<p><strong>{n}</strong> report{} filed here not yet synced.</p>",
                    if n == 1 { "" } else { "s" }
                );
            }
            Err(Failure::Locked) => {
                return Redirect::to(&super::unlock::unlock_url("/sync")).into_response()
            }
            Err(f) => return super::failure(&state, f, "/sync"),
        }
    }
    if state.sync_hook.is_none() {
        o.push_str(&notice(
            "warn",
            "Sync is not set up",
            &format!("<p id=\"sync-summary\">{NOT_SET_UP}</p>"),
        ));
    } else if !matches!(status, SyncStatus::Running { .. }) {
        o.push_str("<p>This laptop also syncs by itself: right after a report is filed or changed, and every minute while the relay can be reached.</p>\n");
        let _ = writeln!(
            o,
            "<form method=\"post\" action=\"/sync\" data-sync>{}<button type=\"submit\" class=\"button primary big\" data-busy=\"Syncing…\">Sync now</button></form>",
            csrf_field(state.csrf.as_str())
        );
    }
    let mut page = Page::new("Sync", Nav::Sync, o);
    page.refresh = page_refresh;
    respond(&state, page)
}

/// `POST /sync`: starts a sync unless one runs, then shows the sync page.
pub(crate) async fn start(State(state): State<AppState>) -> Response {
    if state.sync_hook.is_none() {
        return Redirect::to("/sync").into_response();
    }
    if state.is_locked() {
        return Redirect::to(&super::unlock::unlock_url("/sync")).into_response();
    }
    let st = state.clone();
    tokio::spawn(async move { crate::state::run_sync(&st).await });
    // Wait (briefly) until it has started, so the page shows it running.
    for _ in 0..20 {
        if state.sync_running() || !matches!(state.sync_status(), SyncStatus::NotRun) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    Redirect::to("/sync").into_response()
}
