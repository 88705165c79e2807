//! The identifier index: the keys under which a report can be found by a check and linked to
//! other reports of the same perpetrator.
//!
//! One typed key per identifier ([`IndexKey`]), so the device store and the relay write and
//! look up the same thing: phone and email digests (never a plaintext identifier, data rule
//! 3) and normalised registrations (not digested: a partial registration is only useful as a
//! pattern). [`Report::index_keys`] is the one list of what a report is indexed under.

use std::fmt;

use crate::identifiers::{EmailDigest, IdentifierError, PhoneDigest, Registration};
use crate::report::Report;

/// What kind of identifier an index entry holds; stored as [`IndexKind::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IndexKind {
    /// A phone number's keyed digest.
    Phone,
    /// An email's keyed digest.
    Email,
    /// A normalised (possibly partial) vehicle registration.
    Registration,
}

impl IndexKind {
    /// Every kind.
    pub const ALL: [IndexKind; 3] = [IndexKind::Phone, IndexKind::Email, IndexKind::Registration];

    /// The stored word: `phone`, `email` or `registration`.
    pub fn as_str(self) -> &'static str {
        match self {
            IndexKind::Phone => "phone",
            IndexKind::Email => "email",
            IndexKind::Registration => "registration",
        }
    }

    /// From [`IndexKind::as_str`].
    ///
    /// # Errors
    /// [`UnknownIndexKind`] for any other word.
    pub fn parse(s: &str) -> Result<IndexKind, UnknownIndexKind> {
        IndexKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(UnknownIndexKind)
    }

    /// Whether two reports sharing a key of this kind are linked as the same perpetrator.
    /// Phones and emails are; registrations are not, because a partial one ("MA6?") is
    /// shared by many vehicles.
    pub fn links(self) -> bool {
        matches!(self, IndexKind::Phone | IndexKind::Email)
    }
}

impl fmt::Display for IndexKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored index kind that is not `phone`, `email` or `registration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an identifier index entry has a kind this build does not know (phone, email, registration); rebuild the index from the log")]
pub struct UnknownIndexKind;

/// Why a stored index entry could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexKeyError {
    /// The kind is not one this build knows.
    #[error(transparent)]
    Kind(#[from] UnknownIndexKind),
    /// The value does not fit its kind (the error never repeats it).
    #[error("an identifier index entry does not fit its kind: {0}")]
    Value(#[from] IdentifierError),
}

/// One key a report is indexed under.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IndexKey {
    /// A phone number's keyed digest.
    Phone(PhoneDigest),
    /// An email's keyed digest.
    Email(EmailDigest),
    /// A normalised registration, or the part of one that was seen.
    Registration(Registration),
}

impl IndexKey {
    /// Its kind.
    pub fn kind(&self) -> IndexKind {
        match self {
            IndexKey::Phone(_) => IndexKind::Phone,
            IndexKey::Email(_) => IndexKind::Email,
            IndexKey::Registration(_) => IndexKind::Registration,
        }
    }

    /// The stored value: a digest's 64 lower-case hex characters, or the normalised
    /// registration.
    pub fn value(&self) -> String {
        match self {
            IndexKey::Phone(d) => d.to_hex(),
            IndexKey::Email(d) => d.to_hex(),
            IndexKey::Registration(r) => r.as_str().to_owned(),
        }
    }

    /// Reads a stored `(kind, value)` pair back.
    ///
    /// # Errors
    /// [`IndexKeyError`] when the kind is unknown or the value does not fit it.
    pub fn parse(kind: &str, value: &str) -> Result<IndexKey, IndexKeyError> {
        Ok(match IndexKind::parse(kind)? {
            IndexKind::Phone => IndexKey::Phone(PhoneDigest::from_hex(value)?),
            IndexKind::Email => IndexKey::Email(EmailDigest::from_hex(value)?),
            IndexKind::Registration => IndexKey::Registration(Registration::parse(value)?),
        })
    }
}

impl Report {
    /// Every key this report is indexed under: each phone and email digest of its body and
    /// amendments, and its vehicle's registration. May repeat a key (the same number given
    /// in the body and again in an amendment); stores ignore the repeat.
    pub fn index_keys(&self) -> impl Iterator<Item = IndexKey> + '_ {
        self.all_phones()
            .map(|p| IndexKey::Phone(p.digest))
            .chain(self.all_emails().map(|e| IndexKey::Email(e.digest)))
            .chain(
                self.body
                    .perpetrator
                    .vehicle
                    .as_ref()
                    .and_then(|v| v.registration.clone())
                    .map(IndexKey::Registration),
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{key, ReportSpec};

    #[test]
    fn a_report_is_indexed_under_each_phone_email_and_registration() {
        let r = ReportSpec::new()
            .phones(&["07700 900123", "07700 900456"])
            .emails(&["someone@example.com"])
            .registration("MA6 ?")
            .amended_phones(&["07700 900789"])
            .build();
        let keys: Vec<IndexKey> = r.index_keys().collect();
        let kinds: Vec<IndexKind> = keys.iter().map(IndexKey::kind).collect();
        assert_eq!(
            kinds,
            [
                IndexKind::Phone,
                IndexKind::Phone,
                IndexKind::Phone,
                IndexKind::Email,
                IndexKind::Registration
            ]
        );
        let phone = crate::identifiers::NormalisedPhone::parse(
            "07700 900789",
            crate::identifiers::Region::gb(),
        )
        .unwrap();
        assert_eq!(keys[2], IndexKey::Phone(key().phone_digest(&phone)));
        assert_eq!(keys[4].value(), "MA6?");
        // Digests only: no stored value holds the number's digits.
        for k in &keys[..4] {
            assert_eq!(k.value().len(), 64);
            assert!(!k.value().contains("900123"));
        }
    }

    #[test]
    fn a_report_without_identifiers_has_no_keys() {
        assert_eq!(ReportSpec::new().build().index_keys().count(), 0);
    }

    #[test]
    fn stored_pairs_read_back_and_bad_ones_are_refused() {
        let r = ReportSpec::new()
            .phones(&["07700 900123"])
            .emails(&["someone@example.com"])
            .registration("AB12CDE")
            .build();
        for k in r.index_keys() {
            assert_eq!(IndexKey::parse(k.kind().as_str(), &k.value()).unwrap(), k);
        }
        assert!(matches!(
            IndexKey::parse("name", "x"),
            Err(IndexKeyError::Kind(_))
        ));
        assert!(matches!(
            IndexKey::parse("phone", "07700900123"),
            Err(IndexKeyError::Value(_))
        ));
        assert!(IndexKind::Phone.links() && IndexKind::Email.links());
        assert!(!IndexKind::Registration.links());
    }
}
