//! The store passphrase: zeroized on drop, never printed.

use std::fmt;
use zeroize::Zeroizing;

use crate::StoreError;

/// The fewest characters (spaces at either end not counted) a new store's passphrase has.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// What unlocks the device store.
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// Wraps a passphrase; empty ones are refused.
    pub fn new(text: impl Into<String>) -> Result<Passphrase, StoreError> {
        let text = Zeroizing::new(text.into());
        if text.is_empty() {
            return Err(StoreError::EmptyPassphrase);
        }
        Ok(Passphrase(text))
    }

    /// Refuses passphrases too weak for a new store: fewer than
    /// [`MIN_PASSPHRASE_CHARS`] characters once spaces at either end are ignored, so that
    /// blank and whitespace-only ones are refused too. (Opening an existing store takes the
    /// passphrase exactly as typed.)
    pub fn check_strength(&self) -> Result<(), StoreError> {
        if self.0.trim().chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(StoreError::WeakPassphrase);
        }
        Ok(())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(••••)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_short_and_whitespace_passphrases_are_too_weak() {
        assert!(matches!(
            Passphrase::new(""),
            Err(StoreError::EmptyPassphrase)
        ));
        for weak in ["        ", " \t \n    ", "short", "  seven7  "] {
            let p = Passphrase::new(weak).unwrap();
            let e = p.check_strength().unwrap_err();
            assert!(matches!(e, StoreError::WeakPassphrase), "{weak:?}");
            assert!(e.to_string().contains("at least 8 characters"), "{e}");
        }
        assert!(Passphrase::new("eight ch")
            .unwrap()
            .check_strength()
            .is_ok());
        assert!(Passphrase::new("  correct horse  ")
            .unwrap()
            .check_strength()
            .is_ok());
    }
}
