//! The contract every [`RelayStore`] backend must pass. Each backend instantiates the
//! suite with [`store_contract!`], giving a function that makes a fresh, initialised store
//! (and whatever keeps it alive, e.g. its temporary directory).

use automerge::ChangeHash;
use mugsync_core::auth::DeviceKeyPair;
use mugsync_core::log::{LogWrite, PartitionKey};
use mugsync_core::report::ReportId;

use super::{Admission, NewDevice, PartitionAdvance, RelayStore, RoundCommit};
use crate::RelayError;

/// A fresh store and its keep-alive.
pub(crate) type Made = (Box<dyn std::any::Any>, Box<dyn RelayStore>);

fn new_device<'a>(name: &'a str, code: u8, now: i64) -> NewDevice<'a> {
    NewDevice {
        name,
        code_hash: [code; 32],
        created_at: now,
        code_expires_at: now + 100,
    }
}

pub(crate) fn devices_from_code_to_revocation(make: fn() -> Made) {
    let (_keep, store) = make();
    assert!(store.live_device_named("van-1").unwrap().is_none());
    assert!(store
        .add_pending_device(&new_device("van-1", 1, 10), None)
        .unwrap());
    // The name is held (ignoring case) while live.
    assert!(!store
        .add_pending_device(&new_device("VAN-1", 2, 10), None)
        .unwrap());
    let pending = store.live_device_named("Van-1").unwrap().unwrap();
    assert_eq!(pending.code_expires_at, 110);
    assert!(pending.public_key.is_none());
    assert_eq!(
        store.device_by_code(&[1; 32]).unwrap().unwrap().id,
        pending.id
    );
    // Replacing a pending device frees its name.
    assert!(store
        .add_pending_device(&new_device("van-1", 3, 20), Some(pending.id))
        .unwrap());
    assert!(store.device_by_code(&[1; 32]).unwrap().is_none());
    let d = store.device_by_code(&[3; 32]).unwrap().unwrap();
    let key = DeviceKeyPair::generate().public_key();
    let actor = mugsync_core::log::DeviceActor::generate();
    assert!(store.device_actor(d.id).unwrap().is_none());
    assert!(store.enrol(d.id, &key, &actor, 30).unwrap());
    assert!(!store.enrol(d.id, &key, &actor, 31).unwrap(), "enrols once");
    assert_eq!(store.device_actor(d.id).unwrap(), Some(actor));
    let enrolled = store.device_by_key(&key).unwrap().unwrap();
    assert_eq!((enrolled.id, enrolled.enrolled_at), (d.id, Some(30)));
    // Replacing an enrolled device deletes nothing.
    assert!(!store
        .add_pending_device(&new_device("van-1", 4, 40), Some(d.id))
        .unwrap());
    assert!(store.device_by_key(&key).unwrap().is_some());
    assert!(store.revoke("VAN-1", 50).unwrap());
    assert!(!store.revoke("van-1", 51).unwrap());
    assert!(store
        .add_pending_device(&new_device("van-1", 5, 60), None)
        .unwrap());
    let all = store.devices().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].revoked_at, Some(50));
    assert!(all[1].revoked_at.is_none());
}

pub(crate) fn nonces_admit_once_and_purge(make: fn() -> Made) {
    let (_keep, store) = make();
    let key = DeviceKeyPair::generate().public_key();
    let other = DeviceKeyPair::generate().public_key();
    assert!(!store.nonce_seen(&key, "n1").unwrap());
    assert_eq!(
        store.admit(&key, "n1", 1_000, None, 1).unwrap(),
        Admission::Fresh
    );
    assert!(store.nonce_seen(&key, "n1").unwrap());
    // A nonce belongs to its key: another device may use the same one.
    assert!(!store.nonce_seen(&other, "n1").unwrap());
    assert_eq!(
        store.admit(&key, "n1", 1_000, None, 1).unwrap(),
        Admission::Replayed
    );
    assert_eq!(
        store.admit(&key, "n2", 5_000, None, 1).unwrap(),
        Admission::Fresh
    );
    assert_eq!(store.purge_nonces(2_000).unwrap(), 1);
    assert!(!store.nonce_seen(&key, "n1").unwrap());
    assert_eq!(
        store.admit(&key, "n1", 1_000, None, 1).unwrap(),
        Admission::Fresh
    );
}

fn a_change(key: &PartitionKey, n: u8) -> (Vec<u8>, Vec<ChangeHash>) {
    use automerge::transaction::Transactable;
    let mut doc = automerge::AutoCommit::new();
    doc.put(automerge::ROOT, format!("{key}-{n}"), n as i64)
        .unwrap();
    (doc.save(), doc.get_heads())
}

