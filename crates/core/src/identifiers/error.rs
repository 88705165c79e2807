//! [`IdentifierError`]: what was wrong with an identifier, a key, a digest or a hint.

/// The longest part of a user's input an error message repeats back.
const SHOWN_MAX_CHARS: usize = 40;

/// Why an identifier, region, scheme key, digest or hint was refused.
///
/// Messages say what was wrong and what is allowed, so they can be shown to the person who
/// typed the value. They never contain the scheme key. Errors about phone numbers, emails and
/// registrations repeat (a trimmed, shortened copy of) what was typed, so they are for the
/// person at the keyboard: do not write them to logs (DESIGN.md data rule 4). Errors about
/// digests and hints never repeat their input, so a relay can log them safely.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentifierError {
    /// The scheme key has fewer bytes than HMAC-SHA256 needs to be safe.
    #[error(
        "the scheme key is too short: it has {len} bytes and needs at least {min} \
         (a scheme key is 32 or more random bytes)"
    )]
    KeyTooShort {
        /// How many bytes were given.
        len: usize,
        /// The least allowed.
        min: usize,
    },

    /// The default region is not a known two-letter region code.
    #[error(
        "'{input}' is not a region mugsync knows: give a two-letter country code such as GB or IE"
    )]
    UnknownRegion {
        /// What was given (shortened).
        input: String,
    },

    /// Not a phone number mugsync can normalise.
    #[error("'{input}' is not a phone number: {reason}")]
    InvalidPhone {
        /// What was given (trimmed and shortened).
        input: String,
        /// What was wrong and what is allowed.
        reason: String,
    },

    /// Not an email address.
    #[error("'{input}' is not an email address: {reason}")]
    InvalidEmail {
        /// What was given (trimmed and shortened).
        input: String,
        /// What was wrong and what is allowed.
        reason: String,
    },

    /// Not a vehicle registration (or part of one).
    #[error("'{input}' is not a vehicle registration: {reason}")]
    InvalidRegistration {
        /// What was given (trimmed and shortened).
        input: String,
        /// What was wrong and what is allowed.
        reason: String,
    },

    /// What a user typed into "check" is none of the identifiers mugsync knows.
    #[error("'{input}' is not a phone number, email address or vehicle registration: {tried}")]
    Unrecognised {
        /// What was given (trimmed and shortened).
        input: String,
        /// What was tried and why each failed.
        tried: String,
    },

    /// A digest is not 64 hexadecimal characters. The input is not repeated.
    #[error(
        "not a valid {kind} digest: {reason} (a digest is 64 hexadecimal characters, 0-9 and a-f)"
    )]
    InvalidDigest {
        /// `phone` or `email`.
        kind: &'static str,
        /// What was wrong.
        reason: String,
    },

    /// A hint does not have the masked shape, so it might carry a full identifier.
    /// The input is not repeated.
    #[error("not a valid {kind} hint: {reason}")]
    InvalidHint {
        /// `phone` or `email`.
        kind: &'static str,
        /// What was wrong and what shape is allowed.
        reason: String,
    },
}

impl IdentifierError {
    pub(crate) fn phone(input: &str, reason: impl Into<String>) -> Self {
        IdentifierError::InvalidPhone {
            input: shown(input),
            reason: reason.into(),
        }
    }

    pub(crate) fn email(input: &str, reason: impl Into<String>) -> Self {
        IdentifierError::InvalidEmail {
            input: shown(input),
            reason: reason.into(),
        }
    }

    pub(crate) fn registration(input: &str, reason: impl Into<String>) -> Self {
        IdentifierError::InvalidRegistration {
            input: shown(input),
            reason: reason.into(),
        }
    }

    pub(crate) fn digest(kind: &'static str, reason: impl Into<String>) -> Self {
        IdentifierError::InvalidDigest {
            kind,
            reason: reason.into(),
        }
    }

    pub(crate) fn hint(kind: &'static str, reason: impl Into<String>) -> Self {
        IdentifierError::InvalidHint {
            kind,
            reason: reason.into(),
        }
    }
}

/// The trimmed input, cut to [`SHOWN_MAX_CHARS`] characters with "…" when longer.
pub(crate) fn shown(input: &str) -> String {
    let trimmed = input.trim();
    if trimmed.chars().count() <= SHOWN_MAX_CHARS {
        return trimmed.to_owned();
    }
    let mut out: String = trimmed.chars().take(SHOWN_MAX_CHARS).collect();
    out.push('…');
    out
}

/// Describes one character for an error message: `'x'`, or its code point when invisible.
pub(crate) fn describe_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() {
        format!("the character U+{:04X}", u32::from(c))
    } else {
        format!("'{c}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_input_is_shortened() {
        let long = "x".repeat(100);
        let s = shown(&long);
        assert_eq!(s.chars().count(), SHOWN_MAX_CHARS + 1);
        assert!(s.ends_with('…'));
        assert_eq!(shown("  07700  "), "07700");
    }

    #[test]
    fn messages_say_what_is_allowed() {
        let e = IdentifierError::KeyTooShort { len: 5, min: 32 };
        assert!(e.to_string().contains("at least 32"));
        let e = IdentifierError::digest("phone", "it has 3 characters");
        assert!(e.to_string().contains("64 hexadecimal"));
    }
}
