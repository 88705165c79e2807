//! [`PhoneHint`] and [`EmailHint`]: masked forms of identifiers, safe to show and to share.
//!
//! A hint shows at most the last three digits or the first letter (DESIGN.md data rule 3):
//! `+44 7••• •••123`, `d•••@example.com`. Parsing a hint (and so deserialising one) checks
//! its shape, so that a relay can refuse a full identifier smuggled in as a "hint".

use std::fmt;

use phonenumber::metadata::DATABASE;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::email::check_domain;
use super::error::IdentifierError;

/// The masking character.
const BULLET: char = '•';

/// The number of trailing digits a phone hint may show.
const PHONE_TAIL: usize = 3;

/// A national number needs at least this many digits for its first digit to be shown, so
/// that at least four digits always stay hidden.
const PHONE_MIN_LEN_FOR_FIRST_DIGIT: usize = 8;

/// Digits that always stay hidden in a phone hint.
const PHONE_MIN_HIDDEN: usize = 4;

/// A local part needs at least this many characters for its first to be shown.
const EMAIL_MIN_LOCAL_FOR_FIRST_CHAR: usize = 3;

/// The most digits an email hint's domain may show; longer runs are masked.
const EMAIL_MAX_DOMAIN_DIGITS: usize = 5;

const PHONE_SHAPE: &str = "a phone hint looks like +44 7••• •••123: '+', a country calling \
                           code, a space, one digit or •, then ••• •••, then at most the last \
                           three digits (• for hidden ones)";

const EMAIL_SHAPE: &str = "an email hint looks like d•••@example.com: at most one letter or \
                           digit, then •••, '@' and the domain";

/// A masked phone number: `+CC`, a space, the national number's first digit, bullets, and
/// its last three digits, e.g. `+44 7••• •••123`. Always the same shape, so it does not
/// reveal the number's length; for short numbers fewer digits show, so that at least four
/// always stay hidden.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct PhoneHint(String);

impl PhoneHint {
    /// The hint for a number with this calling code and national significant number.
    pub(crate) fn for_number(country_code: u16, national: &str) -> PhoneHint {
        let digits: Vec<char> = national.chars().filter(char::is_ascii_digit).collect();
        let n = digits.len();
        let first = match digits.first() {
            Some(&d) if n >= PHONE_MIN_LEN_FOR_FIRST_DIGIT => d,
            _ => BULLET,
        };
        let shown = n.saturating_sub(PHONE_MIN_HIDDEN).min(PHONE_TAIL);
        let mut tail = BULLET.to_string().repeat(PHONE_TAIL - shown);
        tail.extend(&digits[n - shown..]);
        PhoneHint(format!("+{country_code} {first}••• •••{tail}"))
    }

    /// Checks that `s` has a phone hint's shape (see [`PhoneHint`]), so it cannot hold more
    /// than the country code, one leading digit and the last three digits.
    ///
    /// # Errors
    /// [`IdentifierError::InvalidHint`]; the message does not repeat the input.
    pub fn parse(s: &str) -> Result<PhoneHint, IdentifierError> {
        let bad = |what: &str| IdentifierError::hint("phone", format!("{what}; {PHONE_SHAPE}"));
        let rest = s
            .strip_prefix('+')
            .ok_or_else(|| bad("it does not start with '+'"))?;
        let (code, masked) = rest
            .split_once(' ')
            .ok_or_else(|| bad("it has no space after the country code"))?;
        if code.is_empty()
            || code.len() > 3
            || !code.bytes().all(|b| b.is_ascii_digit())
            || code.starts_with('0')
        {
            return Err(bad("its country code is not 1 to 3 digits"));
        }
        let known = code
            .parse::<u16>()
            .ok()
            .and_then(|c| DATABASE.region(&c))
            .is_some();
        if !known {
            return Err(bad("its country code is not one mugsync knows"));
        }
        let chars: Vec<char> = masked.chars().collect();
        let [first, b1, b2, b3, space, b4, b5, b6, t1, t2, t3] = chars[..] else {
            return Err(bad("it is not the right length"));
        };
        let bullets = [b1, b2, b3, b4, b5, b6].iter().all(|&c| c == BULLET);
        if !bullets || space != ' ' {
            return Err(bad("its middle is not ••• •••"));
        }
        if !(first.is_ascii_digit() || first == BULLET) {
            return Err(bad(
                "it has something other than a digit or • after the country code",
            ));
        }
        let tail = [t1, t2, t3];
        if !tail.iter().all(|&c| c.is_ascii_digit() || c == BULLET) {
            return Err(bad("it ends with something other than digits or •"));
        }
        let first_digit = tail
            .iter()
            .position(char::is_ascii_digit)
            .unwrap_or(tail.len());
        if !tail[first_digit..].iter().all(char::is_ascii_digit) {
            return Err(bad("its last digits are not together at the end"));
        }
        Ok(PhoneHint(s.to_owned()))
    }

