//! Peak memory of a device merging another device's concurrent branch (issue 7's device
//! figure): two stores each import N reports offline in the same month, then A merges B's
//! changes as a sync would deliver them. `cargo run -p mugsync-store --example merge_peak -- N`.

use mugsync_core::identifiers::{Region, SchemeKey};
use mugsync_core::log::PartitionKey;
use mugsync_core::report::{AreaList, IntakeContext, NewReport, ReportId, ReportInput};
use mugsync_store::{DeviceStore, InitOptions, Passphrase};
use std::time::Instant;

const AREAS: &str = include_str!("../../../fixtures/areas.toml");
const REPORTS: &str = include_str!("../../../fixtures/reports.json");
const PASS: &str = "benchmark passphrase";

fn rss() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let get = |k: &str| {
        status
            .lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
            / 1024
    };
    (get("VmRSS:"), get("VmHWM:"))
}

fn synthetic(i: usize, ctx: &IntakeContext<'_>, t: &[serde_json::Value]) -> NewReport {
    let mut r = t[i % t.len()].clone();
    r["perpetrator"]["phones"] = serde_json::json!([format!("07700 900{:03}", (i * 7919) % 1000)]);
    ReportInput::from_json(&r.to_string())
        .unwrap()
        .parse(ctx)
        .unwrap()
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().unwrap())
        .unwrap_or(1500);
    let v: serde_json::Value = serde_json::from_str(REPORTS).unwrap();
    let templates = v["reports"].as_array().unwrap().clone();
    let areas = AreaList::from_toml(AREAS).unwrap();
    let key = SchemeKey::from_bytes(b"mugsync-test-scheme-key-32bytes!").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let now = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
    let mut stores = Vec::new();
    for d in 0..2 {
        let mut s = DeviceStore::create(
            &tmp.path().join(format!("d{d}")),
            &Passphrase::new(PASS).unwrap(),
            InitOptions {
                scheme_key: SchemeKey::from_bytes(key.expose_bytes()).unwrap(),
                region: Region::gb(),
                areas: areas.clone(),
            },
        )
        .unwrap();
        let ctx = IntakeContext {
            key: &key,
            region: Region::gb(),
            areas: &areas,
        };
        let batch = (0..n)
            .map(|i| {
                let at = now + time::Duration::milliseconds((i * 2 + d) as i64);
                (
                    ReportId::minted_at(at),
                    synthetic(i + d * n, &ctx, &templates),
                )
            })
            .collect();
        s.import(batch).unwrap();
        stores.push(s);
    }
    let pkey = PartitionKey::of(&ReportId::minted_at(now));
    let mut b = stores.pop().unwrap();
    let mut a = stores.pop().unwrap();
    let bytes = b.changes_after(&pkey, &[]).unwrap().unwrap();
    let b_actor = b.actor().clone();
    drop(b);
    eprintln!(
        "setup done: rss {:?} MiB, B's bytes {} KiB",
        rss(),
        bytes.len() / 1024
    );
    // Re-open A so its state is what a fresh `mugsync sync` process would see.
    drop(a);
    a = DeviceStore::open(&tmp.path().join("d0"), &Passphrase::new(PASS).unwrap()).unwrap();
    a.heads(&pkey).unwrap();
    eprintln!("A loaded: rss {:?} MiB", rss());
    if std::env::args().any(|a| a == "--intake") {
        // What the relay does with the same push: check every change, then apply it.
        let t = Instant::now();
        let intake = a
            .partition(&pkey)
            .unwrap()
            .accept_remote(&bytes, &b_actor)
            .unwrap();
        eprintln!(
            "intake accepted {} changes in {:.1}s: rss {:?} MiB",
            intake.accepted_changes,
            t.elapsed().as_secs_f64(),
            rss()
        );
        return;
    }
    let t = Instant::now();
    let touched = a.merge_bytes(&pkey, &bytes).unwrap();
    eprintln!(
        "merged {} reports in {:.1}s: rss {:?} MiB",
        touched.len(),
        t.elapsed().as_secs_f64(),
        rss()
    );
}
