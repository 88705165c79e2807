//! [`Region`]: the default region for phone numbers written without a country code.

use std::fmt;
use std::str::FromStr;

use phonenumber::country::Id;
use phonenumber::metadata::DATABASE;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::{shown, IdentifierError};

/// The region national phone numbers (those written without `+` or `00` and a country code)
/// are read in, e.g. GB: `07700 900123` then means `+447700900123`. Defaults to GB.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region {
    id: Id,
    code: &'static str,
}

impl Region {
    /// A region from its two-letter code (ISO 3166 / CLDR), in either case. `UK` is taken
    /// as `GB`.
    ///
    /// # Errors
    /// [`IdentifierError::UnknownRegion`] when phone-number metadata has no such region.
    pub fn parse(s: &str) -> Result<Region, IdentifierError> {
        let unknown = || IdentifierError::UnknownRegion { input: shown(s) };
        let upper = s.trim().to_ascii_uppercase();
        let upper = if upper == "UK" {
            "GB".to_owned()
        } else {
            upper
        };
        if upper.len() != 2 || !upper.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(unknown());
        }
        let id = Id::from_str(&upper).map_err(|_| unknown())?;
        let meta = DATABASE.by_id(upper.as_str()).ok_or_else(unknown)?;
        Ok(Region {
            id,
            code: meta.id(),
        })
    }

    /// Great Britain and Northern Ireland (+44), the default.
    pub fn gb() -> Region {
        Region {
            id: Id::GB,
            code: "GB",
        }
    }

    /// The two-letter code, e.g. `GB`.
    pub fn as_str(&self) -> &'static str {
        self.code
    }

    /// The `phonenumber` crate's identifier for the region.
    pub fn id(&self) -> Id {
        self.id
    }

    /// The country calling code numbers in this region have, e.g. 44 for GB.
    pub fn calling_code(&self) -> u16 {
        // Every Region is made from a code the metadata has, so the fallback is never used.
        DATABASE.by_id(self.code).map_or(0, |m| m.country_code())
    }
}

impl Default for Region {
    fn default() -> Self {
        Region::gb()
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Region({})", self.code)
    }
}

impl FromStr for Region {
    type Err = IdentifierError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Region::parse(s)
    }
}

impl From<Region> for Id {
    fn from(r: Region) -> Id {
        r.id
    }
}

impl Serialize for Region {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code)
    }
}

impl<'de> Deserialize<'de> for Region {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Region::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_in_either_case() {
        assert_eq!(Region::parse("GB").unwrap(), Region::gb());
        assert_eq!(Region::parse(" gb ").unwrap(), Region::gb());
        assert_eq!(Region::parse("uk").unwrap(), Region::gb());
        let ie: Region = "IE".parse().unwrap();
        assert_eq!(ie.as_str(), "IE");
        assert_eq!(ie.to_string(), "IE");
        assert_eq!(ie.calling_code(), 353);
        assert_eq!(Region::gb().calling_code(), 44);
        assert_eq!(Region::default(), Region::gb());
        assert_eq!(format!("{:?}", Region::gb()), "Region(GB)");
    }

    #[test]
    fn unknown_regions_are_refused() {
        for bad in ["", "G", "GBR", "ZZ", "44", "001", "Great Britain"] {
            let e = Region::parse(bad).unwrap_err();
            assert!(matches!(e, IdentifierError::UnknownRegion { .. }), "{bad}");
            assert!(e.to_string().contains("two-letter"), "{e}");
        }
    }

    #[test]
    fn serde_is_the_code() {
        let json = serde_json::to_string(&Region::gb()).unwrap();
        assert_eq!(json, "\"GB\"");
        let back: Region = serde_json::from_str("\"ie\"").unwrap();
        assert_eq!(back.as_str(), "IE");
        assert!(serde_json::from_str::<Region>("\"XX\"").is_err());
    }
}
