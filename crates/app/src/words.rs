//! How things are worded on the pages: sync states, consent choices, dates. The CLI's
//! `render.rs` words the same things the same way.

use mugsync_core::report::{PoliceConsent, Report};
use mugsync_store::LocalSyncState;
use time::{Date, OffsetDateTime};

/// A sync state as a short label and a CSS class for its badge.
pub(crate) fn sync_state(state: Option<&LocalSyncState>) -> (&'static str, String) {
    match state {
        None => ("other", "from another device".into()),
        Some(LocalSyncState::NotSynced) => ("pending", "not yet synced".into()),
        Some(LocalSyncState::Synced) => ("ok", "synced".into()),
        Some(LocalSyncState::Rejected(why)) => ("bad", format!("rejected: {why}")),
    }
}

/// What the police-receipt line says until police forwarding exists.
pub(crate) const POLICE_RECEIPT: &str = "not available yet (comes with police forwarding)";

/// The alert-consent question and what each answer means.
pub(crate) const ALERT_QUESTION: &str = "May an anonymous warning go to other members?";
/// Meaning of "yes" to the alert question.
pub(crate) const ALERT_YES: &str =
    "Other people who sex work in the area get the public warning. It never holds the account, or the name or contact details of the person it happened to.";
/// Meaning of "no" to the alert question.
pub(crate) const ALERT_NO: &str = "No warning goes out. The report stays with the scheme.";

/// The police question.
pub(crate) const POLICE_QUESTION: &str = "What may the police receive?";

/// The short name of each police choice, as the forms offer it.
pub(crate) fn police_choice(p: PoliceConsent) -> &'static str {
    match p {
        PoliceConsent::None => "Nothing",
        PoliceConsent::Intelligence => "The anonymous report",
        PoliceConsent::Full => "The report and their details",
    }
}

/// Plain-words meaning of each police choice.
pub(crate) fn police_meaning(p: PoliceConsent) -> &'static str {
    match p {
        PoliceConsent::None => "Nothing about this report goes to the police.",
        PoliceConsent::Intelligence => {
            "What happened and who did it, with no name or contact details of the person it happened to."
        }
        PoliceConsent::Full => {
            "The report plus the person's own details (under “Stays on this device”), sealed so that only the police liaison officer can read them. The liaison officer may get in touch."
        }
    }
}

/// A short answer for lists: "alert yes; police: anonymised intelligence only".
pub(crate) fn consent_short(r: &Report) -> String {
    format!(
        "warning to members: {}; police: {}",
        if r.consent.alert { "yes" } else { "no" },
        r.consent.police.label()
    )
}

/// `3 Oct 2026`.
pub(crate) fn day(d: Date) -> String {
    format!("{} {} {}", d.day(), &month_name(d.month())[..3], d.year())
}

/// `October 2026`.
pub(crate) fn month_year(d: Date) -> String {
    format!("{} {}", month_name(d.month()), d.year())
}

/// `2026-10` (as checks give months) → `October 2026`; anything else as it is.
pub(crate) fn month_label(ym: &str) -> String {
    let parsed = ym.split_once('-').and_then(|(y, m)| {
        let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
        Date::from_calendar_date(y.parse().ok()?, month, 1).ok()
    });
    parsed.map(month_year).unwrap_or_else(|| ym.to_owned())
}

fn month_name(m: time::Month) -> &'static str {
    use time::Month::*;
    match m {
        January => "January",
        February => "February",
        March => "March",
        April => "April",
        May => "May",
        June => "June",
        July => "July",
        August => "August",
        September => "September",
        October => "October",
        November => "November",
        December => "December",
    }
}

/// `YYYY-MM-DD`, as date inputs want it.
pub(crate) fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Parses `YYYY-MM-DD`.
pub(crate) fn parse_iso(s: &str) -> Option<Date> {
    Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// Today (UTC: the app has no safe way to learn the local offset on a threaded server;
/// the script swaps in the browser's local date where it matters).
pub(crate) fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// "just now", "4 min ago", "2 h ago", or a day.
pub(crate) fn ago(at: OffsetDateTime) -> String {
    let secs = (OffsetDateTime::now_utc() - at).whole_seconds().max(0);
    match secs {
        0..=44 => "just now".into(),
        45..=3599 => format!("{} min ago", (secs + 30) / 60),
        3600..=86_399 => format!("{} h ago", secs / 3600),
        _ => day(at.date()),
    }
}

/// "10 minutes", "90 seconds".
pub(crate) fn duration(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s >= 60 && s % 60 == 0 {
        let m = s / 60;
        format!("{m} minute{}", if m == 1 { "" } else { "s" })
    } else if s >= 1 {
        format!("{s} second{}", if s == 1 { "" } else { "s" })
    } else {
        format!("{} ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_durations_read_well() {
        let d = parse_iso("2026-10-03").unwrap();
        assert_eq!(day(d), "3 Oct 2026");
        assert_eq!(month_year(d), "October 2026");
        assert_eq!(iso(d), "2026-10-03");
        assert_eq!(month_label("2026-11"), "November 2026");
        assert_eq!(month_label("soon"), "soon");
        assert!(parse_iso("3/10/2026").is_none());
        assert_eq!(duration(std::time::Duration::from_secs(600)), "10 minutes");
        assert_eq!(duration(std::time::Duration::from_secs(90)), "90 seconds");
        assert_eq!(duration(std::time::Duration::from_millis(300)), "300 ms");
    }
}
