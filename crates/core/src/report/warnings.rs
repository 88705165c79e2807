//! Free text that seems to hold something belonging elsewhere: a phone number or email
//! (which belong in the perpetrator's fields, where they are digested, or nowhere if they
//! are the person's own), a name, or any of the person's own details.
//!
//! The account and the public warning leave the device once synced and cannot be edited
//! after filing, so every way of filing (the van app, `mugsync report new`, JSON import)
//! asks once before filing text that trips one of these: [`free_text_warnings`]. The relay
//! refuses alert texts and names that hold a contact detail outright: [`contact_in_text`].
//! (The van app's script mirrors these patterns to warn while typing.)

use std::fmt;

use crate::identifiers::{NormalisedPhone, Region};

/// A contact detail found in free text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactKind {
    /// Something that reads as a phone number.
    Phone,
    /// Something that reads as an email address.
    Email,
}

impl ContactKind {
    /// `a phone number` or `an email address`, for messages.
    pub fn with_article(self) -> &'static str {
        match self {
            ContactKind::Phone => "a phone number",
            ContactKind::Email => "an email address",
        }
    }

    /// `phone number` or `email address`, for messages.
    pub fn label(self) -> &'static str {
        match self {
            ContactKind::Phone => "phone number",
            ContactKind::Email => "email address",
        }
    }
}

/// The free-text fields that leave the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FreeTextField {
    /// The anonymised account (`narrative`).
    Narrative,
    /// The short public warning (`alert_text`).
    AlertText,
}

impl FreeTextField {
    /// The field's name in the import format: `narrative` or `alert_text`.
    pub fn as_wire(self) -> &'static str {
        match self {
            FreeTextField::Narrative => "narrative",
            FreeTextField::AlertText => "alert_text",
        }
    }

    /// What a worker calls it: `the account` or `the public warning`.
    pub fn label(self) -> &'static str {
        match self {
            FreeTextField::Narrative => "the account",
            FreeTextField::AlertText => "the public warning",
        }
    }
}

/// Why one free-text field should be looked at again before filing.
///
/// `Debug` never shows the name or digits found: they may be the person's.
#[derive(Clone, PartialEq, Eq)]
pub enum FreeTextWarning {
    /// It holds one of the person's own details, typed elsewhere on the form.
    PrivateDetail {
        /// Which field.
        field: FreeTextField,
        /// Which detail (`name`, `contact`, `address`).
        label: String,
    },
    /// It holds what looks like a phone number.
    Phone {
        /// Which field.
        field: FreeTextField,
        /// Its last three digits, so the worker can find it.
        last_digits: String,
    },
    /// It holds what looks like an email address.
    Email {
        /// Which field.
        field: FreeTextField,
    },
    /// It seems to name someone not listed as a name the perpetrator used.
    Name {
        /// Which field.
        field: FreeTextField,
        /// The word that looks like a name.
        name: String,
    },
}

impl FreeTextWarning {
    /// The field the warning is about.
    pub fn field(&self) -> FreeTextField {
        match self {
            FreeTextWarning::PrivateDetail { field, .. }
            | FreeTextWarning::Phone { field, .. }
            | FreeTextWarning::Email { field }
            | FreeTextWarning::Name { field, .. } => *field,
        }
    }
}

impl fmt::Debug for FreeTextWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            FreeTextWarning::PrivateDetail { .. } => "PrivateDetail",
            FreeTextWarning::Phone { .. } => "Phone",
            FreeTextWarning::Email { .. } => "Email",
            FreeTextWarning::Name { .. } => "Name",
        };
        write!(f, "FreeTextWarning::{kind}({})", self.field().as_wire())
    }
}

