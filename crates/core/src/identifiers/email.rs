//! [`NormalisedEmail`]: an email address in mugsync's canonical form.
//!
//! Canonical form: trimmed, lower-cased, any `+tag` dropped from the local part, and for
//! Gmail (gmail.com, googlemail.com) dots dropped from the local part and the domain written
//! gmail.com. So `Some.One+x@googlemail.com` and `someone@gmail.com` are the same address.

use std::fmt;

use super::error::{describe_char, IdentifierError};
use super::hint::EmailHint;

/// The longest address accepted (RFC 5321 path limit less the angle brackets).
pub(crate) const MAX_EMAIL_LEN: usize = 254;
/// The longest local part (RFC 5321).
const MAX_LOCAL_LEN: usize = 64;
/// The longest domain (RFC 1035).
pub(crate) const MAX_DOMAIN_LEN: usize = 253;
/// The longest domain label (RFC 1035).
const MAX_LABEL_LEN: usize = 63;

/// Characters that cannot appear in an unquoted local part.
const LOCAL_FORBIDDEN: &[char] = &['"', '(', ')', ',', ':', ';', '<', '>', '[', '\\', ']'];

/// Domains whose mailboxes ignore dots in the local part, and the name they are stored under.
const GMAIL_DOMAINS: &[&str] = &["gmail.com", "googlemail.com"];
const GMAIL: &str = "gmail.com";

/// An email address in canonical form, e.g. `someone@gmail.com`.
///
/// Plaintext: it may live only in the filing device's encrypted store and in a sealed police
/// payload (DESIGN.md data rule 3). Its `Debug` output therefore shows only the masked hint,
/// and it has no `Display` or serde implementation: use [`NormalisedEmail::as_str`] where the
/// address is really needed.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NormalisedEmail(String);

impl NormalisedEmail {
    /// Reads and canonicalises an email address.
    ///
    /// # Errors
    /// [`IdentifierError::InvalidEmail`] unless the input (once trimmed) has exactly one `@`,
    /// a non-empty local part, a domain of letters, digits and hyphens with at least one dot,
    /// no whitespace, and at most 254 characters.
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let err = |reason: String| IdentifierError::email(input, reason);
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(err(
                "it is empty (an email address looks like name@example.com)".into(),
            ));
        }
        if trimmed.len() > MAX_EMAIL_LEN {
            return Err(err(format!(
                "it is {} characters long; an email address has at most {MAX_EMAIL_LEN}",
                trimmed.len()
            )));
        }
        if let Some(c) = trimmed.chars().find(|c| c.is_whitespace()) {
            let what = if c == ' ' {
                "a space".to_owned()
            } else {
                describe_char(c)
            };
            return Err(err(format!(
                "it contains {what}; an email address has no spaces"
            )));
        }
        if let Some(c) = trimmed.chars().find(|c| c.is_control()) {
            return Err(err(format!("it contains {}", describe_char(c))));
        }
        let (local, domain) = match trimmed.split_once('@') {
            None => {
                return Err(err(
                    "it has no '@' (an email address looks like name@example.com)".into(),
                ))
            }
            Some((_, domain)) if domain.contains('@') => {
                return Err(err(
                    "it has more than one '@'; an email address has one".into()
                ))
            }
            Some(parts) => parts,
        };
        if local.is_empty() {
            return Err(err("there is nothing before the '@'".into()));
        }
        if domain.is_empty() {
            return Err(err(
                "there is nothing after the '@' (e.g. name@example.com)".into(),
            ));
        }
        if local.len() > MAX_LOCAL_LEN {
            return Err(err(format!(
                "the part before the '@' is {} characters long; at most {MAX_LOCAL_LEN} are \
                 allowed",
                local.len()
            )));
        }
        if let Some(c) = local.chars().find(|c| LOCAL_FORBIDDEN.contains(c)) {
            return Err(err(format!(
                "the part before the '@' contains {}, which an email address cannot have",
                describe_char(c)
            )));
        }
        let domain = domain.to_ascii_lowercase();
        check_domain(&domain, false).map_err(err)?;

        let local = local.to_lowercase();
        let mut local = match local.split_once('+') {
            Some((before, _tag)) => before.to_owned(),
            None => local,
        };
        if local.is_empty() {
            return Err(err(
                "there is nothing before the '+' (e.g. name+tag@example.com)".into(),
            ));
        }
        let domain = if GMAIL_DOMAINS.contains(&domain.as_str()) {
            local.retain(|c| c != '.');
            if local.is_empty() {
                return Err(err("the part before the '@' has only dots".into()));
            }
            GMAIL.to_owned()
        } else {
            domain
        };
        Ok(NormalisedEmail(format!("{local}@{domain}")))
    }

    /// The canonical address, e.g. `someone@gmail.com`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(l, _)| l)
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }

    /// The masked hint shown in place of the address, e.g. `d•••@example.com`.
    pub fn hint(&self) -> EmailHint {
        EmailHint::for_address(self.local_part(), self.domain())
    }
}

impl fmt::Debug for NormalisedEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NormalisedEmail({})", self.hint())
    }
}

