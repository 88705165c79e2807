//! Alerts for an area and period, to read out, and the printable sheet.
//!
//! Only public warning texts appear here, and only for reports whose consent allows a
//! warning and that are not withdrawn: never an account, never the person's details, and
//! the month rather than the day, as members' checks show it.

use axum::extract::{Query, State};
use axum::response::Response;
use mugsync_core::alerts::{self, Warning};
use mugsync_core::report::{AlertGroup, AreaList, Report};
use std::collections::HashMap;
use std::fmt::Write;
use time::Date;

use crate::html::{notice, Nav, Page, E};
use crate::state::AppState;
use crate::store_access::with_store;
use crate::words;

use super::{failure, respond};

/// How far back the alerts page looks unless told.
const DEFAULT_DAYS: i64 = 30;
/// At most this many warnings on the printed sheet…
const SHEET_MAX: usize = 8;
/// …and about this much text, so that it fits one page in large type.
const SHEET_BUDGET_CHARS: usize = 1500;
/// What each warning's heading line costs against the budget.
const SHEET_LINE_CHARS: usize = 60;

/// The filter, from the query string.
struct Filter {
    area: Option<String>,
    from: Date,
    to: Date,
    group: Option<AlertGroup>,
    problems: Vec<String>,
}

impl Filter {
    fn from_query(q: &HashMap<String, String>, areas: &AreaList) -> Filter {
        let today = words::today();
        let mut problems = Vec::new();
        let mut date =
            |key: &str, default: Date| match q.get(key).map(|s| s.trim()).filter(|s| !s.is_empty())
            {
                None => default,
                Some(s) => words::parse_iso(s).unwrap_or_else(|| {
                    problems.push(format!(
                        "“{s}” is not a date; showing from {} instead",
                        words::day(default)
                    ));
                    default
                }),
            };
        let from = date("from", today - time::Duration::days(DEFAULT_DAYS));
        let to = date("to", today);
        let (from, to) = if from <= to { (from, to) } else { (to, from) };
        let area = q
            .get("area")
            .filter(|a| !a.is_empty())
            .and_then(|a| areas.area(a).ok())
            .map(|a| a.code.as_str().to_owned());
        let group = q
            .get("for")
            .and_then(|g| AlertGroup::parse(g).ok())
            .filter(|g| *g != AlertGroup::Everyone);
        Filter {
            area,
            from,
            to,
            group,
            problems,
        }
    }

    fn query(&self) -> String {
        let mut q = format!("from={}&to={}", words::iso(self.from), words::iso(self.to));
        if let Some(a) = &self.area {
            let _ = write!(q, "&area={a}");
        }
        if let Some(g) = self.group {
            let _ = write!(q, "&for={}", g.as_wire());
        }
        q
    }

    fn matches(&self, r: &Report) -> bool {
        self.matches_any_date(r) && r.body.when.date >= self.from && r.body.when.date <= self.to
    }

    /// Everything but the period: what an empty page offers a wider range for. Which
    /// reports may be warnings at all is core's rule ([`alerts::eligible`]).
    fn matches_any_date(&self, r: &Report) -> bool {
        alerts::eligible(r)
            && self
                .area
                .as_deref()
                .is_none_or(|a| r.body.area.as_str() == a)
            && self
                .group
                .is_none_or(|g| alerts::is_for(r.body.alert_for, g))
    }

    fn describe(&self, areas: &AreaList) -> String {
        let area = match &self.area {
            Some(a) => areas
                .area(a)
                .map(|a| a.name.clone())
                .unwrap_or_else(|_| a.clone()),
            None => "All areas".into(),
        };
        let group = self
            .group
            .map(|g| format!(" · for {}", g.label()))
            .unwrap_or_default();
        format!(
            "{area}{group} · {} to {}",
            words::day(self.from),
            words::day(self.to)
        )
    }
}

