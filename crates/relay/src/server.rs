//! [`Relay`] and [`BoundRelay`]: open the store, bind the listener, then serve — in two
//! steps, so a caller (and every test) knows the address before the first request and
//! never has to wait and retry.

use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum_server::tls_rustls::RustlsConfig;

use crate::config::RelayConfig;
use crate::routes;
use crate::state::{AppState, RelayCore};
use crate::RelayError;

/// How long a graceful shutdown lets requests in flight finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The relay server.
#[derive(Debug)]
pub struct Relay;

/// A relay whose store is open and whose listener is bound, ready to serve.
pub struct BoundRelay {
    listener: std::net::TcpListener,
    local_addr: SocketAddr,
    tls: Option<RustlsConfig>,
    router: Router,
}

impl std::fmt::Debug for BoundRelay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoundRelay")
            .field("local_addr", &self.local_addr)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl Relay {
    /// Opens the store in `config.data_dir`, loads the TLS certificate when configured, and
    /// binds `config.listen` (port 0 picks a free port). Plain HTTP on an address other
    /// machines can reach is refused unless `allow_plain_http` is set.
    pub async fn bind(config: RelayConfig) -> Result<BoundRelay, RelayError> {
        if config.tls.is_none() && !config.listen.ip().is_loopback() && !config.allow_plain_http {
            return Err(RelayError::PlainHttpRefused(config.listen.to_string()));
        }
        let store_config = config.clone();
        let core = tokio::task::spawn_blocking(move || RelayCore::open(&store_config))
            .await
            .map_err(|e| RelayError::Io(format!("opening the relay store failed: {e}")))??;
        let tls =
            match &config.tls {
                Some(t) => Some(RustlsConfig::from_pem_file(&t.cert, &t.key).await.map_err(
                    |e| RelayError::Tls {
                        cert: t.cert.display().to_string(),
                        key: t.key.display().to_string(),
                        reason: e.to_string(),
                    },
                )?),
                None => None,
            };
        let bind_err = |e: std::io::Error| RelayError::Bind {
            addr: config.listen.to_string(),
            reason: e.to_string(),
        };
        let listener = std::net::TcpListener::bind(config.listen).map_err(bind_err)?;
        listener.set_nonblocking(true).map_err(bind_err)?;
        let local_addr = listener.local_addr().map_err(bind_err)?;
        let router = routes::router(AppState::new(core, config.limits));
        tracing::info!(tls = tls.is_some(), "relay bound");
        Ok(BoundRelay {
            listener,
            local_addr,
            tls,
            router,
        })
    }
}

impl BoundRelay {
    /// The address actually bound (the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// True when serving HTTPS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Serves until the process ends.
    pub async fn serve(self) -> Result<(), RelayError> {
        self.serve_with_shutdown(std::future::pending()).await
    }

    /// Serves until `signal` completes, then stops accepting and lets requests in flight
    /// finish (up to 10 s). Every acknowledged write is already durable, so even a hard
    /// stop loses nothing.
    pub async fn serve_with_shutdown(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), RelayError> {
        let handle = axum_server::Handle::new();
        let on_signal = handle.clone();
        tokio::spawn(async move {
            signal.await;
            on_signal.graceful_shutdown(Some(SHUTDOWN_GRACE));
        });
        let app = self.router.into_make_service();
        let served = match self.tls {
            Some(tls) => match axum_server::from_tcp_rustls(self.listener, tls) {
                Ok(server) => server.handle(handle).serve(app).await,
                Err(e) => Err(e),
            },
            None => match axum_server::from_tcp(self.listener) {
                Ok(server) => server.handle(handle).serve(app).await,
                Err(e) => Err(e),
            },
        };
        tracing::info!(ok = served.is_ok(), "relay stopped");
        served.map_err(|e| RelayError::Serve(e.to_string()))
    }
}
