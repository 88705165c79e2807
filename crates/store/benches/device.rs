//! Device benchmarks for DESIGN.md's device rows, on a store of 100k reports.
//!
//! `cargo bench -p mugsync-store --bench device` (add `-- --reports N` for another size).
//! The seeded store is cached under `target/mugsync-bench/` and reused when its size matches.
//! Prints medians; docs/BENCHMARKS.md records the results.

use mugsync_core::identifiers::{Identifier, Region, SchemeKey};
use mugsync_core::report::{AreaList, IntakeContext, NewReport, ReportId, ReportInput};
use mugsync_store::{DeviceStore, InitOptions, Passphrase};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const AREAS: &str = include_str!("../../../fixtures/areas.toml");
const REPORTS: &str = include_str!("../../../fixtures/reports.json");
const PASS: &str = "benchmark passphrase";

fn templates() -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(REPORTS).unwrap();
    v["reports"].as_array().unwrap().clone()
}

/// A synthetic report: a fixture template with a drama-range number and example.com email.
fn synthetic(i: usize, ctx: &IntakeContext<'_>, templates: &[serde_json::Value]) -> NewReport {
    let mut r = templates[i % templates.len()].clone();
    r["perpetrator"]["phones"] = serde_json::json!([format!("07700 900{:03}", (i * 7919) % 1000)]);
    r["perpetrator"]["emails"] = serde_json::json!([format!("p{}@example.com", i % 5000)]);
    ReportInput::from_json(&r.to_string())
        .unwrap()
        .parse(ctx)
        .unwrap()
}

