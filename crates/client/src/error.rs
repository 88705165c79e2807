//! What can go wrong talking to a relay, each with what to do next.

use mugsync_store::StoreError;

/// Why enrolment or sync failed. Nothing already stored on the device is lost by any of
/// these: sync applies each batch durably and the next run continues.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The URL is unusable.
    #[error("'{url}' is not a usable relay address: {why}")]
    BadUrl {
        /// What was given.
        url: String,
        /// Why not.
        why: String,
    },
    /// Plain HTTP to a machine other than this one.
    #[error("refusing plain http:// to {0}: reports would cross the network unencrypted; use https://, or pass --insecure if you really mean it")]
    PlainHttp(String),
    /// This device is not enrolled.
    #[error("this device is not enrolled with a relay; run `mugsync enroll --relay URL --code CODE` with a code from the coordinator")]
    NotEnrolled,
    /// The coordinator revoked this device.
    #[error("this device was revoked by the scheme coordinator: {0}")]
    Revoked(String),
    /// The relay refused the request.
    #[error("the relay refused the request ({status}): {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Stable error word from the relay.
        error: String,
        /// The relay's explanation.
        message: String,
    },
    /// The relay could not be reached or the connection dropped.
    #[error("could not reach the relay ({0}); reports stay safe on this device — try again when there is signal")]
    Network(String),
    /// The relay sent something this build cannot read.
    #[error(
        "the relay's answer could not be read ({0}); update mugsync on this device or on the relay"
    )]
    Protocol(String),
    /// Sync did not settle within the round limit.
    #[error("sync did not finish within {0} rounds; run `mugsync sync` again to continue")]
    TooManyRounds(usize),
    /// A local store problem.
    #[error(transparent)]
    Store(#[from] StoreError),
}
