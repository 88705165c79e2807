//! [`RelayConfig`]: where the relay listens, TLS, and its limits, read from `relay.toml`
//! with environment overrides.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::RelayError;

/// The name of the configuration file inside a data directory.
pub const CONFIG_FILE: &str = "relay.toml";

/// The address the relay listens on when nothing says otherwise: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8470";

/// Environment variable overriding `listen`.
pub const ENV_LISTEN: &str = "MUGSYNC_RELAY_LISTEN";
/// Environment variable overriding `tls.cert`.
pub const ENV_TLS_CERT: &str = "MUGSYNC_RELAY_TLS_CERT";
/// Environment variable overriding `tls.key`.
pub const ENV_TLS_KEY: &str = "MUGSYNC_RELAY_TLS_KEY";
/// Environment variable overriding `limits.max_body_bytes`.
pub const ENV_MAX_BODY_BYTES: &str = "MUGSYNC_RELAY_MAX_BODY_BYTES";

/// Environment variable overriding `database`.
pub const ENV_DATABASE: &str = "MUGSYNC_RELAY_DATABASE";

/// The `database` setting when none is given: `relay.db` in the data directory.
pub const DEFAULT_DATABASE: &str = "sqlite://relay.db";

/// Where the relay's durable state lives, from the `database` URL in `relay.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An SQLite file (`sqlite://relay.db`: relative to the data directory;
    /// `sqlite:///abs/path.db`: absolute).
    Sqlite(PathBuf),
}

impl DatabaseUrl {
    /// Parses a `database` URL; relative SQLite paths are read from `data_dir`.
    /// `postgres://` is refused until that backend is built.
    pub fn parse(text: &str, data_dir: &Path) -> Result<DatabaseUrl, RelayError> {
        let text = text.trim();
        if let Some(path) = text.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(RelayError::Config(format!(
                    "database '{text}' names no file; use e.g. \"{DEFAULT_DATABASE}\""
                )));
            }
            return Ok(DatabaseUrl::Sqlite(data_dir.join(path)));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Err(RelayError::UnsupportedDatabase("postgres://…".into()));
        }
        Err(RelayError::Config(format!(
            "database '{text}' is not a database URL; use e.g. \"{DEFAULT_DATABASE}\""
        )))
    }
}

/// Everything `Relay::bind` needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayConfig {
    /// Address to listen on (port 0 picks a free port).
    pub listen: SocketAddr,
    /// The relay's data directory (holds `relay.db` by default).
    pub data_dir: PathBuf,
    /// Where the durable state lives (`database` in `relay.toml`).
    pub database: DatabaseUrl,
    /// The key file: `relay.key` beside `relay.toml` (in the data directory by default),
    /// or [`crate::keys::ENV_KEY_FILE`].
    pub key_file: PathBuf,
    /// Serve HTTPS with this certificate and key; `None` serves plain HTTP.
    pub tls: Option<TlsConfig>,
    /// Allow plain HTTP on a non-loopback address (a TLS proxy in front).
    pub allow_plain_http: bool,
    /// Request limits.
    pub limits: Limits,
}

/// PEM files for HTTPS.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// Certificate chain, leaf first (PEM).
    pub cert: PathBuf,
    /// Private key (PEM).
    pub key: PathBuf,
}

