//! Input that protects people, through the real binary: the free-text warnings and the
//! confirm step of `report new` and JSON import, future dates, and phone numbers with a
//! digit missing.

use mugsync_e2e::{fixture_reports, Device};

#[test]
fn import_with_a_phone_in_the_account_is_held_back_unless_yes() {
    let d = Device::new();
    let mut report = fixture_reports()[1].clone();
    report["narrative"] = serde_json::json!("He rang her from 07700 900321 and refused to pay.");
    let text = report.to_string();
    let out = d
        .run_with_stdin(&["report", "file", "--from", "-"], &text)
        .failure();
    assert!(
        out.stderr
            .contains("the account seems to hold a phone number (ending 321)"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("About to file:"), "{}", out.stderr);
    assert!(out.stderr.contains("--yes"), "{}", out.stderr);
    assert!(d.state().is_empty(), "nothing was filed");
    let out = d
        .run_with_stdin(&["report", "file", "--from", "-", "--yes"], &text)
        .success();
    assert_eq!(out.stdout.trim().len(), 36, "{}", out.stdout);
    assert_eq!(d.state().len(), 1);
}

#[test]
fn import_refuses_a_future_date_and_a_number_with_a_digit_missing() {
    let d = Device::new();
    let mut report = fixture_reports()[1].clone();
    report["incident_date"] = serde_json::json!("2999-01-01");
    report["perpetrator"]["phones"] = serde_json::json!(["07700 90065"]);
    let out = d
        .run_with_stdin(&["report", "file", "--from", "-"], &report.to_string())
        .failure();
    assert!(
        out.stderr.contains("2999-01-01 is in the future"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("a digit seems to be missing"),
        "{}",
        out.stderr
    );
    assert!(d.state().is_empty());
}

#[test]
fn report_new_shows_the_warnings_and_files_only_when_confirmed() {
    let d = Device::new();
    let answers = |confirm: &str| {
        [
            "2026-11-20",
            "",
            "1",
            "2",
            "1",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "He said he was called Gary and hit her.",
            "",
            "",
            "",
            "y",
            "none",
            confirm,
        ]
        .join("\n")
            + "\n"
    };
    let out = d
        .run_with_stdin(&["report", "new"], &answers("n"))
        .failure();
    assert!(
        out.stderr
            .contains("the account seems to name someone (“Gary”)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("File it as written? (y/n)"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("nothing was filed"), "{}", out.stderr);
    assert!(d.state().is_empty());
    let out = d
        .run_with_stdin(&["report", "new"], &answers("y"))
        .success();
    assert_eq!(out.stdout.trim().len(), 36, "{}", out.stdout);
    assert_eq!(d.state().len(), 1);
}
