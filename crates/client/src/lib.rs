//! mugsync-client: the device side of the relay protocol.
//!
//! - [`enroll()`]: a one-time code → this device's key pair registered, the scheme key and
//!   areas stored in the encrypted store;
//! - [`sync()`]: the heads-based exchange of `mugsync_core::wire`, each pulled batch committed
//!   before the next request;
//! - [`RelayUrl`]: https://, or http:// only to this machine unless `--insecure`.
#![forbid(unsafe_code)]

mod enroll;
mod error;
mod http;
mod sync;
mod url;

pub use enroll::{client_for, enroll, Enrolled};
pub use error::{ClientError, TlsProblem};
pub use http::{BusyRetry, Client, Transport};
pub use sync::{
    sync, Progress, RejectedReport, Stage, SyncSchedule, SyncSummary, MAX_ROUNDS,
    PUSH_BUDGET_BYTES, RETRY_CAP, RETRY_FIRST, SYNC_EVERY,
};
pub use url::RelayUrl;
