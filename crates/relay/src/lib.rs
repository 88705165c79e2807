//! mugsync-relay: the relay server as a library.
//!
//! Devices enrol with a one-time code, then sign every request with their own key; the
//! relay runs the per-partition sync exchange of `mugsync_core::wire`, validating every
//! incoming change before it joins the relay's copy of the log, and refuses revoked
//! devices. The `mugsync-relay` binary (`src/main.rs`, `src/cli/`) is thin glue over this crate.
//!
//! Where things are:
//! - [`admin`]: the coordinator's commands on a data directory ([`init`], [`add_device`],
//!   [`list_devices`], [`revoke_device`], [`relay_log_snapshot`]);
//! - [`config`]: [`RelayConfig`] from `relay.toml` and the environment;
//! - [`logging`]: the log subscriber a relay binary installs (dependency logs capped);
//! - [`server`]: [`Relay::bind`] then [`BoundRelay::serve`];
//! - `routes/`: the HTTP surface, one file per feature; `auth.rs`: request signatures;
//!   `ratelimit.rs`: the one owner of rate limits; `exchange.rs`: one sync round;
//!   `round.rs`: its locks and retries; `relay_log.rs`: the partitions in memory, one lock
//!   each; `enrolment.rs`: the enrolment policy; `storage/`: the `RelayStore` trait (the
//!   seam: `Send + Sync`, `&self`, pooled) and its SQLite backend; `api_error.rs`: every
//!   error a device can see.
//!
//! Room is left for what later issues add: matching on the identifier index, the alerts
//! outbox, the member checker and police forwarding each get their own module, routes and
//! storage methods.
#![forbid(unsafe_code)]

pub mod admin;
mod api_error;
mod auth;
mod body_budget;
pub mod config;
mod enrolment;
mod error;
mod exchange;
pub mod keys;
pub mod logging;
mod ratelimit;
mod relay_log;
mod round;
mod routes;
pub mod server;
mod state;
mod storage;

pub use admin::{
    add_device, init, list_devices, open_database_raw, relay_log_snapshot, revoke_device, Created,
    DeviceInfo, DeviceState, EnrolmentCode,
};
pub use config::{DatabaseUrl, Limits, RelayConfig, TlsConfig};
pub use enrolment::CODE_VALIDITY;
pub use error::RelayError;
pub use keys::{RelayKeys, ENV_KEY_FILE, KEY_FILE};
pub use server::{BoundRelay, Relay};
pub use storage::sqlite::STORE_FILE;

/// The HTTP paths the relay serves (for clients and tests): defined once, in
/// [`mugsync_core::wire::routes`], which devices use too.
pub mod paths {
    pub use mugsync_core::wire::routes::{ENROLL, HEALTH, SYNC};
}
