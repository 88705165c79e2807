//! What can go wrong talking to a relay, each with what to do next.

use mugsync_store::StoreError;
use std::fmt;

/// Why enrolment or sync failed. Nothing already stored on the device is lost by any of
/// these: sync applies each batch durably and the next run continues.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The URL is unusable.
    #[error("'{url}' is not a usable relay address: {why}")]
    BadUrl {
        /// What was given.
        url: String,
        /// Why not, and what to write instead.
        why: String,
        /// The parser's own error, when it was the parser that refused.
        #[source]
        source: Option<url::ParseError>,
    },
    /// Plain HTTP to a machine other than this one.
    #[error("refusing plain http:// to {0}: reports would cross the network unencrypted; use https://, or pass --insecure if you really mean it")]
    PlainHttp(String),
    /// The CA certificate given for the relay is unusable.
    #[error("the relay's CA certificate (--ca-cert) is not a PEM certificate; give the relay's CA certificate file as the coordinator sent it")]
    CaCert(#[source] reqwest::Error),
    /// The HTTP client could not be set up on this machine (e.g. no TLS roots).
    #[error("this device cannot set up secure connections")]
    HttpSetup(#[source] reqwest::Error),
    /// This device is not enrolled.
    #[error("this device is not enrolled with a relay; run `mugsync enroll --relay URL --code CODE` with a code from the coordinator")]
    NotEnrolled,
    /// Enrolment asked of a device that already is enrolled: nothing was sent, and the
    /// code is still good.
    #[error("this device is already enrolled, so nothing was sent and the code is still unused; to enrol with another relay (or afresh), use a new --data-dir")]
    AlreadyEnrolled,
    /// The coordinator revoked this device. The relay's sentence says so in full.
    #[error("{0}")]
    Revoked(String),
    /// The relay refused the request.
    #[error("the relay refused the request: {message} (HTTP {status}, {error})")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Stable error word from the relay (`mugsync_core::wire::words`).
        error: String,
        /// The relay's explanation.
        message: String,
    },
    /// The relay could not be reached or the connection dropped.
    #[error("could not reach the relay at {relay}; reports stay safe on this device — try again when there is signal")]
    Unreachable {
        /// The relay's address.
        relay: String,
        /// What the connection said.
        #[source]
        source: reqwest::Error,
    },
    /// The connection dropped while the relay's answer was arriving.
    #[error("the connection to the relay at {relay} dropped while its answer was arriving; what earlier rounds brought is kept and nothing filed here is lost — try again when there is signal")]
    Dropped {
        /// The relay's address.
        relay: String,
        /// What the connection said.
        #[source]
        source: std::io::Error,
    },
    /// The relay answered `busy` to every try: it is at its limits for now.
    #[error("the relay is busy, will retry: it answered busy {attempts} times in a row ({message}); nothing was lost — the van app and `mugsync sync --watch` try again by themselves, or run `mugsync sync` again in a minute")]
    Busy {
        /// How many times the request was sent.
        attempts: u32,
        /// The relay's last explanation.
        message: String,
    },
    /// The relay was reached but the secure connection could not be trusted: waiting for
    /// signal will not help.
    #[error("{problem} (relay {relay}); nothing was sent")]
    Tls {
        /// The relay's address.
        relay: String,
        /// What is wrong with its certificate.
        problem: TlsProblem,
        /// The TLS library's error.
        #[source]
        source: reqwest::Error,
    },
    /// The relay sent something this build cannot read.
    #[error(
        "the relay's answer could not be read ({0}); update mugsync on this device or on the relay"
    )]
    Protocol(String),
    /// Sync did not settle within the round limit.
    #[error("sync did not finish within {0} rounds; run `mugsync sync` again to continue")]
    TooManyRounds(usize),
    /// A local store problem.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What is wrong with a relay's certificate, in words a worker can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsProblem {
    /// Signed by no authority this device trusts (self-signed, or a private CA).
    NotTrusted,
    /// Valid, but for another name than the relay address given.
    NameMismatch,
    /// Expired or not yet valid (or this device's clock is wrong).
    Expired,
    /// Another handshake failure.
    Other,
}

impl fmt::Display for TlsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TlsProblem::NotTrusted => "the relay's certificate is not trusted by this device (self-signed, or from an authority it does not know); if the scheme uses its own CA, enrol with --ca-cert FILE, otherwise check the relay address",
            TlsProblem::NameMismatch => "the relay's certificate is for another name than the address given; use the relay address exactly as written on its certificate, or ask the coordinator to fix the certificate",
            TlsProblem::Expired => "the relay's certificate has expired or is not yet valid; check this device's date and time, or ask the coordinator to renew the certificate",
            TlsProblem::Other => "the secure connection to the relay failed; check the relay address and ask the coordinator to check the relay's TLS set-up",
        })
    }
}