/// Plain words for a terminal: what seems wrong and what to do.
impl fmt::Display for FreeTextWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = self.field().label();
        match self {
            FreeTextWarning::PrivateDetail { label, .. } => write!(
                f,
                "{field} holds the person's {label}, which must stay on this device; take it out"
            ),
            FreeTextWarning::Phone { last_digits, .. } => write!(
                f,
                "{field} seems to hold a phone number (ending {last_digits}); if it is the \
                 perpetrator's, give it as a phone number used instead, where it can be checked \
                 without being readable; if it is the person's own, take it out"
            ),
            FreeTextWarning::Email { .. } => write!(
                f,
                "{field} seems to hold an email address; if it is the perpetrator's, give it \
                 as an email used instead; if it is the person's own, take it out"
            ),
            FreeTextWarning::Name { name, .. } => write!(
                f,
                "{field} seems to name someone (\u{201c}{name}\u{201d}); if it is a name the \
                 perpetrator used, add it to the names used; if it is the name of the person it \
                 happened to, take it out"
            ),
        }
    }
}

/// The fewest digits read as a phone number on their own. Dates (`2026-10-03`, 8 digits)
/// stay below it; UK numbers have 10 or 11.
const MIN_PHONE_DIGITS: usize = 9;

/// The fewest digits of a shorter run that still counts when it starts like a phone number
/// (`+` or `0`) and is a possible number in the region.
const MIN_SHORT_PHONE_DIGITS: usize = 7;

/// The fewest characters of one of the person's details that is looked for in the text
/// (shorter ones match ordinary words).
const MIN_PRIVATE_CHARS: usize = 3;

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

/// Looks at the account and the public warning before filing.
///
/// `names_used` are the perpetrator's names from their own field (not warned about);
/// `private` are the person's own details typed into the form, each with a label
/// (`name`, `contact`, `address`). Phone numbers are read in `region`.
pub fn free_text_warnings(
    narrative: &str,
    alert_text: &str,
    names_used: &[String],
    private: &[(&str, &str)],
    region: Region,
) -> Vec<FreeTextWarning> {
    let mut out = Vec::new();
    for (field, text) in [
        (FreeTextField::Narrative, narrative),
        (FreeTextField::AlertText, alert_text),
    ] {
        if text.trim().is_empty() {
            continue;
        }
        let lower = text.to_lowercase();
        for (label, value) in private {
            let value = value.trim();
            if value.chars().count() >= MIN_PRIVATE_CHARS && lower.contains(&value.to_lowercase()) {
                out.push(FreeTextWarning::PrivateDetail {
                    field,
                    label: (*label).to_owned(),
                });
            }
        }
        if let Some(last_digits) = find_phone(text, region) {
            out.push(FreeTextWarning::Phone { field, last_digits });
        }
        if find_email(text) {
            out.push(FreeTextWarning::Email { field });
        }
        if field == FreeTextField::Narrative {
            if let Some(name) = find_cued_name(text, names_used) {
                out.push(FreeTextWarning::Name { field, name });
            }
        }
    }
    out
}

/// The first contact detail in `text`, if any: what the relay refuses in alert texts and
/// names. Email addresses are found by shape; phone numbers as a run of at least nine digits
/// (with spaces and `-().+` between), or a shorter run starting with `+` or `0` that is a
/// possible number in `region`.
pub fn contact_in_text(text: &str, region: Region) -> Option<ContactKind> {
    if find_email(text) {
        return Some(ContactKind::Email);
    }
    find_phone(text, region).map(|_| ContactKind::Phone)
}

/// The first contact detail in `text` that needs no region to be read as one: an email, or
/// a run of at least nine digits. What the log refuses wherever the scheme's region is not
/// at hand (the report body's own check, a withdrawal reason, the relay's intake).
pub fn plain_contact_in_text(text: &str) -> Option<ContactKind> {
    if find_email(text) {
        return Some(ContactKind::Email);
    }
    find_phone(text, None).map(|_| ContactKind::Phone)
}

/// The last three digits of the first run that looks like a phone number.
fn find_phone(text: &str, region: impl Into<Option<Region>>) -> Option<String> {
    let region = region.into();
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
        let mut run = String::new();
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
            run.push(d);
            j += 1;
        }
        // A run glued to letters ("ab07700…", "…900123ab") is a code, not a number.
        let glued = j > 0
            && chars[j - 1].is_ascii_digit()
            && chars.get(j).is_some_and(|c| c.is_alphabetic());
        if !glued && looks_like_phone(run.trim_end(), &digits, region) {
            return Some(digits[digits.len() - 3..].to_owned());
        }
        i = j.max(i + 1);
    }
    None
}

