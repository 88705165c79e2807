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

/// `01/12/2026`: the scheme's (en-GB) way of writing a day, which the report form shows
/// and asks for (an `<input type=date>` would show the browser's locale instead, so a
/// van laptop set up in the US would show 12/01/2026 for the same day).
pub(crate) fn en_gb(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

/// What to write in a date field, said when one cannot be read.
pub(crate) const DAY_FORMAT_HELP: &str =
    "write the day first, then the month and the year, e.g. 01/12/2026 or 1 December 2026";

/// Parses a day as a worker in the van writes it, day first: `1/12/2026`, `01.12.2026`,
/// `1-12-2026`, `1 December 2026`, `1 Dec 2026` (and `2026-12-01`, which drafts and
/// scripts may hold). A two-digit year or a day that does not exist is refused with why.
pub(crate) fn parse_day(s: &str) -> Result<Date, String> {
    let t = s.trim();
    if let Some(d) = parse_iso(t) {
        return Ok(d);
    }
    let parts: Vec<&str> = t
        .split(|c: char| c == '/' || c == '.' || c == '-' || c.is_whitespace() || c == ',')
        .filter(|p| !p.is_empty())
        .collect();
    let [day, month, year] = parts.as_slice() else {
        return Err(format!("'{}' is not a date: {DAY_FORMAT_HELP}", shorten(t)));
    };
    let month = match month.parse::<u8>() {
        Ok(n) => time::Month::try_from(n).ok(),
        Err(_) => month_named(month),
    };
    let Some(month) = month else {
        return Err(format!(
            "'{}' has no month this form knows: {DAY_FORMAT_HELP}",
            shorten(t)
        ));
    };
    if year.len() != 4 {
        return Err(format!(
            "'{}': give the year in full (2026, not 26)",
            shorten(t)
        ));
    }
    let (Ok(day), Ok(year)) = (
        day.trim_end_matches(['s', 't', 'n', 'd', 'r', 'h'])
            .parse::<u8>(),
        year.parse::<i32>(),
    ) else {
        return Err(format!("'{}' is not a date: {DAY_FORMAT_HELP}", shorten(t)));
    };
    Date::from_calendar_date(year, month, day).map_err(|_| {
        format!(
            "{} {} has no day {day}: check the day and the month (day first, e.g. 01/12/2026)",
            month_name(month),
            year
        )
    })
}

/// A month by its English name or its first three letters.
fn month_named(word: &str) -> Option<time::Month> {
    let w = word.to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    (1..=12u8)
        .filter_map(|n| time::Month::try_from(n).ok())
        .find(|m| {
            let name = month_name(*m).to_ascii_lowercase();
            name == w
                || (w.len() == 3 && name.starts_with(&w))
                || (w == "sept" && name == "september")
        })
}

/// Input quoted back in an error, cut short.
fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(30).collect();
    if s.chars().count() > 30 {
        out.push('…');
    }
    out
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
        assert_eq!(en_gb(d), "03/10/2026");
    }

    #[test]
    fn days_are_read_day_first_as_the_scheme_writes_them() {
        let d = |y, m, day| {
            Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), day).unwrap()
        };
        for (text, want) in [
            ("01/12/2026", d(2026, 12, 1)),
            ("1/12/2026", d(2026, 12, 1)),
            (" 3.10.2026 ", d(2026, 10, 3)),
            ("3-10-2026", d(2026, 10, 3)),
            ("1 December 2026", d(2026, 12, 1)),
            ("1st Dec 2026", d(2026, 12, 1)),
            ("12/01/2026", d(2026, 1, 12)),
            ("2026-12-01", d(2026, 12, 1)),
        ] {
            assert_eq!(parse_day(text), Ok(want), "{text}");
        }
        for (text, says) in [
            ("31/02/2026", "February 2026 has no day 31"),
            ("1/12/26", "give the year in full"),
            ("next tuesday", "day first"),
            ("1 Smarch 2026", "no month"),
            ("", "day first"),
        ] {
            let e = parse_day(text).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
        assert_eq!(duration(std::time::Duration::from_secs(600)), "10 minutes");
        assert_eq!(duration(std::time::Duration::from_secs(90)), "90 seconds");
        assert_eq!(duration(std::time::Duration::from_millis(300)), "300 ms");
    }
}
