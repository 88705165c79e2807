//! Signed requests to the relay, retried with backoff while the relay says it is busy.

use mugsync_core::auth::{self, DeviceKeyPair, RequestToSign};
use mugsync_core::wire::{words, ErrorBody};
use std::io::Read;
use std::time::Duration;

use crate::{ClientError, RelayUrl};

/// Transport settings shared by enrolment and sync.
#[derive(Clone, Default)]
pub struct Transport {
    /// Extra CA certificate (PEM) to trust, for relays behind a private CA.
    pub ca_pem: Option<Vec<u8>>,
}

/// How a request is retried while the relay answers `503 busy` (at its connection or round
/// limits; nothing of the request was kept): a bounded number of tries, waiting the
/// relay's `Retry-After` when it sends one, else a doubling delay with jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusyRetry {
    /// Tries in all, the first included (at least 1).
    pub attempts: u32,
    /// The wait before the second try, doubling after that.
    pub first_wait: Duration,
    /// The longest single wait, whatever `Retry-After` asks (a relay's mistake must not
    /// stall a van for an hour).
    pub max_wait: Duration,
}

impl Default for BusyRetry {
    /// Four tries, waiting about 1 s, 2 s and 4 s (or what the relay asks, up to 30 s).
    fn default() -> BusyRetry {
        BusyRetry {
            attempts: 4,
            first_wait: Duration::from_secs(1),
            max_wait: Duration::from_secs(30),
        }
    }
}

impl BusyRetry {
    /// The wait before try `next` (2, 3, …): the relay's `Retry-After` when given, else
    /// `first_wait` doubled per earlier retry, 0.75–1.25 of it (so vans that met a busy
    /// relay together do not come back together), never above `max_wait`.
    pub fn wait_before(&self, next: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(asked) = retry_after {
            return asked.min(self.max_wait);
        }
        let doublings = next.saturating_sub(2).min(16);
        let base = self.first_wait.saturating_mul(1u32 << doublings);
        base.mul_f64(0.75 + 0.5 * crate::sync::jitter_unit())
            .min(self.max_wait)
    }
}

/// What a request is doing, for progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HttpEvent {
    /// Part of the answer has arrived: `done` bytes of `total` (when the relay said).
    Receiving {
        /// Bytes so far.
        done: u64,
        /// The answer's length, from `Content-Length`.
        total: Option<u64>,
    },
    /// The relay is busy: the request is sent again after this wait.
    Busy {
        /// The wait.
        retry_in: Duration,
    },
}

/// An HTTP client bound to one relay and one device key.
pub struct Client {
    http: reqwest::blocking::Client,
    base: RelayUrl,
    key: DeviceKeyPair,
    busy_retry: BusyRetry,
}

/// A response body and its size on the wire.
pub(crate) struct Reply {
    pub body: Vec<u8>,
}

/// One failed try: the error, and whether (and after what wait the relay asked) it is
/// worth sending again.
enum Attempt {
    Busy {
        message: String,
        retry_after: Option<Duration>,
    },
    Failed(ClientError),
}

/// How much of an answer is read between two progress events.
const READ_CHUNK: usize = 64 * 1024;