    /// The hint, e.g. `+44 7••• •••123`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A masked email address: the first character of the local part (when it is a letter or
/// digit and the local part has at least three characters), `•••`, `@` and the domain, e.g.
/// `d•••@example.com`. Digits in a domain with more than five of them are masked too.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct EmailHint(String);

impl EmailHint {
    /// The hint for a canonical address's local part and domain.
    pub(crate) fn for_address(local: &str, domain: &str) -> EmailHint {
        let first = match local.chars().next() {
            Some(c)
                if c.is_ascii_alphanumeric()
                    && local.chars().count() >= EMAIL_MIN_LOCAL_FOR_FIRST_CHAR =>
            {
                c.to_ascii_lowercase().to_string()
            }
            _ => String::new(),
        };
        let digits = domain.chars().filter(char::is_ascii_digit).count();
        let domain = if digits > EMAIL_MAX_DOMAIN_DIGITS {
            domain
                .chars()
                .map(|c| if c.is_ascii_digit() { BULLET } else { c })
                .collect()
        } else {
            domain.to_owned()
        };
        EmailHint(format!("{first}•••@{domain}"))
    }

    /// Checks that `s` has an email hint's shape (see [`EmailHint`]): a local part of at
    /// most one letter or digit followed by `•••`, and a plain lower-case domain with at most
    /// five digits.
    ///
    /// # Errors
    /// [`IdentifierError::InvalidHint`]; the message does not repeat the input.
    pub fn parse(s: &str) -> Result<EmailHint, IdentifierError> {
        let bad = |what: &str| IdentifierError::hint("email", format!("{what}; {EMAIL_SHAPE}"));
        let (local, domain) = s.split_once('@').ok_or_else(|| bad("it has no '@'"))?;
        if domain.contains('@') {
            return Err(bad("it has more than one '@'"));
        }
        let first = local
            .strip_suffix("•••")
            .ok_or_else(|| bad("its local part is not masked"))?;
        let mut first_chars = first.chars();
        match (first_chars.next(), first_chars.next()) {
            (None, _) => {}
            (Some(c), None) if c.is_ascii_lowercase() || c.is_ascii_digit() => {}
            _ => return Err(bad("it shows more than one letter or digit before •••")),
        }
        check_domain(domain, true).map_err(|why| bad(&why))?;
        if domain.chars().filter(char::is_ascii_digit).count() > EMAIL_MAX_DOMAIN_DIGITS {
            return Err(bad("its domain shows more than five digits"));
        }
        Ok(EmailHint(s.to_owned()))
    }

    /// The hint, e.g. `d•••@example.com`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! hint_traits {
    ($name:ident) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdentifierError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                $name::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

hint_traits!(PhoneHint);
hint_traits!(EmailHint);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identifiers::{NormalisedEmail, NormalisedPhone, Region};

    #[test]
    fn design_examples() {
        let p = NormalisedPhone::parse("+447700900123", Region::gb()).unwrap();
        assert_eq!(p.hint().as_str(), "+44 7••• •••123");
        assert_eq!(p.hint().to_string(), "+44 7••• •••123");
        let e = NormalisedEmail::parse("dave@example.com").unwrap();
        assert_eq!(e.hint().as_str(), "d•••@example.com");
        assert_eq!(e.hint().to_string(), "d•••@example.com");
    }

