//! [`PhoneRef`] and [`EmailRef`]: what may leave the device in place of a phone or email.

use serde::{Deserialize, Serialize};

use super::digest::{EmailDigest, PhoneDigest};
use super::hint::{EmailHint, PhoneHint};

/// A phone number as the shared log holds it: keyed digest plus masked hint. Made by
/// [`SchemeKey::protect_phone`](super::SchemeKey::protect_phone); deserialising checks both
/// the digest's form and the hint's shape.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneRef {
    /// HMAC-SHA256 of the E.164 number under the scheme key.
    pub digest: PhoneDigest,
    /// The masked number for display, e.g. `+44 7••• •••123`.
    pub hint: PhoneHint,
}

/// An email address as the shared log holds it: keyed digest plus masked hint. Made by
/// [`SchemeKey::protect_email`](super::SchemeKey::protect_email); deserialising checks both
/// the digest's form and the hint's shape.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailRef {
    /// HMAC-SHA256 of the canonical address under the scheme key.
    pub digest: EmailDigest,
    /// The masked address for display, e.g. `d•••@example.com`.
    pub hint: EmailHint,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identifiers::tests::fixture_key;
    use crate::identifiers::{NormalisedEmail, NormalisedPhone, Region};

    #[test]
    fn round_trip_through_json() {
        let key = fixture_key();
        let p = key.protect_phone(&NormalisedPhone::parse("07700 900123", Region::gb()).unwrap());
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "digest": "68bb4722800bd22a9e37cb8eb5c3ef34ceabc437411a2369082bdad4e0ef139b",
                "hint": "+44 7••• •••123"
            })
        );
        assert_eq!(serde_json::from_value::<PhoneRef>(json).unwrap(), p);

        let e = key.protect_email(&NormalisedEmail::parse("Someone@Example.COM").unwrap());
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["hint"], "s•••@example.com");
        assert_eq!(serde_json::from_value::<EmailRef>(json).unwrap(), e);
    }

    #[test]
    fn smuggled_plaintext_is_refused() {
        let digest = "68bb4722800bd22a9e37cb8eb5c3ef34ceabc437411a2369082bdad4e0ef139b";
        let bad = serde_json::json!({ "digest": digest, "hint": "+447700900123" });
        assert!(serde_json::from_value::<PhoneRef>(bad).is_err());
        let bad = serde_json::json!({ "digest": "+447700900123", "hint": "+44 7••• •••123" });
        assert!(serde_json::from_value::<PhoneRef>(bad).is_err());
        let bad = serde_json::json!({ "digest": digest, "hint": "dave@example.com" });
        assert!(serde_json::from_value::<EmailRef>(bad).is_err());
        let extra = serde_json::json!({
            "digest": digest, "hint": "d•••@example.com", "plain": "dave@example.com"
        });
        assert!(serde_json::from_value::<EmailRef>(extra).is_err());
    }
}