/// Request and connection limits: body size, time, connections, per-device and enrolment
/// rates, response size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Request bodies the relay holds in memory at once, in bytes, across all devices:
    /// each request reserves its declared length (or `max_body_bytes`) before its body is
    /// read, so many devices (or one stolen key on many connections) sending large bodies
    /// at once get `busy` instead of exhausting memory.
    pub max_buffered_body_bytes: usize,
    /// Longest a request may take.
    pub request_timeout: Duration,
    /// Longest a connection may take to send a request's headers (and, over HTTPS, to
    /// finish the TLS handshake); also how long an idle keep-alive connection stays open.
    /// A connection that sends nothing is closed after this.
    pub header_read_timeout: Duration,
    /// Connections served at once. Further connections wait in the kernel's accept queue
    /// (holding no file descriptor of the relay) until one closes.
    pub max_connections: usize,
    /// Average requests per second each device may make.
    pub per_device_per_second: u32,
    /// Requests a device may make in a burst.
    pub per_device_burst: u32,
    /// Enrolment attempts each source address (IPv4 address or IPv6 /64) may make per
    /// minute on average.
    pub enrolment_per_source_per_minute: u32,
    /// Enrolment attempts a source address may make in a burst.
    pub enrolment_per_source_burst: u32,
    /// Enrolment attempts from all sources together per minute (the global cap, above the
    /// per-source budgets).
    pub enrolment_per_minute: u32,
    /// Enrolment attempts from all sources together in a burst.
    pub enrolment_burst: u32,
    /// The relay stops adding pulls to a sync response once they exceed this many bytes.
    pub max_pull_bytes_per_response: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 16 * 1024 * 1024,
            max_buffered_body_bytes: 128 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
            per_device_per_second: 20,
            per_device_burst: 100,
            enrolment_per_source_per_minute: 10,
            enrolment_per_source_burst: 30,
            enrolment_per_minute: 600,
            enrolment_burst: 100,
            max_pull_bytes_per_response: 4 * 1024 * 1024,
        }
    }
}

/// The file's shape. Every table denies unknown keys so a typo is an error, not a default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database: Option<String>,
    listen: Option<String>,
    allow_plain_http: Option<bool>,
    tls: Option<TlsConfig>,
    limits: Option<FileLimits>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLimits {
    max_body_bytes: Option<usize>,
    max_buffered_body_bytes: Option<usize>,
    request_timeout_secs: Option<u64>,
    header_read_timeout_secs: Option<u64>,
    max_connections: Option<usize>,
    per_device_per_second: Option<u32>,
    per_device_burst: Option<u32>,
    enrolment_per_source_per_minute: Option<u32>,
    enrolment_per_source_burst: Option<u32>,
    enrolment_per_minute: Option<u32>,
    enrolment_burst: Option<u32>,
    max_pull_bytes_per_response: Option<usize>,
}

impl RelayConfig {
    /// The documented example configuration (`deploy/relay.example.toml`), compiled in so
    /// `mugsync-relay serve --print-example-config` can print it.
    pub const EXAMPLE_TOML: &'static str = include_str!("../../../deploy/relay.example.toml");

    /// Defaults for a data directory: loopback, plain HTTP, default limits.
    pub fn defaults(data_dir: &Path) -> RelayConfig {
        RelayConfig {
            listen: DEFAULT_LISTEN
                .parse()
                .expect("the default listen address parses"),
            data_dir: data_dir.to_path_buf(),
            database: DatabaseUrl::Sqlite(data_dir.join(crate::STORE_FILE)),
            key_file: data_dir.join(crate::keys::KEY_FILE),
            tls: None,
            allow_plain_http: false,
            limits: Limits::default(),
        }
    }

    /// [`RelayError::NotInitialised`] unless the configured database exists (checked
    /// before the key file, so a wrong `--data-dir` says so rather than "no key file").
    pub fn check_initialised(&self) -> Result<(), RelayError> {
        let DatabaseUrl::Sqlite(path) = &self.database;
        if path.exists() {
            Ok(())
        } else {
            Err(RelayError::NotInitialised(
                self.data_dir.display().to_string(),
            ))
        }
    }

    /// Reads `file` (default: `<data_dir>/relay.toml` when it exists), then applies the
    /// environment overrides ([`ENV_LISTEN`], [`ENV_TLS_CERT`], [`ENV_TLS_KEY`],
    /// [`ENV_MAX_BODY_BYTES`]). Unknown keys in the file are an error naming the key.
    pub fn load(file: Option<&Path>, data_dir: &Path) -> Result<RelayConfig, RelayError> {
        Self::load_with_env(file, data_dir, |name| std::env::var(name).ok())
    }

