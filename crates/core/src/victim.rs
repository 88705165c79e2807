//! Victim-private details: what must never enter the shared log (DESIGN.md rule 1).
//!
//! [`VictimPrivate`] deliberately implements neither `Serialize` nor `Debug` with content:
//! nothing in [`crate::log`] accepts it, and the only ways out are the filing device's
//! encrypted store ([`VictimPrivate::to_store_json`]) and, later, a payload sealed to the
//! police liaison.

use serde::Deserialize;
use std::fmt;

use crate::report::{Description, FieldError, Narrative, ShortText};

/// Details that identify or reach the person who was harmed. Kept only on the filing
/// device, encrypted.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct VictimPrivate {
    /// Name or working name.
    pub name: Option<ShortText>,
    /// How to reach them.
    pub contact: Option<ShortText>,
    /// Home address or exact location.
    pub address: Option<Description>,
    /// A statement for the police liaison, when police consent is full.
    pub statement: Option<Narrative>,
}

impl fmt::Debug for VictimPrivate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VictimPrivate(••••)")
    }
}

/// The raw shape of `victim_private` in the JSON import format.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct VictimPrivateInput {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    contact: Option<String>,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    statement: Option<String>,
}

fn opt<T>(
    errors: &mut Vec<FieldError>,
    field: &str,
    raw: Option<String>,
    parse: impl Fn(&str, &str) -> Result<T, FieldError>,
) -> Option<T> {
    let raw = raw.filter(|s| !s.trim().is_empty())?;
    match parse(field, &raw) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

impl VictimPrivateInput {
    /// The details a free-text check looks for, each with its label.
    pub(crate) fn labelled(&self) -> Vec<(&'static str, &str)> {
        [
            ("name", self.name.as_deref()),
            ("contact", self.contact.as_deref()),
            ("address", self.address.as_deref()),
        ]
        .into_iter()
        .filter_map(|(label, v)| v.map(|v| (label, v)))
        .collect()
    }

    pub(crate) fn parse(self, errors: &mut Vec<FieldError>) -> Option<VictimPrivate> {
        let v = VictimPrivate {
            name: opt(errors, "victim_private.name", self.name, ShortText::parse),
            contact: opt(
                errors,
                "victim_private.contact",
                self.contact,
                ShortText::parse,
            ),
            address: opt(
                errors,
                "victim_private.address",
                self.address,
                Description::parse,
            ),
            statement: opt(
                errors,
                "victim_private.statement",
                self.statement,
                Narrative::parse,
            ),
        };
        (!v.is_empty()).then_some(v)
    }
}

impl VictimPrivate {
    /// True when no detail is held.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.contact.is_none()
            && self.address.is_none()
            && self.statement.is_none()
    }

    /// The form kept in the device's encrypted store (and nowhere else).
    pub fn to_store_json(&self) -> String {
        let mut map = serde_json::Map::new();
        let mut put = |k: &str, v: Option<&str>| {
            if let Some(v) = v {
                map.insert(k.to_owned(), serde_json::Value::String(v.to_owned()));
            }
        };
        put("name", self.name.as_ref().map(|t| t.as_str()));
        put("contact", self.contact.as_ref().map(|t| t.as_str()));
        put("address", self.address.as_ref().map(|t| t.as_str()));
        put("statement", self.statement.as_ref().map(|t| t.as_str()));
        serde_json::Value::Object(map).to_string()
    }

    /// Reads what [`VictimPrivate::to_store_json`] wrote.
    pub fn from_store_json(text: &str) -> Result<VictimPrivate, FieldError> {
        let input: VictimPrivateInput = serde_json::from_str(text)
            .map_err(|e| FieldError::new("victim_private", format!("is unreadable: {e}")))?;
        let mut errors = Vec::new();
        let v = input.parse(&mut errors).unwrap_or_default();
        match errors.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(v),
        }
    }

    /// Every non-empty value, for tests and audits that prove none of it reached the log.
    pub fn values(&self) -> Vec<&str> {
        [
            self.name.as_ref().map(|t| t.as_str()),
            self.contact.as_ref().map(|t| t.as_str()),
            self.address.as_ref().map(|t| t.as_str()),
            self.statement.as_ref().map(|t| t.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}
