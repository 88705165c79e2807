//! [`Registration`]: a vehicle registration, or the part of one that was seen.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::{describe_char, IdentifierError};

/// The most characters a registration has once spaces and hyphens are gone.
pub const MAX_REGISTRATION_LEN: usize = 10;

/// The character for one that could not be read.
pub const UNKNOWN_CHAR: char = '?';

/// A vehicle registration or the start of one, normalised: upper case, without spaces or
/// hyphens, e.g. `MA6?` for "ma6 ?" where the fourth character was not seen. Only `A`-`Z`,
/// `0`-`9` and `?` (a character that could not be read), 1 to 10 characters, at least one of
/// them known.
///
/// Registrations are not digested: a partial registration is only useful as a pattern.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Registration(String);

impl Registration {
    /// Normalises a registration as typed, e.g. `"ma6 ?"` → `MA6?`, `"AB12-CDE"` → `AB12CDE`.
    ///
    /// # Errors
    /// [`IdentifierError::InvalidRegistration`] when it is empty (callers treat an empty
    /// field as "not known" before calling), has other characters, is longer than 10
    /// characters, or has no known character.
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let mut out = String::with_capacity(input.len());
        for c in input.chars() {
            if c.is_whitespace() || c == '-' {
                continue;
            }
            let c = c.to_ascii_uppercase();
            if !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == UNKNOWN_CHAR) {
                return Err(IdentifierError::registration(
                    input,
                    format!(
                        "it contains {}; a registration may only have letters, digits, spaces, \
                         hyphens and '?' for a character that could not be read",
                        describe_char(c)
                    ),
                ));
            }
            out.push(c);
        }
        if out.is_empty() {
            return Err(IdentifierError::registration(
                input,
                "it is empty (leave it out when the registration is not known)",
            ));
        }
        let len = out.chars().count();
        if len > MAX_REGISTRATION_LEN {
            return Err(IdentifierError::registration(
                input,
                format!(
                    "it has {len} letters and digits; a registration has at most \
                     {MAX_REGISTRATION_LEN}"
                ),
            ));
        }
        if out.chars().all(|c| c == UNKNOWN_CHAR) {
            return Err(IdentifierError::registration(
                input,
                "it has no known character; give at least one letter or digit",
            ));
        }
        Ok(Registration(out))
    }

    /// The normalised registration, e.g. `MA6?`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when the two could be the same vehicle: `?` on either side matches any one
    /// character, and the shorter one only has to match the start of the longer one (a
    /// partial registration is the part seen first). Symmetric: `MA6?` matches `MA61ABC`
    /// and `MA61ABC` matches `MA6?`.
    pub fn matches(&self, other: &Registration) -> bool {
        self.0
            .bytes()
            .zip(other.0.bytes())
            .all(|(a, b)| a == b || a == UNKNOWN_CHAR as u8 || b == UNKNOWN_CHAR as u8)
    }
}

impl fmt::Display for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Registration {
    type Err = IdentifierError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Registration::parse(s)
    }
}

impl Serialize for Registration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Registration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Registration::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(s: &str) -> Registration {
        Registration::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    #[test]
    fn normalises() {
        assert_eq!(reg("MA6?").as_str(), "MA6?");
        assert_eq!(reg(" ma6 ? ").as_str(), "MA6?");
        assert_eq!(reg("ab12-cde").as_str(), "AB12CDE");
        assert_eq!(reg("AB12 CDE").to_string(), "AB12CDE");
        assert_eq!(reg("1").as_str(), "1");
        assert_eq!(reg("ABCDEFGHIJ").as_str(), "ABCDEFGHIJ");
        assert_eq!("x1".parse::<Registration>().unwrap().as_str(), "X1");
    }

    #[test]
    fn refuses_with_reasons() {
        let reason = |s: &str| Registration::parse(s).unwrap_err().to_string();
        assert!(reason("").contains("empty"));
        assert!(reason("  - ").contains("empty"));
        assert!(reason("AB12_CDE").contains("'_'"));
        assert!(reason("ÅB12").contains("'Å'"));
        assert!(reason("ABCDEFGHIJK").contains("at most 10"));
        assert!(reason("???").contains("no known character"));
        assert_eq!(reg("AB12\tCDE").as_str(), "AB12CDE");
        let e = Registration::parse("AB*1").unwrap_err();
        assert!(matches!(e, IdentifierError::InvalidRegistration { .. }));
    }

    #[test]
    fn matching() {
        assert!(reg("MA6?").matches(&reg("MA61ABC")));
        assert!(reg("MA61ABC").matches(&reg("MA6?")));
        assert!(reg("MA6").matches(&reg("MA61ABC")));
        assert!(reg("MA61ABC").matches(&reg("MA61ABC")));
        assert!(reg("M?61A?C").matches(&reg("MA61ABC")));
        assert!(reg("MA6?").matches(&reg("MA6?")));
        assert!(!reg("MA7?").matches(&reg("MA61ABC")));
        assert!(!reg("MA61ABD").matches(&reg("MA61ABC")));
        assert!(!reg("XA6").matches(&reg("MA61ABC")));
        assert!(reg("?A6").matches(&reg("MA61ABC")));
    }

    #[test]
    fn serde_is_validated() {
        let r = reg("MA6?");
        assert_eq!(serde_json::to_string(&r).unwrap(), "\"MA6?\"");
        assert_eq!(
            serde_json::from_str::<Registration>("\"ma6 ?\"").unwrap(),
            r
        );
        assert!(serde_json::from_str::<Registration>("\"\"").is_err());
    }
}