    /// [`RelayConfig::load`] with the environment given as a lookup, so it can be tested
    /// without touching the process environment.
    pub fn load_with_env(
        file: Option<&Path>,
        data_dir: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<RelayConfig, RelayError> {
        let default_file = data_dir.join(CONFIG_FILE);
        let path = match file {
            Some(p) => Some(p.to_path_buf()),
            None if default_file.exists() => Some(default_file),
            None => None,
        };
        let mut config = Self::defaults(data_dir);
        if let Some(path) = &path {
            let text = std::fs::read_to_string(path).map_err(|e| {
                RelayError::Config(format!(
                    "cannot read {}: {e}; check the --config path",
                    path.display()
                ))
            })?;
            let base = path.parent().unwrap_or(Path::new("."));
            config.key_file = base.join(crate::keys::KEY_FILE);
            config
                .apply_file(&text, base)
                .map_err(|e| RelayError::Config(format!("{}: {e}", path.display())))?;
        }
        config.apply_env(&env)?;
        config.limits.check()?;
        Ok(config)
    }

    /// Applies one file's settings; relative TLS paths are read from `base`.
    fn apply_file(&mut self, text: &str, base: &Path) -> Result<(), String> {
        let file: FileConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        if let Some(db) = file.database {
            self.database = DatabaseUrl::parse(&db, &self.data_dir).map_err(|e| e.to_string())?;
        }
        if let Some(listen) = file.listen {
            self.listen = parse_listen(&listen).map_err(|e| format!("listen: {e}"))?;
        }
        if let Some(allow) = file.allow_plain_http {
            self.allow_plain_http = allow;
        }
        if let Some(tls) = file.tls {
            self.tls = Some(TlsConfig {
                cert: base.join(tls.cert),
                key: base.join(tls.key),
            });
        }
        if let Some(l) = file.limits {
            let limits = &mut self.limits;
            if let Some(v) = l.max_body_bytes {
                limits.max_body_bytes = v;
            }
            if let Some(v) = l.max_buffered_body_bytes {
                limits.max_buffered_body_bytes = v;
            }
            if let Some(v) = l.request_timeout_secs {
                limits.request_timeout = Duration::from_secs(v);
            }
            if let Some(v) = l.header_read_timeout_secs {
                limits.header_read_timeout = Duration::from_secs(v);
            }
            if let Some(v) = l.max_connections {
                limits.max_connections = v;
            }
            if let Some(v) = l.per_device_per_second {
                limits.per_device_per_second = v;
            }
            if let Some(v) = l.per_device_burst {
                limits.per_device_burst = v;
            }
            if let Some(v) = l.enrolment_per_source_per_minute {
                limits.enrolment_per_source_per_minute = v;
            }
            if let Some(v) = l.enrolment_per_source_burst {
                limits.enrolment_per_source_burst = v;
            }
            if let Some(v) = l.enrolment_per_minute {
                limits.enrolment_per_minute = v;
            }
            if let Some(v) = l.enrolment_burst {
                limits.enrolment_burst = v;
            }
            if let Some(v) = l.max_pull_bytes_per_response {
                limits.max_pull_bytes_per_response = v;
            }
        }
        Ok(())
    }

    fn apply_env(&mut self, env: &impl Fn(&str) -> Option<String>) -> Result<(), RelayError> {
        let bad = |name: &str, e: String| RelayError::Config(format!("{name}: {e}"));
        if let Some(v) = env(ENV_LISTEN) {
            self.listen = parse_listen(&v).map_err(|e| bad(ENV_LISTEN, e))?;
        }
        match (env(ENV_TLS_CERT), env(ENV_TLS_KEY)) {
            (Some(cert), Some(key)) => {
                self.tls = Some(TlsConfig {
                    cert: cert.into(),
                    key: key.into(),
                })
            }
            (None, None) => {}
            (Some(cert), None) => match &mut self.tls {
                Some(tls) => tls.cert = cert.into(),
                None => {
                    return Err(bad(
                        ENV_TLS_KEY,
                        format!("is not set, but {ENV_TLS_CERT} is; set both"),
                    ))
                }
            },
            (None, Some(key)) => match &mut self.tls {
                Some(tls) => tls.key = key.into(),
                None => {
                    return Err(bad(
                        ENV_TLS_CERT,
                        format!("is not set, but {ENV_TLS_KEY} is; set both"),
                    ))
                }
            },
        }
        if let Some(v) = env(crate::keys::ENV_KEY_FILE) {
            self.key_file = PathBuf::from(v);
        }
        if let Some(v) = env(ENV_DATABASE) {
            self.database = DatabaseUrl::parse(&v, &self.data_dir)?;
        }
        if let Some(v) = env(ENV_MAX_BODY_BYTES) {
            self.limits.max_body_bytes = v.trim().parse().map_err(|_| {
                bad(
                    ENV_MAX_BODY_BYTES,
                    format!("'{v}' is not a number of bytes"),
                )
            })?;
        }
        Ok(())
    }
}

impl Limits {
    /// Refuses limits that would make the relay unusable.
    fn check(&self) -> Result<(), RelayError> {
        let bad = |what: &str| Err(RelayError::Config(format!("limits.{what}")));
        if self.max_body_bytes < 1024 {
            return bad("max_body_bytes must be at least 1024; the default is 16777216 (16 MiB)");
        }
        if self.max_buffered_body_bytes < self.max_body_bytes {
            return bad("max_buffered_body_bytes must be at least max_body_bytes (or no full-size request could ever be read); the default is 134217728 (128 MiB)");
        }
        if self.request_timeout.is_zero() {
            return bad("request_timeout_secs must be at least 1; the default is 30");
        }
        if self.header_read_timeout.is_zero() {
            return bad("header_read_timeout_secs must be at least 1; the default is 10");
        }
        if self.max_connections == 0 {
            return bad("max_connections must be at least 1; the default is 1024");
        }
        if self.per_device_per_second == 0 || self.per_device_burst == 0 {
            return bad("per_device_per_second and per_device_burst must be at least 1; the defaults are 20 and 100");
        }
        if self.enrolment_per_source_per_minute == 0 || self.enrolment_per_source_burst == 0 {
            return bad("enrolment_per_source_per_minute and enrolment_per_source_burst must be at least 1; the defaults are 10 and 30");
        }
        if self.enrolment_per_minute < self.enrolment_per_source_per_minute
            || self.enrolment_burst < self.enrolment_per_source_burst
        {
            return bad("enrolment_per_minute and enrolment_burst are the global cap above every source's budget, so they must be at least enrolment_per_source_per_minute and enrolment_per_source_burst; the defaults are 600 and 100");
        }
        if self.max_pull_bytes_per_response == 0 {
            return bad(
                "max_pull_bytes_per_response must be at least 1; the default is 4194304 (4 MiB)",
            );
        }
        Ok(())
    }
}

fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    text.trim().parse().map_err(|_| {
        format!("'{text}' is not an address and port such as 127.0.0.1:8470 or [::]:443")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn database_urls() {
        let data = Path::new("/srv/relay");
        assert_eq!(
            DatabaseUrl::parse(DEFAULT_DATABASE, data).unwrap(),
            DatabaseUrl::Sqlite(data.join("relay.db"))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/db/r.db", data).unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("/var/db/r.db"))
        );
        let e = DatabaseUrl::parse("postgres://relay@db.example.org/relay", data).unwrap_err();
        assert!(matches!(e, RelayError::UnsupportedDatabase(_)));
        assert!(e.to_string().contains("not built yet"), "{e}");
        assert!(
            !e.to_string().contains("db.example.org"),
            "no credentials echoed: {e}"
        );
        assert!(DatabaseUrl::parse("relay.db", data).is_err());
        // From the file and the environment.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "database = \"sqlite://other.db\"\n",
        )
        .unwrap();
        let c = RelayConfig::load_with_env(None, dir.path(), no_env).unwrap();
        assert_eq!(c.database, DatabaseUrl::Sqlite(dir.path().join("other.db")));
        let env = |name: &str| (name == ENV_DATABASE).then(|| "postgres://x".to_owned());
        assert!(RelayConfig::load_with_env(None, dir.path(), env).is_err());
    }

    #[test]
    fn the_example_is_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relay.toml");
        std::fs::write(&path, RelayConfig::EXAMPLE_TOML).unwrap();
        let loaded = RelayConfig::load_with_env(Some(&path), dir.path(), no_env).unwrap();
        assert_eq!(loaded, RelayConfig::defaults(dir.path()));
    }