impl ClientError {
    /// True when trying again later may well succeed (no signal, a busy or rate-limited
    /// relay, a dropped connection): automatic syncs keep going. False when only a person
    /// can fix it (revoked, not enrolled, a refused request, a certificate problem).
    pub fn is_transient(&self) -> bool {
        use mugsync_core::wire::words;
        match self {
            ClientError::Unreachable { .. }
            | ClientError::Dropped { .. }
            | ClientError::Busy { .. }
            | ClientError::TooManyRounds(_) => true,
            ClientError::Refused { error, .. } => [
                words::RATE_LIMITED,
                words::TIMEOUT,
                words::INTERNAL,
                words::DISK_FULL,
                words::BUSY,
            ]
            .contains(&error.as_str()),
            _ => false,
        }
    }

    /// A failed request to `relay`: a TLS problem when the chain holds one, else unreachable.
    pub(crate) fn from_transport(relay: &str, source: reqwest::Error) -> ClientError {
        match tls_problem(&source) {
            Some(problem) => ClientError::Tls {
                relay: relay.to_owned(),
                problem,
                source,
            },
            None => ClientError::Unreachable {
                relay: relay.to_owned(),
                source,
            },
        }
    }
}

/// Finds a rustls error in reqwest's chain. TLS errors travel inside `io::Error`s, whose
/// `source()` skips the error they wrap, so each `io::Error` is opened with `get_ref`.
fn tls_problem(e: &reqwest::Error) -> Option<TlsProblem> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = next {
        let tls = err.downcast_ref::<rustls::Error>().or_else(|| {
            err.downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        });
        if let Some(tls) = tls {
            return Some(classify(tls));
        }
        // The connector may box the TLS error in a type of its own; rustls's Display of a
        // certificate error ("invalid peer certificate: UnknownIssuer") still names it.
        if let Some(problem) = classify_text(&err.to_string()) {
            return Some(problem);
        }
        next = err.source();
    }
    None
}

fn classify_text(text: &str) -> Option<TlsProblem> {
    let (_, what) = text.split_once("invalid peer certificate: ")?;
    Some(
        if what.starts_with("NotValidForName") || what.contains("not valid for name") {
            TlsProblem::NameMismatch
        } else if what.starts_with("Expired")
            || what.starts_with("NotValidYet")
            || what.contains("expired")
            || what.contains("not valid yet")
        {
            TlsProblem::Expired
        } else {
            TlsProblem::NotTrusted
        },
    )
}

fn classify(e: &rustls::Error) -> TlsProblem {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer | C::BadSignature | C::UnhandledCriticalExtension => {
                TlsProblem::NotTrusted
            }
            C::NotValidForName | C::NotValidForNameContext { .. } => TlsProblem::NameMismatch,
            C::Expired
            | C::ExpiredContext { .. }
            | C::NotValidYet
            | C::NotValidYetContext { .. } => TlsProblem::Expired,
            _ => TlsProblem::NotTrusted,
        },
        _ => TlsProblem::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_errors_are_named_for_what_to_do() {
        use rustls::CertificateError as C;
        let cert = |c| rustls::Error::InvalidCertificate(c);
        assert_eq!(classify(&cert(C::UnknownIssuer)), TlsProblem::NotTrusted);
        assert_eq!(
            classify(&cert(C::NotValidForName)),
            TlsProblem::NameMismatch
        );
        assert_eq!(classify(&cert(C::Expired)), TlsProblem::Expired);
        assert_eq!(
            classify(&rustls::Error::HandshakeNotComplete),
            TlsProblem::Other
        );
        // The same, from the text of an error that hides the rustls type.
        for c in [C::UnknownIssuer, C::NotValidForName, C::Expired] {
            let text = format!("client error (Connect): {}", cert(c.clone()));
            assert_eq!(classify_text(&text), Some(classify(&cert(c))), "{text}");
        }
        assert_eq!(classify_text("tcp connect error: Connection refused"), None);
        for p in [
            TlsProblem::NotTrusted,
            TlsProblem::NameMismatch,
            TlsProblem::Expired,
            TlsProblem::Other,
        ] {
            assert!(!p.to_string().contains("signal"), "{p}");
        }
    }
}
