//! The reports on this device: list with sync state, one report, and changing it (amend,
//! consent, withdraw), plus the person's own details on a page of their own.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use mugsync_core::identifiers::{NormalisedEmail, NormalisedPhone};
use mugsync_core::report::lifecycle::Role;
use mugsync_core::report::{
    Amendment, AreaList, Consent, Description, FieldError, PoliceConsent, Reason, Report, ReportId,
    Status,
};
use mugsync_store::LocalSyncState;
use std::collections::HashMap;
use std::fmt::Write;

use crate::formdata::FormData;
use crate::html::{csrf_field, notice, Nav, Page, E};
use crate::state::AppState;
use crate::store_access::{with_store, Failure};
use crate::words;

use super::form_parts::{choices, textarea, Choice, Ctl, Errors};
use super::{failure, respond};

fn parse_id(raw: &str) -> Result<ReportId, Failure> {
    ReportId::parse(raw).map_err(|_| Failure::NotFound)
}

fn kinds(r: &Report) -> String {
    r.body
        .kinds
        .iter()
        .map(|k| k.label())
        .collect::<Vec<_>>()
        .join(", ")
}

fn badge(class: &str, text: &str) -> String {
    format!("<span class=\"badge {class}\">{}</span>", E(text))
}

fn status_badge(r: &Report) -> String {
    let class = match r.status {
        Status::Open => "status-open",
        Status::Verified => "status-verified",
        Status::Withdrawn => "status-withdrawn",
    };
    badge(class, r.status.label())
}

fn sync_badge(state: Option<&LocalSyncState>) -> String {
    let (class, text) = words::sync_state(state);
    badge(&format!("sync-{class}"), &text)
}

/// Shortens a public warning for the list.
fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(max).collect();
    s.push('…');
    s
}

/// `GET /reports`.
pub(crate) async fn list(State(state): State<AppState>) -> Response {
    let loaded = with_store(&state, |store| {
        let reports = store.list()?;
        let rows = reports
            .into_iter()
            .map(|r| {
                let s = store.local_state(&r.id)?;
                Ok((r, s))
            })
            .collect::<Result<Vec<_>, mugsync_store::StoreError>>()?;
        Ok((rows, store.areas().clone()))
    })
    .await;
    let (rows, areas) = match loaded {
        Ok(v) => v,
        Err(f) => return failure(&state, f, "/reports"),
    };
    let unsynced = rows
        .iter()
        .filter(|(_, s)| matches!(s, Some(LocalSyncState::NotSynced)))
        .count();
    let mut o = String::from("<h1>Reports</h1>\n");
    if rows.is_empty() {
        o.push_str("<p>No reports on this device yet.</p><p><a class=\"button primary\" href=\"/reports/new\">File a report</a></p>\n");
        return respond(&state, Page::new("Reports", Nav::Reports, o));
    }
    let _ = writeln!(
        o,
        "<p class=\"lead\">{} report{} on this device, newest incident first. {}</p>",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        match unsynced {
            0 => "All of this device's reports have synced.".to_owned(),
            n => format!("{n} not yet synced: <a href=\"/sync\">sync now</a>."),
        }
    );
    o.push_str("<ul class=\"report-list\">\n");
    for (r, s) in &rows {
        let b = &r.body;
        let _ = writeln!(
            o,
            "<li class=\"report-card\"><h2 class=\"rc-h\"><a href=\"/reports/{}\">{} · {}</a></h2>\n<p class=\"rc-what\">{} · {}</p>\n<p class=\"rc-alert\">{}</p>\n<p class=\"badges\">{} {}</p></li>",
            r.id,
            E(&words::day(b.when.date)),
            E(areas.name_of(&b.area)),
            E(&kinds(r)),
            E(b.setting.label()),
            E(&short(b.alert_text.as_str(), 160)),
            status_badge(r),
            sync_badge(s.as_ref()),
        );
    }
    o.push_str("</ul>\n");
    respond(&state, Page::new("Reports", Nav::Reports, o))
}

struct Loaded {
    report: Report,
    sync: Option<LocalSyncState>,
    areas: AreaList,
    has_private: bool,
    role: Role,
}

async fn load(state: &AppState, id: ReportId) -> Result<Loaded, Failure> {
    with_store(state, move |store| {
        let report = store.report(&id)?.ok_or(Failure::NotFound)?;
        Ok(Loaded {
            sync: store.local_state(&id)?,
            has_private: store.victim_private(&id)?.is_some(),
            role: store.role(&id)?,
            areas: store.areas().clone(),
            report,
        })
    })
    .await
}

