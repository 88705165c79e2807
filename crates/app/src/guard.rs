//! Who may drive the app: the middleware every request passes through.
//!
//! 1. `Host` must be the bound `127.0.0.1:PORT`, so a web page whose DNS name was rebound
//!    to 127.0.0.1 is refused (its requests carry its own name).
//! 2. `GET /unlock?session=TICKET` (the `open_url`) swaps the one-time ticket for the
//!    session cookie.
//! 3. Everything else needs that cookie.
//! 4. A POST also needs a same-origin `Origin` (when the browser sends one), a form body
//!    and the session's CSRF token in it. The parsed form is handed to the handler as an
//!    extension, so no handler can forget the check.
//!
//! Refusals are 403s that say how to get a working link, and every response carries
//! headers that stop caching, framing, sniffing and outside scripts.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::formdata::FormData;
use crate::state::AppState;

/// The largest form accepted: a full report with a 20,000-character account, encoded.
const MAX_FORM_BYTES: usize = 1024 * 1024;

/// Pages come only from this binary: no outside script, style, frame or form target.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The refusal page is shown without a session, so it cannot load the stylesheet; its
/// small inline style is all it may use.
const CSP_REFUSAL: &str =
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

/// Why a request was refused (for the log line: no values).
#[derive(Debug, Clone, Copy)]
enum Refusal {
    Host,
    Ticket,
    Cookie,
    CrossSite,
    Origin,
    NotAForm,
    Csrf,
}

/// The middleware.
pub(crate) async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut resp = match check(&state, req).await {
        Ok(Checked::Forward(req)) => {
            state.touch();
            next.run(req).await
        }
        Ok(Checked::Respond(resp)) => resp,
        Err(why) => {
            tracing::info!(refusal = ?why, "request refused");
            refusal(why)
        }
    };
    secure_headers(resp.headers_mut());
    resp
}

enum Checked {
    Forward(Request),
    Respond(Response),
}

async fn check(state: &AppState, req: Request) -> Result<Checked, Refusal> {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    // HTTP/1.1 always sends Host; an absolute-form URI's authority must agree with it too.
    let authority_ok = req
        .uri()
        .authority()
        .is_none_or(|a| a.as_str() == state.host);
    if host != Some(state.host.as_str()) || !authority_ok {
        return Err(Refusal::Host);
    }
    let has_cookie = cookie_ok(state, req.headers());

    if req.method() == Method::GET && req.uri().path() == "/unlock" {
        if let Some(ticket) = query_value(req.uri().query().unwrap_or(""), "session") {
            return ticket_visit(state, &ticket, has_cookie).map(Checked::Respond);
        }
    }
    if !has_cookie {
        return Err(Refusal::Cookie);
    }
    if let Some(site) = req
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
    {
        let navigating = req
            .headers()
            .get("sec-fetch-mode")
            .and_then(|v| v.to_str().ok())
            == Some("navigate");
        let from_here = site == "same-origin" || site == "none";
        // Another page (even one on another 127.0.0.1 port, which counts as the same
        // site and so gets the cookie) may link here, but not post, fetch or embed.
        let followed_link = navigating && req.method() == Method::GET;
        if !(from_here || followed_link) {
            return Err(Refusal::CrossSite);
        }
    }
    if req.method() != Method::POST {
        return Ok(Checked::Forward(req));
    }
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        if origin.as_bytes() != state.origin.as_bytes() {
            return Err(Refusal::Origin);
        }
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.split(';').next().is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
    if !is_form {
        return Err(Refusal::NotAForm);
    }
    let (mut parts, body) = req.into_parts();
    let bytes = to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| Refusal::NotAForm)?;
    let form = FormData::parse(&bytes).ok_or(Refusal::NotAForm)?;
    if !state.csrf.matches(form.get("csrf")) {
        return Err(Refusal::Csrf);
    }
    parts.extensions.insert(form);
    Ok(Checked::Forward(Request::from_parts(parts, Body::empty())))
}

/// The `open_url` visit: the first one with the right ticket gets the cookie.
fn ticket_visit(state: &AppState, ticket: &str, has_cookie: bool) -> Result<Response, Refusal> {
    if state.redeem_ticket(ticket) {
        let cookie = format!(
            "{}={}; Path=/; HttpOnly; SameSite=Strict",
            state.cookie_name,
            state.session.as_str()
        );
        let mut resp = Redirect::to("/").into_response();
        resp.headers_mut().insert(
            header::SET_COOKIE,
            HeaderValue::from_str(&cookie).expect("cookie is ASCII"),
        );
        state.touch();
        return Ok(resp);
    }
    if has_cookie {
        // The same browser opening the link again: it is already in.
        return Ok(Redirect::to("/").into_response());
    }
    Err(Refusal::Ticket)
}

fn cookie_ok(state: &AppState, headers: &HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .any(|(name, value)| name == state.cookie_name && state.session.matches(value))
}

/// One value from a query string (the ticket is URL-safe base64: no decoding needed).
fn query_value(query: &str, name: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn secure_headers(h: &mut HeaderMap) {
    let set = |h: &mut HeaderMap, name: &'static str, value: &'static str| {
        if !h.contains_key(name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    };
    set(h, "content-security-policy", CSP);
    // Pages show accounts of violence: never keep them in the browser's disk cache.
    set(h, "cache-control", "no-store");
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    // same-origin, not no-referrer: under no-referrer the browser sends `Origin: null` on
    // form posts, and the Origin check above needs the real one.
    set(h, "referrer-policy", "same-origin");
    set(h, "cross-origin-opener-policy", "same-origin");
    set(h, "cross-origin-resource-policy", "same-origin");
}

fn refusal(why: Refusal) -> Response {
    let (heading, text) = match why {
        Refusal::Ticket => (
            "This link has already been used",
            "For safety each link from <code>mugsync app</code> works once, in one browser. To get a new one, stop <code>mugsync app</code> (Ctrl+C) and start it again.",
        ),
        Refusal::Host => (
            "Not allowed",
            "This app only answers at the exact address <code>mugsync app</code> printed (http://127.0.0.1:…). Open that link.",
        ),
        Refusal::Csrf | Refusal::Origin | Refusal::NotAForm | Refusal::CrossSite => (
            "Not allowed",
            "That request did not come from this app's own pages, so nothing was done. Go back to the app and try again from its page.",
        ),
        Refusal::Cookie => (
            "Open the link from mugsync app",
            "This app only works in the browser that opened the link <code>mugsync app</code> printed. If that was you, stop <code>mugsync app</code> (Ctrl+C) and start it again for a new link.",
        ),
    };
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{heading} · mugsync</title><style>body{{background:#0f1115;color:#eceff3;font:1.125rem/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}}code{{color:#ffd480}}</style></head>\
         <body><main><h1>{heading}</h1><p>{text}</p></main></body></html>"
    );
    let mut resp = (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response();
    resp.headers_mut().insert(
        "content-security-policy",
        HeaderValue::from_static(CSP_REFUSAL),
    );
    resp
}
