//! The relay's address, and the rule that reports never cross a network in plain HTTP.

use std::fmt;
use std::net::IpAddr;

use crate::ClientError;

/// A relay base URL that is https://, or http:// to this machine (or explicitly allowed).
#[derive(Clone, PartialEq, Eq)]
pub struct RelayUrl(url::Url);

impl RelayUrl {
    /// Parses and checks a relay URL. `insecure` allows plain HTTP to another machine.
    pub fn parse(input: &str, insecure: bool) -> Result<RelayUrl, ClientError> {
        let bad = |why: &str| ClientError::BadUrl {
            url: input.to_owned(),
            why: why.to_owned(),
            source: None,
        };
        let trimmed = input.trim();
        // Without "://", `relay.example.org:8443` would parse as scheme `relay.example.org`;
        // and a bare name is the parser's "relative URL without a base". Say what to write.
        if !trimmed.contains("://") {
            return Err(bad(&format!(
                "it has no https:// in front; write it as https://{trimmed}"
            )));
        }
        let mut url = url::Url::parse(trimmed).map_err(|e| ClientError::BadUrl {
            url: input.to_owned(),
            why: "it does not parse as a web address (check for typos and stray characters)"
                .to_owned(),
            source: Some(e),
        })?;
        let host = url
            .host_str()
            .ok_or_else(|| bad("it has no host"))?
            .to_owned();
        match url.scheme() {
            "https" => {}
            "http" => {
                if !is_loopback(&host) && !insecure {
                    return Err(ClientError::PlainHttp(host));
                }
            }
            other => {
                return Err(bad(&format!(
                    "the scheme must be https (or http on this machine), not {other}"
                )))
            }
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad(
                "credentials do not belong in the URL; devices sign their requests",
            ));
        }
        url.set_query(None);
        url.set_fragment(None);
        if !url.path().ends_with('/') {
            let p = format!("{}/", url.path());
            url.set_path(&p);
        }
        Ok(RelayUrl(url))
    }

    /// An endpoint under the base, e.g. `v1/sync`.
    pub fn join(&self, path: &str) -> url::Url {
        self.0
            .join(path)
            .expect("relative endpoint paths always join")
    }

    /// The text form.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for RelayUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

impl fmt::Debug for RelayUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RelayUrl({})", self.0)
    }
}

fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_this_machine() {
        assert!(RelayUrl::parse("http://127.0.0.1:8080", false).is_ok());
        assert!(RelayUrl::parse("http://localhost:8080", false).is_ok());
        assert!(RelayUrl::parse("http://[::1]:8080", false).is_ok());
        assert!(matches!(
            RelayUrl::parse("http://relay.example.org", false),
            Err(ClientError::PlainHttp(_))
        ));
        assert!(RelayUrl::parse("http://relay.example.org", true).is_ok());
        assert!(RelayUrl::parse("https://relay.example.org/base", false)
            .unwrap()
            .join("v1/sync")
            .as_str()
            .ends_with("/base/v1/sync"));
        assert!(RelayUrl::parse("ftp://relay.example.org", false).is_err());
        for no_scheme in [
            "relay.example.org",
            "relay.example.org:8443",
            "localhost:8080",
        ] {
            let e = RelayUrl::parse(no_scheme, false).unwrap_err().to_string();
            assert!(
                e.contains(&format!("write it as https://{no_scheme}")),
                "{e}"
            );
            assert!(!e.contains("relative URL"), "{e}");
        }
        assert!(matches!(
            RelayUrl::parse("https://relay example.org", false),
            Err(ClientError::BadUrl {
                source: Some(_),
                ..
            })
        ));
        assert!(RelayUrl::parse("https://u:p@relay.example.org", false).is_err());
    }
}
