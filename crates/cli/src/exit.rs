//! Exit codes a script can act on, and the typed errors the binary makes itself.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | done (also when the reader of our output went away, e.g. `| head`) |
//! | 1 | anything else (a damaged store, a full disk, a bug) |
//! | 2 | bad input: arguments, a field or file that does not parse, an unknown id, a relay URL |
//! | 3 | locked: no passphrase, or one that does not open the store |
//! | 4 | the relay refused (revoked, a bad code, a limit) |
//! | 5 | the relay could not be reached, stayed busy, or its certificate is not trusted |

use mugsync_client::ClientError;
use mugsync_core::identifiers::IdentifierError;
use mugsync_core::report::{AreaListError, FieldError, InputErrors};
use mugsync_store::StoreError;
use std::fmt;

/// Why the binary stopped, as an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 1.
    Failure,
    /// 2.
    BadInput,
    /// 3.
    Locked,
    /// 4.
    Refused,
    /// 5.
    Unreachable,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Failure => 1,
            Exit::BadInput => 2,
            Exit::Locked => 3,
            Exit::Refused => 4,
            Exit::Unreachable => 5,
        }
    }

    /// The word `--json` error objects carry (docs/JSON.md).
    pub fn word(self) -> &'static str {
        match self {
            Exit::Failure => "failure",
            Exit::BadInput => "bad_input",
            Exit::Locked => "locked",
            Exit::Refused => "refused",
            Exit::Unreachable => "unreachable",
        }
    }
}

/// Input the binary itself refused (a message that already says what to do).
#[derive(Debug)]
pub struct BadInput(pub String);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// The store stays locked: no passphrase, or not the right one.
#[derive(Debug)]
pub struct Locked(pub String);

impl fmt::Display for Locked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Locked {}

/// `anyhow::Error` for [`BadInput`].
pub fn bad_input(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(BadInput(message.into()))
}

/// The exit code for an error: the first cause in its chain that says.
pub fn classify(e: &anyhow::Error) -> Exit {
    for cause in e.chain() {
        if cause.is::<BadInput>()
            || cause.is::<FieldError>()
            || cause.is::<InputErrors>()
            || cause.is::<IdentifierError>()
            || cause.is::<AreaListError>()
        {
            return Exit::BadInput;
        }
        if cause.is::<Locked>() {
            return Exit::Locked;
        }
        if let Some(s) = cause.downcast_ref::<StoreError>() {
            match s {
                StoreError::WrongPassphrase | StoreError::WeakPassphrase => return Exit::Locked,
                StoreError::Field(_) => return Exit::BadInput,
                _ => {}
            }
        }
        if let Some(c) = cause.downcast_ref::<ClientError>() {
            match c {
                ClientError::BadUrl { .. }
                | ClientError::PlainHttp(_)
                | ClientError::CaCert(_)
                | ClientError::AlreadyEnrolled => return Exit::BadInput,
                ClientError::Revoked(_) | ClientError::Refused { .. } => return Exit::Refused,
                ClientError::Unreachable { .. }
                | ClientError::Dropped { .. }
                | ClientError::Busy { .. }
                | ClientError::Tls { .. } => return Exit::Unreachable,
                _ => {}
            }
        }
    }
    Exit::Failure
}

/// The relay's error word, when the relay answered with one.
pub fn relay_word(e: &anyhow::Error) -> Option<String> {
    e.chain()
        .filter_map(|c| c.downcast_ref::<ClientError>())
        .find_map(|c| match c {
            ClientError::Refused { error, .. } => Some(error.clone()),
            ClientError::Revoked(_) => Some(mugsync_core::wire::words::REVOKED.to_owned()),
            ClientError::Busy { .. } => Some(mugsync_core::wire::words::BUSY.to_owned()),
            _ => None,
        })
}

/// True when the error is only that whoever read our output has gone (`| head -0`).
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}
