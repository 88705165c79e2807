//! Warnings about free text that seems to hold something belonging elsewhere: a phone
//! number or email (which belong in the perpetrator's fields, where they are digested, or
//! nowhere if they are the person's own), a name, or any of the person's own details.
//!
//! The account and the public warning leave the device once synced and cannot be edited
//! after filing, so the form asks once before filing text that trips one of these (the
//! script shows the same warnings while typing; `assets/app.js` mirrors these patterns).

/// One warning, next to the field it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Warning {
    /// `narrative` or `alert_text`.
    pub field: &'static str,
    /// What seems wrong and what to do, in words.
    pub message: String,
}

/// The fewest digits read as a phone number. Dates (`2026-10-03`, 8 digits) stay below it;
/// UK numbers have 10 or 11.
const MIN_PHONE_DIGITS: usize = 9;

/// Words that usually come just before a name.
const NAME_CUES: &[&str] = &[
    "called ",
    "named ",
    "name is ",
    "name was ",
    "name's ",
    "goes by ",
    "calls himself ",
    "calls herself ",
    "calls themselves ",
    "known as ",
];

/// Looks at the account and the public warning.
///
/// `names_used` are the perpetrator's names from their own field (not warned about);
/// `private` are the person's own details typed into the form, with a label for each.
pub(crate) fn scan(
    narrative: &str,
    alert_text: &str,
    names_used: &[String],
    private: &[(&str, &str)],
) -> Vec<Warning> {
    let mut out = Vec::new();
    for (field, text) in [("narrative", narrative), ("alert_text", alert_text)] {
        if text.trim().is_empty() {
            continue;
        }
        let lower = text.to_lowercase();
        for (label, value) in private {
            let value = value.trim();
            if value.chars().count() >= 3 && lower.contains(&value.to_lowercase()) {
                out.push(Warning {
                    field,
                    message: format!(
                        "holds the {label} typed under “Stays on this device”. Take it out: this text leaves the device."
                    ),
                });
            }
        }
        if let Some(last) = find_phone(text) {
            out.push(Warning {
                field,
                message: format!(
                    "seems to hold a phone number (ending {last}). If it is the perpetrator's, put it under “Phone numbers” instead, where it can be checked without being readable; if it is the person's own, take it out."
                ),
            });
        }
        if find_email(text) {
            out.push(Warning {
                field,
                message: "seems to hold an email address. If it is the perpetrator's, put it under “Emails” instead; if it is the person's own, take it out.".into(),
            });
        }
        if field == "narrative" {
            if let Some(name) = find_cued_name(text, names_used) {
                out.push(Warning {
                    field,
                    message: format!(
                        "seems to name someone (“{name}”). If it is a name the perpetrator used, add it under “Names or aliases used”; if it is the name of the person it happened to, take it out."
                    ),
                });
            }
        }
    }
    out
}

/// The last three digits of the first run that looks like a phone number.
fn find_phone(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let starts =
            (c.is_ascii_digit() || c == '+') && (i == 0 || !chars[i - 1].is_alphanumeric());
        if !starts {
            i += 1;
            continue;
        }
        let mut digits = String::new();
        let mut j = i;
        let mut separators_in_a_row = 0;
        while j < chars.len() {
            let d = chars[j];
            if d.is_ascii_digit() {
                digits.push(d);
                separators_in_a_row = 0;
            } else if " -().+".contains(d) && separators_in_a_row < 2 {
                separators_in_a_row += 1;
            } else {
                break;
            }
            j += 1;
        }
        if digits.len() >= MIN_PHONE_DIGITS {
            return Some(digits[digits.len() - 3..].to_owned());
        }
        i = j.max(i + 1);
    }
    None
}

/// True when some word looks like `someone@example.com`.
fn find_email(text: &str) -> bool {
    text.split(|c: char| c.is_whitespace() || "<>()[]\"',;:".contains(c))
        .any(|w| {
            let Some((local, domain)) = w.split_once('@') else {
                return false;
            };
            let domain = domain.trim_end_matches(['.', '!', '?']);
            !local.is_empty()
                && domain.split('.').filter(|p| !p.is_empty()).count() >= 2
                && !domain.contains('@')
        })
}

/// A capitalised word right after a cue such as "called", unless it is a name the form
/// already lists as the perpetrator's.
fn find_cued_name(text: &str, names_used: &[String]) -> Option<String> {
    let lower = text.to_lowercase();
    for cue in NAME_CUES {
        let mut from = 0;
        while let Some(pos) = lower[from..].find(cue) {
            let at = from + pos;
            // Only at a word boundary: "recalled " is not "called ".
            let boundary = at == 0
                || !text[..at]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric);
            let rest = &text[at + cue.len()..];
            from = at + cue.len();
            if !boundary {
                continue;
            }
            let word: String = rest
                .chars()
                .take_while(|c| c.is_alphabetic() || *c == '-' || *c == '\'' || *c == '’')
                .collect();
            if word.chars().next().is_some_and(char::is_uppercase) {
                let known = names_used
                    .iter()
                    .any(|n| n.trim().eq_ignore_ascii_case(&word));
                if !known {
                    return Some(word);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(w: &[Warning]) -> Vec<&str> {
        w.iter().map(|w| w.field).collect()
    }

    #[test]
    fn phones_and_emails_are_found_dates_are_not() {
        assert_eq!(
            find_phone("he rang from 07700 900123 twice"),
            Some("123".into())
        );
        assert_eq!(find_phone("+44 (0)7700-900.321"), Some("321".into()));
        assert_eq!(find_phone("on 2026-10-03 at 23:40, 3 men"), None);
        assert_eq!(find_phone("room 1234, floor 5"), None);
        assert_eq!(find_phone("ab07700900123"), None);
        assert!(find_email("wrote from dave.m+x@example.com."));
        assert!(!find_email("met @ the station, see you@ later"));
    }

    #[test]
    fn names_after_cues_unless_already_listed() {
        assert_eq!(
            find_cued_name("He said he was called Dave.", &[]),
            Some("Dave".into())
        );
        assert_eq!(
            find_cued_name("He said he was called Dave.", &["dave".into()]),
            None
        );
        assert_eq!(find_cued_name("Her name is Zoë", &[]), Some("Zoë".into()));
        assert_eq!(find_cued_name("she recalled Monday", &[]), None);
        assert_eq!(find_cued_name("he called me names", &[]), None);
    }

    #[test]
    fn scan_says_which_field() {
        let w = scan(
            "Punched her. Sample Person A rang 07700 900900.",
            "Man in white van, call 07700 900123",
            &[],
            &[("name", "Sample Person A"), ("contact", "")],
        );
        assert_eq!(fields(&w), vec!["narrative", "narrative", "alert_text"]);
        assert!(w[0].message.contains("name typed under"), "{w:?}");
        assert!(w[1].message.contains("ending 900"), "{w:?}");
        assert!(scan(
            "Refused to pay. <script>alert(1)</script> ünïcödé",
            "",
            &[],
            &[]
        )
        .is_empty());
    }
}
