//! Binding loopback, serving, and the idle lock.

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};

use mugsync_store::DeviceStore;
use tokio::net::TcpListener;

use crate::state::{AppState, LockReason, Shared};
use crate::{AppError, AppOptions};

/// The van app. Start with [`App::bind`].
pub struct App;

/// The app bound to its loopback port, not yet serving.
pub struct BoundApp {
    listener: TcpListener,
    state: AppState,
}

impl App {
    /// Binds `127.0.0.1` on a free port and makes the session's secrets. Nothing is served
    /// until [`BoundApp::serve`]; the address and link are known now.
    pub async fn bind(store: DeviceStore, opts: AppOptions) -> Result<BoundApp, AppError> {
        // Loopback only: the app is for this laptop's browser, never the network.
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(AppError::Bind)?;
        let addr = listener.local_addr().map_err(AppError::Bind)?;
        let state = Shared::new(store, opts, addr);
        Ok(BoundApp { listener, state })
    }
}

impl BoundApp {
    /// The bound address (`127.0.0.1:PORT`).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// `http://127.0.0.1:PORT/unlock?session=SECRET`: the one link that starts the browser
    /// session. It works once; treat it like a password (don't log it).
    pub fn open_url(&self) -> String {
        self.state.open_url()
    }

    /// Serves until the process ends.
    pub async fn serve(self) -> Result<(), AppError> {
        self.serve_with_shutdown(std::future::pending()).await
    }

    /// Serves until `signal` completes, then closes the store.
    pub async fn serve_with_shutdown(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), AppError> {
        let BoundApp { listener, state } = self;
        let watcher = tokio::spawn(idle_watch(state.clone()));
        let router = crate::pages::router(state.clone());
        tracing::info!("van app serving on loopback");
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(signal)
            .await;
        watcher.abort();
        let st = state.clone();
        let _ = tokio::task::spawn_blocking(move || st.lock_store(LockReason::Manual)).await;
        served.map_err(AppError::Serve)
    }
}

/// Closes the store once `idle_lock` passes with no request (and no sync running).
pub(crate) async fn idle_watch(state: AppState) {
    // After the deadline passes without locking (a sync is running, or the store is
    // already locked), look again after this long.
    let recheck = state.idle_lock.min(std::time::Duration::from_secs(1));
    loop {
        let deadline = state.idle_deadline();
        if std::time::Instant::now() < deadline {
            tokio::time::sleep_until(deadline.into()).await;
            continue;
        }
        if !state.sync_running() && !state.is_locked() {
            let st = state.clone();
            let _ = tokio::task::spawn_blocking(move || st.lock_store(LockReason::Idle)).await;
        }
        tokio::time::sleep(recheck).await;
    }
}
