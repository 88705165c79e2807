//! The start page: the main jobs as large targets, and a quick check.

use axum::extract::State;
use axum::response::Response;
use mugsync_store::LocalSyncState;

use crate::html::{Nav, Page};
use crate::state::AppState;
use crate::store_access::with_store;

use super::form_parts::Errors;
use super::{check::check_form, failure, respond};

/// `GET /`.
pub(crate) async fn page(State(state): State<AppState>) -> Response {
    let counts = with_store(&state, |store| {
        let total = store.count()?;
        let unsynced = store.unsynced()?.len();
        let draft = store
            .meta(super::file::DRAFT_KEY)?
            .is_some_and(|d| !d.is_empty());
        Ok((total, unsynced, draft))
    })
    .await;
    let (total, unsynced, draft) = match counts {
        Ok(c) => c,
        Err(f) => return failure(&state, f, "/"),
    };
    let (_, not_synced_word) = crate::words::sync_state(Some(&LocalSyncState::NotSynced));
    let reports_line = match (total, unsynced) {
        (0, _) => "None on this device yet".to_owned(),
        (t, 0) => format!("{t} on this device, all synced"),
        (t, u) => format!("{t} on this device · {u} {not_synced_word}"),
    };
    let file_line = if draft {
        "A draft is waiting: carry on"
    } else {
        "Someone has been hurt, threatened or not paid"
    };
    let body = format!(
        "<h1>What do you need to do?</h1>\n<ul class=\"big-tiles\">\n\
         <li><a class=\"big-tile primary\" href=\"/reports/new\"><span class=\"bt-h\">File a report</span><span class=\"bt-d\">{file_line}</span></a></li>\n\
         <li><a class=\"big-tile\" href=\"/alerts\"><span class=\"bt-h\">Alerts to read out</span><span class=\"bt-d\">Recent warnings by area, and a sheet to print</span></a></li>\n\
         <li><a class=\"big-tile\" href=\"/reports\"><span class=\"bt-h\">Reports</span><span class=\"bt-d\">{reports_line}</span></a></li>\n\
         <li><a class=\"big-tile\" href=\"/sync\"><span class=\"bt-h\">Sync</span><span class=\"bt-d\">Send and receive when there is signal</span></a></li>\n\
         </ul>\n<section class=\"card\" aria-labelledby=\"quick-check\"><h2 id=\"quick-check\">Quick check</h2>\n{}</section>\n",
        check_form(&state, &Errors::default(), false)
    );
    respond(&state, Page::new("Start", Nav::Home, body))
}