impl Client {
    /// A client for `base`, signing with `key`.
    pub fn new(
        base: RelayUrl,
        key: DeviceKeyPair,
        transport: &Transport,
    ) -> Result<Client, ClientError> {
        let mut builder = reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(15))
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("mugsync/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &transport.ca_pem {
            let cert = reqwest::Certificate::from_pem(pem).map_err(ClientError::CaCert)?;
            builder = builder.add_root_certificate(cert);
        }
        let http = builder.build().map_err(ClientError::HttpSetup)?;
        Ok(Client {
            http,
            base,
            key,
            busy_retry: BusyRetry::default(),
        })
    }

    /// The same client, retrying a busy relay as `retry` says.
    pub fn with_busy_retry(mut self, retry: BusyRetry) -> Client {
        self.busy_retry = BusyRetry {
            attempts: retry.attempts.max(1),
            ..retry
        };
        self
    }

    /// The device key.
    pub fn key(&self) -> &DeviceKeyPair {
        &self.key
    }

    /// The relay.
    pub fn base(&self) -> &RelayUrl {
        &self.base
    }

    /// POSTs a signed body to `path` (a [`mugsync_core::wire::routes`] path; the leading
    /// `/` is optional and the path is taken under the relay's base URL); maps relay
    /// refusals to [`ClientError`]. A busy relay is asked again (signed afresh: a new time
    /// and nonce) as [`BusyRetry`] says, telling `on_event` about each wait.
    pub(crate) fn post(
        &self,
        path: &str,
        content_type: &str,
        body: &[u8],
        on_event: &mut dyn FnMut(HttpEvent),
    ) -> Result<Reply, ClientError> {
        let mut attempt = 1;
        loop {
            match self.post_once(path, content_type, body, on_event) {
                Ok(reply) => return Ok(reply),
                Err(Attempt::Failed(e)) => return Err(e),
                Err(Attempt::Busy {
                    message,
                    retry_after,
                }) => {
                    if attempt >= self.busy_retry.attempts {
                        return Err(ClientError::Busy {
                            attempts: attempt,
                            message,
                        });
                    }
                    attempt += 1;
                    let wait = self.busy_retry.wait_before(attempt, retry_after);
                    tracing::info!(
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        "relay busy; retrying"
                    );
                    on_event(HttpEvent::Busy { retry_in: wait });
                    std::thread::sleep(wait);
                }
            }
        }
    }

    fn post_once(
        &self,
        path: &str,
        content_type: &str,
        body: &[u8],
        on_event: &mut dyn FnMut(HttpEvent),
    ) -> Result<Reply, Attempt> {
        let transport = |e| Attempt::Failed(ClientError::from_transport(self.base.as_str(), e));
        let url = self.base.join(path.trim_start_matches('/'));
        let path_and_query = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let nonce = auth::new_nonce();
        let time_ms = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
        let signed = self.key.sign(&RequestToSign {
            method: "POST",
            path_and_query: &path_and_query,
            time_ms,
            nonce: &nonce,
            body,
        });
        let mut response = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .header(auth::HEADER_KEY, signed.key)
            .header(auth::HEADER_TIME, signed.time)
            .header(auth::HEADER_NONCE, signed.nonce)
            .header(auth::HEADER_SIGNATURE, signed.signature)
            .body(body.to_vec())
            .send()
            .map_err(transport)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = if status.is_success() {
            read_body(&mut response, on_event).map_err(|e| {
                Attempt::Failed(ClientError::Dropped {
                    relay: self.base.as_str().to_owned(),
                    source: e,
                })
            })?
        } else {
            response.bytes().map_err(transport)?.to_vec()
        };
        if status.is_success() {
            return Ok(Reply { body: bytes });
        }
        let parsed: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
        let bare = parsed.is_none();
        let (error, message) = match parsed {
            Some(b) => (b.error, b.message),
            None => (
                String::from("unknown"),
                String::from_utf8_lossy(&bytes).chars().take(200).collect(),
            ),
        };
        if status.as_u16() == 403 && error == words::REVOKED {
            return Err(Attempt::Failed(ClientError::Revoked(message)));
        }
        // A relay at its limits says `busy`; a proxy or load balancer in front of relays
        // answers a bare 503 when none can take the request. Neither kept anything.
        if status.as_u16() == 503 && (error == words::BUSY || bare) {
            return Err(Attempt::Busy {
                message,
                retry_after,
            });
        }
        Err(Attempt::Failed(ClientError::Refused {
            status: status.as_u16(),
            error,
            message,
        }))
    }
}

/// Reads a successful answer in chunks, telling `on_event` how far it has got.
fn read_body(
    response: &mut reqwest::blocking::Response,
    on_event: &mut dyn FnMut(HttpEvent),
) -> std::io::Result<Vec<u8>> {
    let total = response.content_length();
    let mut out = Vec::with_capacity(total.unwrap_or(0).min(64 * 1024 * 1024) as usize);
    let mut chunk = vec![0u8; READ_CHUNK];
    loop {
        let n = response.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&chunk[..n]);
        on_event(HttpEvent::Receiving {
            done: out.len() as u64,
            total,
        });
    }
    Ok(out)
}
