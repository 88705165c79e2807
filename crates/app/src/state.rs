//! What every request shares: the session's secrets, the store (or its absence while
//! locked), the idle clock, the sync status and a submission held while locked.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use mugsync_core::report::ReportId;
use mugsync_store::DeviceStore;
use time::OffsetDateTime;

use crate::formdata::FormData;
use crate::secret::Secret;
use crate::store_access::{with_store, Failure};
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
    /// The running sync's latest progress line.
    sync_progress: Arc<Mutex<Option<String>>>,
    /// Wakes the automatic sync early: a report was filed or changed.
    sync_wake: Arc<tokio::sync::Notify>,
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
            sync_progress: Arc::new(Mutex::new(None)),
            sync_wake: Arc::new(tokio::sync::Notify::new()),
            pending: Mutex::new(None),
            filed_forms: Mutex::new(HashMap::new()),
        })
        .with_auto_sync()
    }

    /// Starts the automatic sync when there is a hook and a runtime to run it on (the app
    /// is always built inside one; a bare unit test may not be).
    fn with_auto_sync(self: Arc<Self>) -> AppState {
        if self.sync_hook.is_some() {
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(auto_sync(Arc::downgrade(&self)));
            }
        }
        self
    }

    /// Asks the automatic sync to run now: a report was filed or changed here.
    pub(crate) fn sync_soon(&self) {
        self.sync_wake.notify_one();
    }

    /// The running sync's latest progress line.
    pub(crate) fn sync_progress(&self) -> Option<String> {
        lock(&self.sync_progress).clone()
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
        *lock(&self.sync_progress) = None;
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

/// How long after the app opens the first automatic sync runs.
const FIRST_AUTO_SYNC: Duration = Duration::from_secs(10);

/// Runs one sync through the hook unless one is running already; `None` then (or without a
/// hook), else whether it succeeded. Used by "Sync now" and by the automatic sync.
pub(crate) async fn run_sync(state: &AppState) -> Option<bool> {
    let hook = state.sync_hook.clone()?;
    if !state.start_sync() {
        return None;
    }
    tracing::info!("sync started");
    let progress = state.sync_progress.clone();
    let outcome = with_store(state, move |store| {
        let report = |line: &str| *lock(&progress) = Some(line.to_owned());
        Ok(hook(store, &report))
    })
    .await;
    let outcome = match outcome {
        Ok(r) => r,
        Err(Failure::Locked) => Err("the app was locked before sync could start".into()),
        Err(Failure::Store(e)) => Err(e.to_string()),
        Err(_) => Err("sync stopped unexpectedly; nothing filed here was lost".into()),
    };
    let ok = outcome.is_ok();
    tracing::info!(ok, "sync finished");
    state.finish_sync(outcome);
    Some(ok)
}

/// The automatic sync: right after a report is filed or changed, then every minute while
/// the relay answers, backing off (capped, with jitter) while it does not. Skipped while
/// the store is locked (the passphrase is needed to open it). Holds only a weak reference,
/// so it ends with the app.
async fn auto_sync(state: Weak<Shared>) {
    let mut schedule = mugsync_client::SyncSchedule::new();
    // The first sync runs soon after the app opens.
    let mut wait = FIRST_AUTO_SYNC;
    loop {
        let Some(wake) = state.upgrade().map(|s| s.sync_wake.clone()) else {
            return;
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = wake.notified() => {}
        }
        let Some(st) = state.upgrade() else {
            return;
        };
        if st.is_locked() {
            wait = mugsync_client::SYNC_EVERY;
            continue;
        }
        wait = match run_sync(&st).await {
            Some(true) => schedule.succeeded(),
            Some(false) => schedule.failed(),
            // "Sync now" is running: look again shortly.
            None => Duration::from_secs(1),
        };
    }
}
