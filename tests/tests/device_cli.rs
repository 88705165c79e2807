//! The device as a user drives it: the real binary, a temporary data directory.

use mugsync_e2e::{fixture, fixture_reports, Device};
use serde_json::json;

#[test]
fn fixtures_file_list_show_and_check() {
    let d = Device::new();
    let out = d
        .run(&[
            "report",
            "file",
            "--from",
            fixture("reports.json").to_str().unwrap(),
        ])
        .success();
    let ids: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(ids.len(), fixture_reports().len());

    let list = d.run(&["report", "list", "--json"]).success().json();
    assert_eq!(list.as_array().unwrap().len(), ids.len());

    // 07700 900123 appears in two reports, spelt two ways.
    let check = d.run(&["check", "07700 900123", "--json"]).success().json();
    assert_eq!(check["count"], 2);
    assert_eq!(check["checked"]["shown_as"], "+44 7••• •••123");
    assert_eq!(check["months"], json!(["2026-10"]));

    // Email canonical form: tag dropped, case folded.
    let check = d
        .run(&["check", "DAVE.M@example.com", "--json"])
        .success()
        .json();
    assert_eq!(check["count"], 1);

    // Partial registration search.
    let check = d.run(&["check", "ma6", "--json"]).success().json();
    assert_eq!(check["count"], 1, "{check}");

    let none = d.run(&["check", "07700 900999"]).success();
    assert!(none.stdout.contains("no reports"), "{}", none.stdout);

    let show = d.run(&["report", "show", ids[0]]).success();
    assert!(show.stdout.contains("+44 7••• •••123"), "{}", show.stdout);
    assert!(
        show.stdout
            .contains("victim details: held on this device only"),
        "{}",
        show.stdout
    );
    assert!(!show.stdout.contains("Sample Person A"));
}

#[test]
fn amend_and_withdraw_change_what_checks_say() {
    let d = Device::new();
    let id = d.file_json(&fixture_reports()[2]);
    d.run(&[
        "report",
        "amend",
        &id,
        "--note",
        "Seen again <b>near</b> the canal",
        "--phone",
        "+44 7700 900321",
    ])
    .success();
    let check = d.run(&["check", "07700900321", "--json"]).success().json();
    assert_eq!(check["count"], 1);
    let shown = d.run(&["report", "show", &id, "--json"]).success().json();
    assert_eq!(
        shown["amendments"][0]["note"],
        "Seen again <b>near</b> the canal"
    );

    d.run(&["report", "withdraw", &id, "--reason", "she asked"])
        .success();
    let check = d.run(&["check", "07700900321", "--json"]).success().json();
    assert_eq!(check["count"], 0);
    assert_eq!(check["withdrawn"], 1);
    let shown = d.run(&["report", "show", &id, "--json"]).success().json();
    assert_eq!(shown["status"], "withdrawn");
    assert_eq!(shown["consent"]["alert"], false);

    let again = d.run(&["report", "amend", &id, "--note", "more"]).failure();
    assert!(again.stderr.contains("withdrawn"), "{}", again.stderr);
}

