//! Settings: what this device is set up with. Changing areas or enrolment is done with the
//! `mugsync` command, by the scheme coordinator's instructions.

use axum::extract::State;
use axum::response::Response;
use std::fmt::Write;

use crate::html::{csrf_field, Nav, Page, E};
use crate::state::AppState;
use crate::store_access::with_store;
use crate::words;

use super::{failure, respond};

/// `GET /settings`.
pub(crate) async fn page(State(state): State<AppState>) -> Response {
    let loaded = with_store(&state, |store| {
        Ok((
            store.areas().clone(),
            store.region().as_str().to_owned(),
            store.path().display().to_string(),
            store.count()?,
        ))
    })
    .await;
    let (areas, region, path, count) = match loaded {
        Ok(v) => v,
        Err(f) => return failure(&state, f, "/settings"),
    };
    let mut o = String::from("<h1>Settings</h1>\n<dl class=\"facts\">\n");
    let mut fact = |k: &str, v: &str| {
        let _ = writeln!(o, "<div><dt>{}</dt><dd>{}</dd></div>", E(k), E(v));
    };
    fact(
        "Locks itself after",
        &format!("{} without use", words::duration(state.idle_lock)),
    );
    fact("Phone numbers without a country code are read as", &region);
    fact(
        "Sync",
        if state.sync_hook.is_some() {
            "set up"
        } else {
            "not set up — enrol this device with mugsync enroll"
        },
    );
    fact("Reports on this device", &count.to_string());
    fact("Store", &path);
    o.push_str("</dl>\n<section class=\"card\" aria-labelledby=\"s-areas\"><h2 id=\"s-areas\">Areas</h2>\n<table class=\"areas\"><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Code</th></tr></thead><tbody>\n");
    for a in areas.areas() {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td><code>{}</code></td></tr>",
            E(&a.name),
            E(a.code.as_str())
        );
    }
    o.push_str("</tbody></table>\n<p class=\"hint\">The scheme sets the areas; they arrive with enrolment and sync.</p></section>\n");
    let _ = writeln!(
        o,
        "<section class=\"card\" aria-labelledby=\"s-lock\"><h2 id=\"s-lock\">Lock now</h2><p>Closes the store until the passphrase is typed again. Do this before handing the laptop to someone else.</p><form method=\"post\" action=\"/lock\">{}<button type=\"submit\" class=\"button secondary\">Lock now</button></form></section>",
        csrf_field(state.csrf.as_str())
    );
    o.push_str("<p class=\"hint\">This app runs only on this laptop (127.0.0.1), works with no network and loads nothing from the internet.</p>\n");
    respond(&state, Page::new("Settings", Nav::Settings, o))
}
