//! What every request shares: the session's secrets, the store (or its absence while
//! locked), the idle clock, the sync status and a submission held while locked.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use mugsync_core::report::ReportId;
use mugsync_store::DeviceStore;
use time::OffsetDateTime;

use crate::formdata::FormData;
use crate::secret::Secret;
use crate::{AppOptions, SyncHook, DEFAULT_IDLE_LOCK};

/// Shared state; handlers get an `Arc` of it.
pub(crate) type AppState = Arc<Shared>;

/// Why the store is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LockReason {
    /// Nobody used the app for the idle time.
    Idle,
    /// Someone pressed "Lock".
    Manual,
    /// Something went wrong while the store was in use; reopening reloads it from disk.
    Fault,
}

/// Where "Sync now" stands.
#[derive(Debug, Clone)]
pub(crate) enum SyncStatus {
    /// Not run since the app started.
    NotRun,
    /// Running since then.
    Running { started: OffsetDateTime },
    /// Finished: a summary, or why it failed.
    Finished {
        at: OffsetDateTime,
        outcome: Result<String, String>,
    },
}

/// The state itself.
pub(crate) struct Shared {
    pub data_dir: PathBuf,
    pub idle_lock: Duration,
    pub sync_hook: Option<SyncHook>,
    /// `127.0.0.1:PORT`: the only Host header accepted.
    pub host: String,
    /// `http://127.0.0.1:PORT`: the only Origin accepted on a POST.
    pub origin: String,
    /// The session cookie's name, with the port in it: cookies are not kept apart by port,
    /// so two apps (or an old session) must not overwrite each other's.
    pub cookie_name: String,
    /// The cookie value.
    pub session: Secret,
    /// The token every form carries.
    pub csrf: Secret,
    /// The one-time ticket in `open_url`; `None` once used.
    ticket: Mutex<Option<Secret>>,
    ticket_text: String,
    /// The open store; `None` while locked.
    store: Mutex<Option<DeviceStore>>,
    lock_reason: Mutex<Option<LockReason>>,
    last_activity: Mutex<Instant>,
    sync: Mutex<SyncStatus>,
    /// A report form posted while the store was locked, filed after the next unlock so that
    /// nothing typed is lost.
    pending: Mutex<Option<FormData>>,
    /// Form ids already filed, so a double click or a resent form files one report.
    filed_forms: Mutex<HashMap<String, ReportId>>,
}

/// Locks a mutex, carrying on past a poisoned one: the values behind these mutexes stay
/// consistent however a panicking holder stopped (the store has its own handling).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub(crate) fn new(store: DeviceStore, opts: AppOptions, addr: SocketAddr) -> AppState {
        let ticket = Secret::generate();
        Arc::new(Shared {
            data_dir: opts.data_dir,
            idle_lock: if opts.idle_lock.is_zero() {
                DEFAULT_IDLE_LOCK
            } else {
                opts.idle_lock
            },
            sync_hook: opts.sync,
            host: addr.to_string(),
            origin: format!("http://{addr}"),
            cookie_name: format!("mugsync_session_{}", addr.port()),
            session: Secret::generate(),
            csrf: Secret::generate(),
            ticket_text: ticket.as_str().to_owned(),
            ticket: Mutex::new(Some(ticket)),
            store: Mutex::new(Some(store)),
            lock_reason: Mutex::new(None),
            last_activity: Mutex::new(Instant::now()),
            sync: Mutex::new(SyncStatus::NotRun),
            pending: Mutex::new(None),
            filed_forms: Mutex::new(HashMap::new()),
        })
    }

    /// The URL that starts the browser session.
    pub(crate) fn open_url(&self) -> String {
        format!("{}/unlock?session={}", self.origin, self.ticket_text)
    }

    /// Spends the one-time ticket: true the first time the right ticket is shown.
    pub(crate) fn redeem_ticket(&self, presented: &str) -> bool {
        let mut t = lock(&self.ticket);
        match t.as_ref() {
            Some(secret) if secret.matches(presented) => {
                *t = None;
                true
            }
            _ => false,
        }
    }

    /// The store's mutex, for [`crate::store_access`].
    pub(crate) fn store_slot(&self) -> &Mutex<Option<DeviceStore>> {
        &self.store
    }

    /// True while the store is closed.
    pub(crate) fn is_locked(&self) -> bool {
        // try_lock: a store busy with a long sync is open, not locked.
        match self.store.try_lock() {
            Ok(g) => g.is_none(),
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner().is_none(),
            Err(std::sync::TryLockError::WouldBlock) => false,
        }
    }

    /// Closes the store (dropping it closes the database) and says why.
    pub(crate) fn lock_store(&self, reason: LockReason) {
        let dropped = lock(&self.store).take();
        if dropped.is_some() {
            *lock(&self.lock_reason) = Some(reason);
            tracing::info!(reason = ?reason, "store locked");
        }
        drop(dropped);
    }

    /// Puts a freshly opened store back. Returns false (and drops `store`) when another
    /// unlock got there first.
    pub(crate) fn unlock_with(&self, store: DeviceStore) -> bool {
        let mut slot = lock(&self.store);
        if slot.is_some() {
            return false;
        }
        *slot = Some(store);
        *lock(&self.lock_reason) = None;
        self.touch();
        tracing::info!("store unlocked");
        true
    }

    /// Why the store was locked, if it is.
    pub(crate) fn lock_reason(&self) -> Option<LockReason> {
        *lock(&self.lock_reason)
    }

    /// Records a request now.
    pub(crate) fn touch(&self) {
        *lock(&self.last_activity) = Instant::now();
    }

    /// When the idle lock is due.
    pub(crate) fn idle_deadline(&self) -> Instant {
        *lock(&self.last_activity) + self.idle_lock
    }

    /// The sync status.
    pub(crate) fn sync_status(&self) -> SyncStatus {
        lock(&self.sync).clone()
    }

    /// Marks a sync as started; false when one is already running.
    pub(crate) fn start_sync(&self) -> bool {
        let mut s = lock(&self.sync);
        if matches!(*s, SyncStatus::Running { .. }) {
            return false;
        }
        *s = SyncStatus::Running {
            started: OffsetDateTime::now_utc(),
        };
        true
    }

    /// Records how a sync ended.
    pub(crate) fn finish_sync(&self, outcome: Result<String, String>) {
        *lock(&self.sync) = SyncStatus::Finished {
            at: OffsetDateTime::now_utc(),
            outcome,
        };
    }

    /// True while a sync runs (the idle lock waits for it).
    pub(crate) fn sync_running(&self) -> bool {
        matches!(*lock(&self.sync), SyncStatus::Running { .. })
    }

    /// Holds a report form posted while locked (replacing any older one).
    pub(crate) fn hold_pending(&self, form: FormData) {
        *lock(&self.pending) = Some(form);
    }

    /// Takes the held report form, if any.
    pub(crate) fn take_pending(&self) -> Option<FormData> {
        lock(&self.pending).take()
    }

    /// True when a report form is waiting for the unlock.
    pub(crate) fn has_pending(&self) -> bool {
        lock(&self.pending).is_some()
    }

    /// The report a form id already filed.
    pub(crate) fn filed_form(&self, form_id: &str) -> Option<ReportId> {
        lock(&self.filed_forms).get(form_id).copied()
    }

    /// Remembers that a form id filed a report.
    pub(crate) fn remember_filed(&self, form_id: &str, id: ReportId) {
        let mut m = lock(&self.filed_forms);
        // Only recent double submissions matter; keep the map small.
        if m.len() >= 256 {
            m.clear();
        }
        m.insert(form_id.to_owned(), id);
    }
}
