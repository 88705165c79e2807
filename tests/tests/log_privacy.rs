//! Data rules 1 and 3, proved on the bytes: nothing the log saves (snapshots and chunks, the
//! only bytes a relay or another device can ever receive) holds a victim-private value or a
//! plaintext perpetrator phone number or email — compressed or not.

use mugsync_core::identifiers::{
    NormalisedEmail, NormalisedPhone, PlainIdentifiers, Region, SchemeKey,
};
use mugsync_core::log::{DeviceActor, LogPartition, PartitionKey};
use mugsync_core::report::{Amendment, AreaList, Description, ReportInput};
use mugsync_e2e::{fixture, fixture_reports};
use mugsync_store::{DeviceStore, InitOptions, Passphrase};

/// What each amendment adds, typed in plaintext on this device.
const AMEND_PHONE: &str = "07700 900555";
const AMEND_EMAIL: &str = "Amend.Secret@example.net";
/// Shared with the log by design; proves the amendments' bytes are inspected.
const AMEND_MARKER: &str = "amendment-marker-5e1f";
const AMEND_NOTE: &str = "Seen again near the station, same van. amendment-marker-5e1f";

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn saved_log_bytes_hold_no_victim_details_or_plaintext_identifiers() {
    let dir = tempfile::tempdir().unwrap();
    let areas =
        AreaList::from_toml(&std::fs::read_to_string(fixture("areas.toml")).unwrap()).unwrap();
    let mut store = DeviceStore::create(
        dir.path(),
        &Passphrase::new("a long test passphrase").unwrap(),
        InitOptions {
            scheme_key: SchemeKey::generate(),
            region: Region::gb(),
            areas,
        },
    )
    .unwrap();

    let mut secrets: Vec<String> = Vec::new();
    for r in fixture_reports() {
        for (_, v) in r
            .get("victim_private")
            .and_then(|v| v.as_object())
            .into_iter()
            .flatten()
        {
            secrets.push(v.as_str().unwrap().to_owned());
        }
        for p in r["perpetrator"]["phones"].as_array().unwrap() {
            let digits: String = p
                .as_str()
                .unwrap()
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            secrets.push(p.as_str().unwrap().to_owned());
            secrets.push(digits[digits.len() - 7..].to_owned()); // any spelling of the number
        }
        for e in r["perpetrator"]["emails"].as_array().into_iter().flatten() {
            let e = e.as_str().unwrap();
            secrets.push(e.to_owned());
            secrets.push(e.split('@').next().unwrap().to_owned());
        }
        let new = ReportInput::from_json(&r.to_string())
            .unwrap()
            .parse(&store.intake())
            .unwrap();
        let id = store.file(new).unwrap();
        // Amendments go through the same log: each report gets a real one, adding a phone
        // number and an email typed in plaintext (kept here, digested for the log) and a
        // note. The note is shared by design, so it holds a marker that proves the
        // amendment's bytes are among those inspected below, and none of the secrets.
        let phone = NormalisedPhone::parse(AMEND_PHONE, Region::gb()).unwrap();
        let email = NormalisedEmail::parse(AMEND_EMAIL).unwrap();
        let mut plain = PlainIdentifiers::default();
        plain.add_phone(phone.clone());
        plain.add_email(email.clone());
        let amendment = Amendment {
            at: 1_790_000_000,
            note: Some(Description::parse("note", AMEND_NOTE).unwrap()),
            phones: vec![store.scheme_key().protect_phone(&phone)],
            emails: vec![store.scheme_key().protect_email(&email)],
        };
        store.amend_with_plain(&id, &amendment, &plain).unwrap();
        let amended = store.report(&id).unwrap().unwrap();
        assert_eq!(
            amended.amendments,
            vec![amendment],
            "the amendment was filed"
        );
        assert!(store
            .plain_identifiers(&id)
            .unwrap()
            .phones
            .contains(&phone));
    }
    secrets.extend(
        [
            AMEND_PHONE,
            "+447700900555",
            "7700900555",
            "0900555",
            AMEND_EMAIL,
            "amend.secret@example.net",
            "amend.secret",
            "Amend.Secret",
        ]
        .map(str::to_owned),
    );
    assert!(secrets.iter().any(|s| s == "Sample Person A"));

    let blobs = store.shared_log_bytes().unwrap();
    assert!(!blobs.is_empty());
    for blob in &blobs {
        for s in &secrets {
            assert!(!contains(blob, s), "saved log bytes contain '{s}'");
        }
    }
    // Automerge may deflate columns: also inspect the whole log saved uncompressed.
    for key in store.partition_keys().unwrap() {
        let bytes = store.save_partition(&key).unwrap();
        let mut part = LogPartition::load(
            PartitionKey::parse(key.as_str()).unwrap(),
            &DeviceActor::generate(),
            Some(&bytes),
            [],
        )
        .unwrap();
        let plain = part.doc_mut().save_nocompress();
        assert!(
            contains(&plain, "Mancunian Way"),
            "the uncompressed dump must show narratives (sanity)"
        );
        assert!(
            contains(&plain, AMEND_MARKER),
            "the uncompressed dump must show the amendments (sanity)"
        );
        for s in &secrets {
            assert!(!contains(&plain, s), "uncompressed log contains '{s}'");
        }
    }
    // The victim details are still on the device, in their own table.
    let listed = store.list().unwrap();
    let with_private = listed
        .iter()
        .filter(|r| store.victim_private(&r.id).unwrap().is_some())
        .count();
    assert_eq!(with_private, 2);
}