#[test]
fn invalid_fields_are_named_and_nothing_is_written() {
    let d = Device::new();
    let base = fixture_reports()[0].clone();
    type Spoil = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: Vec<(&str, Spoil)> = vec![
        (
            "incident_date",
            Box::new(|r| r["incident_date"] = json!("03/10/2026")),
        ),
        (
            "incident_time",
            Box::new(|r| r["incident_time"] = json!("25:99")),
        ),
        (
            "time_precision",
            Box::new(|r| r["time_precision"] = json!("roughly")),
        ),
        ("area", Box::new(|r| r["area"] = json!("mcr-nowhere"))),
        ("setting", Box::new(|r| r["setting"] = json!("boat"))),
        ("kinds", Box::new(|r| r["kinds"] = json!([]))),
        (
            "kinds[1]",
            Box::new(|r| r["kinds"] = json!(["robbery", "arson"])),
        ),
        (
            "perpetrator.phones[0]",
            Box::new(|r| r["perpetrator"]["phones"] = json!(["123"])),
        ),
        (
            "perpetrator.emails[0]",
            Box::new(|r| r["perpetrator"]["emails"] = json!(["someone@@example.com"])),
        ),
        (
            "perpetrator.gender",
            Box::new(|r| r["perpetrator"]["gender"] = json!("robot")),
        ),
        (
            "perpetrator.vehicle.registration",
            Box::new(|r| r["perpetrator"]["vehicle"]["registration"] = json!("MA6 <b>!")),
        ),
        ("narrative", Box::new(|r| r["narrative"] = json!("   "))),
        (
            "narrative",
            Box::new(|r| r["narrative"] = json!("x".repeat(20_001))),
        ),
        ("alert_for", Box::new(|r| r["alert_for"] = json!("cats"))),
        (
            "reporter_role",
            Box::new(|r| r["reporter_role"] = json!("police")),
        ),
        (
            "consent.police",
            Box::new(|r| r["consent"]["police"] = json!("sometimes")),
        ),
        (
            "consent",
            Box::new(|r| {
                r.as_object_mut().unwrap().remove("consent");
            }),
        ),
        (
            "perpetrator.names_used[0]",
            Box::new(|r| r["perpetrator"]["names_used"] = json!(["bad\u{0007}bell"])),
        ),
        (
            "unknown field",
            Box::new(|r| r["victim_name"] = json!("Sample Person Z")),
        ),
    ];
    for (field, mutate) in cases {
        let mut r = base.clone();
        mutate(&mut r);
        let out = d
            .run_with_stdin(&["report", "file", "--from", "-"], &r.to_string())
            .failure();
        assert!(
            out.stderr.contains(field),
            "error for {field} does not name it: {}",
            out.stderr
        );
        assert_eq!(
            out.stderr.trim().lines().count(),
            1,
            "one-line reason: {}",
            out.stderr
        );
        assert!(out.stdout.is_empty());
    }
    let list = d.run(&["report", "list", "--json"]).success().json();
    assert_eq!(list, json!([]), "nothing may have been written");

    // A batch with one bad report files none of them.
    let mut batch = fixture_reports();
    batch[3]["area"] = json!("nowhere");
    let out = d
        .run_with_stdin(
            &["report", "file", "--from", "-"],
            &json!(batch).to_string(),
        )
        .failure();
    assert!(out.stderr.contains("report 4"), "{}", out.stderr);
    assert_eq!(
        d.run(&["report", "list", "--json"]).success().json(),
        json!([])
    );

    // Invalid identifiers given to check and amend.
    for bad in ["+44 12", "someone@", "!!!"] {
        d.run(&["check", bad]).failure();
    }
}

#[test]
fn unicode_and_html_survive_exactly() {
    let d = Device::new();
    let r = fixture_reports()[5].clone();
    let id = d.file_json(&r);
    let shown = d.run(&["report", "show", &id, "--json"]).success().json();
    assert_eq!(shown["body"]["narrative"], r["narrative"]);
    let mut r2 = fixture_reports()[0].clone();
    r2["alert_text"] = json!("Ünïcödé <img src=x onerror=alert(1)> “quotes” — 注意");
    r2["perpetrator"]["names_used"] = json!(["<script>x</script>", "Zoë"]);
    let id2 = d.file_json(&r2);
    let shown = d.run(&["report", "show", &id2, "--json"]).success().json();
    assert_eq!(shown["body"]["alert_text"], r2["alert_text"]);
    assert_eq!(
        shown["body"]["perpetrator"]["names_used"],
        r2["perpetrator"]["names_used"]
    );
}