pub(crate) fn rounds_advance_versions_and_refuse_a_stale_one(make: fn() -> Made) {
    let (_keep, store) = make();
    assert!(store
        .add_pending_device(&new_device("van-1", 1, 10), None)
        .unwrap());
    let device = store.devices().unwrap()[0].id;
    let key = PartitionKey::of(&ReportId::new());
    assert!(store.partition_states().unwrap().is_empty());
    assert_eq!(store.load_partition(&key).unwrap().1, 0);
    let (bytes, heads) = a_change(&key, 1);
    let round = |from_version, bytes: &[u8], heads: &[ChangeHash]| RoundCommit {
        chunks: vec![LogWrite {
            partition: key.clone(),
            bytes: bytes.to_vec(),
        }],
        device_heads: vec![(key.clone(), heads.to_vec())],
        rejected: vec![(key.clone(), ChangeHash([9; 32]), heads.to_vec())],
        advances: vec![PartitionAdvance {
            key: key.clone(),
            from_version,
            heads: heads.to_vec(),
        }],
    };
    store
        .commit_round(device, &round(0, &bytes, &heads))
        .unwrap();
    let state = store.partition_state(&key).unwrap().unwrap();
    assert_eq!((state.version, state.heads.clone()), (1, heads.clone()));
    assert_eq!(store.partition_states().unwrap()[&key], state);
    assert_eq!(
        store.device_heads(device, &key).unwrap(),
        Some(heads.clone())
    );
    assert_eq!(
        store.rejected_deps(&key, &ChangeHash([9; 32])).unwrap(),
        Some(heads.clone())
    );
    // A second relay that loaded at version 0 (or 1, after a third moved it on) is refused,
    // and writes nothing.
    let (bytes2, heads2) = a_change(&key, 2);
    assert!(matches!(
        store.commit_round(device, &round(0, &bytes2, &heads2)),
        Err(RelayError::Conflict)
    ));
    store
        .commit_round(device, &round(1, &bytes2, &heads2))
        .unwrap();
    assert!(matches!(
        store.commit_round(device, &round(1, &bytes2, &heads2)),
        Err(RelayError::Conflict)
    ));
    let (stored, version) = store.load_partition(&key).unwrap();
    assert_eq!((stored.chunks.len(), version), (2, 2));
    assert_eq!(store.device_heads(device, &key).unwrap(), Some(heads2));
    // Compaction happens only at the version the snapshot was taken from.
    assert!(!store.compact(&key, b"stale", 1).unwrap());
    assert_eq!(store.load_partition(&key).unwrap().0.chunks.len(), 2);
    assert!(store.compact(&key, &bytes, 2).unwrap());
    let (stored, version) = store.load_partition(&key).unwrap();
    assert_eq!(
        (stored.snapshot.as_deref(), stored.chunks.len(), version),
        (Some(&bytes[..]), 0, 2)
    );
}

pub(crate) fn many_threads_share_one_store(make: fn() -> Made) {
    let (_keep, store) = make();
    let store: &dyn RelayStore = &*store;
    std::thread::scope(|s| {
        for t in 0..4u8 {
            s.spawn(move || {
                let key = DeviceKeyPair::generate().public_key();
                for i in 0..25 {
                    let nonce = format!("{t}-{i}");
                    assert_eq!(
                        store.admit(&key, &nonce, 1, None, 1).unwrap(),
                        Admission::Fresh
                    );
                }
                assert!(store
                    .add_pending_device(&new_device(&format!("van-{t}"), t, 1), None)
                    .unwrap());
            });
        }
    });
    assert_eq!(store.devices().unwrap().len(), 4);
}

/// Instantiates the contract suite for one backend.
macro_rules! store_contract {
    ($backend:ident, $make:expr) => {
        mod $backend {
            use super::*;
            #[test]
            fn devices_from_code_to_revocation() {
                $crate::storage::contract::devices_from_code_to_revocation($make)
            }
            #[test]
            fn nonces_admit_once_and_purge() {
                $crate::storage::contract::nonces_admit_once_and_purge($make)
            }
            #[test]
            fn rounds_advance_versions_and_refuse_a_stale_one() {
                $crate::storage::contract::rounds_advance_versions_and_refuse_a_stale_one($make)
            }
            #[test]
            fn many_threads_share_one_store() {
                $crate::storage::contract::many_threads_share_one_store($make)
            }
        }
    };
}

mod backends {
    use super::Made;
    use crate::config::RelayConfig;
    use mugsync_core::identifiers::Region;
    use mugsync_core::report::AreaList;

    fn make_sqlite() -> Made {
        let dir = tempfile::tempdir().unwrap();
        let config = RelayConfig::defaults(&dir.path().join("relay"));
        let areas = AreaList::from_toml(include_str!("../../../../fixtures/areas.toml")).unwrap();
        let keys = crate::keys::RelayKeys::generate();
        let store = crate::storage::create(&config, &keys, Region::gb(), &areas).unwrap();
        (Box::new(dir), store)
    }

    store_contract!(sqlite, make_sqlite);
}
