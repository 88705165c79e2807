//! [`PersistError`]: what can go wrong below the stores. Each store maps it into its own
//! error, which says what to do next.

use mugsync_core::log::LogError;

/// Why a persistence step failed.
#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    /// The database was written by a newer build (more migration steps than this one knows).
    #[error(
        "the database was written by a newer mugsync (schema {found}, this build knows {known})"
    )]
    TooNew {
        /// Steps recorded in the file.
        found: i64,
        /// Steps this build knows.
        known: i64,
    },
    /// Stored heads whose length is not a multiple of 32 bytes.
    #[error("stored heads are damaged")]
    BadHeads,
    /// A stored partition key that does not parse.
    #[error("a stored partition key is damaged: {0}")]
    BadKey(#[source] LogError),
    /// SQLite refused.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}
