//! File a report: the form, drafts, and filing.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use mugsync_core::report::{
    AlertGroup, AreaList, FieldError, Gender, IncidentKind, PoliceConsent, ReportId, ReporterRole,
    Setting, TimePrecision,
};
use std::collections::HashMap;
use std::fmt::Write;

use crate::formdata::FormData;
use crate::html::{csrf_field, esc, notice, Nav, Page, E};
use crate::report_form::{self, label};
use crate::secret::Secret;
use crate::state::AppState;
use crate::store_access::{with_store, Failure};
use crate::warnings::{self, Warning};
use crate::words;

use super::form_parts::{choices, input, select, textarea, Choice, Ctl, Errors};
use super::{failure, respond};

/// Where the draft lives inside the encrypted store (a local-only setting, never synced).
pub(crate) const DRAFT_KEY: &str = "app.report_draft";

/// The header the script's draft saves carry, so they get a bare status back.
const FETCH_HEADER: &str = "x-requested-with";

/// `GET /reports/new`.
pub(crate) async fn form(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let loaded = with_store(&state, |store| {
        let draft = store
            .meta(DRAFT_KEY)?
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default();
        let draft = if draft.is_empty() {
            None
        } else {
            Some(report_form::draft_from_json(&draft))
        };
        Ok((store.areas().clone(), draft))
    })
    .await;
    let (areas, draft) = match loaded {
        Ok(v) => v,
        Err(f) => return failure(&state, f, "/reports/new"),
    };
    let fresh = draft.is_none();
    let values = draft.unwrap_or_else(defaults);
    let mut top = String::new();
    if q.contains_key("saved") {
        top.push_str(&notice(
            "ok",
            "Draft saved",
            "<p>It is kept encrypted on this laptop. The person's own details are never kept in a draft: type them again before filing.</p>",
        ));
    } else if !fresh {
        top.push_str(&notice(
            "info",
            "Carrying on from the saved draft",
            "<p>The person's own details are never kept in a draft: type them again if needed.</p>",
        ));
    }
    let body = render(
        &state,
        &areas,
        &values,
        &Errors::default(),
        &[],
        &top,
        fresh,
    );
    respond(&state, Page::new("File a report", Nav::File, body))
}

fn defaults() -> FormData {
    FormData(vec![
        ("incident_date".into(), words::en_gb(words::today())),
        ("alert_for".into(), AlertGroup::Everyone.as_wire().into()),
        (
            "reporter_role".into(),
            ReporterRole::OutreachWorker.as_wire().into(),
        ),
    ])
}

/// `POST /reports`.
pub(crate) async fn submit(
    State(state): State<AppState>,
    Extension(form): Extension<FormData>,
) -> Response {
    if let Some(id) = state.filed_form(form.get("form_id")) {
        // The same form again (a double click, a resend): it is already filed.
        return Redirect::to(&format!("/reports/{id}?filed=1")).into_response();
    }
    if state.is_locked() {
        return hold_while_locked(&state, form);
    }
    file_form(&state, form).await
}

fn hold_while_locked(state: &AppState, form: FormData) -> Response {
    state.hold_pending(form);
    super::unlock::unlock_page(state, "/reports", None, StatusCode::OK)
}

enum Outcome {
    Filed(ReportId),
    NotYet {
        areas: AreaList,
        errors: Vec<FieldError>,
        warnings: Vec<Warning>,
    },
}

