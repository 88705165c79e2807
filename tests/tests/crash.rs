//! A report whose id was printed survives `kill -9` of the filing process.

use mugsync_e2e::{fixture_reports, Device};
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

#[test]
fn killed_while_filing_loses_no_acknowledged_report() {
    let d = Device::new();
    let reports = fixture_reports();
    let batch: Vec<serde_json::Value> = (0..400)
        .map(|i| reports[i % reports.len()].clone())
        .collect();
    let path = d.scratch("batch.json");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(serde_json::Value::Array(batch).to_string().as_bytes())
        .unwrap();

    let mut child = d
        .command(&["report", "file", "--from", path.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acknowledged = Vec::new();
    // Each printed id means `file` returned for that report. Kill mid-batch.
    while acknowledged.len() < 40 {
        match lines.next() {
            Some(line) => acknowledged.push(line.unwrap()),
            None => break,
        }
    }
    child.kill().unwrap(); // SIGKILL on Unix: no destructors, no flush.
    child.wait().unwrap();
    assert_eq!(
        acknowledged.len(),
        40,
        "the child finished or failed before it could be killed"
    );

    let listed = d.run(&["report", "list", "--json"]).success().json();
    let held: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for id in &acknowledged {
        assert!(
            held.contains(&id.as_str()),
            "acknowledged report {id} was lost"
        );
    }
    assert!(held.len() < 400, "the kill came too late to test anything");
    // The store still works after the crash.
    d.file_json(&reports[0]);
}
