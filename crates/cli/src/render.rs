//! Human-readable output. JSON output is the types' own serde form (docs/JSON.md).

use mugsync_core::check::CheckAnswer;
use mugsync_core::report::{AreaList, Report, ReportId};
use mugsync_store::LocalSyncState;
use std::fmt::Write;

fn kinds(r: &Report) -> String {
    r.body
        .kinds
        .iter()
        .map(|k| k.label())
        .collect::<Vec<_>>()
        .join(", ")
}

fn sync_word(state: Option<&LocalSyncState>) -> String {
    match state {
        None => "from another device".into(),
        Some(LocalSyncState::NotSynced) => "not yet synced".into(),
        Some(LocalSyncState::Synced) => "synced".into(),
        Some(LocalSyncState::Rejected(why)) => format!("rejected: {why}"),
    }
}

/// The short id `report list` shows: the id's last 8 characters (its random part; the
/// front of a time-ordered id is the same for reports filed in the same minute).
/// `report show`, `amend` and `withdraw` accept it.
pub fn short_id(id: &ReportId) -> String {
    let text = id.to_string();
    text[text.len() - SHORT_ID_LEN..].to_owned()
}

/// How many characters of an id [`short_id`] shows.
pub const SHORT_ID_LEN: usize = 8;

/// One line per report, in aligned columns under a heading: short id, date, area name,
/// status, what happened, and where the report stands with the relay.
pub fn list(rows: &[(Report, Option<LocalSyncState>)], areas: &AreaList) -> String {
    if rows.is_empty() {
        return "No reports on this device yet. File one with `mugsync report new`.\n".into();
    }
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|(r, state)| {
            [
                short_id(&r.id),
                r.body.when.date.to_string(),
                areas.name_of(&r.body.area).to_owned(),
                r.status.label().to_owned(),
                kinds(r),
                format!("[{}]", sync_word(state.as_ref())),
            ]
        })
        .collect();
    let heading = ["ID", "DATE", "AREA", "STATUS", "WHAT", "SYNC"].map(String::from);
    let mut widths = [0usize; 6];
    for row in std::iter::once(&heading).chain(&cells) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&heading).chain(&cells) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<w$}  ", w = widths[i]);
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let _ = writeln!(out, "{}", count(rows.len(), "report"));
    out
}

/// "1 report", "3 reports".
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A report in full (no victim-private details).
pub fn show(
    r: &Report,
    state: Option<&LocalSyncState>,
    areas: &AreaList,
    has_private: bool,
) -> String {
    let mut o = String::new();
    let b = &r.body;
    let _ = writeln!(o, "Report {}", r.id);
    let _ = writeln!(
        o,
        "  status:        {}{}",
        r.status.label(),
        r.withdrawal_reason
            .as_ref()
            .map(|x| format!(" ({x})"))
            .unwrap_or_default()
    );
    let _ = writeln!(o, "  sync:          {}", sync_word(state));
    let time = b
        .when
        .time
        .map(|t| format!(" {:02}:{:02}", t.hour(), t.minute()))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "  when:          {}{} ({})",
        b.when.date,
        time,
        b.when.precision.label()
    );
    let _ = writeln!(
        o,
        "  where:         {} — {}",
        areas.name_of(&b.area),
        b.setting.label()
    );
    let _ = writeln!(o, "  what:          {}", kinds(r));
    let _ = writeln!(o, "  alert for:     {}", b.alert_for.label());
    let _ = writeln!(o, "  filed by:      {}", b.reporter_role.label());
    let _ = writeln!(
        o,
        "  consent:       alert {}; police: {}",
        if r.consent.alert { "yes" } else { "no" },
        r.consent.police.label()
    );
    let p = &b.perpetrator;
    for ph in r.all_phones() {
        let _ = writeln!(o, "  phone:         {}", ph.hint);
    }
    for e in r.all_emails() {
        let _ = writeln!(o, "  email:         {}", e.hint);
    }
    if !p.names_used.is_empty() {
        let names: Vec<&str> = p.names_used.iter().map(|n| n.as_str()).collect();
        let _ = writeln!(o, "  names used:    {}", names.join(", "));
    }
    let describe = p.summary();
    if !describe.is_empty() {
        let _ = writeln!(o, "  perpetrator:   {describe}");
    }
    if let Some(a) = &p.appearance {
        let _ = writeln!(o, "  appearance:    {a}");
    }
    if let Some(a) = &p.distinguishing_features {
        let _ = writeln!(o, "  features:      {a}");
    }
    if let Some(v) = &p.vehicle {
        let reg = v
            .registration
            .as_ref()
            .map(|r| format!(" reg {}", r.as_str()))
            .unwrap_or_default();
        let _ = writeln!(o, "  vehicle:       {}{}", v.colour_make_model(), reg);
    }
    for h in &p.online_handles {
        let _ = writeln!(o, "  online:        {} on {}", h.handle, h.site);
    }
    let _ = writeln!(o, "  public alert:  {}", b.alert_text);
    let _ = writeln!(o, "  narrative:     {}", b.narrative);
    for a in &r.amendments {
        let when = time::OffsetDateTime::from_unix_timestamp(a.at)
            .map(|t| t.date().to_string())
            .unwrap_or_default();
        if let Some(n) = &a.note {
            let _ = writeln!(o, "  amended {when}: {n}");
        }
        for ph in &a.phones {
            let _ = writeln!(o, "  amended {when}: phone {}", ph.hint);
        }
        for e in &a.emails {
            let _ = writeln!(o, "  amended {when}: email {}", e.hint);
        }
    }
    if has_private {
        let _ = writeln!(
            o,
            "  victim details: held on this device only, encrypted (not shown)"
        );
    }
    o
}

/// A check answer, worded for reading out.
pub fn check(a: &CheckAnswer, areas: &AreaList) -> String {
    let mut o = String::new();
    if a.count == 0 && a.withdrawn == 0 {
        let _ = writeln!(
            o,
            "{} {}: no reports on this device.",
            a.checked.kind, a.checked.shown_as
        );
        let _ = writeln!(
            o,
            "No report is not a guarantee of safety: trust your instincts."
        );
        return o;
    }
    let _ = writeln!(
        o,
        "{} {}: {} report(s)",
        a.checked.kind, a.checked.shown_as, a.count
    );
    if !a.months.is_empty() {
        let _ = writeln!(o, "  when:  {}", a.months.join(", "));
        let names: Vec<&str> = a.areas.iter().map(|c| areas.name_of(c)).collect();
        let _ = writeln!(o, "  where: {}", names.join("; "));
        let kinds: Vec<&str> = a.kinds.iter().map(|k| k.label()).collect();
        let _ = writeln!(o, "  what:  {}", kinds.join(", "));
    }
    for h in &a.reports {
        if h.status == mugsync_core::report::Status::Withdrawn {
            continue;
        }
        let _ = writeln!(
            o,
            "  - {} {}: {}",
            h.month,
            h.status.as_wire(),
            h.alert_text
        );
    }
    if a.withdrawn > 0 {
        let _ = writeln!(o, "  ({} withdrawn report(s) not counted)", a.withdrawn);
    }
    o
}
