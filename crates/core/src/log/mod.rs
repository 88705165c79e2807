//! The shared log: anonymised reports in automerge documents, one per month.
//!
//! Why partitions: DESIGN.md measured one document of 100k reports at 2.6–3 s and 615 MB to
//! load, while 1,000–5,000 reports load in 12–95 ms. A device therefore loads the current
//! month eagerly and older months only when something touches them, and sync compares
//! per-partition heads first so closed months cost nothing.
//!
//! Persistence is the caller's: every write returns a [`LogWrite`] holding only the new
//! change bytes, to be appended durably before the write is acknowledged.

mod chunks;
mod error;
mod intake;
pub mod layout;
mod partition;
mod set_aside;
mod touched;

pub use error::LogError;
pub use intake::{Intake, RejectedChange};
pub use partition::{BadEntry, DeviceActor, LogPartition, LogWrite, PartitionKey};
pub use set_aside::SetAside;

#[cfg(test)]
mod intake_tests;
#[cfg(test)]
mod tests;