/// Files a posted form, or shows it again with its errors and warnings. Also used after an
/// unlock for a form that arrived while locked.
pub(crate) async fn file_form(state: &AppState, form: FormData) -> Response {
    let form_id = form.get("form_id").to_owned();
    let for_store = form.clone();
    let outcome = with_store(state, move |store| {
        let form = for_store;
        let private: Vec<(&str, &str)> = [
            ("name", "victim_private.name"),
            ("contact", "victim_private.contact"),
            ("address", "victim_private.address"),
        ]
        .into_iter()
        .map(|(l, f)| (l, form.get(f)))
        .collect();
        let found = warnings::scan(
            form.get("narrative"),
            form.get("alert_text"),
            &form.lines("perpetrator.names_used"),
            &private,
            store.region(),
        );
        let parsed = report_form::parse(&form, &store.intake());
        let acknowledged = form.get("ack_warnings") == "1";
        match parsed {
            Ok(new) if found.is_empty() || acknowledged => {
                let id = store.file(new)?;
                // Filed: the draft has done its job. (The report itself is already durable.)
                if let Err(e) = store.set_meta(DRAFT_KEY, b"") {
                    tracing::warn!(
                        kind = crate::store_access::error_kind(&e),
                        "could not clear the draft"
                    );
                }
                Ok(Outcome::Filed(id))
            }
            Ok(_) => Ok(Outcome::NotYet {
                areas: store.areas().clone(),
                errors: Vec::new(),
                warnings: found,
            }),
            Err(errors) => Ok(Outcome::NotYet {
                areas: store.areas().clone(),
                errors,
                warnings: found,
            }),
        }
    })
    .await;
    match outcome {
        Ok(Outcome::Filed(id)) => {
            tracing::info!("report filed");
            // Send it on its way: the automatic sync runs now rather than in a minute.
            state.sync_soon();
            if !form_id.is_empty() {
                state.remember_filed(&form_id, id);
            }
            Redirect::to(&format!("/reports/{id}?filed=1")).into_response()
        }
        Ok(Outcome::NotYet {
            areas,
            errors,
            warnings,
        }) => {
            let errs = Errors::from_fields(&errors);
            let mut top = errs.summary(&format!(
                "Not filed yet: {} to put right",
                if errors.len() == 1 {
                    "1 thing".to_owned()
                } else {
                    format!("{} things", errors.len())
                }
            ));
            if !warnings.is_empty() {
                let fields: Vec<&str> = {
                    let mut f: Vec<&str> = warnings.iter().map(|w| label(w.field)).collect();
                    f.dedup();
                    f
                };
                top.push_str(&notice(
                    "warn",
                    if errors.is_empty() { "Not filed yet: please look at the warnings" } else { "Please also look at the warnings" },
                    &format!(
                        "<p>See the warnings under {}. This text leaves the device when it syncs and cannot be changed after filing. Change it, or tick “File it as written”.</p>",
                        fields.iter().map(|f| format!("“{}”", esc(f))).collect::<Vec<_>>().join(" and ")
                    ),
                ));
            }
            let body = render(state, &areas, &form, &errs, &warnings, &top, false);
            respond(
                state,
                Page::new("File a report", Nav::File, body)
                    .status(StatusCode::UNPROCESSABLE_ENTITY),
            )
        }
        Err(Failure::Locked) => hold_while_locked(state, form),
        Err(f) => failure(state, f, "/reports/new"),
    }
}

/// `POST /reports/draft`: keeps the form (minus the person's details) in the store.
pub(crate) async fn save_draft(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(form): Extension<FormData>,
) -> Response {
    let from_script = headers.get(FETCH_HEADER).is_some();
    if state.filed_form(form.get("form_id")).is_some() {
        // A save that was on its way while the same form was filed: the draft is done with.
        return if from_script {
            StatusCode::NO_CONTENT.into_response()
        } else {
            Redirect::to("/reports/new").into_response()
        };
    }
    let json = report_form::draft_to_json(&report_form::draft_of(&form));
    let saved = with_store(&state, move |store| {
        Ok(store.set_meta(DRAFT_KEY, json.as_bytes())?)
    })
    .await;
    match (saved, from_script) {
        (Ok(()), true) => StatusCode::NO_CONTENT.into_response(),
        (Ok(()), false) => Redirect::to("/reports/new?saved=1").into_response(),
        // The script says "locked" itself; 423 tells it why.
        (Err(Failure::Locked), true) => StatusCode::LOCKED.into_response(),
        (Err(_), true) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        (Err(f), false) => failure(&state, f, "/reports/new"),
    }
}

/// `POST /reports/draft/discard`.
pub(crate) async fn discard_draft(State(state): State<AppState>) -> Response {
    match with_store(&state, |store| Ok(store.set_meta(DRAFT_KEY, b"")?)).await {
        Ok(()) => Redirect::to("/reports/new").into_response(),
        Err(f) => failure(&state, f, "/reports/new"),
    }
}

fn warning_box(field: &str, warnings: &[Warning]) -> String {
    let mine: Vec<&Warning> = warnings.iter().filter(|w| w.field == field).collect();
    let mut o = format!(
        "<div class=\"warn-box\" id=\"warn-{field}\" data-warn-for=\"{field}\" role=\"status\" aria-live=\"polite\"{}>",
        if mine.is_empty() { " hidden" } else { "" }
    );
    if !mine.is_empty() {
        let _ = write!(
            o,
            "<p class=\"warn-h\">Check this before filing: “{}”</p><ul>",
            E(label(field))
        );
        for w in mine {
            let _ = write!(o, "<li>{}</li>", E(&w.message));
        }
        o.push_str("</ul>");
    }
    o.push_str("</div>\n");
    o
}

