//! [`SchemeKey`]: the scheme-wide HMAC-SHA256 key that turns identifiers into digests.

use std::fmt;

use ring::hmac;
use zeroize::Zeroizing;

use super::digest::{EmailDigest, PhoneDigest};
use super::email::NormalisedEmail;
use super::error::IdentifierError;
use super::phone::NormalisedPhone;
use super::refs::{EmailRef, PhoneRef};

/// The least number of bytes a scheme key may have.
pub const MIN_KEY_BYTES: usize = 32;

/// The number of bytes [`SchemeKey::generate`] makes.
const GENERATED_KEY_BYTES: usize = 32;

/// The scheme key: an HMAC-SHA256 key shared by every device in one scheme, so that the same
/// phone number or email gives the same digest on every device, while someone without the
/// key cannot test guesses against the digests in the shared log.
///
/// Its `Debug` output never shows the key (`SchemeKey(••••)`), and the raw copy it keeps is
/// zeroed when it is dropped.
#[derive(Clone)]
pub struct SchemeKey {
    key: hmac::Key,
    raw: Zeroizing<Vec<u8>>,
}

impl SchemeKey {
    /// A key from its bytes, e.g. as read back from the encrypted store.
    ///
    /// # Errors
    /// [`IdentifierError::KeyTooShort`] when there are fewer than 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<SchemeKey, IdentifierError> {
        if bytes.len() < MIN_KEY_BYTES {
            return Err(IdentifierError::KeyTooShort {
                len: bytes.len(),
                min: MIN_KEY_BYTES,
            });
        }
        Ok(SchemeKey {
            key: hmac::Key::new(hmac::HMAC_SHA256, bytes),
            raw: Zeroizing::new(bytes.to_vec()),
        })
    }

    /// A new random 32-byte key from the operating system's secure random source.
    ///
    /// # Panics
    /// If the operating system cannot supply random bytes, which leaves no safe way on.
    pub fn generate() -> SchemeKey {
        let mut bytes = Zeroizing::new([0u8; GENERATED_KEY_BYTES]);
        crate::ambient::fill_random(&mut bytes[..]);
        SchemeKey {
            key: hmac::Key::new(hmac::HMAC_SHA256, &bytes[..]),
            raw: Zeroizing::new(bytes.to_vec()),
        }
    }

    /// The raw key bytes. Only for storing the key inside the encrypted store or sending it
    /// to an enrolling device over a sealed channel: never print or log them.
    pub fn expose_bytes(&self) -> &[u8] {
        &self.raw
    }

    /// HMAC-SHA256 of `"phone:"` followed by the number in E.164 form.
    pub fn phone_digest(&self, p: &NormalisedPhone) -> PhoneDigest {
        PhoneDigest::from_bytes(self.mac("phone", p.as_e164()))
    }

    /// HMAC-SHA256 of `"email:"` followed by the canonical address.
    pub fn email_digest(&self, e: &NormalisedEmail) -> EmailDigest {
        EmailDigest::from_bytes(self.mac("email", e.as_str()))
    }

    /// The digest and masked hint that may leave the device in place of a phone number.
    pub fn protect_phone(&self, p: &NormalisedPhone) -> PhoneRef {
        PhoneRef {
            digest: self.phone_digest(p),
            hint: p.hint(),
        }
    }

    /// The digest and masked hint that may leave the device in place of an email.
    pub fn protect_email(&self, e: &NormalisedEmail) -> EmailRef {
        EmailRef {
            digest: self.email_digest(e),
            hint: e.hint(),
        }
    }

    fn mac(&self, kind: &str, canonical: &str) -> [u8; 32] {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(kind.as_bytes());
        ctx.update(b":");
        ctx.update(canonical.as_bytes());
        let tag = ctx.sign();
        let mut out = [0u8; 32];
        // HMAC-SHA256 tags are always 32 bytes.
        out.copy_from_slice(tag.as_ref());
        out
    }
}

impl fmt::Debug for SchemeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SchemeKey(••••)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identifiers::Region;

    const TEST_KEY: &[u8] = b"mugsync-test-scheme-key-32bytes!";

    #[test]
    fn short_keys_are_refused_with_a_reason() {
        let e = SchemeKey::from_bytes(b"too short").unwrap_err();
        assert_eq!(e, IdentifierError::KeyTooShort { len: 9, min: 32 });
        assert!(e.to_string().contains("at least 32"), "{e}");
        assert!(!e.to_string().contains("too short\""), "{e}");
        assert!(SchemeKey::from_bytes(&[0u8; 31]).is_err());
        assert!(SchemeKey::from_bytes(&[0u8; 32]).is_ok());
        assert!(SchemeKey::from_bytes(&[7u8; 64]).is_ok());
    }

    #[test]
    fn debug_reveals_nothing() {
        let key = SchemeKey::from_bytes(TEST_KEY).unwrap();
        let shown = format!("{key:?} {key:#?}");
        assert_eq!(format!("{key:?}"), "SchemeKey(••••)");
        assert!(!shown.contains("mugsync"));
        assert!(!shown.contains(&hex::encode(TEST_KEY)));
        let generated = SchemeKey::generate();
        let shown = format!("{generated:?}");
        assert_eq!(shown, "SchemeKey(••••)");
        assert!(!shown.contains(&hex::encode(generated.expose_bytes())));
    }

    #[test]
    fn generated_keys_are_32_random_bytes() {
        let a = SchemeKey::generate();
        let b = SchemeKey::generate();
        assert_eq!(a.expose_bytes().len(), 32);
        assert_ne!(a.expose_bytes(), b.expose_bytes());
        let again = SchemeKey::from_bytes(a.expose_bytes()).unwrap();
        let p = NormalisedPhone::parse("07700 900123", Region::gb()).unwrap();
        assert_eq!(a.phone_digest(&p), again.phone_digest(&p));
        assert_ne!(a.phone_digest(&p), b.phone_digest(&p));
    }

    #[test]
    fn digest_is_hmac_of_kind_colon_canonical() {
        let key = SchemeKey::from_bytes(TEST_KEY).unwrap();
        let p = NormalisedPhone::parse("+447700900123", Region::gb()).unwrap();
        let expected = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, TEST_KEY),
            b"phone:+447700900123",
        );
        assert_eq!(key.phone_digest(&p).as_bytes()[..], *expected.as_ref());
        let e = NormalisedEmail::parse("dave@example.com").unwrap();
        let expected = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, TEST_KEY),
            b"email:dave@example.com",
        );
        assert_eq!(key.email_digest(&e).as_bytes()[..], *expected.as_ref());
    }

    #[test]
    fn protect_pairs_digest_and_hint() {
        let key = SchemeKey::from_bytes(TEST_KEY).unwrap();
        let p = NormalisedPhone::parse("07700 900123", Region::gb()).unwrap();
        let r = key.protect_phone(&p);
        assert_eq!(r.digest, key.phone_digest(&p));
        assert_eq!(r.hint.as_str(), "+44 7••• •••123");
        let e = NormalisedEmail::parse("dave@example.com").unwrap();
        let r = key.protect_email(&e);
        assert_eq!(r.digest, key.email_digest(&e));
        assert_eq!(r.hint.as_str(), "d•••@example.com");
    }
}
