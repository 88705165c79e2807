//! The relay's errors, each saying what to do next.
//!
//! These are for the coordinator at the relay's command line and for the library's caller.
//! What a device sees over HTTP is [`crate::api_error::ApiError`], built from these.

use mugsync_core::log::LogError;

/// Why a relay operation failed.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// No relay store in the data directory.
    #[error("no relay store in {0}; run `mugsync-relay init --data-dir DIR --areas FILE` first (or pass the right --data-dir)")]
    NotInitialised(String),
    /// A relay store is already there.
    #[error("a relay store already exists in {0}; keep using it, or choose another --data-dir")]
    AlreadyInitialised(String),
    /// The store was written by a newer mugsync.
    #[error("this relay store was written by a newer mugsync (schema {found}, this build knows {known}); update mugsync")]
    TooNew {
        /// Schema found.
        found: i64,
        /// Schema known.
        known: i64,
    },
    /// The configuration file or an environment override is wrong.
    #[error("relay configuration: {0}")]
    Config(String),
    /// A device name that does not fit the rules.
    #[error("'{0}' is not a usable device name; use 1–64 characters: letters, digits, space, '_', '.' or '-'")]
    BadDeviceName(String),
    /// The name belongs to an enrolled device.
    #[error("a device named '{0}' is already enrolled; choose another name, or revoke it first with `mugsync-relay device revoke NAME`")]
    DeviceNameTaken(String),
    /// The name has an enrolment code still waiting to be used.
    #[error("a code for device '{name}' is still waiting to be used (it expires at {expires}); use it, or revoke it with `mugsync-relay device revoke NAME` to issue a new one")]
    CodePending {
        /// The device name.
        name: String,
        /// When the waiting code expires (RFC 3339).
        expires: String,
    },
    /// No such (unrevoked) device.
    #[error("no device named '{0}' that is not already revoked; `mugsync-relay device list` shows the devices")]
    NoSuchDevice(String),
    /// Plain HTTP on an address other hosts can reach.
    #[error("refusing to serve plain HTTP on {0}, which other machines can reach: set [tls] cert and key in relay.toml, listen on a loopback address (127.0.0.1) behind a TLS proxy, or set allow_plain_http = true if a proxy in front terminates TLS")]
    PlainHttpRefused(String),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {reason}; choose another address or port (--listen, or listen in relay.toml)")]
    Bind {
        /// The address.
        addr: String,
        /// Why.
        reason: String,
    },
    /// The TLS certificate or key could not be used.
    #[error("cannot use the TLS certificate {cert} and key {key}: {reason}; check the [tls] paths in relay.toml and that both are PEM files that belong together")]
    Tls {
        /// Certificate path.
        cert: String,
        /// Key path.
        key: String,
        /// Why.
        reason: String,
    },
    /// The server stopped with an IO error.
    #[error("the relay stopped: {0}; check the system log, then start it again")]
    Serve(String),
    /// A file or directory could not be used.
    #[error("{0}")]
    Io(String),
    /// Disk full.
    #[error("the relay's disk is full; nothing was written — free some space and try again")]
    DiskFull,
    /// Another SQLite problem.
    #[error("the relay store could not be used: {0}")]
    Sqlite(String),
    /// A stored value that does not parse (damage, or a bug).
    #[error("the relay store holds damaged data ({0}); keep a copy of the data directory and report this")]
    Damaged(String),
    /// A log problem.
    #[error(transparent)]
    Log(#[from] LogError),
    /// The key file is missing, unreadable, too open or damaged.
    #[error("the relay key file {path} {why}")]
    KeyFile {
        /// Where it was looked for.
        path: String,
        /// What is wrong and what to do.
        why: String,
    },
    /// The database does not open with the key file's key (or is not a relay store).
    #[error("{db} cannot be opened with the key in {key_file}: it is encrypted with another key, or is not a relay store; use the relay.key made with this relay.db (set MUGSYNC_RELAY_KEY_FILE if it lives elsewhere)")]
    WrongDatabaseKey {
        /// The database file.
        db: String,
        /// The key file used.
        key_file: String,
    },
    /// Another relay sharing the database appended to a partition this round started from.
    #[error("another relay changed the same partition at the same time; sync again")]
    Conflict,
    /// The `database` setting names a backend this build does not have.
    #[error("relay configuration: database '{0}' is not supported yet (PostgreSQL support is not built yet); use database = \"sqlite://relay.db\"")]
    UnsupportedDatabase(String),
    /// A bug: the relay broke one of its own rules.
    #[error("internal error in the relay ({0}); report this")]
    Internal(&'static str),
}

impl RelayError {
    /// A short, content-free word for this error, safe for tracing lines (data rule 4).
    pub fn kind(&self) -> &'static str {
        match self {
            RelayError::NotInitialised(_) => "not_initialised",
            RelayError::AlreadyInitialised(_) => "already_initialised",
            RelayError::TooNew { .. } => "too_new",
            RelayError::Config(_) => "config",
            RelayError::BadDeviceName(_) => "bad_device_name",
            RelayError::DeviceNameTaken(_) => "device_name_taken",
            RelayError::CodePending { .. } => "code_pending",
            RelayError::NoSuchDevice(_) => "no_such_device",
            RelayError::PlainHttpRefused(_) => "plain_http_refused",
            RelayError::Bind { .. } => "bind",
            RelayError::Tls { .. } => "tls",
            RelayError::Serve(_) => "serve",
            RelayError::Io(_) => "io",
            RelayError::DiskFull => "disk_full",
            RelayError::Sqlite(_) => "sqlite",
            RelayError::Damaged(_) => "damaged",
            RelayError::Log(_) => "log",
            RelayError::Conflict => "conflict",
            RelayError::KeyFile { .. } => "key_file",
            RelayError::WrongDatabaseKey { .. } => "wrong_database_key",
            RelayError::UnsupportedDatabase(_) => "unsupported_database",
            RelayError::Internal(_) => "internal",
        }
    }
}

impl From<mugsync_persist::PersistError> for RelayError {
    fn from(e: mugsync_persist::PersistError) -> Self {
        use mugsync_persist::PersistError as P;
        match e {
            P::TooNew { found, known } => RelayError::TooNew { found, known },
            P::Sqlite(e) => e.into(),
            damage @ (P::BadHeads | P::BadKey(_)) => RelayError::Damaged(damage.to_string()),
        }
    }
}

impl From<rusqlite::Error> for RelayError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => RelayError::DiskFull,
            _ => RelayError::Sqlite(e.to_string()),
        }
    }
}