fn opts<T: Copy>(
    all: &[T],
    wire: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (wire(*v).to_owned(), label(*v).to_owned()))
        .collect()
}

fn tiles<T: Copy>(
    all: &[T],
    wire: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice::new(wire(*v), label(*v)))
        .collect()
}

/// The whole form.
fn render(
    state: &AppState,
    areas: &AreaList,
    v: &FormData,
    e: &Errors,
    warnings: &[Warning],
    top: &str,
    fresh: bool,
) -> String {
    let mut o = String::new();
    o.push_str("<h1>File a report</h1>\n");
    o.push_str("<p class=\"lead\">Only the fields marked <span class=\"req\">required</span> are needed. Everything stays on this laptop, encrypted, until you sync.</p>\n");
    o.push_str(top);
    let _ = writeln!(
        o,
        "<form method=\"post\" action=\"/reports\" id=\"report-form\" class=\"report-form\" novalidate{}>",
        if fresh { " data-fresh=\"1\"" } else { "" }
    );
    o.push_str(&csrf_field(state.csrf.as_str()));
    let form_id = match v.get("form_id") {
        "" => Secret::generate().as_str().to_owned(),
        id => id.to_owned(),
    };
    let _ = writeln!(
        o,
        "<input type=\"hidden\" name=\"form_id\" value=\"{}\">",
        E(&form_id)
    );
    o.push_str(
        "<p class=\"draft-status\" id=\"draft-status\" role=\"status\" aria-live=\"polite\"></p>\n",
    );

    // When and where.
    o.push_str("<section class=\"card\" aria-labelledby=\"s-when\"><h2 id=\"s-when\">When and where</h2>\n<div class=\"row3\">\n");
    // A text field, not `type=date`: that shows the day in the browser's locale (12/01/2026
    // for 1 December on a US-set laptop), and the scheme writes days day-first.
    o.push_str(&input(
        "text",
        Ctl::new("incident_date")
            .required()
            .hint("Day, month, year: e.g. 01/12/2026 or 1 December 2026")
            .attrs("autocomplete=\"off\" placeholder=\"DD/MM/YYYY\" data-day"),
        v,
        e,
    ));
    o.push_str(&input("time", Ctl::new("incident_time"), v, e));
    let mut precision = vec![(String::new(), "As given".to_owned())];
    precision.extend(opts(
        TimePrecision::ALL,
        TimePrecision::as_wire,
        TimePrecision::label,
    ));
    o.push_str(&select(Ctl::new("time_precision"), &precision, v, e));
    o.push_str("</div>\n");
    let mut area_opts = vec![(String::new(), "Choose the area…".to_owned())];
    area_opts.extend(
        areas
            .areas()
            .iter()
            .map(|a| (a.code.as_str().to_owned(), a.name.clone())),
    );
    o.push_str(&select(Ctl::new("area").required(), &area_opts, v, e));
    o.push_str(&choices(
        Ctl::new("setting").required(),
        None,
        &tiles(Setting::ALL, Setting::as_wire, Setting::label),
        false,
        v,
        e,
    ));
    o.push_str("</section>\n");

    // What happened.
    o.push_str("<div class=\"card\">\n");
    o.push_str(&choices(
        Ctl::new("kinds")
            .required()
            .heading()
            .hint("Tick all that apply."),
        None,
        &tiles(
            IncidentKind::ALL,
            IncidentKind::as_wire,
            IncidentKind::label,
        ),
        true,
        v,
        e,
    ));
    o.push_str("</div>\n");

    // The person who did it.
    o.push_str("<section class=\"card\" aria-labelledby=\"s-who\"><h2 id=\"s-who\">The person who did it</h2>\n");
    o.push_str("<p class=\"hint\">Numbers and emails are kept only as a code that can be checked against, never readable.</p>\n<div class=\"row3\">\n");
    o.push_str(&textarea(
        Ctl::new("perpetrator.phones")
            .hint("One per line.")
            .attrs("autocomplete=\"off\" inputmode=\"tel\""),
        2,
        v,
        e,
    ));
    o.push_str(&textarea(
        Ctl::new("perpetrator.emails")
            .hint("One per line.")
            .attrs("autocomplete=\"off\""),
        2,
        v,
        e,
    ));
    o.push_str(&textarea(
        Ctl::new("perpetrator.names_used")
            .hint("One per line.")
            .attrs("autocomplete=\"off\""),
        2,
        v,
        e,
    ));
    o.push_str("</div>\n<div class=\"row3\">\n");
    let mut genders = vec![(String::new(), "Not said".to_owned())];
    genders.extend(opts(Gender::ALL, Gender::as_wire, Gender::label));
    o.push_str(&select(Ctl::new("perpetrator.gender"), &genders, v, e));
    o.push_str(&input(
        "text",
        Ctl::new("perpetrator.age_range")
            .hint("e.g. 40-50")
            .attrs("autocomplete=\"off\""),
        v,
        e,
    ));
    o.push_str(&input(
        "text",
        Ctl::new("perpetrator.height").attrs("autocomplete=\"off\""),
        v,
        e,
    ));
    o.push_str("</div>\n");
    o.push_str(&textarea(
        Ctl::new("perpetrator.appearance")
            .hint("Skin, hair, clothes, accent.")
            .attrs("autocomplete=\"off\""),
        2,
        v,
        e,
    ));
    o.push_str("<div class=\"row4\">\n");
    o.push_str(&input(
        "text",
        Ctl::new("perpetrator.vehicle.colour").attrs("autocomplete=\"off\""),
        v,
        e,
    ));
    o.push_str(&input(
        "text",
        Ctl::new("perpetrator.vehicle.make").attrs("autocomplete=\"off\""),
        v,
        e,
    ));
    o.push_str(&input(
        "text",
        Ctl::new("perpetrator.vehicle.model").attrs("autocomplete=\"off\""),
        v,
        e,
    ));
    o.push_str(&input(
        "text",
        Ctl::new("perpetrator.vehicle.registration")
            .hint("Any part; ? for a character not seen.")
            .attrs("autocomplete=\"off\" autocapitalize=\"characters\""),
        v,
        e,
    ));
    o.push_str("</div>\n");
    let more_open = [
        "perpetrator.build",
        "perpetrator.distinguishing_features",
        "perpetrator.online_handles",
    ]
    .iter()
    .any(|f| !v.get(f).trim().is_empty() || e.has(f));
    let _ = writeln!(o, "<details class=\"more\"{}><summary>More: build, distinguishing features, online accounts</summary>", if more_open { " open" } else { "" });
    o.push_str(&input(
        "text",
        Ctl::new("perpetrator.build").attrs("autocomplete=\"off\""),
        v,
        e,
    ));
    o.push_str(&textarea(
        Ctl::new("perpetrator.distinguishing_features")
            .hint("Tattoos, scars, anything memorable.")
            .attrs("autocomplete=\"off\""),
        2,
        v,
        e,
    ));
    o.push_str(&textarea(
        Ctl::new("perpetrator.online_handles")
            .hint("One per line, as site: handle.")
            .attrs("autocomplete=\"off\""),
        2,
        v,
        e,
    ));
    o.push_str("</details>\n</section>\n");

    // The account: internal.
    o.push_str("<section class=\"card internal\" aria-labelledby=\"s-account\"><h2 id=\"s-account\">The account <span class=\"tag\">internal</span></h2>\n");
    o.push_str(&textarea(
        Ctl::new("narrative")
            .required()
            .hint("Read by outreach workers and, only with consent, the police. Never sent to members. Leave out the name, contact details and address of the person it happened to: they go under “Stays on this device”.")
            .attrs("autocomplete=\"off\" data-watch=\"narrative\""),
        7,
        v,
        e,
    ));
    o.push_str(&warning_box("narrative", warnings));
    o.push_str("</section>\n");

    // The public warning.
    o.push_str("<section class=\"card public\" aria-labelledby=\"s-public\"><h2 id=\"s-public\">Public warning <span class=\"tag\">members read this</span></h2>\n");
    o.push_str(&textarea(
        Ctl::new("alert_text")
            .hint("The short warning other people who sex work will read, if the person agrees below. Leave it empty and one is written from the answers above — never from the account. Do not paste the account here.")
            .attrs("autocomplete=\"off\" maxlength=\"600\" data-watch=\"alert_text\""),
        3,
        v,
        e,
    ));
    o.push_str(&warning_box("alert_text", warnings));
    o.push_str(&choices(
        Ctl::new("alert_for").required(),
        None,
        &tiles(AlertGroup::ALL, AlertGroup::as_wire, AlertGroup::label),
        false,
        v,
        e,
    ));
    o.push_str("</section>\n");

    o.push_str("<div class=\"card\">\n");
    o.push_str(&choices(
        Ctl::new("reporter_role").required().heading(),
        None,
        &[
            Choice::new(
                ReporterRole::SelfReport.as_wire(),
                "The person it happened to",
            ),
            Choice::new(
                ReporterRole::OutreachWorker.as_wire(),
                "An outreach worker, for them",
            ),
            Choice::new(
                ReporterRole::ThirdParty.as_wire(),
                "Someone else who knows of it",
            ),
        ],
        false,
        v,
        e,
    ));
    o.push_str("</div>\n");

    // Consent.
    o.push_str("<section class=\"card consent\" aria-labelledby=\"s-consent\"><h2 id=\"s-consent\">Consent</h2>\n");
    o.push_str("<p class=\"hint\">Ask the person both questions. Nothing is chosen for them. They can change their mind later, from the report's page.</p>\n");
    o.push_str(&choices(
        Ctl::new("consent.alert").required(),
        Some(words::ALERT_QUESTION),
        &[
            Choice::new("yes", "Yes").meaning(words::ALERT_YES),
            Choice::new("no", "No").meaning(words::ALERT_NO),
        ],
        false,
        v,
        e,
    ));
    let police: Vec<Choice> = PoliceConsent::ALL
        .iter()
        .map(|p| {
            Choice::new(p.as_wire(), words::police_choice(*p)).meaning(words::police_meaning(*p))
        })
        .collect();
    o.push_str(&choices(
        Ctl::new("consent.police").required(),
        Some(words::POLICE_QUESTION),
        &police,
        false,
        v,
        e,
    ));
    o.push_str("</section>\n");

    // The person's own details.
    o.push_str("<section class=\"card private\" aria-labelledby=\"s-private\"><h2 id=\"s-private\">Stays on this device <span class=\"tag\">private</span></h2>\n");
    o.push_str("<p class=\"hint\">The person's own details. Kept encrypted on this laptop only: never in the shared log, never sent to members, never kept in drafts. They reach the police only if the answer above is “The report and their details”, sealed for the liaison officer. All optional.</p>\n<div class=\"row2\">\n");
    o.push_str(&input(
        "text",
        Ctl::new("victim_private.name").attrs("autocomplete=\"off\" data-private=\"1\""),
        v,
        e,
    ));
    o.push_str(&input(
        "text",
        Ctl::new("victim_private.contact").attrs("autocomplete=\"off\" data-private=\"1\""),
        v,
        e,
    ));
    o.push_str("</div>\n");
    o.push_str(&textarea(
        Ctl::new("victim_private.address").attrs("autocomplete=\"off\" data-private=\"1\""),
        2,
        v,
        e,
    ));
    o.push_str(&textarea(
        Ctl::new("victim_private.statement").attrs("autocomplete=\"off\" data-private=\"1\""),
        3,
        v,
        e,
    ));
    o.push_str("</section>\n");

    let _ = writeln!(
        o,
        "<div class=\"ack\" id=\"ack-box\"{}><label class=\"tile\" for=\"ack-warnings\"><input type=\"checkbox\" id=\"ack-warnings\" name=\"ack_warnings\" value=\"1\"><span class=\"tile-text\"><span class=\"tile-label\">File it as written</span><span class=\"meaning\">I have looked at the warnings: nothing in the text identifies or reaches the person it happened to.</span></span></label></div>",
        if warnings.is_empty() { " hidden" } else { "" }
    );
    // Next to the buttons, where "Save draft" is: the script says here when it saved.
    o.push_str(
        "<p class=\"draft-status\" id=\"draft-status\" role=\"status\" aria-live=\"polite\"></p>\n",
    );
    o.push_str("<div class=\"actions\">\n<button type=\"submit\" class=\"button primary big\" data-busy=\"Filing…\">File report</button>\n");
    o.push_str("<button type=\"submit\" class=\"button secondary\" formaction=\"/reports/draft\">Save draft</button>\n");
    o.push_str("<button type=\"submit\" class=\"button quiet\" formaction=\"/reports/draft/discard\" data-confirm=\"Clear the form and drop the saved draft?\">Clear form</button>\n</div>\n");
    o.push_str("</form>\n");
    o
}