    #[test]
    fn phone_hints_keep_four_digits_hidden() {
        assert_eq!(
            PhoneHint::for_number(44, "1614960123").as_str(),
            "+44 1••• •••123"
        );
        assert_eq!(
            PhoneHint::for_number(353, "851234567").as_str(),
            "+353 8••• •••567"
        );
        assert_eq!(
            PhoneHint::for_number(45, "12345678").as_str(),
            "+45 1••• •••678"
        );
        assert_eq!(
            PhoneHint::for_number(354, "1234567").as_str(),
            "+354 •••• •••567"
        );
        assert_eq!(
            PhoneHint::for_number(683, "12345").as_str(),
            "+683 •••• •••••5"
        );
        assert_eq!(
            PhoneHint::for_number(683, "1234").as_str(),
            "+683 •••• ••••••"
        );
        for n in [
            "1234",
            "12345",
            "1234567",
            "12345678",
            "7700900123",
            "123456789012345",
        ] {
            let h = PhoneHint::for_number(44, n);
            let shown = h.as_str()[4..].chars().filter(char::is_ascii_digit).count();
            assert!(n.len() - shown >= 4, "{h}");
            assert_eq!(PhoneHint::parse(h.as_str()).unwrap(), h);
        }
    }

    #[test]
    fn email_hints_show_at_most_one_character() {
        let h = |l: &str, d: &str| EmailHint::for_address(l, d).as_str().to_owned();
        assert_eq!(h("someone", "gmail.com"), "s•••@gmail.com");
        assert_eq!(h("ab", "example.com"), "•••@example.com");
        assert_eq!(h("_x_y", "example.com"), "•••@example.com");
        assert_eq!(h("élodie", "example.fr"), "•••@example.fr");
        assert_eq!(h("1979js", "example.com"), "1•••@example.com");
        assert_eq!(h("dave", "07700900123.example"), "d•••@•••••••••••.example");
        assert_eq!(h("dave", "163.com"), "d•••@163.com");
        for hint in [
            "s•••@gmail.com",
            "•••@example.com",
            "d•••@•••••••••••.example",
        ] {
            assert_eq!(EmailHint::parse(hint).unwrap().as_str(), hint);
        }
    }

    #[test]
    fn plaintext_posing_as_a_phone_hint_is_refused() {
        for bad in [
            "+447700900123",
            "+44 7700 900123",
            "07700 900123",
            "+44 77•• •••123",
            "+44 7••• ••0123",
            "+44 7••• •••1234",
            "+44 7••• •1•123",
            "+44 7••• •••1•3",
            "+44 ••7• •••123",
            "+999 7••• •••123",
            "+044 7••• •••123",
            "+4477 7••• •••123",
            "+44 a••• •••123",
            "+44  7••• •••123",
            "",
            "+44 7••• •••123 ",
        ] {
            let e = PhoneHint::parse(bad).unwrap_err();
            assert!(
                matches!(e, IdentifierError::InvalidHint { kind: "phone", .. }),
                "{bad:?}"
            );
            let msg = e.to_string();
            if bad.chars().count() > 5 {
                assert!(!msg.replace(EMAIL_SHAPE, "").contains(bad), "{msg}");
            }
            let json = serde_json::to_string(bad).unwrap();
            assert!(serde_json::from_str::<PhoneHint>(&json).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn plaintext_posing_as_an_email_hint_is_refused() {
        for bad in [
            "dave@example.com",
            "da•••@example.com",
            "d••@example.com",
            "D•••@example.com",
            "•••@example.com@x.com",
            "d•••@Example.com",
            "d•••@example",
            "d•••@7700900123.com",
            "d•••@077.009.001.23.com",
            "d•••@exam ple.com",
            "d•••@dave.smith_at_example.com",
            "•••",
            "",
        ] {
            let e = EmailHint::parse(bad).unwrap_err();
            assert!(
                matches!(e, IdentifierError::InvalidHint { kind: "email", .. }),
                "{bad:?}"
            );
            let msg = e.to_string();
            if bad.chars().count() > 5 {
                assert!(!msg.replace(EMAIL_SHAPE, "").contains(bad), "{msg}");
            }
            let json = serde_json::to_string(bad).unwrap();
            assert!(serde_json::from_str::<EmailHint>(&json).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn serde_is_the_string() {
        let h = PhoneHint::parse("+44 7••• •••123").unwrap();
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(json, "\"+44 7••• •••123\"");
        assert_eq!(serde_json::from_str::<PhoneHint>(&json).unwrap(), h);
        let e = EmailHint::parse("d•••@example.com").unwrap();
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<EmailHint>(&json).unwrap(), e);
        assert_eq!("d•••@example.com".parse::<EmailHint>().unwrap(), e);
    }
}
