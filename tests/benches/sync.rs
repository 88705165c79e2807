//! Sync benchmarks for DESIGN.md's sync rows, against the real relay binary
//! (`mugsync-relay serve`, release build) on a loopback port.
//!
//! `cargo bench -p mugsync-e2e --bench sync` (add `-- --reports N` for another history size,
//! `-- --initial-only` to stop after the new device's initial sync).
//! Relay CPU is read from /proc/<relay pid>/stat (10 ms ticks; per-sync figures are averaged
//! over repeats). docs/BENCHMARKS.md records the results.

use flate2::{write::GzEncoder, Compression};
use mugsync_client::{RelayUrl, Transport};
use mugsync_core::identifiers::{Region, SchemeKey};
use mugsync_core::report::{AreaList, IntakeContext, NewReport, ReportId, ReportInput};
use mugsync_store::{DeviceStore, Passphrase};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

const PASS: &str = "benchmark passphrase";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn templates() -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(repo().join("fixtures/reports.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["reports"].as_array().unwrap().clone()
}

fn synthetic(i: usize, ctx: &IntakeContext<'_>, t: &[serde_json::Value]) -> NewReport {
    let mut r = t[i % t.len()].clone();
    r["perpetrator"]["phones"] = serde_json::json!([format!("07700 900{:03}", (i * 7919) % 1000)]);
    r["perpetrator"]["emails"] = serde_json::json!([format!("p{}@example.com", i % 5000)]);
    ReportInput::from_json(&r.to_string())
        .unwrap()
        .parse(ctx)
        .unwrap()
}

fn relay_release() -> PathBuf {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "-p", "mugsync-relay"])
        .current_dir(repo())
        .status()
        .unwrap();
    assert!(status.success());
    // Beside the bench executable's own profile (honours CARGO_TARGET_DIR).
    let exe = std::env::current_exe().unwrap();
    let release = exe.parent().and_then(Path::parent).unwrap();
    release.join(format!("mugsync-relay{}", std::env::consts::EXE_SUFFIX))
}

struct Relay {
    child: Child,
    url: String,
    dir: PathBuf,
    bin: PathBuf,
}

impl Relay {
    fn start(bin: &Path, dir: &Path) -> Relay {
        let _ = std::fs::remove_dir_all(dir);
        let st = Command::new(bin)
            .args([
                "init",
                "--areas",
                repo().join("fixtures/areas.toml").to_str().unwrap(),
            ])
            .env("MUGSYNC_RELAY_DATA_DIR", dir)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(st.success());
        let mut child = Command::new(bin)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("MUGSYNC_RELAY_DATA_DIR", dir)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = lines.next().unwrap().unwrap();
        let url = line
            .strip_prefix("listening on ")
            .unwrap()
            .trim()
            .to_owned();
        std::thread::spawn(move || for _ in lines {});
        Relay {
            child,
            url,
            dir: dir.to_path_buf(),
            bin: bin.to_path_buf(),
        }
    }

    fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        let f: Vec<&str> = after.split_whitespace().collect();
        let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
        ticks / 100.0
    }

    fn enrol(&self, dir: &Path, name: &str) -> DeviceStore {
        let out = Command::new(&self.bin)
            .args(["device", "add", "--name", name])
            .env("MUGSYNC_RELAY_DATA_DIR", &self.dir)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let code = text
            .lines()
            .find_map(|l| l.strip_prefix("code: "))
            .unwrap()
            .trim()
            .to_owned();
        let _ = std::fs::remove_dir_all(dir);
        let pass = Passphrase::new(PASS).unwrap();
        mugsync_client::enroll(
            dir,
            &pass,
            RelayUrl::parse(&self.url, false).unwrap(),
            &code,
            &Transport::default(),
            false,
        )
        .unwrap();
        DeviceStore::open(dir, &pass).unwrap()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sync(store: &mut DeviceStore) -> mugsync_client::SyncSummary {
    let client = mugsync_client::client_for(store).unwrap();
    mugsync_client::sync(store, &client, |_| {}).unwrap()
}

fn gzip_json_len(store: &DeviceStore) -> usize {
    let reports = store.list().unwrap();
    let json = serde_json::to_vec(&reports).unwrap();
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(&json).unwrap();
    gz.finish().unwrap().len()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .iter()
        .position(|a| a == "--reports")
        .map(|p| args[p + 1].parse().unwrap())
        .unwrap_or(100_000);
    let bin = relay_release();
    let work = repo().join("target/mugsync-bench/sync");
    std::fs::create_dir_all(&work).unwrap();
    let relay = Relay::start(&bin, &work.join("relay"));
    let templates = templates();

    // A: a device holding n reports over 24 months, pushed to the relay.
    let mut a = relay.enrol(&work.join("a"), "bench-a");
    let areas: AreaList = a.areas().clone();
    let key = SchemeKey::from_bytes(a.scheme_key().expose_bytes()).unwrap();
    let ctx = IntakeContext {
        key: &key,
        region: Region::gb(),
        areas: &areas,
    };
    let t = Instant::now();
    let now = time::OffsetDateTime::now_utc();
    let per_month = n.div_ceil(24);
    let mut done = 0;
    for m in (0..24).rev() {
        let base = now - time::Duration::days(30 * m as i64 + 1);
        let mut batch = Vec::new();
        while batch.len() < per_month && done < n {
            batch.push((
                ReportId::minted_at(base + time::Duration::seconds(batch.len() as i64)),
                synthetic(done, &ctx, &templates),
            ));
            done += 1;
        }
        a.import(batch).unwrap();
    }
    eprintln!(
        "seeded device A with {n} reports in {:.1}s",
        t.elapsed().as_secs_f64()
    );
    let cpu0 = relay.cpu_seconds();
    let t = Instant::now();
    let push = sync(&mut a);
    println!(
        "initial push of {n} reports device → relay: {:.2} s, {} rounds, {:.1} MB up, relay CPU {:.2} s",
        t.elapsed().as_secs_f64(), push.rounds, push.bytes_sent as f64 / 1e6, relay.cpu_seconds() - cpu0
    );

    // B: a new device's initial sync.
    let mut b = relay.enrol(&work.join("b"), "bench-b");
    let cpu0 = relay.cpu_seconds();
    let t = Instant::now();
    let pull = sync(&mut b);
    let secs = t.elapsed().as_secs_f64();
    let gz = gzip_json_len(&b);
    println!(
        "initial sync of {} reports relay → new device: {:.2} s, {} rounds, {:.1} MB down, gzip'd JSON {:.1} MB, ratio {:.2}, relay CPU {:.2} s",
        b.count().unwrap(), secs, pull.rounds, pull.bytes_received as f64 / 1e6, gz as f64 / 1e6,
        pull.bytes_received as f64 / gz as f64, relay.cpu_seconds() - cpu0
    );

    if args.iter().any(|a| a == "--initial-only") {
        return;
    }

    // One new report A → relay → B, repeated.
    let repeats = 20;
    let (mut up_rounds, mut up_bytes, mut down_rounds, mut down_bytes) = (0, 0, 0, 0);
    let mut up_ms = Vec::new();
    let mut down_ms = Vec::new();
    let cpu0 = relay.cpu_seconds();
    for i in 0..repeats {
        a.file(synthetic(n + i, &a.intake(), &templates)).unwrap();
        let t = Instant::now();
        let s = sync(&mut a);
        up_ms.push(t.elapsed().as_secs_f64() * 1e3);
        up_rounds = up_rounds.max(s.rounds);
        up_bytes = up_bytes.max(s.bytes_sent + s.bytes_received);
        let t = Instant::now();
        let s = sync(&mut b);
        down_ms.push(t.elapsed().as_secs_f64() * 1e3);
        down_rounds = down_rounds.max(s.rounds);
        down_bytes = down_bytes.max(s.bytes_sent + s.bytes_received);
        assert_eq!(s.reports_received, 1);
    }
    let relay_cpu_ms = (relay.cpu_seconds() - cpu0) * 1e3 / repeats as f64;
    up_ms.sort_by(f64::total_cmp);
    down_ms.sort_by(f64::total_cmp);
    println!(
        "one new report with {n} in history: device→relay {} round(s), ≤ {} B on the wire, median {:.1} ms; relay→device {} round(s), ≤ {} B, median {:.1} ms; relay CPU {:.1} ms per report (both syncs)",
        up_rounds, up_bytes, up_ms[repeats / 2], down_rounds, down_bytes, down_ms[repeats / 2], relay_cpu_ms
    );

    // 20 devices × 50 offline reports, then sync passes until converged.
    let relay2 = Relay::start(&bin, &work.join("relay2"));
    let mut devices: Vec<DeviceStore> = (0..20)
        .map(|i| relay2.enrol(&work.join(format!("d{i}")), &format!("d{i}")))
        .collect();
    for (i, d) in devices.iter_mut().enumerate() {
        for j in 0..50 {
            let new = synthetic(i * 50 + j, &d.intake(), &templates);
            d.file(new).unwrap();
        }
    }
    let cpu0 = relay2.cpu_seconds();
    let t = Instant::now();
    let mut passes = 0;
    loop {
        passes += 1;
        for d in devices.iter_mut() {
            sync(d);
        }
        if devices.iter().all(|d| d.count().unwrap() == 1000) {
            break;
        }
        assert!(passes < 10, "did not converge");
    }
    println!(
        "20 devices × 50 offline reports: converged in {passes} pass(es), {:.2} s wall, relay CPU {:.2} s",
        t.elapsed().as_secs_f64(), relay2.cpu_seconds() - cpu0
    );
}