    #[test]
    fn file_then_env_and_unknown_keys_named() {
        let dir = tempfile::tempdir().unwrap();
        // No file: defaults.
        let c = RelayConfig::load_with_env(None, dir.path(), no_env).unwrap();
        assert_eq!(c.listen, DEFAULT_LISTEN.parse().unwrap());
        // The default file in the data dir is read; relative TLS paths resolve beside it.
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "listen = \"0.0.0.0:443\"\n[tls]\ncert = \"c.pem\"\nkey = \"k.pem\"\n[limits]\nper_device_burst = 7\n",
        )
        .unwrap();
        let c = RelayConfig::load_with_env(None, dir.path(), no_env).unwrap();
        assert_eq!(c.listen, "0.0.0.0:443".parse().unwrap());
        assert_eq!(c.tls.as_ref().unwrap().cert, dir.path().join("c.pem"));
        assert_eq!(c.limits.per_device_burst, 7);
        assert_eq!(c.limits.per_device_per_second, 20);
        // Environment wins.
        let env = |name: &str| match name {
            ENV_LISTEN => Some("127.0.0.1:9".to_owned()),
            ENV_TLS_KEY => Some("/x/key.pem".to_owned()),
            ENV_MAX_BODY_BYTES => Some("4096".to_owned()),
            _ => None,
        };
        let c = RelayConfig::load_with_env(None, dir.path(), env).unwrap();
        assert_eq!(c.listen, "127.0.0.1:9".parse().unwrap());
        assert_eq!(c.tls.as_ref().unwrap().key, PathBuf::from("/x/key.pem"));
        assert_eq!(c.limits.max_body_bytes, 4096);
        // A typo names the key.
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "[limits]\nmax_body_byte = 5\n",
        )
        .unwrap();
        let e = RelayConfig::load_with_env(None, dir.path(), no_env)
            .unwrap_err()
            .to_string();
        assert!(e.contains("max_body_byte"), "{e}");
        std::fs::write(dir.path().join(CONFIG_FILE), "lisen = \"x\"\n").unwrap();
        let e = RelayConfig::load_with_env(None, dir.path(), no_env)
            .unwrap_err()
            .to_string();
        assert!(e.contains("lisen"), "{e}");
        // Bad values name where they came from.
        std::fs::remove_file(dir.path().join(CONFIG_FILE)).unwrap();
        let e = RelayConfig::load_with_env(None, dir.path(), |n: &str| {
            (n == ENV_LISTEN).then(|| "nowhere".to_owned())
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains(ENV_LISTEN), "{e}");
        let e = RelayConfig::load_with_env(None, dir.path(), |n: &str| {
            (n == ENV_TLS_CERT).then(|| "c".to_owned())
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("set both"), "{e}");
        // A named file that is missing is an error, not a silent default.
        assert!(RelayConfig::load_with_env(
            Some(&dir.path().join("nope.toml")),
            dir.path(),
            no_env
        )
        .is_err());
        // Unusable limits are refused.
        for bad in [
            "per_device_burst = 0",
            "max_connections = 0",
            "header_read_timeout_secs = 0",
            "enrolment_per_source_burst = 0",
            "enrolment_burst = 29",
        ] {
            std::fs::write(dir.path().join(CONFIG_FILE), format!("[limits]\n{bad}\n")).unwrap();
            assert!(
                RelayConfig::load_with_env(None, dir.path(), no_env).is_err(),
                "{bad}"
            );
        }
        // The connection and enrolment limits are read from the file.
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "[limits]\nmax_connections = 64\nheader_read_timeout_secs = 3\nenrolment_per_source_burst = 2\n",
        )
        .unwrap();
        let c = RelayConfig::load_with_env(None, dir.path(), no_env).unwrap();
        assert_eq!(c.limits.max_connections, 64);
        assert_eq!(c.limits.header_read_timeout, Duration::from_secs(3));
        assert_eq!(c.limits.enrolment_per_source_burst, 2);
    }
}
