//! The store passphrase: zeroized on drop, never printed.

use std::fmt;
use zeroize::Zeroizing;

use crate::StoreError;

/// What unlocks the device store.
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// Wraps a passphrase; empty ones are refused.
    pub fn new(text: impl Into<String>) -> Result<Passphrase, StoreError> {
        let text = Zeroizing::new(text.into());
        if text.is_empty() {
            return Err(StoreError::WeakPassphrase);
        }
        Ok(Passphrase(text))
    }

    /// Refuses passphrases too short for a new store.
    pub fn check_strength(&self) -> Result<(), StoreError> {
        if self.0.chars().count() < 8 {
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
