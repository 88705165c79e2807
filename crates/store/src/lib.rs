//! mugsync-store: the filing device's encrypted store.
//!
//! One SQLCipher database per device holds:
//! - the log's durable bytes, per monthly partition (a snapshot plus appended chunks);
//! - a readable view of the merged log and an identifier index, for listing and checks;
//! - victim-private details, which never enter the log (DESIGN.md rule 1);
//! - the scheme key and device settings, which never leave the store.
//!
//! Start at [`DeviceStore`].
#![forbid(unsafe_code)]

mod device;
mod error;
pub mod meta;
mod migrations;
mod passphrase;
mod view;

pub use device::{DeviceStore, InitOptions, LocalSyncState, NewScheme, STORE_FILE};
pub use error::StoreError;
pub use passphrase::{Passphrase, MIN_PASSPHRASE_CHARS};
