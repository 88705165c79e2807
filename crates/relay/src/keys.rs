//! [`RelayKeys`]: the relay's secrets, in a key file apart from the database (`relay.key`
//! beside `relay.toml`, or where `MUGSYNC_RELAY_KEY_FILE` says), never in it.
//!
//! A stolen `relay.db` alone then yields nothing: the scheme key (which turns a guessed
//! number into its digest) is not in it, and the database itself is encrypted with
//! SQLCipher under the database key kept here. The file is written once by `init`, mode
//! 0600, and the relay refuses to start when anyone but its own user may read it.
//!
//! Format (TOML): `version = 1`, `scheme_key` (base64url, no padding), `database_key`
//! (64 hex digits, the raw SQLCipher key: no passphrase stretching, so each pooled
//! connection opens in microseconds). `member_contact_key` is reserved for the key that
//! will encrypt members' contact details (the alerts issue).

use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

use mugsync_core::identifiers::SchemeKey;

use crate::RelayError;

/// The key file's name beside `relay.toml` (in the data directory by default).
pub const KEY_FILE: &str = "relay.key";

/// Environment variable naming the key file instead.
pub const ENV_KEY_FILE: &str = "MUGSYNC_RELAY_KEY_FILE";

/// The relay's keys, read from its key file.
pub struct RelayKeys {
    scheme_key: SchemeKey,
    database_key: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for RelayKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RelayKeys(..)")
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFileText {
    version: u32,
    scheme_key: String,
    database_key: String,
    /// Reserved: the member-contact key (the alerts issue adds it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    member_contact_key: Option<String>,
}

impl RelayKeys {
    /// Fresh keys: a new scheme key and database key from the OS random source.
    pub fn generate() -> RelayKeys {
        let mut db = Zeroizing::new([0u8; 32]);
        SystemRandom::new()
            .fill(&mut db[..])
            .expect("the OS random source works");
        RelayKeys {
            scheme_key: SchemeKey::generate(),
            database_key: db,
        }
    }

    /// The scheme key (for enrolment; never printed or logged).
    pub fn scheme_key(&self) -> &SchemeKey {
        &self.scheme_key
    }

    /// The SQLCipher key pragma value (`x'…'`, a raw 256-bit key).
    pub(crate) fn sqlcipher_key(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex::encode(&self.database_key[..])))
    }

    /// Writes a new key file at `path`, readable by this user only; refuses to overwrite.
    pub fn create(&self, path: &Path) -> Result<(), RelayError> {
        let text = KeyFileText {
            version: 1,
            scheme_key: base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(self.scheme_key.expose_bytes()),
            database_key: hex::encode(&self.database_key[..]),
            member_contact_key: None,
        };
        let body = Zeroizing::new(toml::to_string(&text).expect("plain strings serialise"));
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let io = |e: std::io::Error| {
            RelayError::Io(format!(
                "cannot write the key file {}: {e}; if it exists, keep it (it opens the existing relay.db) or move it away",
                path.display()
            ))
        };
        let mut f = opts.open(path).map_err(io)?;
        f.write_all(
            b"# mugsync relay keys: the scheme key and relay.db's encryption key.\n\
              # Keep this file apart from relay.db backups; without it relay.db cannot be read.\n",
        )
        .and_then(|()| f.write_all(body.as_bytes()))
        .and_then(|()| f.sync_all())
        .map_err(io)?;
        Ok(())
    }

    /// Reads the key file at `path`, refusing one that others may read.
    pub fn load(path: &Path) -> Result<RelayKeys, RelayError> {
        let bad = |why: String| RelayError::KeyFile {
            path: path.display().to_string(),
            why,
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(path).map_err(|e| {
                bad(format!(
                    "cannot be read ({e}); it was made by `mugsync-relay init` beside relay.toml, or set {ENV_KEY_FILE}"
                ))
            })?;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(bad(format!(
                    "may be read by other users (mode {mode:o}); run `chmod 600 {}`",
                    path.display()
                )));
            }
        }
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            bad(format!(
                "cannot be read ({e}); it was made by `mugsync-relay init` beside relay.toml, or set {ENV_KEY_FILE}"
            ))
        })?);
        let parsed: KeyFileText =
            toml::from_str(&text).map_err(|e| bad(format!("is not a relay key file ({e})")))?;
        if parsed.version != 1 {
            return Err(bad(format!(
                "has version {}, which this build does not know; update mugsync-relay",
                parsed.version
            )));
        }
        let scheme = Zeroizing::new(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(parsed.scheme_key.trim())
                .map_err(|_| bad("holds a damaged scheme_key".into()))?,
        );
        let scheme_key =
            SchemeKey::from_bytes(&scheme).map_err(|_| bad("holds a damaged scheme_key".into()))?;
        let db = Zeroizing::new(
            hex::decode(parsed.database_key.trim())
                .map_err(|_| bad("holds a damaged database_key".into()))?,
        );
        let database_key: [u8; 32] = db[..]
            .try_into()
            .map_err(|_| bad("holds a database_key that is not 32 bytes".into()))?;
        Ok(RelayKeys {
            scheme_key,
            database_key: Zeroizing::new(database_key),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_round_trips_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE);
        let keys = RelayKeys::generate();
        keys.create(&path).unwrap();
        assert!(keys.create(&path).is_err(), "never overwritten");
        let back = RelayKeys::load(&path).unwrap();
        assert_eq!(
            back.scheme_key().expose_bytes(),
            keys.scheme_key().expose_bytes()
        );
        assert_eq!(*back.sqlcipher_key(), *keys.sqlcipher_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let e = RelayKeys::load(&path).unwrap_err().to_string();
            assert!(e.contains("chmod 600"), "{e}");
        }
    }
}
