//! Finding a phone number or an email address typed into free text.
//!
//! Free text in the log (the account, the public warning, names, descriptions, notes,
//! reasons) leaves the device; a phone number or email in it would be readable by every
//! device and the relay, against data rule 3 (identifiers only as keyed digests). Such text
//! is refused where reports are parsed ([`super::ReportBody::check`],
//! [`super::Amendment::check`]) and at the relay's intake; the device's form warns while
//! typing with the same patterns.

use std::fmt;

/// What free text seems to hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactKind {
    /// A run of digits long enough to be a phone number; the last three digits, to point
    /// the worker at it.
    Phone {
        /// The last three digits.
        last3: String,
    },
    /// Something shaped like `someone@example.com`.
    Email,
}

impl ContactKind {
    /// "a phone number" / "an email address".
    pub fn with_article(&self) -> &'static str {
        match self {
            ContactKind::Phone { .. } => "a phone number",
            ContactKind::Email => "an email address",
        }
    }
}

impl fmt::Display for ContactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContactKind::Phone { last3 } => write!(f, "a phone number (ending {last3})"),
            ContactKind::Email => f.write_str("an email address"),
        }
    }
}

/// The fewest digits read as a phone number. Dates (`2026-10-03`, 8 digits) stay below it;
/// UK numbers have 10 or 11.
const MIN_PHONE_DIGITS: usize = 9;

/// The first phone number or email the text seems to hold.
pub fn contact_in_text(text: &str) -> Option<ContactKind> {
    if let Some(last3) = find_phone(text) {
        return Some(ContactKind::Phone { last3 });
    }
    find_email(text).then_some(ContactKind::Email)
}

/// The last three digits of the first run that looks like a phone number.
pub fn find_phone(text: &str) -> Option<String> {
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
pub fn find_email(text: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            contact_in_text("Sample Person M, contact 07700 900900").map(|k| k.to_string()),
            Some("a phone number (ending 900)".into())
        );
        assert_eq!(contact_in_text("<b>ünïcödé</b> & 2026-10-03"), None);
    }
}