fn seed(dir: &Path, n: usize) {
    let marker = dir.join(format!("seeded-{n}"));
    if marker.exists() {
        return;
    }
    let _ = std::fs::remove_dir_all(dir);
    let areas = AreaList::from_toml(AREAS).unwrap();
    let key = SchemeKey::from_bytes(b"mugsync-test-scheme-key-32bytes!").unwrap();
    let mut store = DeviceStore::create(
        dir,
        &Passphrase::new(PASS).unwrap(),
        InitOptions {
            scheme_key: key,
            region: Region::gb(),
            areas: areas.clone(),
        },
    )
    .unwrap();
    let t = Instant::now();
    let templates = templates();
    // Spread over the 24 months before now, oldest first, in batches per month.
    let now = time::OffsetDateTime::now_utc();
    let per_month = n.div_ceil(24);
    let mut done = 0;
    for m in (0..24).rev() {
        let mut batch = Vec::new();
        let base = now - time::Duration::days(30 * m as i64 + 1);
        while batch.len() < per_month && done < n {
            let key = SchemeKey::from_bytes(b"mugsync-test-scheme-key-32bytes!").unwrap();
            let ctx = IntakeContext {
                key: &key,
                region: Region::gb(),
                areas: &areas,
            };
            let id = ReportId::minted_at(base + time::Duration::seconds(batch.len() as i64));
            batch.push((id, synthetic(done, &ctx, &templates)));
            done += 1;
        }
        store.import(batch).unwrap();
    }
    eprintln!("seeded {n} reports in {:.1}s", t.elapsed().as_secs_f64());
    std::fs::write(marker, b"").unwrap();
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn pct(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p) as usize]
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The device's side of a new van's first sync: every partition of the seeded store, saved
/// whole (what the relay sends), merged into a new empty store. No network, so this is the
/// store's share of `cargo bench -p mugsync-e2e --bench sync`'s initial sync.
fn first_sync(seeded: &mut DeviceStore, dir: &Path, n: usize) {
    let parts: Vec<_> = seeded
        .partition_keys()
        .unwrap()
        .into_iter()
        .map(|k| {
            let bytes = seeded.save_partition(&k).unwrap();
            (k, bytes)
        })
        .collect();
    let _ = std::fs::remove_dir_all(dir);
    let mut fresh = DeviceStore::create(
        dir,
        &Passphrase::new(PASS).unwrap(),
        InitOptions {
            scheme_key: SchemeKey::from_bytes(seeded.scheme_key().expose_bytes()).unwrap(),
            region: Region::gb(),
            areas: seeded.areas().clone(),
        },
    )
    .unwrap();
    let t = Instant::now();
    for (k, bytes) in &parts {
        fresh.merge_bytes(k, bytes).unwrap();
    }
    let took = t.elapsed();
    assert!(fresh.count().unwrap() >= n);
    let size: u64 = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    println!(
        "first sync into a new store ({} partitions, {} reports, no network): {:.2} s, {:.0} MB on disk",
        parts.len(),
        fresh.count().unwrap(),
        took.as_secs_f64(),
        size as f64 / 1e6
    );
    drop(fresh);
    let _ = std::fs::remove_dir_all(dir);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(pos) = args.iter().position(|a| a == "--open-probe") {
        // Child mode: open once in a fresh process, report time and peak RSS.
        let dir = PathBuf::from(&args[pos + 1]);
        let t = Instant::now();
        let store = DeviceStore::open(&dir, &Passphrase::new(PASS).unwrap()).unwrap();
        let elapsed = t.elapsed();
        assert!(store.count().unwrap() > 0);
        println!("{} {}", elapsed.as_micros(), peak_rss_kib());
        return;
    }
    let n = args
        .iter()
        .position(|a| a == "--reports")
        .map(|p| args[p + 1].parse().unwrap())
        .unwrap_or(100_000);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/mugsync-bench")
        .join(format!("device-{n}"));
    seed(&dir, n);

    // Open: fresh processes, so the page cache is warm but nothing else is.
    let mut opens = Vec::new();
    let mut rss = Vec::new();
    for _ in 0..7 {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--open-probe", dir.to_str().unwrap()])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let mut parts = text.split_whitespace();
        opens.push(Duration::from_micros(
            parts.next().unwrap().parse().unwrap(),
        ));
        rss.push(parts.next().unwrap().parse::<u64>().unwrap());
    }
    rss.sort();
    println!(
        "open store of {n} reports: median {:.1} ms, peak RSS median {} MiB",
        median(opens).as_secs_f64() * 1e3,
        rss[rss.len() / 2] / 1024
    );

    let mut store = DeviceStore::open(&dir, &Passphrase::new(PASS).unwrap()).unwrap();
    first_sync(&mut store, &dir.with_extension("new"), n);
    if args.iter().any(|a| a == "--first-sync-only") {
        return;
    }
    let templates = templates();
    let mut files = Vec::new();
    for i in 0..300 {
        let new = synthetic(n + i, &store.intake(), &templates);
        let t = Instant::now();
        store.file(new).unwrap();
        files.push(t.elapsed());
    }
    println!(
        "file one report (durable, {n} in the log): median {:.3} ms, p95 {:.3} ms",
        median(files.clone()).as_secs_f64() * 1e3,
        pct(files, 0.95).as_secs_f64() * 1e3
    );

    let mut checks = Vec::new();
    let mut hits = 0;
    for i in 0..2000 {
        let value = format!("07700 900{:03}", (i * 37) % 1000);
        let t = Instant::now();
        let id = Identifier::parse(&value, store.region()).unwrap();
        let answer = store.check(&id).unwrap();
        checks.push(t.elapsed());
        hits += answer.count;
    }
    let mut parses = Vec::new();
    for i in 0..2000 {
        let value = format!("07700 900{:03}", (i * 37) % 1000);
        let t = Instant::now();
        let _ = Identifier::parse(&value, store.region()).unwrap();
        parses.push(t.elapsed());
    }
    println!(
        "  of which parsing a phone number (phonenumber crate): median {:.3} ms",
        median(parses).as_secs_f64() * 1e3
    );
    let mut misses = Vec::new();
    for i in 0..2000 {
        let value = format!("nobody{i}@example.net");
        let t = Instant::now();
        let id = Identifier::parse(&value, store.region()).unwrap();
        assert_eq!(store.check(&id).unwrap().count, 0);
        misses.push(t.elapsed());
    }
    println!(
        "offline check with no match: median {:.3} ms, p95 {:.3} ms",
        median(misses.clone()).as_secs_f64() * 1e3,
        pct(misses, 0.95).as_secs_f64() * 1e3
    );
    println!(
        "offline check (parse + digest + index + answer, ~{} reports per hit): median {:.3} ms, p95 {:.3} ms",
        hits / 2000,
        median(checks.clone()).as_secs_f64() * 1e3,
        pct(checks, 0.95).as_secs_f64() * 1e3
    );
}
