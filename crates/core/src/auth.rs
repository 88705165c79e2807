//! Device authentication: each enrolled device signs every request with its Ed25519 key.
//!
//! What is signed ([`RequestToSign::signing_input`]): the method, path and query, a
//! millisecond timestamp, a random nonce, and the SHA-256 of the body. The relay accepts a
//! request only when the signature verifies against an enrolled, unrevoked device key, the
//! timestamp is within [`MAX_CLOCK_SKEW_MS`] of its clock, and the nonce has not been seen in
//! that window — so a captured request cannot be replayed. The relay stores only public
//! keys, which cannot be used to sign.

use base64::Engine;
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use std::fmt;
use zeroize::Zeroizing;

/// Header carrying the device's public key (base64url, no padding).
pub const HEADER_KEY: &str = "x-mugsync-key";
/// Header carrying the request time in milliseconds since the Unix epoch.
pub const HEADER_TIME: &str = "x-mugsync-time";
/// Header carrying a random nonce (32 hex characters).
pub const HEADER_NONCE: &str = "x-mugsync-nonce";
/// Header carrying the signature (base64url, no padding).
pub const HEADER_SIGNATURE: &str = "x-mugsync-signature";
/// How far a request's timestamp may be from the relay's clock.
pub const MAX_CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Why authentication material could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The stored key pair is damaged.
    #[error("the device key is damaged; re-enrol this device")]
    BadKeyPair,
    /// A public key that is not 32 bytes of base64url.
    #[error("the device key header is not a valid public key")]
    BadPublicKey,
    /// A signature that is malformed or does not verify.
    #[error("the request signature does not verify")]
    BadSignature,
    /// A nonce that is not 32 hex characters.
    #[error("the request nonce is malformed")]
    BadNonce,
}

/// A signed time outside [`MAX_CLOCK_SKEW_MS`] of the verifier's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the request time is {off_ms} ms from this clock (at most {MAX_CLOCK_SKEW_MS} allowed)")]
pub struct ClockSkew {
    /// Signed time minus now, saturated at the bounds of `i64` when the true difference
    /// does not fit (a time near `i64::MIN` or `i64::MAX`).
    pub off_ms: i64,
}

/// Checks that a signed time is within [`MAX_CLOCK_SKEW_MS`] of `now_ms`.
///
/// The difference is computed without overflow: a plain `(signed - now).abs()` wraps for a
/// time near `i64::MIN` (its absolute value does not fit) and would let such a request
/// through — and, since nonces are forgotten once their time is out of the window, make it
/// replayable after every purge.
pub fn check_clock(signed_ms: i64, now_ms: i64) -> Result<(), ClockSkew> {
    let off_ms = signed_ms
        .checked_sub(now_ms)
        .unwrap_or(if signed_ms < now_ms {
            i64::MIN
        } else {
            i64::MAX
        });
    if off_ms.unsigned_abs() <= MAX_CLOCK_SKEW_MS.unsigned_abs() {
        Ok(())
    } else {
        Err(ClockSkew { off_ms })
    }
}

/// A device's signing key. Lives only in the device's encrypted store.
pub struct DeviceKeyPair {
    pair: Ed25519KeyPair,
    pkcs8: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for DeviceKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceKeyPair(public {})", self.public_key())
    }
}

impl DeviceKeyPair {
    /// A fresh key pair from the OS random source.
    pub fn generate() -> DeviceKeyPair {
        let rng = crate::ambient::secure_random();
        let doc = Ed25519KeyPair::generate_pkcs8(&rng).expect("the OS random source works");
        DeviceKeyPair::from_pkcs8(doc.as_ref()).expect("a freshly generated key parses")
    }

    /// From the PKCS#8 document kept in the store.
    pub fn from_pkcs8(bytes: &[u8]) -> Result<DeviceKeyPair, AuthError> {
        let pair = Ed25519KeyPair::from_pkcs8(bytes).map_err(|_| AuthError::BadKeyPair)?;
        Ok(DeviceKeyPair {
            pair,
            pkcs8: Zeroizing::new(bytes.to_vec()),
        })
    }

    /// The PKCS#8 document, for the encrypted store only.
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public half, which the relay stores.
    pub fn public_key(&self) -> DevicePublicKey {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.pair.public_key().as_ref());
        DevicePublicKey(out)
    }

    /// Signs a request; returns the four header values.
    pub fn sign(&self, req: &RequestToSign<'_>) -> SignedHeaders {
        let sig = self.pair.sign(&req.signing_input());
        SignedHeaders {
            key: self.public_key().to_string(),
            time: req.time_ms.to_string(),
            nonce: req.nonce.to_owned(),
            signature: B64.encode(sig.as_ref()),
        }
    }
}

/// A device's public key: what the relay stores to recognise a device.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DevicePublicKey([u8; 32]);

impl DevicePublicKey {
    /// Parses the header form (base64url, no padding).
    pub fn parse(text: &str) -> Result<DevicePublicKey, AuthError> {
        let bytes = B64
            .decode(text.trim())
            .map_err(|_| AuthError::BadPublicKey)?;
        let arr: [u8; 32] = bytes.try_into().map_err(|_| AuthError::BadPublicKey)?;
        Ok(DevicePublicKey(arr))
    }

