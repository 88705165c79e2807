//! [`PhoneDigest`] and [`EmailDigest`]: keyed HMAC-SHA256 digests of normalised identifiers.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::IdentifierError;

/// Decodes 64 hex characters (either case) into 32 bytes.
fn decode_hex(kind: &'static str, s: &str) -> Result<[u8; 32], IdentifierError> {
    let len = s.chars().count();
    if len != 64 {
        return Err(IdentifierError::digest(
            kind,
            format!("it has {len} characters, not 64"),
        ));
    }
    if let Some(c) = s.chars().find(|c| !c.is_ascii_hexdigit()) {
        let shown = if c.is_ascii_graphic() {
            format!("'{c}'")
        } else {
            "a character".to_owned()
        };
        return Err(IdentifierError::digest(
            kind,
            format!("it contains {shown}, which is not hexadecimal"),
        ));
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out)
        .map_err(|_| IdentifierError::digest(kind, "it is not hexadecimal"))?;
    Ok(out)
}

macro_rules! digest_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name([u8; 32]);

        impl $name {
            /// A digest from its 32 bytes.
            pub const fn from_bytes(bytes: [u8; 32]) -> Self {
                $name(bytes)
            }

            /// A digest from 64 hexadecimal characters, lower- or upper-case.
            ///
            /// # Errors
            /// [`IdentifierError::InvalidDigest`] for any other length or character. The
            /// error does not repeat the input.
            pub fn from_hex(s: &str) -> Result<Self, IdentifierError> {
                decode_hex($kind, s).map($name)
            }

            /// The digest as 64 lower-case hexadecimal characters.
            pub fn to_hex(&self) -> String {
                hex::encode(self.0)
            }

            /// The digest's 32 bytes.
            pub fn as_bytes(&self) -> &[u8; 32] {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.to_hex())
            }
        }

        impl FromStr for $name {
            type Err = IdentifierError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::from_hex(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.to_hex())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                Self::from_hex(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

digest_type!(
    /// HMAC-SHA256 (scheme key) of `"phone:"` + the number in E.164 form. Shown and
    /// serialised as 64 lower-case hexadecimal characters.
    PhoneDigest,
    "phone"
);

digest_type!(
    /// HMAC-SHA256 (scheme key) of `"email:"` + the canonical address. Shown and serialised
    /// as 64 lower-case hexadecimal characters.
    EmailDigest,
    "email"
);

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "68bb4722800bd22a9e37cb8eb5c3ef34ceabc437411a2369082bdad4e0ef139b";

    #[test]
    fn hex_round_trips() {
        let d = PhoneDigest::from_hex(HEX).unwrap();
        assert_eq!(d.to_hex(), HEX);
        assert_eq!(d.to_string(), HEX);
        assert_eq!(format!("{d:?}"), format!("PhoneDigest({HEX})"));
        assert_eq!(PhoneDigest::from_bytes(*d.as_bytes()), d);
        let upper = PhoneDigest::from_hex(&HEX.to_uppercase()).unwrap();
        assert_eq!(upper, d);
        assert_eq!(upper.to_string(), HEX, "Display is always lower-case");
        let e: EmailDigest = HEX.parse().unwrap();
        assert_eq!(e.as_bytes(), d.as_bytes());
    }

    #[test]
    fn bad_hex_is_refused_without_echo() {
        for bad in [
            "",
            "abc",
            &HEX[..63],
            &format!("{HEX}0"),
            &format!("{}g", &HEX[..63]),
        ] {
            let e = PhoneDigest::from_hex(bad).unwrap_err();
            assert!(
                matches!(e, IdentifierError::InvalidDigest { kind: "phone", .. }),
                "{bad}"
            );
            if bad.len() > 3 {
                assert!(!e.to_string().contains(bad), "{e}");
            }
        }
        // 64 characters but a multi-byte one among them.
        let odd = format!("{}é", &HEX[..63]);
        assert!(EmailDigest::from_hex(&odd).is_err());
    }

    #[test]
    fn serde_is_the_lower_case_hex_string() {
        let d = EmailDigest::from_hex(&HEX.to_uppercase()).unwrap();
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(json, format!("\"{HEX}\""));
        let back: EmailDigest = serde_json::from_str(&json).unwrap();
        assert_eq!(back, d);
        assert!(serde_json::from_str::<EmailDigest>("\"+447700900123\"").is_err());
        assert!(serde_json::from_str::<EmailDigest>("42").is_err());
    }

    #[test]
    fn ordering_and_hash_follow_bytes() {
        let a = PhoneDigest::from_bytes([0; 32]);
        let b = PhoneDigest::from_bytes([1; 32]);
        assert!(a < b);
        let set: std::collections::HashSet<_> = [a, b, a].into_iter().collect();
        assert_eq!(set.len(), 2);
    }
}