/// Checks a lower-case domain: at most 253 characters, at least two dot-separated labels of
/// 1 to 63 letters, digits and hyphens (no hyphen first or last), a last label that is not
/// all digits. With `masked`, `•` is allowed in labels too (hints mask long digit runs).
pub(crate) fn check_domain(domain: &str, masked: bool) -> Result<(), String> {
    let allowed = "letters, digits, hyphens and dots";
    if domain.chars().count() > MAX_DOMAIN_LEN {
        return Err(format!(
            "the domain is longer than {MAX_DOMAIN_LEN} characters"
        ));
    }
    if !domain.contains('.') {
        return Err("the domain has no dot (e.g. example.com)".to_owned());
    }
    let labels: Vec<&str> = domain.split('.').collect();
    for label in &labels {
        if label.is_empty() {
            return Err(
                "the domain has an empty part (two dots together, or a dot first or last)"
                    .to_owned(),
            );
        }
        if label.chars().count() > MAX_LABEL_LEN {
            return Err(format!(
                "a part of the domain is longer than {MAX_LABEL_LEN} characters"
            ));
        }
        if let Some(c) = label.chars().find(|&c| {
            !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || (masked && c == '•'))
        }) {
            return Err(format!(
                "the domain contains {}; a domain may only have {allowed} (write international \
                 domains in their xn-- form)",
                describe_char(c)
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a part of the domain starts or ends with a hyphen".to_owned());
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(
            "the domain ends in a number; give a domain name, not an IP address".to_owned(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identifiers::tests::{fixture_key, fixtures};

    #[test]
    fn fixture_vectors_normalise_and_digest_exactly() {
        let f = fixtures();
        let key = fixture_key();
        let vectors = f["emails"].as_array().unwrap();
        assert!(!vectors.is_empty());
        for v in vectors {
            let input = v["input"].as_str().unwrap();
            let e = NormalisedEmail::parse(input)
                .unwrap_or_else(|err| panic!("{input:?} should parse: {err}"));
            assert_eq!(e.as_str(), v["canonical"].as_str().unwrap(), "{input:?}");
            assert_eq!(
                key.email_digest(&e).to_hex(),
                v["digest"].as_str().unwrap(),
                "{input:?}"
            );
        }
    }

    #[test]
    fn fixture_invalid_emails_are_refused_with_a_reason() {
        let f = fixtures();
        for v in f["invalid_emails"].as_array().unwrap() {
            let input = v.as_str().unwrap();
            match NormalisedEmail::parse(input) {
                Ok(e) => panic!("{input:?} was accepted as {}", e.as_str()),
                Err(e @ IdentifierError::InvalidEmail { .. }) => {
                    assert!(e.to_string().contains("is not an email address: "), "{e}");
                }
                Err(e) => panic!("{input:?}: wrong error {e:?}"),
            }
        }
    }

    #[test]
    fn reasons_say_what_was_wrong() {
        let reason = |s: &str| NormalisedEmail::parse(s).unwrap_err().to_string();
        assert!(reason("not-an-email").contains("no '@'"));
        assert!(reason("someone@@example.com").contains("more than one '@'"));
        assert!(reason("@example.com").contains("nothing before the '@'"));
        assert!(reason("someone@").contains("nothing after the '@'"));
        assert!(reason("a b@example.com").contains("a space"));
        assert!(reason("").contains("empty"));
        assert!(reason("someone@example").contains("no dot"));
        assert!(reason("someone@exa_mple.com").contains("'_'"));
        assert!(reason("someone@example..com").contains("empty part"));
        assert!(reason("someone@-example.com").contains("hyphen"));
        assert!(reason("someone@192.168.0.1").contains("IP address"));
        assert!(reason("+tag@example.com").contains("nothing before the '+'"));
        assert!(reason("...@gmail.com").contains("only dots"));
        assert!(reason("a<b@example.com").contains("'<'"));
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(reason(&long).contains("at most 254"));
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert!(reason(&long_local).contains("at most 64"));
    }

    #[test]
    fn canonical_forms() {
        let c = |s: &str| NormalisedEmail::parse(s).unwrap().as_str().to_owned();
        assert_eq!(c("Dave.M+bookings@Example.com"), "dave.m@example.com");
        assert_eq!(c("J.Smith.1979@googlemail.com"), "jsmith1979@gmail.com");
        assert_eq!(c("j.smith.1979@GMAIL.COM"), "jsmith1979@gmail.com");
        assert_eq!(c("first.last@example.org"), "first.last@example.org");
        assert_eq!(c("ÉLODIE@example.fr"), "élodie@example.fr");
        let e = NormalisedEmail::parse("dave@example.com").unwrap();
        assert_eq!(e.local_part(), "dave");
        assert_eq!(e.domain(), "example.com");
    }

    #[test]
    fn debug_shows_only_the_hint() {
        let e = NormalisedEmail::parse("dave@example.com").unwrap();
        assert_eq!(format!("{e:?}"), "NormalisedEmail(d•••@example.com)");
    }
}
