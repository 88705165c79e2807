//! [`PlainIdentifiers`]: the plaintext phone numbers and emails a report was given, and
//! [`Rekey`]: what turns references made under one scheme key into references under another.
//!
//! DESIGN.md data rule 3 allows plaintext identifiers in exactly two places: the filing
//! device's encrypted store and a sealed police payload. The store keeps them in a
//! local-only table (never in the log) because both need them later: a police payload is
//! sealed from them, and a device that filed reports before it was enrolled re-keys their
//! digests to the scheme's key at enrolment.

use std::collections::HashMap;
use std::fmt;

use super::digest::{EmailDigest, PhoneDigest};
use super::email::NormalisedEmail;
use super::key::SchemeKey;
use super::phone::NormalisedPhone;
use super::refs::{EmailRef, PhoneRef};

/// The plaintext identifiers of one report (or one amendment), as given.
///
/// `Debug` shows only counts.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PlainIdentifiers {
    /// Phone numbers, normalised.
    pub phones: Vec<NormalisedPhone>,
    /// Email addresses, canonical.
    pub emails: Vec<NormalisedEmail>,
}

impl PlainIdentifiers {
    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.phones.is_empty() && self.emails.is_empty()
    }

    /// Adds a phone number unless it is already there.
    pub fn add_phone(&mut self, phone: NormalisedPhone) {
        if !self.phones.contains(&phone) {
            self.phones.push(phone);
        }
    }

    /// Adds an email address unless it is already there.
    pub fn add_email(&mut self, email: NormalisedEmail) {
        if !self.emails.contains(&email) {
            self.emails.push(email);
        }
    }
}

impl fmt::Debug for PlainIdentifiers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PlainIdentifiers({} phones, {} emails)",
            self.phones.len(),
            self.emails.len()
        )
    }
}

/// References made under an old scheme key, mapped to the same identifiers under a new one.
/// Built from plaintext; a reference whose plaintext was never given has no mapping.
pub struct Rekey {
    phones: HashMap<PhoneDigest, PhoneRef>,
    emails: HashMap<EmailDigest, EmailRef>,
}

impl Rekey {
    /// An empty mapping.
    pub fn new() -> Rekey {
        Rekey {
            phones: HashMap::new(),
            emails: HashMap::new(),
        }
    }

    /// Maps every identifier of `plain` from `old` to `new`.
    pub fn add(&mut self, plain: &PlainIdentifiers, old: &SchemeKey, new: &SchemeKey) {
        for p in &plain.phones {
            self.phones
                .insert(old.phone_digest(p), new.protect_phone(p));
        }
        for e in &plain.emails {
            self.emails
                .insert(old.email_digest(e), new.protect_email(e));
        }
    }

    /// The new reference for an old phone reference.
    pub fn phone(&self, old: &PhoneRef) -> Option<PhoneRef> {
        self.phones.get(&old.digest).cloned()
    }

    /// The new reference for an old email reference.
    pub fn email(&self, old: &EmailRef) -> Option<EmailRef> {
        self.emails.get(&old.digest).cloned()
    }
}

impl Default for Rekey {
    fn default() -> Self {
        Rekey::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identifiers::Region;

    #[test]
    fn references_move_from_one_key_to_the_other() {
        let old = SchemeKey::from_bytes(&[1u8; 32]).unwrap();
        let new = SchemeKey::from_bytes(&[2u8; 32]).unwrap();
        let mut plain = PlainIdentifiers::default();
        let phone = NormalisedPhone::parse("07700 900123", Region::gb()).unwrap();
        plain.add_phone(phone.clone());
        plain.add_phone(phone.clone());
        plain.add_email(NormalisedEmail::parse("someone@example.com").unwrap());
        assert_eq!(plain.phones.len(), 1);
        assert_eq!(format!("{plain:?}"), "PlainIdentifiers(1 phones, 1 emails)");
        let mut rekey = Rekey::new();
        rekey.add(&plain, &old, &new);
        let moved = rekey.phone(&old.protect_phone(&phone)).unwrap();
        assert_eq!(moved, new.protect_phone(&phone));
        assert_ne!(moved.digest, old.protect_phone(&phone).digest);
        let other = NormalisedPhone::parse("07700 900124", Region::gb()).unwrap();
        assert!(rekey.phone(&old.protect_phone(&other)).is_none());
        let email = NormalisedEmail::parse("someone@example.com").unwrap();
        assert_eq!(
            rekey.email(&old.protect_email(&email)).unwrap(),
            new.protect_email(&email)
        );
    }
}
