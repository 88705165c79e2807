//! The store's errors, each saying what to do next.

use mugsync_core::log::LogError;
use mugsync_core::report::FieldError;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No store at the path.
    #[error("no mugsync store at {0}; run `mugsync init` first (or pass --data-dir)")]
    NotInitialised(String),
    /// A store is already there.
    #[error("a mugsync store already exists at {0}; use it, or choose another --data-dir")]
    AlreadyInitialised(String),
    /// Wrong passphrase (or not a mugsync store at all).
    #[error("the passphrase does not open this store (or the file is not a mugsync store); nothing was changed — try again")]
    WrongPassphrase,
    /// No passphrase was given.
    #[error("the passphrase is empty; type the store's passphrase")]
    EmptyPassphrase,
    /// A new store's passphrase is too weak.
    #[error("that passphrase is too weak for a new store: use at least 8 characters, not counting spaces at either end (a few words you will remember work well); nothing was created")]
    WeakPassphrase,
    /// The store was written by a newer mugsync.
    #[error("this store was written by a newer mugsync (schema {found}, this build knows {known}); update mugsync")]
    TooNew {
        /// Schema found.
        found: i64,
        /// Schema known.
        known: i64,
    },
    /// Enrolment would change the scheme key of a store that already holds reports.
    #[error("this store already holds reports made with another scheme's key; enrol with a new --data-dir")]
    SchemeMismatch,
    /// Enrolment cannot re-key the reports filed here before it (found before any code is
    /// spent).
    #[error("this device's reports cannot be moved to the scheme's key: {0}; nothing was changed and the enrolment code is still unused")]
    CannotRekey(String),
    /// Disk full.
    #[error("the disk is full; nothing was written — free some space and try again")]
    DiskFull,
    /// Another SQLite problem.
    #[error("the store could not be used: {0}")]
    Sqlite(String),
    /// A log problem.
    #[error(transparent)]
    Log(#[from] LogError),
    /// Bad input.
    #[error(transparent)]
    Field(#[from] FieldError),
    /// A stored value that does not parse (damage, or a bug).
    #[error(
        "the store holds damaged data ({0}); keep a copy of the data directory and report this"
    )]
    Damaged(String),
}

impl From<mugsync_persist::PersistError> for StoreError {
    fn from(e: mugsync_persist::PersistError) -> Self {
        use mugsync_persist::PersistError as P;
        match e {
            P::TooNew { found, known } => StoreError::TooNew { found, known },
            P::Sqlite(e) => e.into(),
            damage @ (P::BadHeads | P::BadKey(_)) => StoreError::Damaged(damage.to_string()),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => StoreError::DiskFull,
            Some(rusqlite::ErrorCode::NotADatabase) => StoreError::WrongPassphrase,
            _ => StoreError::Sqlite(e.to_string()),
        }
    }
}