/// `GET /reports/{id}`.
pub(crate) async fn detail(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let here = format!("/reports/{}", raw);
    let loaded = match parse_id(&raw) {
        Ok(id) => load(&state, id).await,
        Err(f) => Err(f),
    };
    let l = match loaded {
        Ok(l) => l,
        Err(f) => return failure(&state, f, &here),
    };
    let top = match q.get("done").map(String::as_str) {
        _ if q.contains_key("filed") => notice(
            "ok",
            "Filed",
            "<p>It is saved on this device and goes to the relay at the next sync.</p>",
        ),
        Some("amended") => notice("ok", "Added to the report", ""),
        Some("consent") => notice(
            "ok",
            "Consent changed",
            "<p>Anything not yet sent follows the new answer.</p>",
        ),
        Some("withdrawn") => notice(
            "ok",
            "Withdrawn",
            "<p>No more warnings or police sharing for this report.</p>",
        ),
        _ => String::new(),
    };
    respond(
        &state,
        detail_page(&state, &l, &top, &FormData::default(), &Errors::default()),
    )
}

fn detail_page(
    state: &AppState,
    l: &Loaded,
    top: &str,
    posted: &FormData,
    errors: &Errors,
) -> Page {
    let r = &l.report;
    let b = &r.body;
    let p = &b.perpetrator;
    let mut o = String::new();
    o.push_str(top);
    let _ = writeln!(
        o,
        "<h1>{} · {}</h1>",
        E(&words::day(b.when.date)),
        E(l.areas.name_of(&b.area))
    );
    let _ = writeln!(
        o,
        "<p class=\"badges\">{} {}</p>",
        status_badge(r),
        sync_badge(l.sync.as_ref())
    );
    o.push_str("<dl class=\"facts\">\n");
    let mut fact = |k: &str, v: &str| {
        let _ = writeln!(o, "<div><dt>{}</dt><dd>{}</dd></div>", E(k), E(v));
    };
    if let Some(reason) = &r.withdrawal_reason {
        fact("Why withdrawn", reason.as_str());
    }
    fact("Sync", &words::sync_state(l.sync.as_ref()).1);
    fact("Received by police", words::POLICE_RECEIPT);
    let time = b
        .when
        .time
        .map(|t| format!(" {:02}:{:02}", t.hour(), t.minute()))
        .unwrap_or_default();
    fact(
        "When",
        &format!(
            "{}{} ({})",
            words::day(b.when.date),
            time,
            b.when.precision.label()
        ),
    );
    fact(
        "Where",
        &format!("{} — {}", l.areas.name_of(&b.area), b.setting.label()),
    );
    fact("What happened", &kinds(r));
    fact("Warning is for", b.alert_for.label());
    fact("Filed by", b.reporter_role.label());
    fact("Consent", &words::consent_short(r));
    o.push_str("</dl>\n");

    o.push_str("<section class=\"card public\" aria-labelledby=\"d-public\"><h2 id=\"d-public\">Public warning <span class=\"tag\">members read this</span></h2>\n");
    let _ = writeln!(
        o,
        "<p class=\"public-text\" id=\"public-text\">{}</p></section>",
        E(b.alert_text.as_str())
    );

    o.push_str("<section class=\"card\" aria-labelledby=\"d-who\"><h2 id=\"d-who\">The person who did it</h2>\n<dl class=\"facts\">\n");
    let mut who = |k: &str, v: String| {
        if !v.is_empty() {
            let _ = writeln!(o, "<div><dt>{}</dt><dd>{}</dd></div>", E(k), E(&v));
        }
    };
    who(
        "Phone numbers",
        r.all_phones()
            .map(|h| h.hint.as_str().to_owned())
            .collect::<Vec<_>>()
            .join(", "),
    );
    who(
        "Emails",
        r.all_emails()
            .map(|h| h.hint.as_str().to_owned())
            .collect::<Vec<_>>()
            .join(", "),
    );
    who(
        "Names used",
        p.names_used
            .iter()
            .map(|n| n.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    );
    who("Description", p.summary());
    who(
        "Appearance",
        p.appearance
            .as_ref()
            .map(|a| a.to_string())
            .unwrap_or_default(),
    );
    who(
        "Distinguishing features",
        p.distinguishing_features
            .as_ref()
            .map(|a| a.to_string())
            .unwrap_or_default(),
    );
    if let Some(v) = &p.vehicle {
        let reg = v
            .registration
            .as_ref()
            .map(|r| format!(" — registration {}", r.as_str()))
            .unwrap_or_default();
        who("Vehicle", format!("{}{}", v.colour_make_model(), reg));
    }
    who(
        "Online",
        p.online_handles
            .iter()
            .map(|h| format!("{} on {}", h.handle, h.site))
            .collect::<Vec<_>>()
            .join("; "),
    );
    o.push_str("</dl></section>\n");

    o.push_str("<section class=\"card internal\" aria-labelledby=\"d-account\"><h2 id=\"d-account\">The account <span class=\"tag\">internal</span></h2>\n");
    let _ = writeln!(
        o,
        "<p class=\"narrative\" id=\"narrative\">{}</p>",
        E(b.narrative.as_str())
    );
    if !r.amendments.is_empty() {
        o.push_str("<h3>Added later</h3>\n<ul class=\"amendments\">\n");
        for a in &r.amendments {
            let when = time::OffsetDateTime::from_unix_timestamp(a.at)
                .map(|t| words::day(t.date()))
                .unwrap_or_default();
            let mut parts = Vec::new();
            if let Some(n) = &a.note {
                parts.push(n.to_string());
            }
            for ph in &a.phones {
                parts.push(format!("phone {}", ph.hint));
            }
            for em in &a.emails {
                parts.push(format!("email {}", em.hint));
            }
            let _ = writeln!(
                o,
                "<li><span class=\"when\">{}</span> {}</li>",
                E(&when),
                E(&parts.join("; "))
            );
        }
        o.push_str("</ul>\n");
    }
    o.push_str("</section>\n");

    if l.has_private {
        let _ = writeln!(
            o,
            "<p class=\"private-note\">The person's own details are held on this device only, encrypted. <a href=\"/reports/{}/private\">Show them</a></p>",
            r.id
        );
    }

    if r.status != Status::Withdrawn {
        o.push_str(&change_forms(state, r, l.role, posted, errors));
    }
    let _ = writeln!(
        o,
        "<p class=\"report-id\">Report id <code>{}</code></p>",
        r.id
    );
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Page::new("Report", Nav::Reports, o).status(status)
}

fn change_forms(
    state: &AppState,
    r: &Report,
    role: Role,
    posted: &FormData,
    errors: &Errors,
) -> String {
    let csrf = csrf_field(state.csrf.as_str());
    let mut o = String::new();
    o.push_str(&errors.summary("Not changed yet"));

    o.push_str("<section class=\"card\" aria-labelledby=\"d-amend\"><h2 id=\"d-amend\">Add to this report</h2>\n");
    let _ = writeln!(
        o,
        "<form method=\"post\" action=\"/reports/{}/amend\" novalidate>{csrf}",
        r.id
    );
    o.push_str(
        "<p class=\"hint\">What was filed cannot be changed; additions are kept beside it.</p>\n",
    );
    o.push_str(&textarea(
        Ctl::new("amend.note").attrs("autocomplete=\"off\""),
        2,
        posted,
        errors,
    ));
    o.push_str("<div class=\"row2\">\n");
    o.push_str(&textarea(
        Ctl::new("amend.phones")
            .hint("One per line.")
            .attrs("autocomplete=\"off\" inputmode=\"tel\""),
        2,
        posted,
        errors,
    ));
    o.push_str(&textarea(
        Ctl::new("amend.emails")
            .hint("One per line.")
            .attrs("autocomplete=\"off\""),
        2,
        posted,
        errors,
    ));
    o.push_str("</div>\n<button type=\"submit\" class=\"button secondary\">Add</button>\n</form></section>\n");

    let mut consent_values = posted.clone();
    if !consent_values.has("consent.alert") {
        consent_values.0.push((
            "consent.alert".into(),
            if r.consent.alert { "yes" } else { "no" }.into(),
        ));
    }
    if !consent_values.has("consent.police") {
        consent_values
            .0
            .push(("consent.police".into(), r.consent.police.as_wire().into()));
    }
    o.push_str("<section class=\"card consent\" aria-labelledby=\"d-consent\"><h2 id=\"d-consent\">Change consent</h2>\n");
    let _ = writeln!(
        o,
        "<form method=\"post\" action=\"/reports/{}/consent\" novalidate>{csrf}",
        r.id
    );
    o.push_str("<p class=\"hint\">Only when the person asks. What has already been sent cannot be called back; anything not yet sent follows the new answer.</p>\n");
    // Only the device that filed the report raises consent (it alone holds the person's
    // details and asked them): other devices are offered only the same or lower answers.
    let may_raise = role == Role::FilingDevice;
    if !may_raise {
        o.push_str("<p class=\"hint\">This report was filed on another device: only that device can raise its consent. You can lower it or withdraw the report here.</p>\n");
    }
    let mut alert_choices = Vec::new();
    if may_raise || r.consent.alert {
        alert_choices.push(Choice::new("yes", "Yes").meaning(words::ALERT_YES));
    }
    alert_choices.push(Choice::new("no", "No").meaning(words::ALERT_NO));
    o.push_str(&choices(
        Ctl::new("consent.alert"),
        Some(words::ALERT_QUESTION),
        &alert_choices,
        false,
        &consent_values,
        errors,
    ));
    let police: Vec<Choice> = PoliceConsent::ALL
        .iter()
        .filter(|p| may_raise || **p <= r.consent.police)
        .map(|p| {
            Choice::new(p.as_wire(), words::police_choice(*p)).meaning(words::police_meaning(*p))
        })
        .collect();
    o.push_str(&choices(
        Ctl::new("consent.police"),
        Some(words::POLICE_QUESTION),
        &police,
        false,
        &consent_values,
        errors,
    ));
    o.push_str("<button type=\"submit\" class=\"button secondary\">Save consent</button>\n</form></section>\n");

    o.push_str("<section class=\"card danger\" aria-labelledby=\"d-withdraw\"><h2 id=\"d-withdraw\">Withdraw this report</h2>\n");
    let _ = writeln!(
        o,
        "<form method=\"post\" action=\"/reports/{}/withdraw\" novalidate data-confirm=\"Withdraw this report? No more warnings or police sharing will be sent for it.\">{csrf}",
        r.id
    );
    o.push_str("<p class=\"hint\">Stops warnings and police sharing that have not gone yet. The report stays on record as withdrawn.</p>\n");
    o.push_str(&textarea(
        Ctl::new("withdraw.reason")
            .required()
            .attrs("autocomplete=\"off\""),
        2,
        posted,
        errors,
    ));
    o.push_str("<button type=\"submit\" class=\"button danger\">Withdraw report</button>\n</form></section>\n");
    o
}

/// Re-shows a report with the errors of the form just posted.
async fn again(
    state: &AppState,
    id: ReportId,
    posted: &FormData,
    errors: Vec<FieldError>,
) -> Response {
    match load(state, id).await {
        Ok(l) => respond(
            state,
            detail_page(state, &l, "", posted, &Errors::from_fields(&errors)),
        ),
        Err(f) => failure(state, f, &format!("/reports/{id}")),
    }
}

/// `POST /reports/{id}/amend`.
pub(crate) async fn amend(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Extension(form): Extension<FormData>,
) -> Response {
    let id = match parse_id(&raw) {
        Ok(id) => id,
        Err(f) => return failure(&state, f, "/reports"),
    };
    let posted = form.clone();
    let result = with_store(&state, move |store| {
        let mut errors = Vec::new();
        let note = match form.opt("amend.note") {
            Some(n) => Description::parse("amend.note", &n)
                .map_err(|e| errors.push(e))
                .ok(),
            None => None,
        };
        let mut a = Amendment {
            at: time::OffsetDateTime::now_utc().unix_timestamp(),
            note,
            phones: Vec::new(),
            emails: Vec::new(),
        };
        // Plaintext for the local-only table (police payloads; re-keying at enrolment).
        let mut plain = mugsync_core::identifiers::PlainIdentifiers::default();
        for (i, p) in form.lines("amend.phones").iter().enumerate() {
            match NormalisedPhone::parse(p, store.region()) {
                Ok(p) => {
                    a.phones.push(store.scheme_key().protect_phone(&p));
                    plain.add_phone(p);
                }
                Err(e) => errors.push(FieldError::new(format!("amend.phones[{i}]"), e.to_string())),
            }
        }
        for (i, m) in form.lines("amend.emails").iter().enumerate() {
            match NormalisedEmail::parse(m) {
                Ok(m) => {
                    a.emails.push(store.scheme_key().protect_email(&m));
                    plain.add_email(m);
                }
                Err(e) => errors.push(FieldError::new(format!("amend.emails[{i}]"), e.to_string())),
            }
        }
        if errors.is_empty() && a.is_empty() {
            errors.push(FieldError::new(
                "amend.note",
                "nothing to add: write a note, or give a phone number or email",
            ));
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        store.report(&id)?.ok_or(Failure::NotFound)?;
        store.amend_with_plain(&id, &a, &plain)?;
        Ok(Ok(()))
    })
    .await;
    match result {
        Ok(Ok(())) => {
            state.sync_soon();
            Redirect::to(&format!("/reports/{id}?done=amended")).into_response()
        }
        Ok(Err(errors)) => again(&state, id, &posted, errors).await,
        Err(f) => failure(&state, f, &format!("/reports/{id}")),
    }
}

/// `POST /reports/{id}/consent`.
pub(crate) async fn consent(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Extension(form): Extension<FormData>,
) -> Response {
    let id = match parse_id(&raw) {
        Ok(id) => id,
        Err(f) => return failure(&state, f, "/reports"),
    };
    let mut errors = Vec::new();
    let alert = match form.get("consent.alert") {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            errors.push(FieldError::new("consent.alert", "choose yes or no"));
            None
        }
    };
    let police = PoliceConsent::parse(form.get("consent.police"))
        .map_err(|e| errors.push(e))
        .ok();
    let (Some(alert), Some(police)) = (alert, police) else {
        return again(&state, id, &form, errors).await;
    };
    let result = with_store(&state, move |store| {
        let r = store.report(&id)?.ok_or(Failure::NotFound)?;
        if r.status == Status::Withdrawn {
            return Err(Failure::Store(
                mugsync_core::log::LogError::Refused {
                    id,
                    refusal: mugsync_core::report::lifecycle::Refusal::Withdrawn,
                }
                .into(),
            ));
        }
        store.set_consent(&id, Consent { alert, police })?;
        Ok(true)
    })
    .await;
    match result {
        Ok(_) => {
            state.sync_soon();
            Redirect::to(&format!("/reports/{id}?done=consent")).into_response()
        }
        Err(f) => failure(&state, f, &format!("/reports/{id}")),
    }
}

/// `POST /reports/{id}/withdraw`.
pub(crate) async fn withdraw(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Extension(form): Extension<FormData>,
) -> Response {
    let id = match parse_id(&raw) {
        Ok(id) => id,
        Err(f) => return failure(&state, f, "/reports"),
    };
    let reason = match form.opt("withdraw.reason") {
        None => Err(FieldError::new(
            "withdraw.reason",
            "is empty; say briefly why (it stays with the report)",
        )),
        Some(r) => Reason::parse("withdraw.reason", &r),
    };
    let reason = match reason {
        Ok(r) => r,
        Err(e) => return again(&state, id, &form, vec![e]).await,
    };
    let result = with_store(&state, move |store| {
        let r = store.report(&id)?.ok_or(Failure::NotFound)?;
        if r.status != Status::Withdrawn {
            store.withdraw(&id, &reason)?;
        }
        Ok(())
    })
    .await;
    match result {
        Ok(()) => {
            state.sync_soon();
            Redirect::to(&format!("/reports/{id}?done=withdrawn")).into_response()
        }
        Err(f) => failure(&state, f, &format!("/reports/{id}")),
    }
}

/// `GET /reports/{id}/private`.
pub(crate) async fn private(State(state): State<AppState>, Path(raw): Path<String>) -> Response {
    let here = format!("/reports/{raw}/private");
    let id = match parse_id(&raw) {
        Ok(id) => id,
        Err(f) => return failure(&state, f, &here),
    };
    let loaded = with_store(&state, move |store| {
        store.report(&id)?.ok_or(Failure::NotFound)?;
        let v = store.victim_private(&id)?;
        Ok(v.map(|v| {
            [
                ("Name or working name", v.name.map(|t| t.to_string())),
                ("How to reach them", v.contact.map(|t| t.to_string())),
                ("Address or exact place", v.address.map(|t| t.to_string())),
                (
                    "Statement for the police liaison",
                    v.statement.map(|t| t.to_string()),
                ),
            ]
        }))
    })
    .await;
    let fields = match loaded {
        Ok(f) => f,
        Err(f) => return failure(&state, f, &here),
    };
    let mut o = String::from("<h1>The person's own details</h1>\n<p class=\"lead\">Held on this device only, encrypted. Never in the shared log; sent to the police only with full consent, sealed for the liaison officer. Close this page when done.</p>\n");
    match fields {
        None => o.push_str("<p>None were given for this report.</p>\n"),
        Some(fields) => {
            o.push_str("<dl class=\"facts private\">\n");
            for (k, v) in fields {
                if let Some(v) = v {
                    let _ = writeln!(
                        o,
                        "<div><dt>{}</dt><dd class=\"narrative\">{}</dd></div>",
                        E(k),
                        E(&v)
                    );
                }
            }
            o.push_str("</dl>\n");
        }
    }
    let _ = writeln!(
        o,
        "<p><a class=\"button secondary\" href=\"/reports/{id}\">Back to the report</a></p>"
    );
    respond(&state, Page::new("Private details", Nav::Reports, o))
}
