//! HTML output: escaping and the page layout.
//!
//! Every piece of text that came from a person or the log (narratives, names, alert texts,
//! error reasons that quote input) goes through [`E`] or [`esc`]. Fixture text holds
//! `<script>`, quotes and unicode; tests render it on every page and look for it raw.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::fmt::{self, Write};

/// Escapes text for HTML element content and double-quoted attribute values.
pub(crate) struct E<'a>(pub &'a str);

impl fmt::Display for E<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut last = 0;
        for (i, c) in self.0.char_indices() {
            let rep = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => continue,
            };
            f.write_str(&self.0[last..i])?;
            f.write_str(rep)?;
            last = i + c.len_utf8();
        }
        f.write_str(&self.0[last..])
    }
}

/// [`E`] as a `String`.
pub(crate) fn esc(s: &str) -> String {
    E(s).to_string()
}

/// Which main navigation entry a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Home,
    File,
    Reports,
    Check,
    Alerts,
    Sync,
    Settings,
    /// Pages outside the main navigation (the unlock page, errors).
    None,
}

const NAV: &[(Nav, &str, &str)] = &[
    (Nav::File, "/reports/new", "File a report"),
    (Nav::Reports, "/reports", "Reports"),
    (Nav::Check, "/check", "Check a number"),
    (Nav::Alerts, "/alerts", "Alerts"),
    (Nav::Sync, "/sync", "Sync"),
    (Nav::Settings, "/settings", "Settings"),
];

/// A page ready for the layout.
pub(crate) struct Page {
    pub status: StatusCode,
    pub title: String,
    pub nav: Nav,
    /// The inner HTML of `<main>`, already escaped where needed.
    pub body: String,
    /// Session values the layout needs (absent on pages shown without a session).
    pub session: Option<PageSession>,
    /// Seconds after which the page reloads itself (sync in progress), if any.
    pub refresh: Option<u32>,
}

/// What the layout needs from the session.
pub(crate) struct PageSession {
    pub csrf: String,
    pub idle_ms: u128,
    /// True while the store is locked: no navigation, no idle timer.
    pub locked: bool,
    /// While a sync runs (the automatic one too): how it is going, in one line.
    pub syncing: Option<String>,
}

impl Page {
    /// A 200 page.
    pub(crate) fn new(title: impl Into<String>, nav: Nav, body: String) -> Page {
        Page {
            status: StatusCode::OK,
            title: title.into(),
            nav,
            body,
            session: None,
            refresh: None,
        }
    }

    /// Sets the status code.
    pub(crate) fn status(mut self, status: StatusCode) -> Page {
        self.status = status;
        self
    }

    fn render(&self) -> String {
        let mut o = String::with_capacity(self.body.len() + 4096);
        o.push_str("<!doctype html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n");
        o.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        o.push_str("<meta name=\"color-scheme\" content=\"dark\">\n<meta name=\"referrer\" content=\"same-origin\">\n");
        if let Some(secs) = self.refresh {
            let _ = writeln!(o, "<meta http-equiv=\"refresh\" content=\"{secs}\">");
        }
        let _ = writeln!(o, "<title>{} · mugsync</title>", E(&self.title));
        // An empty data: icon stops the browser asking for /favicon.ico.
        o.push_str("<link rel=\"icon\" href=\"data:,\">\n");
        let _ = writeln!(
            o,
            "<link rel=\"stylesheet\" href=\"{}\">",
            crate::assets::CSS_PATH
        );
        if self.session.is_some() {
            let _ = writeln!(
                o,
                "<script src=\"{}\" defer></script>",
                crate::assets::JS_PATH
            );
        }
        o.push_str("</head>\n");
        match &self.session {
            Some(s) => {
                let _ = writeln!(
                    o,
                    "<body data-csrf=\"{}\" data-idle-ms=\"{}\" data-locked=\"{}\">",
                    E(&s.csrf),
                    s.idle_ms,
                    if s.locked { 1 } else { 0 }
                );
            }
            None => o.push_str("<body>\n"),
        }
        o.push_str(
            "<a class=\"skip\" href=\"#main\">Skip to content</a>\n<header class=\"top\">\n",
        );
        o.push_str("<a class=\"brand\" href=\"/\"><span aria-hidden=\"true\">◐</span> mugsync <span class=\"brand-sub\">outreach</span></a>\n");
        if let Some(s) = self.session.as_ref().filter(|s| !s.locked) {
            o.push_str("<nav aria-label=\"Main\"><ul>\n");
            for (nav, href, label) in NAV {
                let current = if *nav == self.nav {
                    " aria-current=\"page\""
                } else {
                    ""
                };
                let _ = writeln!(o, "<li><a href=\"{href}\"{current}>{label}</a></li>");
            }
            o.push_str("</ul></nav>\n");
            let _ = writeln!(
                o,
                "<form class=\"lock\" method=\"post\" action=\"/lock\">{}<button type=\"submit\" class=\"button secondary\">Lock</button></form>",
                csrf_field(&s.csrf)
            );
        }
        o.push_str("</header>\n");
        // Every page says a sync is running and how far it has got (the sync page says
        // it in full), so a worker knows a warning is on its way out.
        if let Some(line) = self
            .session
            .as_ref()
            .filter(|s| !s.locked && self.nav != Nav::Sync)
            .and_then(|s| s.syncing.as_deref())
        {
            let _ = writeln!(
                o,
                "<p class=\"sync-line\" id=\"sync-line\" role=\"status\"><a href=\"/sync\">Syncing with the relay</a>: {}</p>",
                E(line)
            );
        }
        o.push_str("<main id=\"main\" tabindex=\"-1\">\n");
        o.push_str(&self.body);
        o.push_str("\n</main>\n<footer class=\"foot\"><p>Works with no network: everything stays on this laptop, encrypted, until you sync.</p></footer>\n</body>\n</html>\n");
        o
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let html = self.render();
        (
            self.status,
            [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response()
    }
}

/// The hidden CSRF field every form carries.
pub(crate) fn csrf_field(csrf: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        E(csrf)
    )
}

/// An element id made from a form field name (`perpetrator.phones` → `f-perpetrator-phones`).
pub(crate) fn field_id(name: &str) -> String {
    let mut id = String::from("f-");
    for c in name.chars() {
        id.push(if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '-'
        });
    }
    id
}

/// A short notice box (`kind`: ok, warn, error, info).
pub(crate) fn notice(kind: &str, heading: &str, text_html: &str) -> String {
    let role = if kind == "error" { "alert" } else { "status" };
    format!("<div class=\"notice {kind}\" role=\"{role}\"><p class=\"notice-h\">{}</p>{text_html}</div>\n", E(heading))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_that_matters() {
        assert_eq!(
            esc("<script>alert(1)</script> & 'quotes' \"double\" — ünïcödé"),
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;quotes&#39; &quot;double&quot; — ünïcödé"
        );
        assert_eq!(esc(""), "");
        assert_eq!(esc("plain"), "plain");
        assert_eq!(
            field_id("perpetrator.vehicle.registration"),
            "f-perpetrator-vehicle-registration"
        );
    }
}