    /// Raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// From raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> DevicePublicKey {
        DevicePublicKey(bytes)
    }

    /// Verifies `signature` (header form) over the request.
    pub fn verify(&self, req: &RequestToSign<'_>, signature: &str) -> Result<(), AuthError> {
        let sig = B64
            .decode(signature.trim())
            .map_err(|_| AuthError::BadSignature)?;
        UnparsedPublicKey::new(&ED25519, &self.0)
            .verify(&req.signing_input(), &sig)
            .map_err(|_| AuthError::BadSignature)
    }
}

impl fmt::Display for DevicePublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&B64.encode(self.0))
    }
}

impl fmt::Debug for DevicePublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DevicePublicKey({self})")
    }
}

/// The parts of a request that are signed.
#[derive(Debug, Clone)]
pub struct RequestToSign<'a> {
    /// HTTP method, upper case.
    pub method: &'a str,
    /// Path and query, e.g. `/v1/sync`.
    pub path_and_query: &'a str,
    /// Milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// 32 hex characters, random per request.
    pub nonce: &'a str,
    /// The request body.
    pub body: &'a [u8],
}

impl RequestToSign<'_> {
    /// The exact bytes signed: a versioned, newline-separated canonical form.
    pub fn signing_input(&self) -> Vec<u8> {
        let body_hash = ring::digest::digest(&ring::digest::SHA256, self.body);
        format!(
            "mugsync-request-v1\n{}\n{}\n{}\n{}\n{}",
            self.method.to_ascii_uppercase(),
            self.path_and_query,
            self.time_ms,
            self.nonce,
            hex::encode(body_hash.as_ref())
        )
        .into_bytes()
    }
}

/// The four header values of a signed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// [`HEADER_KEY`].
    pub key: String,
    /// [`HEADER_TIME`].
    pub time: String,
    /// [`HEADER_NONCE`].
    pub nonce: String,
    /// [`HEADER_SIGNATURE`].
    pub signature: String,
}

/// A fresh random nonce (32 hex characters).
pub fn new_nonce() -> String {
    let mut b = [0u8; 16];
    crate::ambient::fill_random(&mut b);
    hex::encode(b)
}

/// Checks a nonce's shape.
pub fn check_nonce(nonce: &str) -> Result<(), AuthError> {
    if nonce.len() == 32 && nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(AuthError::BadNonce)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req<'a>(body: &'a [u8], nonce: &'a str) -> RequestToSign<'a> {
        RequestToSign {
            method: "POST",
            path_and_query: "/v1/sync",
            time_ms: 1_700_000_000_000,
            nonce,
            body,
        }
    }

    #[test]
    fn signatures_verify_and_bind_every_part() {
        let kp = DeviceKeyPair::generate();
        let nonce = new_nonce();
        check_nonce(&nonce).unwrap();
        let h = kp.sign(&req(b"body", &nonce));
        let pk = DevicePublicKey::parse(&h.key).unwrap();
        pk.verify(&req(b"body", &nonce), &h.signature).unwrap();
        assert!(pk.verify(&req(b"bodz", &nonce), &h.signature).is_err());
        let other = new_nonce();
        assert!(pk.verify(&req(b"body", &other), &h.signature).is_err());
        let mut r = req(b"body", &nonce);
        r.path_and_query = "/v1/enroll";
        assert!(pk.verify(&r, &h.signature).is_err());
        let reloaded = DeviceKeyPair::from_pkcs8(kp.pkcs8()).unwrap();
        assert_eq!(reloaded.public_key(), kp.public_key());
        assert!(DevicePublicKey::parse("short").is_err());
        assert!(check_nonce("zz").is_err());
    }

    #[test]
    fn clock_check_has_no_overflow_at_the_ends_of_i64() {
        let now = 1_700_000_000_000;
        assert!(check_clock(now, now).is_ok());
        assert!(check_clock(now - MAX_CLOCK_SKEW_MS, now).is_ok());
        assert!(check_clock(now + MAX_CLOCK_SKEW_MS, now).is_ok());
        assert!(check_clock(now - MAX_CLOCK_SKEW_MS - 1, now).is_err());
        assert!(check_clock(now + MAX_CLOCK_SKEW_MS + 1, now).is_err());
        // Near i64::MIN, `saturating_sub(now).abs()` overflows (a panic in debug builds,
        // i64::MIN — "within the window" — in release builds).
        for t in [
            i64::MIN,
            i64::MIN + 1,
            i64::MIN + now,
            -now,
            i64::MAX,
            i64::MAX - 1,
        ] {
            let e = check_clock(t, now).unwrap_err();
            assert_eq!(e.off_ms.signum(), t.signum(), "{t}");
        }
        assert_eq!(check_clock(i64::MIN, now).unwrap_err().off_ms, i64::MIN);
        // And from a clock at either end, too.
        assert!(check_clock(i64::MAX, i64::MIN).is_err());
        assert!(check_clock(i64::MIN, i64::MAX).is_err());
        assert!(check_clock(i64::MIN, i64::MIN).is_ok());
    }
}
