//! A device that writes a forbidden field is refused by the relay, is told why, and no other
//! device ever sees that change.

use automerge::transaction::Transactable;
use mugsync_core::log::PartitionKey;
use mugsync_core::report::ReportId;
use mugsync_e2e::{fixture_reports, Device, RelayProcess, TEST_PASSPHRASE};
use mugsync_store::{DeviceStore, Passphrase};

/// Writes straight into a report's map in the device's log, as a buggy or tampered client
/// would, bypassing every check the real code makes.
fn tamper(device: &Device, id: &str, key: &str, value: String) {
    let mut store = DeviceStore::open(
        &device.data_dir(),
        &Passphrase::new(TEST_PASSPHRASE).unwrap(),
    )
    .unwrap();
    let rid = ReportId::parse(id).unwrap();
    store
        .merge_into(&PartitionKey::of(&rid), |p| {
            let doc = p.doc_mut();
            let obj = match automerge::ReadDoc::get(doc, automerge::ROOT, id.to_owned()).unwrap() {
                Some((_, o)) => o,
                None => unreachable!("the report was filed"),
            };
            doc.put(&obj, key, value).unwrap();
            doc.commit();
            Ok(())
        })
        .unwrap();
}

fn body_of(device: &Device, id: &str) -> serde_json::Value {
    let store = DeviceStore::open(
        &device.data_dir(),
        &Passphrase::new(TEST_PASSPHRASE).unwrap(),
    )
    .unwrap();
    serde_json::to_value(
        &store
            .report(&ReportId::parse(id).unwrap())
            .unwrap()
            .unwrap()
            .body,
    )
    .unwrap()
}

#[test]
fn forbidden_field_is_rejected_and_never_reaches_another_device() {
    let relay = RelayProcess::start();
    let bad = Device::enrolled(&relay, "van-bad");
    let good = Device::enrolled(&relay, "van-good");
    let id = bad.file_json(&fixture_reports()[1]);

    tamper(&bad, &id, "victim_name", "Sample Person Z".into());
    let out = bad.run(&["sync", "--json"]).success().json();
    let rejected = out["rejected"].as_array().unwrap();
    assert!(!rejected.is_empty(), "{out}");
    assert!(
        rejected[0]["reason"]
            .as_str()
            .unwrap()
            .contains("victim_name"),
        "{out}"
    );
    // The tampered report does not fit the schema on the device either: it is set apart.
    assert!(bad.state().is_empty());

    good.sync();
    let export = good.run(&["export", "--json"]).success().stdout;
    assert!(!export.contains("Sample Person Z"));
    assert!(!relay.reports().to_string().contains("Sample Person Z"));
}

#[test]
fn rewriting_a_filed_body_is_rejected_and_the_report_shows_why() {
    let relay = RelayProcess::start();
    let bad = Device::enrolled(&relay, "van-bad");
    let good = Device::enrolled(&relay, "van-good");
    let id = bad.file_json(&fixture_reports()[0]);
    bad.sync();
    let mut body = body_of(&bad, &id);
    body["narrative"] = serde_json::json!("rewritten after filing");
    tamper(&bad, &id, "body", body.to_string());
    let out = bad.run(&["sync", "--json"]).success().json();
    assert!(
        out["rejected"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("cannot change"),
        "{out}"
    );
    let listed = bad.run(&["report", "list"]).success().stdout;
    assert!(listed.contains("rejected: "), "{listed}");
    good.sync();
    let export = good.run(&["export", "--json"]).success().stdout;
    assert!(!export.contains("rewritten after filing"));
    assert_eq!(good.state().len(), 1);
}
