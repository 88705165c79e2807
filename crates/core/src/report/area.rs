//! The scheme's configured areas (`areas.toml`), and area codes checked against them.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::FieldError;

/// A stable area identifier such as `mcr-piccadilly`: lower-case letters, digits and `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AreaCode(String);

impl AreaCode {
    /// Checks the shape of a code (not whether the scheme has it: see [`AreaList::area`]).
    pub fn parse(input: &str) -> Result<AreaCode, FieldError> {
        let code = input.trim();
        let ok_shape = !code.is_empty()
            && code.len() <= 64
            && code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok_shape {
            Ok(AreaCode(code.to_owned()))
        } else {
            Err(FieldError::new(
                "area",
                "an area code is 1–64 lower-case letters, digits or '-', such as 'mcr-piccadilly'",
            ))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AreaCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        AreaCode::parse(&s).map_err(|e| e.to_string())
    }
}

impl From<AreaCode> for String {
    fn from(a: AreaCode) -> String {
        a.0
    }
}

impl fmt::Display for AreaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One configured area: its code and the name people see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Area {
    /// Stable code used in reports and subscriptions.
    pub code: AreaCode,
    /// What people see.
    pub name: String,
}

/// The scheme's list of areas, in the order the scheme gave them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaList {
    #[serde(rename = "area")]
    areas: Vec<Area>,
}

/// Why an areas file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum AreaListError {
    /// Not valid TOML or not the expected shape.
    #[error(
        "the areas file is not in the expected format ([[area]] tables with code and name): {0}"
    )]
    Format(String),
    /// No areas at all.
    #[error("the areas file lists no areas; add at least one [[area]] with a code and a name")]
    Empty,
    /// The same code twice.
    #[error("the areas file lists the code '{0}' twice; each code must be unique")]
    Duplicate(String),
    /// A name that is blank.
    #[error("the area '{0}' has an empty name")]
    EmptyName(String),
}

impl AreaList {
    /// Parses the `areas.toml` format: `[[area]]` tables with `code` and `name`.
    pub fn from_toml(text: &str) -> Result<AreaList, AreaListError> {
        let list: AreaList =
            toml::from_str(text).map_err(|e| AreaListError::Format(e.to_string()))?;
        list.checked()
    }

    /// Builds a list from areas, with the same checks as [`AreaList::from_toml`].
    pub fn new(areas: Vec<Area>) -> Result<AreaList, AreaListError> {
        AreaList { areas }.checked()
    }

    fn checked(self) -> Result<AreaList, AreaListError> {
        if self.areas.is_empty() {
            return Err(AreaListError::Empty);
        }
        let mut seen = std::collections::BTreeSet::new();
        for area in &self.areas {
            if !seen.insert(area.code.as_str()) {
                return Err(AreaListError::Duplicate(area.code.to_string()));
            }
            if area.name.trim().is_empty() {
                return Err(AreaListError::EmptyName(area.code.to_string()));
            }
        }
        Ok(self)
    }

    /// Serialises back to the `areas.toml` format.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("an area list always serialises")
    }

    /// The areas in order.
    pub fn areas(&self) -> &[Area] {
        &self.areas
    }

    /// The area with this code, or an error listing the scheme's codes.
    pub fn area(&self, input: &str) -> Result<&Area, FieldError> {
        let code = AreaCode::parse(input)?;
        self.areas.iter().find(|a| a.code == code).ok_or_else(|| {
            let codes: Vec<&str> = self.areas.iter().map(|a| a.code.as_str()).collect();
            FieldError::new(
                "area",
                format!(
                    "'{}' is not one of this scheme's areas: {}",
                    code,
                    codes.join(", ")
                ),
            )
        })
    }

    /// The display name of a code, or the code itself when the list no longer has it.
    pub fn name_of<'a>(&'a self, code: &'a AreaCode) -> &'a str {
        self.areas
            .iter()
            .find(|a| &a.code == code)
            .map(|a| a.name.as_str())
            .unwrap_or(code.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = include_str!("../../../../fixtures/areas.toml");

    #[test]
    fn fixture_parses_and_looks_up() {
        let list = AreaList::from_toml(FIXTURE).unwrap();
        assert_eq!(list.areas().len(), 6);
        assert_eq!(list.area("online").unwrap().code.as_str(), "online");
        let err = list.area("mcr-nowhere").unwrap_err();
        assert_eq!(err.field, "area");
        assert!(err.reason.contains("mcr-piccadilly"), "{err}");
        assert!(list.area("Bad Code!").is_err());
    }

    #[test]
    fn duplicates_and_empty_lists_are_refused() {
        assert!(matches!(
            AreaList::from_toml(""),
            Err(AreaListError::Format(_) | AreaListError::Empty)
        ));
        let dup = "[[area]]\ncode='a'\nname='A'\n[[area]]\ncode='a'\nname='B'\n";
        assert!(matches!(
            AreaList::from_toml(dup),
            Err(AreaListError::Duplicate(_))
        ));
        let round = AreaList::from_toml(&AreaList::from_toml(FIXTURE).unwrap().to_toml()).unwrap();
        assert_eq!(round, AreaList::from_toml(FIXTURE).unwrap());
    }
}