#[test]
fn wrong_passphrase_is_clear_and_changes_nothing() {
    let d = Device::new();
    d.file_json(&fixture_reports()[0]);
    let store = d.data_dir().join("device.db");
    let before = std::fs::read(&store).unwrap();
    let out = d
        .command(&["report", "list"])
        .env("MUGSYNC_PASSPHRASE", "wrong passphrase")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not open the store"), "{err}");
    assert_eq!(
        std::fs::read(&store).unwrap(),
        before,
        "a wrong passphrase must not touch the store"
    );
    d.run(&["report", "list"]).success();
}

#[test]
fn missing_store_and_no_passphrase_say_what_to_do() {
    let d = Device::blank();
    let out = d.run(&["report", "list"]).failure();
    assert!(out.stderr.contains("mugsync init"), "{}", out.stderr);
    let d = Device::new();
    let out = d
        .command(&["report", "list"])
        .env_remove("MUGSYNC_PASSPHRASE")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("MUGSYNC_PASSPHRASE"));
    let again = d
        .run(&["init", "--areas", fixture("areas.toml").to_str().unwrap()])
        .failure();
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
}

#[test]
fn store_is_encrypted_and_holds_no_plaintext() {
    let d = Device::new();
    d.run(&[
        "report",
        "file",
        "--from",
        fixture("reports.json").to_str().unwrap(),
    ])
    .success();
    let dir = d.data_dir();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        for needle in [
            "SQLite format 3",
            "Sample Person A",
            "Mancunian Way",
            "mugsync-test-scheme-key",
        ] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "'{needle}' readable in an unencrypted file"
            );
        }
    }
}

#[test]
fn export_holds_no_victim_details_or_plaintext_identifiers() {
    let d = Device::new();
    d.run(&[
        "report",
        "file",
        "--from",
        fixture("reports.json").to_str().unwrap(),
    ])
    .success();
    let export = d.run(&["export", "--json"]).success().stdout;
    for needle in [
        "Sample Person A",
        "Sample Person B",
        "Thursdays",
        "drop-in only",
        "7700900123",
        "07700 900123",
        "900900",
        "dave.m",
        "bookings@example.com",
        "manager.cars@",
        "j.smith",
        "jsmith1979",
    ] {
        assert!(!export.contains(needle), "export leaks '{needle}'");
    }
}

#[test]
fn interactive_report_new_files_a_report() {
    let d = Device::new();
    let answers = [
        "2026-11-20",        // date
        "22:30",             // time
        "1",                 // area
        "2",                 // setting: car
        "1, 4",              // kinds
        "123, 07700 900555", // phones: first invalid, asked again
        "07700 900555",
        "",        // emails
        "Gaz",     // names
        "1",       // gender
        "30-40",   // age
        "red cap", // appearance
        "",        // registration
        "",        // vehicle
        "Hit her and took her money.",
        "",  // alert text: generated
        "",  // alert for: default everyone
        "",  // reporter: default outreach worker
        "y", // alert consent
        "intelligence",
        "y", // file it (after the summary)
    ]
    .join("\n")
        + "\n";
    let out = d.run_with_stdin(&["report", "new"], &answers).success();
    let id = out.stdout.trim();
    assert!(
        out.stderr.contains("too short") || out.stderr.contains("not a phone number"),
        "{}",
        out.stderr
    );
    let shown = d.run(&["report", "show", id, "--json"]).success().json();
    assert_eq!(shown["body"]["setting"], "car");
    assert_eq!(
        shown["body"]["kinds"],
        json!(["physical_assault", "robbery"])
    );
    assert_eq!(shown["consent"]["police"], "intelligence");
    let check = d
        .run(&["check", "+447700900555", "--json"])
        .success()
        .json();
    assert_eq!(check["count"], 1);
}

#[test]
fn demo_runs() {
    let d = Device::blank();
    let out = d.run(&["demo"]).success();
    assert!(out.stdout.contains("report(s)"));
    assert!(
        out.stdout.contains("+44 7••• •••123: 2 report(s)"),
        "{}",
        out.stdout
    );
}
