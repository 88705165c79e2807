//! The error every report-parsing step returns: which field, and what is allowed.

use std::fmt;

/// A field that could not be accepted, with the reason in words a worker can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FieldError {
    /// Path of the field in the import format, e.g. `perpetrator.phones[0]`.
    pub field: String,
    /// What was wrong and what is allowed.
    pub reason: String,
}

impl FieldError {
    /// A new error for `field`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The same error, re-rooted under `parent` (e.g. `vehicle` → `perpetrator.vehicle`).
    pub fn within(mut self, parent: &str) -> Self {
        self.field = format!("{parent}.{}", self.field);
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}
