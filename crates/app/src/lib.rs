//! mugsync-app: the outreach van's local web app.
//!
//! `mugsync app` unlocks the device store and hands it to [`App::bind`], which binds
//! `127.0.0.1` on a free port *before* anything is served, so the caller can print or open
//! [`BoundApp::open_url`] and then run [`BoundApp::serve`]. Everything the browser needs
//! (HTML, CSS, JavaScript) is built into the binary: the app works with no network at all.
//!
//! Who may drive it: only the browser that opened the one-time `open_url`. That visit
//! swaps the link's ticket for an `HttpOnly`, `SameSite=Strict` session cookie; every other
//! request needs the cookie and a `Host` header naming the bound address (so a web page
//! that rebinds its DNS name to 127.0.0.1 is refused), and every POST also needs the
//! session's CSRF token. After [`AppOptions::idle_lock`] with no request the store is
//! closed and the app asks for the store passphrase again.
//!
//! Pages are rendered on the server and work without JavaScript; a little script adds
//! draft saving, live warnings and the idle lock on screen. Start reading at the route
//! table in `src/pages/mod.rs`, then `src/guard.rs`.
#![forbid(unsafe_code)]

mod assets;
mod error;
mod formdata;
mod guard;
mod html;
mod pages;
mod report_form;
mod secret;
mod server;
mod state;
mod store_access;
mod warnings;
mod words;

#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use mugsync_store::DeviceStore;

pub use error::AppError;
pub use server::{App, BoundApp};

/// What a sync runs ("Sync now", and the automatic sync after a report is filed or changed
/// and every minute): given the unlocked store and a way to report progress (one short
/// line, shown on the sync page while it runs), sync it with the relay and return a human
/// summary (`Ok`) or a one-line reason (`Err`). It runs on a blocking thread and may take
/// as long as the network needs.
pub type SyncHook =
    Arc<dyn Fn(&mut DeviceStore, &dyn Fn(&str)) -> Result<String, String> + Send + Sync>;

/// How long the app waits without a request before it closes the store, unless told.
pub const DEFAULT_IDLE_LOCK: Duration = Duration::from_secs(10 * 60);

/// How the app runs.
#[derive(Clone)]
pub struct AppOptions {
    /// The data directory the store lives in: where the unlock page reopens it.
    pub data_dir: PathBuf,
    /// Close the store after this long with no request (default 10 minutes; zero means
    /// the default, so the lock cannot be switched off by accident).
    pub idle_lock: Duration,
    /// What "Sync now" runs; `None` when this device is not enrolled with a relay.
    pub sync: Option<SyncHook>,
}

impl AppOptions {
    /// Options for the store in `data_dir`: 10-minute idle lock, no sync.
    pub fn new(data_dir: impl Into<PathBuf>) -> AppOptions {
        AppOptions {
            data_dir: data_dir.into(),
            idle_lock: DEFAULT_IDLE_LOCK,
            sync: None,
        }
    }
}

impl std::fmt::Debug for AppOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppOptions")
            .field("data_dir", &self.data_dir)
            .field("idle_lock", &self.idle_lock)
            .field("sync", &self.sync.as_ref().map(|_| "set"))
            .finish()
    }
}
