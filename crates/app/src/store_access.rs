//! Running store work off the async threads, and what can go wrong with it.
//!
//! SQLite calls block (a durable commit waits for the disk), so every use of the store runs
//! on a blocking thread while holding the store's mutex. A panic there may leave the
//! in-memory log half-changed, so the store is closed: reopening reloads it from disk,
//! where every write is all-or-nothing.

use mugsync_store::{DeviceStore, StoreError};

use crate::state::{AppState, LockReason};

/// Why a page could not be made.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The store is closed: the unlock page is next.
    Locked,
    /// No such report on this device.
    NotFound,
    /// The store refused or failed; the message is for the person at the keyboard.
    Store(StoreError),
    /// A bug or a crash inside a store call; the store was closed to be safe.
    Internal,
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Store(e)
    }
}

/// A word for the kind of a store error, for log lines: never its message, which can
/// quote what was typed.
pub(crate) fn error_kind(e: &StoreError) -> &'static str {
    match e {
        StoreError::NotInitialised(_) => "not_initialised",
        StoreError::AlreadyInitialised(_) => "already_initialised",
        StoreError::WrongPassphrase => "wrong_passphrase",
        StoreError::EmptyPassphrase => "empty_passphrase",
        StoreError::WeakPassphrase => "weak_passphrase",
        StoreError::CannotRekey(_) => "cannot_rekey",
        StoreError::TooNew { .. } => "too_new",
        StoreError::SchemeMismatch => "scheme_mismatch",
        StoreError::DiskFull => "disk_full",
        StoreError::Sqlite(_) => "sqlite",
        StoreError::Log(_) => "log",
        StoreError::Field(_) => "field",
        StoreError::Damaged(_) => "damaged",
    }
}

/// Runs `f` with the open store on a blocking thread.
pub(crate) async fn with_store<T, F>(state: &AppState, f: F) -> Result<T, Failure>
where
    T: Send + 'static,
    F: FnOnce(&mut DeviceStore) -> Result<T, Failure> + Send + 'static,
{
    let st = state.clone();
    let joined = tokio::task::spawn_blocking(move || {
        let slot = st.store_slot();
        let mut guard = match slot.lock() {
            Ok(g) => g,
            Err(poisoned) => {
                // An earlier call panicked while holding the store: drop it, so the next
                // unlock reloads what is durably on disk.
                drop(poisoned);
                slot.clear_poison();
                st.lock_store(LockReason::Fault);
                return Err(Failure::Locked);
            }
        };
        let store = guard.as_mut().ok_or(Failure::Locked)?;
        f(store)
    })
    .await;
    match joined {
        Ok(result) => {
            if let Err(Failure::Store(e)) = &result {
                tracing::warn!(kind = error_kind(e), "store call failed");
            }
            result
        }
        Err(_) => {
            tracing::error!("a store call panicked; the store was closed");
            state.store_slot().clear_poison();
            state.lock_store(LockReason::Fault);
            Err(Failure::Internal)
        }
    }
}
