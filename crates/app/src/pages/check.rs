//! Check a number, email or registration against this device's reports: no network.
//!
//! The value is posted, not put in the address, so it never lands in the browser's history.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use mugsync_core::check::CheckAnswer;
use mugsync_core::identifiers::Identifier;
use mugsync_core::report::{AreaList, FieldError, Status};
use std::fmt::Write;

use crate::formdata::FormData;
use crate::html::{csrf_field, Nav, Page, E};
use crate::state::AppState;
use crate::store_access::with_store;
use crate::words;

use super::form_parts::{input, Ctl, Errors};
use super::{failure, respond};

/// The check form, empty, for this page and the home page.
pub(crate) fn check_form(state: &AppState, errors: &Errors, autofocus: bool) -> String {
    check_form_with(state, &FormData::default(), errors, autofocus)
}

/// The check form holding `values`: after an error the worker corrects what was typed
/// instead of typing it all again.
fn check_form_with(
    state: &AppState,
    values: &FormData,
    errors: &Errors,
    autofocus: bool,
) -> String {
    let attrs = if autofocus {
        "autocomplete=\"off\" spellcheck=\"false\" autofocus"
    } else {
        "autocomplete=\"off\" spellcheck=\"false\""
    };
    format!(
        "<form method=\"post\" action=\"/check\" class=\"check-form\" role=\"search\" novalidate>{}\n{}<button type=\"submit\" class=\"button primary\">Check</button>\n</form>\n",
        csrf_field(state.csrf.as_str()),
        input(
            "text",
            Ctl::new("value")
                .hint("A phone number (like 07700 900000 or +44 7700 900000), an email address, or a registration or part of one (? for a character not seen).")
                .attrs(attrs),
            values,
            errors
        ),
    )
}

/// `GET /check`.
pub(crate) async fn form(State(state): State<AppState>) -> Response {
    let body = format!(
        "<h1>Check a number, email or registration</h1>\n<p class=\"lead\">Looks through the reports on this laptop. Works with no signal.</p>\n{}",
        check_form(&state, &Errors::default(), true)
    );
    respond(&state, Page::new("Check", Nav::Check, body))
}

/// `POST /check`.
pub(crate) async fn submit(
    State(state): State<AppState>,
    Extension(form): Extension<FormData>,
) -> Response {
    let value = form.get("value").to_owned();
    let result = with_store(&state, move |store| {
        let answer = match Identifier::parse(&value, store.region()) {
            Ok(id) => Ok(store.check(&id)?),
            Err(e) => Err(e.to_string()),
        };
        Ok((answer, store.areas().clone()))
    })
    .await;
    let (answer, areas) = match result {
        Ok(v) => v,
        Err(f) => return failure(&state, f, "/check"),
    };
    let mut body = String::from("<h1>Check a number, email or registration</h1>\n");
    match answer {
        Ok(a) => {
            body.push_str(&render_answer(&a, &areas));
            body.push_str("<h2 class=\"again\">Check another</h2>\n");
            body.push_str(&check_form(&state, &Errors::default(), false));
            respond(&state, Page::new("Check", Nav::Check, body))
        }
        Err(reason) => {
            let errors = Errors::from_fields(&[FieldError::new("value", reason)]);
            body.push_str(&check_form_with(&state, &form, &errors, true));
            respond(
                &state,
                Page::new("Check", Nav::Check, body).status(StatusCode::UNPROCESSABLE_ENTITY),
            )
        }
    }
}

/// The answer, worded to be read out.
fn render_answer(a: &CheckAnswer, areas: &AreaList) -> String {
    let mut o = String::new();
    let what = format!("{} {}", a.checked.kind, a.checked.shown_as);
    let _ = writeln!(
        o,
        "<section class=\"answer {}\" aria-labelledby=\"answer-h\" id=\"answer\">",
        if a.count > 0 { "found" } else { "none" }
    );
    if a.count == 0 {
        let _ = writeln!(
            o,
            "<h2 id=\"answer-h\">No reports of {} on this device</h2>",
            E(&what)
        );
        o.push_str("<p>No report is not a guarantee of safety: trust your instincts. This device only knows what has synced to it.</p>\n");
    } else {
        let _ = writeln!(
            o,
            "<h2 id=\"answer-h\">{} report{} of {}</h2>",
            a.count,
            if a.count == 1 { "" } else { "s" },
            E(&what)
        );
        o.push_str("<dl class=\"facts\">\n");
        let months: Vec<String> = a.months.iter().map(|m| words::month_label(m)).collect();
        let _ = writeln!(
            o,
            "<div><dt>When</dt><dd>{}</dd></div>",
            E(&months.join(", "))
        );
        let names: Vec<&str> = a.areas.iter().map(|c| areas.name_of(c)).collect();
        let _ = writeln!(
            o,
            "<div><dt>Where</dt><dd>{}</dd></div>",
            E(&names.join("; "))
        );
        let kinds: Vec<&str> = a.kinds.iter().map(|k| k.label()).collect();
        let _ = writeln!(
            o,
            "<div><dt>What</dt><dd>{}</dd></div>",
            E(&kinds.join(", "))
        );
        o.push_str("</dl>\n<ul class=\"hits\">\n");
        for h in a.reports.iter().filter(|h| h.status != Status::Withdrawn) {
            let _ = writeln!(
                o,
                "<li><p class=\"hit-h\"><a href=\"/reports/{}\">{} · {}</a> <span class=\"badge\">{}</span></p><p class=\"public-text\">{}</p></li>",
                E(&h.id),
                E(&words::month_label(&h.month)),
                E(areas.name_of(&h.area)),
                E(h.status.label()),
                E(h.alert_text.as_str())
            );
        }
        o.push_str("</ul>\n");
    }
    if a.withdrawn > 0 {
        let _ = writeln!(
            o,
            "<p class=\"hint\">{} withdrawn report{} not counted.</p>",
            a.withdrawn,
            if a.withdrawn == 1 { "" } else { "s" }
        );
    }
    o.push_str("</section>\n");
    o
}
