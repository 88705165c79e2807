//! Free text with bounds: every free-text field in a report is one of these types.
//!
//! Text is kept exactly as typed (unicode, `<`, `&`, quotes and all) apart from trimming;
//! escaping is the job of whatever renders it. What is refused: control characters that
//! can hide text in a terminal, and text longer than the field allows.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::FieldError;

/// Shortens user input for quoting inside an error message.
pub(crate) fn shorten_for_error(input: &str) -> String {
    const MAX: usize = 40;
    let mut out: String = input.chars().take(MAX).collect();
    if input.chars().count() > MAX {
        out.push('…');
    }
    out
}

fn check(
    field: &str,
    input: &str,
    max_chars: usize,
    multiline: bool,
) -> Result<String, FieldError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(
            field,
            "is empty; write something or leave the field out",
        ));
    }
    let count = trimmed.chars().count();
    if count > max_chars {
        return Err(FieldError::new(
            field,
            format!("is {count} characters long; the most allowed is {max_chars}"),
        ));
    }
    if let Some(bad) = trimmed
        .chars()
        .find(|c| c.is_control() && !(multiline && (*c == '\n' || *c == '\t' || *c == '\r')))
    {
        return Err(FieldError::new(
            field,
            format!(
                "holds the control character U+{:04X}; remove it{}",
                bad as u32,
                if multiline {
                    ""
                } else {
                    " (this field is one line)"
                }
            ),
        ));
    }
    Ok(trimmed.to_owned())
}

macro_rules! bounded_text {
    ($(#[$meta:meta])* $name:ident, $max:expr, $multiline:expr) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The most characters this field holds.
            pub const MAX_CHARS: usize = $max;

            /// Trims and checks `input` for the field named `field`.
            pub fn parse(field: &str, input: &str) -> Result<Self, FieldError> {
                check(field, input, $max, $multiline).map($name)
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            // Free text may hold sensitive detail: Debug output is a length, never content,
            // so a stray `{:?}` in a log line leaks nothing.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({} chars)", stringify!($name), self.0.chars().count())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                $name::parse(stringify!($name), &raw)
                    .map_err(|e| serde::de::Error::custom(e.reason))
            }
        }
    };
}

bounded_text! {
    /// A short one-line value: a name used, a height, a vehicle colour, a handle.
    ShortText, 200, false
}

bounded_text! {
    /// A longer description: appearance, distinguishing features, an amendment note.
    Description, 2_000, true
}

bounded_text! {
    /// The internal narrative: read by outreach devices and, with consent, police. Never
    /// shown to members.
    Narrative, 20_000, true
}

bounded_text! {
    /// The short public warning members may read. Never the narrative.
    AlertText, 600, true
}

bounded_text! {
    /// Why a report was withdrawn.
    Reason, 1_000, true
}
