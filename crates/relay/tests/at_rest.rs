//! At rest on the relay (issue 7): a stolen `relay.db` (and its WAL) alone yields no
//! narrative, no number and no scheme key; it does not open without the key file; and the
//! relay refuses a key file that others may read.

mod common;

use common::{Device, TestRelay};
use mugsync_relay::{Limits, Relay, RelayConfig, RelayError, KEY_FILE, STORE_FILE};

/// Text from fixture report 0: its narrative and its perpetrator's number as typed.
const NARRATIVE_MARKER: &[u8] = b"towards the Mancunian Way";
const PHONES: [&[u8]; 3] = [b"07700 900123", b"07700900123", b"+447700900123"];
const SQLITE_HEADER: &[u8] = b"SQLite format 3\0";

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stolen_relay_db_holds_no_narrative_number_or_scheme_key() {
    let mut relay = TestRelay::start(Limits::default()).await;
    let mut a = Device::enrol(&relay, "van-1").await;
    a.file(0);
    a.sync().await;
    assert!(
        relay
            .reports()
            .iter()
            .any(|r| serde_json::to_string(&r.body)
                .unwrap()
                .contains("Mancunian Way")),
        "the relay holds the report (so the bytes below are a real test)"
    );
    let scheme_key = a.scheme_key.expose_bytes().to_vec();

    let mut files = vec![std::fs::read(relay.data.join(STORE_FILE)).unwrap()];
    if let Ok(wal) = std::fs::read(relay.data.join(format!("{STORE_FILE}-wal"))) {
        files.push(wal);
    }
    for bytes in &files {
        assert!(!bytes.is_empty());
        assert!(!contains(bytes, NARRATIVE_MARKER), "narrative in the clear");
        for p in PHONES {
            assert!(!contains(bytes, p), "a phone number in the clear");
        }
        assert!(
            !contains(bytes, &scheme_key),
            "the scheme key in the database"
        );
        assert!(
            !contains(bytes, SQLITE_HEADER),
            "an unencrypted SQLite header"
        );
    }
    relay.stop().await;

    // Without its key file the database does not open, and says what to do.
    let key_file = relay.data.join(KEY_FILE);
    let moved = relay.dir.path().join("elsewhere.key");
    std::fs::rename(&key_file, &moved).unwrap();
    let e = mugsync_relay::list_devices(&relay.data).unwrap_err();
    assert!(matches!(e, RelayError::KeyFile { .. }), "{e}");
    assert!(e.to_string().contains("MUGSYNC_RELAY_KEY_FILE"), "{e}");
    // With another relay's key it does not open either.
    mugsync_relay::RelayKeys::generate()
        .create(&key_file)
        .unwrap();
    let e = mugsync_relay::list_devices(&relay.data).unwrap_err();
    assert!(matches!(e, RelayError::WrongDatabaseKey { .. }), "{e}");
    assert!(
        e.to_string().contains("cannot be opened with the key"),
        "{e}"
    );
    // Plain SQLite cannot read it at all.
    let plain = rusqlite::Connection::open(relay.data.join(STORE_FILE)).unwrap();
    assert!(plain
        .query_row("SELECT count(*) FROM device", [], |r| r.get::<_, i64>(0))
        .is_err());
    std::fs::rename(&moved, &key_file).unwrap();
    assert_eq!(mugsync_relay::list_devices(&relay.data).unwrap().len(), 1);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_refuses_a_key_file_others_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let mut relay = TestRelay::start(Limits::default()).await;
    relay.stop().await;
    let key_file = relay.data.join(KEY_FILE);
    assert_eq!(
        std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
        0o600,
        "init makes the key file private"
    );
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let mut config = RelayConfig::defaults(&relay.data);
    config.listen = "127.0.0.1:0".parse().unwrap();
    let e = Relay::bind(config.clone()).await.unwrap_err();
    assert!(matches!(e, RelayError::KeyFile { .. }), "{e}");
    assert!(e.to_string().contains("chmod 600"), "{e}");
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    Relay::bind(config).await.unwrap();
}

#[test]
fn the_key_file_can_live_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("relay");
    let env_key = dir.path().join("secrets").join("relay.key");
    let config = RelayConfig::load_with_env(None, &data, |name| {
        (name == mugsync_relay::ENV_KEY_FILE).then(|| env_key.display().to_string())
    })
    .unwrap();
    assert_eq!(config.key_file, env_key);
    assert_eq!(
        RelayConfig::defaults(&data).key_file,
        data.join(KEY_FILE),
        "beside relay.toml in the data directory by default"
    );
}
