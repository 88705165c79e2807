//! [`AppState`]: what every handler shares — the store, the relay's copy of the log (locked
//! per partition), the limits and the rate limiters.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::api_error::ApiError;
use crate::config::Limits;
use crate::config::RelayConfig;
use crate::keys::RelayKeys;
use crate::ratelimit::RateLimits;
use crate::relay_log::RelayLog;
use crate::storage::RelayStore;
use crate::RelayError;

/// How often stale nonces are purged.
const PURGE_EVERY: Duration = Duration::from_secs(60);

/// The store and the in-memory log. Nothing here is behind a relay-wide lock: the store
/// hands out pooled connections, and the log locks per partition.
pub(crate) struct RelayCore {
    /// Durable state.
    pub store: Box<dyn RelayStore>,
    /// The relay's copies of the log's partitions.
    pub log: RelayLog,
    /// The scheme key (and later the member-contact key), from the key file.
    pub keys: RelayKeys,
    last_purge: Mutex<Option<Instant>>,
}

impl RelayCore {
    /// Opens the store the configuration names.
    pub fn open(config: &RelayConfig) -> Result<RelayCore, RelayError> {
        config.check_initialised()?;
        let keys = RelayKeys::load(&config.key_file)?;
        let store = crate::storage::open(config, &keys)?;
        let log = RelayLog::open(&*store)?;
        let core = RelayCore {
            store,
            log,
            keys,
            last_purge: Mutex::new(None),
        };
        core.purge_nonces_if_due(crate::auth::now_ms());
        Ok(core)
    }

    /// Forgets nonces old enough to fail the clock check anyway, at most once a minute.
    pub fn purge_nonces_if_due(&self, now_ms: i64) {
        {
            let mut last = self
                .last_purge
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if last.is_some_and(|t| t.elapsed() < PURGE_EVERY) {
                return;
            }
            *last = Some(Instant::now());
        }
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
    core: RelayCore,
    /// Request limits.
    pub limits: Limits,
    /// Rate limiters.
    pub rate: RateLimits,
    /// Nonces admitted recently, to refuse replays before reading their bodies.
    pub nonces: crate::auth::RecentNonces,
    /// Request-body memory left to hand out (`limits.max_buffered_body_bytes`).
    pub bodies: crate::body_budget::BodyBudget,
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
            core,
            rate: RateLimits::new(&limits),
            nonces: Default::default(),
            bodies: crate::body_budget::BodyBudget::new(limits.max_buffered_body_bytes),
            limits,
        }))
    }

    /// Runs blocking work on the core off the async workers. Many run at once: each takes
    /// its own store connection and only the partition locks it needs.
    pub async fn with_core<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&RelayCore, &Shared) -> T + Send + 'static,
    {
        let shared = self.0.clone();
        tokio::task::spawn_blocking(move || f(&shared.core, &shared))
            .await
            .map_err(|_| ApiError::internal())
    }
}