/// One warning, ready to show: core's [`Warning`] and its area's name.
struct Alert {
    warning: Warning,
    area: String,
}

impl Alert {
    fn month(&self) -> String {
        words::month_label(self.warning.month())
    }

    fn kinds(&self) -> String {
        self.warning
            .kinds()
            .iter()
            .map(|k| k.label())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn text(&self) -> &str {
        self.warning.alert_text().as_str()
    }

    /// Other reports on this device with one of the same numbers or emails.
    fn repeats(&self) -> usize {
        self.warning.repeats().others
    }
}

/// The earliest and latest incident dates of the warnings the filter would show at any
/// date: what an empty page offers instead.
type Span = Option<(Date, Date)>;

async fn load(
    state: &AppState,
    q: HashMap<String, String>,
) -> Result<(Filter, Vec<Alert>, AreaList, Span), crate::store_access::Failure> {
    with_store(state, move |store| {
        let areas = store.areas().clone();
        let filter = Filter::from_query(&q, &areas);
        let all = store.list()?;
        let span = all
            .iter()
            .filter(|r| filter.matches_any_date(r))
            .map(|r| r.body.when.date)
            .fold(None, |acc: Span, d| match acc {
                None => Some((d, d)),
                Some((lo, hi)) => Some((lo.min(d), hi.max(d))),
            });
        let shown: Vec<&Report> = all.iter().filter(|r| filter.matches(r)).collect();
        // Repeat offenders get a stronger line: linked through the store's identifier
        // index, for the shown reports only.
        let links = store.links_for(shown.iter().copied())?;
        let alerts = shown
            .into_iter()
            .filter_map(|r| Warning::of(r, &links))
            .map(|warning| Alert {
                area: areas.name_of(warning.area()).to_owned(),
                warning,
            })
            .collect();
        Ok((filter, alerts, areas, span))
    })
    .await
}

/// "Same number or email (+44 7••• •••123) as 1 other report".
fn repeat_line(a: &Alert) -> String {
    let linked_by = &a.warning.repeats().linked_by;
    let which = if linked_by.is_empty() {
        String::new()
    } else {
        let hints: Vec<&str> = linked_by.iter().map(|h| h.as_str()).collect();
        format!(" ({})", hints.join(", "))
    };
    match a.repeats() {
        0 => String::new(),
        1 => format!("Same number or email{which} as 1 other report"),
        n => format!("Same number or email{which} as {n} other reports"),
    }
}

/// Why the page is empty, and the range that would show something.
fn empty_explanation(filter: &Filter, span: Span) -> String {
    let period = format!("{} to {}", words::day(filter.from), words::day(filter.to));
    match span {
        None => format!("<p>No warnings for this area and period ({}). Only reports where the person agreed to a warning, and not withdrawn, are shown — none on this device match.</p>\n", E(&period)),
        Some((lo, hi)) => {
            let wider = Filter {
                area: filter.area.clone(),
                from: lo,
                to: hi,
                group: filter.group,
                problems: Vec::new(),
            };
            format!(
                "<p id=\"alerts-empty\">No warnings from {} (without dates chosen, the page shows the last {DEFAULT_DAYS} days). The warnings on this device for this area run from {} to {}.</p>\n<p><a class=\"button secondary\" href=\"/alerts?{}\">Show {} to {}</a></p>\n",
                E(&period),
                E(&words::day(lo)),
                E(&words::day(hi)),
                E(&wider.query()),
                E(&words::day(lo)),
                E(&words::day(hi)),
            )
        }
    }
}

/// `GET /alerts`.
pub(crate) async fn page(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (filter, alerts, areas, span) = match load(&state, q).await {
        Ok(v) => v,
        Err(f) => return failure(&state, f, "/alerts"),
    };
    let mut o = String::from("<h1>Alerts to read out</h1>\n");
    for p in &filter.problems {
        o.push_str(&notice(
            "warn",
            "Date not understood",
            &format!("<p>{}</p>", E(p)),
        ));
    }
    o.push_str(&filter_form(&filter, &areas));
    let _ = writeln!(
        o,
        "<p class=\"lead\" id=\"alerts-summary\">{} warning{} · {}</p>",
        alerts.len(),
        if alerts.len() == 1 { "" } else { "s" },
        E(&filter.describe(&areas))
    );
    let _ = writeln!(
        o,
        "<p><a class=\"button secondary\" href=\"/alerts/bulletin?{}\">Printable sheet</a></p>",
        E(&filter.query())
    );
    if alerts.is_empty() {
        o.push_str(&empty_explanation(&filter, span));
    } else {
        o.push_str("<ol class=\"read-out\">\n");
        for a in &alerts {
            let _ = writeln!(
                o,
                "<li class=\"alert-card\"><p class=\"ac-meta\">{} · {} · for {}</p><p class=\"ac-kinds\">{}</p><p class=\"ac-text\">{}</p>{}</li>",
                E(&a.month()),
                E(&a.area),
                E(a.warning.alert_for().label()),
                E(&a.kinds()),
                E(a.text()),
                match a.repeats() {
                    0 => String::new(),
                    _ => format!("<p class=\"ac-repeat\">{}</p>", E(&repeat_line(a))),
                }
            );
        }
        o.push_str("</ol>\n");
    }
    respond(&state, Page::new("Alerts", Nav::Alerts, o))
}

fn filter_form(f: &Filter, areas: &AreaList) -> String {
    let mut o = String::from(
        "<form method=\"get\" action=\"/alerts\" class=\"filters card\">\n<div class=\"row4\">\n",
    );
    o.push_str("<div class=\"field\"><label for=\"f-area\">Area</label><select id=\"f-area\" name=\"area\"><option value=\"\">All areas</option>");
    for a in areas.areas() {
        let sel = if f.area.as_deref() == Some(a.code.as_str()) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            o,
            "<option value=\"{}\"{sel}>{}</option>",
            E(a.code.as_str()),
            E(&a.name)
        );
    }
    o.push_str("</select></div>\n");
    let _ = writeln!(o, "<div class=\"field\"><label for=\"f-from\">From</label><input type=\"date\" id=\"f-from\" name=\"from\" value=\"{}\"></div>", words::iso(f.from));
    let _ = writeln!(o, "<div class=\"field\"><label for=\"f-to\">To</label><input type=\"date\" id=\"f-to\" name=\"to\" value=\"{}\"></div>", words::iso(f.to));
    o.push_str("<div class=\"field\"><label for=\"f-for\">Warnings for</label><select id=\"f-for\" name=\"for\"><option value=\"\">Everyone</option>");
    for g in AlertGroup::ALL
        .iter()
        .filter(|g| **g != AlertGroup::Everyone)
    {
        let sel = if f.group == Some(*g) { " selected" } else { "" };
        let _ = write!(
            o,
            "<option value=\"{}\"{sel}>{}</option>",
            g.as_wire(),
            E(g.label())
        );
    }
    o.push_str("</select></div>\n</div>\n<button type=\"submit\" class=\"button secondary\">Show</button>\n</form>\n");
    o
}

