//! [`AppState`]: what every handler shares — the store and the relay's copy of the log
//! behind one lock, the limits and the rate limiters.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::api_error::ApiError;
use crate::config::Limits;
use crate::ratelimit::RateLimits;
use crate::relay_log::RelayLog;
use crate::storage::sqlite::SqliteStore;
use crate::storage::RelayStore;
use crate::RelayError;

/// How often stale nonces are purged.
const PURGE_EVERY: Duration = Duration::from_secs(60);

/// The store and the in-memory log, used together under one lock.
pub(crate) struct RelayCore {
    /// Durable state.
    pub store: Box<dyn RelayStore>,
    /// The relay's copy of the log.
    pub log: RelayLog,
    last_purge: Option<Instant>,
}

impl RelayCore {
    /// Opens the SQLite store in a data directory.
    pub fn open(data_dir: &Path) -> Result<RelayCore, RelayError> {
        let store: Box<dyn RelayStore> = Box::new(SqliteStore::open(data_dir)?);
        let log = RelayLog::open(&*store)?;
        let mut core = RelayCore {
            store,
            log,
            last_purge: None,
        };
        core.purge_nonces_if_due(crate::auth::now_ms());
        Ok(core)
    }

    /// Forgets nonces old enough to fail the clock check anyway, at most once a minute.
    pub fn purge_nonces_if_due(&mut self, now_ms: i64) {
        if self.last_purge.is_some_and(|t| t.elapsed() < PURGE_EVERY) {
            return;
        }
        self.last_purge = Some(Instant::now());
        match self
            .store
            .purge_nonces(now_ms - mugsync_core::auth::MAX_CLOCK_SKEW_MS)
        {
            Ok(n) => tracing::debug!(purged = n, "old nonces purged"),
            Err(e) => tracing::warn!(error = e.kind(), "purging old nonces failed; will retry"),
        }
    }
}

/// Shared by every handler.
pub(crate) struct Shared {
    // One connection behind one lock for now: every request's database work runs in turn.
    // The next step, when throughput matters, is a connection per blocking worker
    // (DESIGN.md: ~13–15 µs per point lookup, against ~25 µs through spawn_blocking and
    // this lock) with a lock per loaded partition.
    core: Mutex<RelayCore>,
    /// Request limits.
    pub limits: Limits,
    /// Rate limiters.
    pub rate: RateLimits,
    /// Nonces admitted recently, to refuse replays before reading their bodies.
    pub nonces: crate::auth::RecentNonces,
}

/// The axum state: cheap to clone.
#[derive(Clone)]
pub(crate) struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// State around an opened core.
    pub fn new(core: RelayCore, limits: Limits) -> AppState {
        AppState(Arc::new(Shared {
            core: Mutex::new(core),
            rate: RateLimits::new(&limits),
            nonces: Default::default(),
            limits,
        }))
    }

    /// Runs blocking work on the core off the async workers.
    pub async fn with_core<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut RelayCore, &Shared) -> T + Send + 'static,
    {
        let shared = self.0.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = match shared.core.lock() {
                Ok(g) => g,
                Err(poisoned) => {
                    // A panic mid-round may have left a partition changed in memory but not
                    // on disk: reload everything from what is durable.
                    let mut g = poisoned.into_inner();
                    g.log.evict_all();
                    shared.core.clear_poison();
                    tracing::error!(
                        "recovered from a panic in a request; partitions reload from disk"
                    );
                    g
                }
            };
            f(&mut guard, &shared)
        })
        .await
        .map_err(|_| ApiError::internal())
    }
}
