//! Signed requests to the relay.

use mugsync_core::auth::{self, DeviceKeyPair, RequestToSign};
use mugsync_core::wire::{words, ErrorBody};
use std::time::Duration;

use crate::{ClientError, RelayUrl};

/// Transport settings shared by enrolment and sync.
#[derive(Clone, Default)]
pub struct Transport {
    /// Extra CA certificate (PEM) to trust, for relays behind a private CA.
    pub ca_pem: Option<Vec<u8>>,
}

/// An HTTP client bound to one relay and one device key.
pub struct Client {
    http: reqwest::blocking::Client,
    base: RelayUrl,
    key: DeviceKeyPair,
}

/// A response body and its size on the wire.
pub(crate) struct Reply {
    pub body: Vec<u8>,
}

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
        Ok(Client { http, base, key })
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
    /// refusals to [`ClientError`].
    pub(crate) fn post(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<Reply, ClientError> {
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
            body: &body,
        });
        let response = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .header(auth::HEADER_KEY, signed.key)
            .header(auth::HEADER_TIME, signed.time)
            .header(auth::HEADER_NONCE, signed.nonce)
            .header(auth::HEADER_SIGNATURE, signed.signature)
            .body(body)
            .send()
            .map_err(|e| ClientError::from_transport(self.base.as_str(), e))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .map_err(|e| ClientError::from_transport(self.base.as_str(), e))?
            .to_vec();
        if status.is_success() {
            return Ok(Reply { body: bytes });
        }
        let parsed: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
        let (error, message) = match parsed {
            Some(b) => (b.error, b.message),
            None => (
                String::from("unknown"),
                String::from_utf8_lossy(&bytes).chars().take(200).collect(),
            ),
        };
        if status.as_u16() == 403 && error == words::REVOKED {
            return Err(ClientError::Revoked(message));
        }
        Err(ClientError::Refused {
            status: status.as_u16(),
            error,
            message,
        })
    }
}
