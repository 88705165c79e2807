//! Errors from the log.

use crate::report::{FieldError, ReportId};

/// Why a log operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The report is not in this partition (or not on this device yet).
    #[error("report {0} is not in the log on this device; `mugsync report list` shows the reports it holds")]
    NotFound(ReportId),
    /// A report with this id already exists.
    #[error("report {0} already exists")]
    Exists(ReportId),
    /// The report is in the wrong partition for its id.
    #[error("report {id} belongs to partition {expected}, not {actual}")]
    WrongPartition {
        /// The report.
        id: ReportId,
        /// Where it belongs.
        expected: String,
        /// Where it was offered.
        actual: String,
    },
    /// A withdrawn report cannot change again except by the scheme.
    #[error("report {0} was withdrawn; it can no longer be amended")]
    Withdrawn(ReportId),
    /// The lifecycle rules do not let this device make the change.
    #[error("report {id}: {refusal}")]
    Refused {
        /// The report.
        id: ReportId,
        /// Why not.
        refusal: crate::report::lifecycle::Refusal,
    },
    /// Bytes that are not an automerge document or change.
    #[error("log data is damaged or not a mugsync log ({0}); nothing was changed")]
    Corrupt(String),
    /// A report entry in the document does not fit the schema.
    #[error("report entry '{key}' does not fit the schema: {problem}")]
    Invalid {
        /// The ROOT key of the entry.
        key: String,
        /// What is wrong.
        problem: String,
    },
    /// A field-level problem (bad input).
    #[error(transparent)]
    Field(#[from] FieldError),
}

impl From<automerge::AutomergeError> for LogError {
    fn from(e: automerge::AutomergeError) -> Self {
        LogError::Corrupt(e.to_string())
    }
}
