//! Random session secrets and comparing them without leaking where they differ.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};
use std::fmt;

/// Bytes of randomness in every secret: 256 bits, far beyond guessing over loopback.
const SECRET_BYTES: usize = 32;

/// A random token (URL-safe base64). `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    /// A fresh secret from the operating system's secure random source.
    ///
    /// # Panics
    /// If the operating system cannot supply random bytes: there is no safe way on.
    pub(crate) fn generate() -> Secret {
        let mut bytes = [0u8; SECRET_BYTES];
        SystemRandom::new()
            .fill(&mut bytes)
            .expect("the operating system's secure random source failed");
        Secret(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The token text, for a cookie, a URL or a hidden field.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `presented` is this secret. Takes the same time wherever the first
    /// difference is, so a local attacker timing requests learns nothing.
    pub(crate) fn matches(&self, presented: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), presented.as_bytes());
        // The length of a secret is public (always 43 characters); only content is secret.
        if a.len() != b.len() {
            return false;
        }
        a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(••••)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_distinct_and_compare_exactly() {
        let a = Secret::generate();
        let b = Secret::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 43);
        assert!(a.matches(a.as_str()));
        assert!(!a.matches(b.as_str()));
        assert!(!a.matches(""));
        assert!(!a.matches(&a.as_str()[..42]));
        assert_eq!(format!("{a:?}"), "Secret(••••)");
    }
}