/// `GET /alerts/bulletin`: one page, large type, public warning texts only.
pub(crate) async fn bulletin(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (filter, alerts, areas, _) = match load(&state, q).await {
        Ok(v) => v,
        Err(f) => return failure(&state, f, "/alerts/bulletin"),
    };
    let mut shown = Vec::new();
    let mut used = 0;
    for a in &alerts {
        let cost = a.text().chars().count() + SHEET_LINE_CHARS;
        if shown.len() >= SHEET_MAX || (used + cost > SHEET_BUDGET_CHARS && !shown.is_empty()) {
            break;
        }
        used += cost;
        shown.push(a);
    }
    let mut o = String::new();
    let _ = writeln!(
        o,
        "<div class=\"no-print toolbar\"><a class=\"button secondary\" href=\"/alerts?{}\">Back to alerts</a> <button type=\"button\" class=\"button primary\" data-print hidden>Print</button><p class=\"hint\">Print with Ctrl+P. Only public warning texts are on the sheet.</p></div>",
        E(&filter.query())
    );
    if shown.len() < alerts.len() {
        let _ = writeln!(
            o,
            "<div class=\"no-print\">{}</div>",
            notice(
                "warn",
                "Not everything fits on one page",
                &format!(
                    "<p>The sheet shows the {} newest of {} warnings. Choose one area or a shorter period for the rest.</p>",
                    shown.len(),
                    alerts.len()
                )
            )
        );
    }
    o.push_str("<article class=\"sheet\" aria-labelledby=\"sheet-h\">\n");
    let _ = writeln!(
        o,
        "<header class=\"sheet-head\"><h1 id=\"sheet-h\">Warnings</h1><p class=\"sheet-sub\">{}</p></header>",
        E(&filter.describe(&areas))
    );
    if shown.is_empty() {
        o.push_str("<p class=\"sh-text\">No warnings for this area and period.</p>\n");
    } else {
        o.push_str("<ol class=\"sheet-list\">\n");
        for a in &shown {
            let repeat = match a.repeats() {
                0 => String::new(),
                _ => format!(" · {}", repeat_line(a)),
            };
            let _ = writeln!(
                o,
                "<li><p class=\"sh-meta\">{} · {} · {}{}</p><p class=\"sh-text\">{}</p></li>",
                E(&a.month()),
                E(&a.area),
                E(&a.kinds()),
                E(&repeat),
                E(a.text())
            );
        }
        o.push_str("</ol>\n");
    }
    let _ = writeln!(
        o,
        "<footer class=\"sheet-foot\"><p>Check numbers and emails with outreach before you book. No warning is not a guarantee of safety: trust your instincts.</p><p>Printed {}. Keep this sheet among people who sex work.</p></footer>\n</article>",
        E(&words::day(words::today()))
    );
    respond(&state, Page::new("Warnings sheet", Nav::Alerts, o))
}

