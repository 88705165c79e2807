//! Perpetrator identifiers: phone numbers, emails and vehicle registrations.
//!
//! DESIGN.md data rule 3: phone numbers and emails are normalised ([`NormalisedPhone`] in
//! E.164, [`NormalisedEmail`] in a tag- and provider-aware canonical form) and leave the
//! filing device only as a keyed digest ([`PhoneDigest`], [`EmailDigest`]: HMAC-SHA256 under
//! the [`SchemeKey`] of `"phone:"`/`"email:"` + the canonical form) plus a masked hint
//! ([`PhoneHint`] `+44 7••• •••123`, [`EmailHint`] `d•••@example.com`), bundled as
//! [`PhoneRef`] and [`EmailRef`]. Hints are shape-checked when parsed or deserialised, so a
//! full identifier cannot travel disguised as one.
//!
//! [`Identifier::parse`] reads what a user typed into "check".
//!
//! The test vectors in `fixtures/identifiers.json` pin the normalisation and digests.

mod digest;
mod email;
mod error;
mod hint;
mod key;
mod phone;
mod plain;
mod refs;
mod region;
mod registration;

pub use digest::{EmailDigest, PhoneDigest};
pub use email::NormalisedEmail;
pub use error::IdentifierError;
pub use hint::{EmailHint, PhoneHint};
pub use key::{SchemeKey, MIN_KEY_BYTES};
pub use phone::NormalisedPhone;
pub use plain::{PlainIdentifiers, Rekey};
pub use refs::{EmailRef, PhoneRef};
pub use region::Region;
pub use registration::{Registration, MAX_REGISTRATION_LEN, UNKNOWN_CHAR};

use error::shown;

/// The fewest digits a "check" value needs to be read as a phone number.
const MIN_PHONE_DIGITS: usize = 7;

/// Something a user asked about: a phone number, an email address or a registration.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Identifier {
    /// A phone number.
    Phone(NormalisedPhone),
    /// An email address.
    Email(NormalisedEmail),
    /// A vehicle registration or part of one.
    Registration(Registration),
}

impl Identifier {
    /// Reads what a user typed into "check":
    /// - anything with an `@` is an email address;
    /// - digits with only spaces and `+ ( ) - . /` between them, at least 7 digits, is a
    ///   phone number (national numbers read in `region`);
    /// - anything else is a registration.
    ///
    /// # Errors
    /// [`IdentifierError::InvalidEmail`] or [`IdentifierError::InvalidPhone`] when it looked
    /// like one and was not; [`IdentifierError::Unrecognised`], saying what was tried, when
    /// it was none of the three.
    pub fn parse(input: &str, region: Region) -> Result<Identifier, IdentifierError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(IdentifierError::Unrecognised {
                input: String::new(),
                tried: "nothing was given; type a phone number, an email address or a \
                        registration"
                    .to_owned(),
            });
        }
        if trimmed.contains('@') {
            return NormalisedEmail::parse(trimmed).map(Identifier::Email);
        }
        let phone_like = trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_whitespace() || "+()-./".contains(c));
        let digits = trimmed.chars().filter(char::is_ascii_digit).count();
        if phone_like && digits >= MIN_PHONE_DIGITS {
            return NormalisedPhone::parse(trimmed, region).map(Identifier::Phone);
        }
        Registration::parse(trimmed).map(Identifier::Registration).map_err(|e| {
            let registration = match e {
                IdentifierError::InvalidRegistration { reason, .. } => reason,
                other => other.to_string(),
            };
            let phone = if phone_like {
                format!("it has {digits} digits and a phone number needs at least {MIN_PHONE_DIGITS}")
            } else {
                "it has characters other than digits, spaces and + ( ) - . /".to_owned()
            };
            IdentifierError::Unrecognised {
                input: shown(trimmed),
                tried: format!(
                    "not an email address (it has no '@'), not a phone number ({phone}) and \
                     not a registration ({registration})"
                ),
            }
        })
    }

    /// `phone`, `email` or `registration`.
    pub fn kind(&self) -> &'static str {
        match self {
            Identifier::Phone(_) => "phone",
            Identifier::Email(_) => "email",
            Identifier::Registration(_) => "registration",
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The shared test vectors.
    pub(crate) const FIXTURES: &str = include_str!("../../../../fixtures/identifiers.json");

    /// The parsed test vectors.
    pub(crate) fn fixtures() -> serde_json::Value {
        serde_json::from_str(FIXTURES).expect("fixtures/identifiers.json is JSON")
    }

    /// The scheme key the test vectors were made with.
    pub(crate) fn fixture_key() -> SchemeKey {
        let f = fixtures();
        SchemeKey::from_bytes(f["key_utf8"].as_str().unwrap().as_bytes()).unwrap()
    }

    fn check(s: &str) -> Result<Identifier, IdentifierError> {
        Identifier::parse(s, Region::gb())
    }

    #[test]
    fn classifies_what_was_typed() {
        assert_eq!(check("07700 900123").unwrap().kind(), "phone");
        assert_eq!(check("+44 (0)7700-900.123").unwrap().kind(), "phone");
        assert_eq!(
            check("dave.m+bookings@example.com").unwrap().kind(),
            "email"
        );
        assert_eq!(check("MA6").unwrap().kind(), "registration");
        assert_eq!(check("ma6 ?").unwrap().kind(), "registration");
        assert_eq!(check("AB12 CDE").unwrap().kind(), "registration");
        assert_eq!(check("123").unwrap().kind(), "registration");
        match check("07700 900123").unwrap() {
            Identifier::Phone(p) => assert_eq!(p.as_e164(), "+447700900123"),
            other => panic!("{other:?}"),
        }
        match check(" Some.One+x@googlemail.com ").unwrap() {
            Identifier::Email(e) => assert_eq!(e.as_str(), "someone@gmail.com"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_say_what_was_tried() {
        let e = check("someone@@example.com").unwrap_err();
        assert!(matches!(e, IdentifierError::InvalidEmail { .. }), "{e:?}");
        let e = check("0770 0900 1234 5678").unwrap_err();
        assert!(matches!(e, IdentifierError::InvalidPhone { .. }), "{e:?}");
        let e = check("not a number at all").unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, IdentifierError::Unrecognised { .. }), "{e:?}");
        assert!(msg.contains("not an email address"), "{msg}");
        assert!(msg.contains("not a phone number"), "{msg}");
        assert!(msg.contains("not a registration (it has"), "{msg}");
        let msg = check("+44 12").unwrap_err().to_string();
        assert!(
            msg.contains("it has 4 digits and a phone number needs at least 7"),
            "{msg}"
        );
        assert!(matches!(
            check("   "),
            Err(IdentifierError::Unrecognised { .. })
        ));
    }

    #[test]
    fn fixture_vectors_through_check() {
        let f = fixtures();
        let key = fixture_key();
        for v in f["phones"].as_array().unwrap() {
            let Identifier::Phone(p) = check(v["input"].as_str().unwrap()).unwrap() else {
                panic!("{v} is a phone");
            };
            assert_eq!(key.phone_digest(&p).to_hex(), v["digest"].as_str().unwrap());
        }
        for v in f["emails"].as_array().unwrap() {
            let Identifier::Email(e) = check(v["input"].as_str().unwrap()).unwrap() else {
                panic!("{v} is an email");
            };
            assert_eq!(key.email_digest(&e).to_hex(), v["digest"].as_str().unwrap());
        }
    }
}
