//! [`Relay`] and [`BoundRelay`]: open the store, bind the listener, then serve — in two
//! steps, so a caller (and every test) knows the address before the first request and
//! never has to wait and retry.
//!
//! Nothing unauthenticated holds the relay's resources for long: at most
//! `limits.max_connections` connections are served at once (`listener.rs`), and each must
//! finish its TLS handshake and send its request headers within
//! `limits.header_read_timeout` — which also closes idle keep-alive connections. The relay
//! speaks HTTP/1.1 only (devices use nothing else): hyper bounds an HTTP/1 connection's
//! header reads and idle time, but has no such bound for an HTTP/2 connection, which a
//! client answering pings could hold open for ever.

mod listener;

use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};

use crate::config::{Limits, RelayConfig};
use crate::routes;
use crate::state::{AppState, RelayCore};
use crate::RelayError;
use listener::CappedListener;
pub(crate) use listener::PeerAddr;

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
    limits: Limits,
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
        let tls = match &config.tls {
            Some(t) => Some(http1_only(
                RustlsConfig::from_pem_file(&t.cert, &t.key)
                    .await
                    .map_err(|e| RelayError::Tls {
                        cert: t.cert.display().to_string(),
                        key: t.key.display().to_string(),
                        reason: e.to_string(),
                    })?,
            )),
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
            limits: config.limits,
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
        let handle = axum_server::Handle::<PeerAddr>::new();
        let on_signal = handle.clone();
        tokio::spawn(async move {
            signal.await;
            on_signal.graceful_shutdown(Some(SHUTDOWN_GRACE));
        });
        let app = self
            .router
            .into_make_service_with_connect_info::<PeerAddr>();
        let limits = self.limits;
        let served = match CappedListener::new(self.listener, limits.max_connections) {
            Ok(listener) => {
                let mut server = axum_server::Server::from_listener(listener)
                    .handle(handle)
                    .http1_only();
                // Without a bound, a connection that never finishes its headers is never
                // closed (hyper's own 30 s default is off in axum-server). After a response
                // the same timer runs again while the connection waits for the next
                // request, so it bounds idle keep-alive connections too.
                server
                    .http_builder()
                    .http1()
                    .header_read_timeout(limits.header_read_timeout)
                    .keep_alive(true);
                match self.tls {
                    Some(tls) => {
                        let acceptor =
                            RustlsAcceptor::new(tls).handshake_timeout(limits.header_read_timeout);
                        server.acceptor(acceptor).serve(app).await
                    }
                    None => server.serve(app).await,
                }
            }
            Err(e) => Err(e),
        };
        tracing::info!(ok = served.is_ok(), "relay stopped");
        served.map_err(|e| RelayError::Serve(e.to_string()))
    }
}

/// The same certificate, offering only HTTP/1.1 in ALPN: a client that would pick `h2`
/// (curl, browsers) must not be told the relay speaks a protocol it will not serve.
fn http1_only(tls: RustlsConfig) -> RustlsConfig {
    let mut inner = (*tls.get_inner()).clone();
    inner.alpn_protocols = vec![b"http/1.1".to_vec()];
    RustlsConfig::from_config(std::sync::Arc::new(inner))
}