#[cfg(test)]
mod tests {
    use mugsync_core::links::Links;
    use mugsync_core::report::{Reason, Status};

    use crate::tests::Harness;

    /// The page links through the store's identifier index; that must say exactly what
    /// core's rule says over every report on the device, withdrawn ones included.
    #[tokio::test]
    async fn the_store_index_links_reports_as_core_does() {
        let h = Harness::new().await;
        let ids = h.file_fixtures();
        // Withdraw one of the two reports that share 07700 900123: the other loses its link.
        let all = h.store(|s| s.list().unwrap());
        let sharing: Vec<_> = all
            .iter()
            .filter(|r| r.all_phones().any(|p| p.hint.as_str() == "+44 7••• •••123"))
            .map(|r| r.id)
            .collect();
        assert_eq!(sharing.len(), 2);
        for withdraw in [false, true] {
            if withdraw {
                h.store(|s| {
                    s.withdraw(
                        &sharing[0],
                        &Reason::parse("r", "asked to withdraw").unwrap(),
                    )
                    .unwrap()
                });
            }
            let all = h.store(|s| s.list().unwrap());
            let rescan = Links::from_reports(&all);
            let indexed = h.store(|s| s.links_for(&all).unwrap());
            for r in &all {
                assert_eq!(indexed.of(r), rescan.of(r), "report {}", r.id);
            }
            let survivor = all.iter().find(|r| r.id == sharing[1]).unwrap();
            assert_eq!(indexed.of(survivor).others, usize::from(!withdraw));
            let gone = all.iter().find(|r| r.id == sharing[0]).unwrap();
            assert_eq!(gone.status == Status::Withdrawn, withdraw);
        }
        assert_eq!(ids.len(), all.len());
    }
}