fn looks_like_phone(run: &str, digits: &str, region: Option<Region>) -> bool {
    if digits.len() >= MIN_PHONE_DIGITS {
        return true;
    }
    let phone_start = run.starts_with('+') || run.starts_with('0');
    digits.len() >= MIN_SHORT_PHONE_DIGITS
        && phone_start
        && region.is_some_and(|region| NormalisedPhone::parse(run, region).is_ok())
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
    // Lower-casing can change byte lengths (e.g. 'İ'); positions are then unreliable, and
    // skipping the cue search is safer than slicing mid-character.
    if lower.len() != text.len() {
        return None;
    }
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

    fn gb() -> Region {
        Region::gb()
    }

    fn fields(w: &[FreeTextWarning]) -> Vec<FreeTextField> {
        w.iter().map(FreeTextWarning::field).collect()
    }

    #[test]
    fn phones_and_emails_are_found_dates_are_not() {
        assert_eq!(
            find_phone("he rang from 07700 900123 twice", gb()),
            Some("123".into())
        );
        assert_eq!(find_phone("+44 (0)7700-900.321", gb()), Some("321".into()));
        assert_eq!(find_phone("on 2026-10-03 at 23:40, 3 men", gb()), None);
        assert_eq!(find_phone("room 1234, floor 5", gb()), None);
        assert_eq!(find_phone("ab07700900123", gb()), None);
        assert_eq!(find_phone("ref 07700900123ab", gb()), None);
        assert!(find_email("wrote from dave.m+x@example.com."));
        assert!(!find_email("met @ the station, see you@ later"));
    }

    #[test]
    fn short_runs_count_only_when_they_start_like_a_possible_number() {
        assert_eq!(find_phone("ring 0800 123 456", gb()), Some("456".into()));
        assert_eq!(find_phone("case 1234567 closed", gb()), None);
        assert_eq!(find_phone("at 2026 10 03", gb()), None);
        assert_eq!(find_phone("ring 0123 4", gb()), None);
    }

    #[test]
    fn contact_in_text_names_the_kind() {
        assert_eq!(
            contact_in_text("Text him on 07700 900123", gb()),
            Some(ContactKind::Phone)
        );
        assert_eq!(
            contact_in_text("emails as someone@example.org", gb()),
            Some(ContactKind::Email)
        );
        assert_eq!(
            contact_in_text("Robbery (car), Piccadilly, October 2026.", gb()),
            None
        );
        assert_eq!(contact_in_text("", gb()), None);
        assert_eq!(ContactKind::Phone.label(), "phone number");
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
        // No panic on text whose lower case is longer than itself.
        assert_eq!(find_cued_name("İİİ called Dave", &[]), None);
    }

    #[test]
    fn warnings_say_which_field_and_hide_content_from_debug() {
        let w = free_text_warnings(
            "Punched her. Sample Person A rang 07700 900900.",
            "Man in white van, call 07700 900123",
            &[],
            &[("name", "Sample Person A"), ("contact", "")],
            gb(),
        );
        assert_eq!(
            fields(&w),
            vec![
                FreeTextField::Narrative,
                FreeTextField::Narrative,
                FreeTextField::AlertText
            ]
        );
        assert!(
            matches!(&w[0], FreeTextWarning::PrivateDetail { label, .. } if label == "name"),
            "{w:?}"
        );
        assert!(w[1].to_string().contains("ending 900"), "{}", w[1]);
        assert!(w[2].to_string().starts_with("the public warning"));
        let dbg = format!("{w:?}");
        assert!(!dbg.contains("900") && !dbg.contains("Sample"), "{dbg}");
        assert!(free_text_warnings(
            "Refused to pay. <script>alert(1)</script> ünïcödé",
            "",
            &[],
            &[],
            gb()
        )
        .is_empty());
    }
}
