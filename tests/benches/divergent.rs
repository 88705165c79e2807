//! Memory and time of two devices that each filed N reports offline and then sync through
//! the real relay (issue 7's "bounded memory" figure): relay peak RSS, each device's sync
//! peak RSS, relay CPU, and the rounds to converge.
//!
//! `cargo bench -p mugsync-e2e --bench divergent` (add `-- --reports 500,1500` for other
//! sizes, `-- --dev` to use the dev build). Devices are seeded in-process, then every sync runs as the real `mugsync sync`
//! binary, whose peak RSS is read from /proc/<pid>/status (VmHWM) while it runs.

use mugsync_client::{RelayUrl, Transport};
use mugsync_core::identifiers::{Region, SchemeKey};
use mugsync_core::report::{AreaList, IntakeContext, NewReport, ReportId, ReportInput};
use mugsync_store::{DeviceStore, Passphrase};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PASS: &str = "benchmark passphrase";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The binaries, release-built (or the dev build with `--dev`: dependencies are optimised
/// there too, so memory figures match; times do not).
fn bins(dev: bool) -> (PathBuf, PathBuf) {
    let mut args = vec!["build", "--quiet", "-p", "mugsync", "-p", "mugsync-relay"];
    if !dev {
        args.push("--release");
    }
    let status = Command::new(env!("CARGO"))
        .args(&args)
        .current_dir(repo())
        .status()
        .unwrap();
    assert!(status.success());
    let dir = repo().join(if dev {
        "target/debug"
    } else {
        "target/release"
    });
    (dir.join("mugsync"), dir.join("mugsync-relay"))
}

/// Peak and current RSS of a live process, in MiB.
fn rss_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / 100.0
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
        let areas = repo().join("fixtures/areas.toml");
        let st = Command::new(bin)
            .args([
                "init",
                "--areas",
                areas.to_str().unwrap(),
                "--data-dir",
                dir.to_str().unwrap(),
            ])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(st.success());
        let mut child = Command::new(bin)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--data-dir",
                dir.to_str().unwrap(),
            ])
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

    fn enrol(&self, dir: &Path, name: &str) -> DeviceStore {
        let out = Command::new(&self.bin)
            .args([
                "device",
                "add",
                "--name",
                name,
                "--data-dir",
                self.dir.to_str().unwrap(),
            ])
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

fn synthetic(i: usize, ctx: &IntakeContext<'_>, t: &[serde_json::Value]) -> NewReport {
    let mut r = t[i % t.len()].clone();
    r["perpetrator"]["phones"] = serde_json::json!([format!("07700 900{:03}", (i * 7919) % 1000)]);
    ReportInput::from_json(&r.to_string())
        .unwrap()
        .parse(ctx)
        .unwrap()
}

/// Runs `mugsync sync` on a device; its peak RSS (MiB) and wall time.
fn sync_process(bin: &Path, dir: &Path) -> (f64, f64) {
    let t = Instant::now();
    let mut child = Command::new(bin)
        .args(["sync", "--json"])
        .env("MUGSYNC_DATA_DIR", dir)
        .env("MUGSYNC_PASSPHRASE", PASS)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut peak: f64 = 0.0;
    loop {
        peak = peak.max(rss_mib(child.id()).0);
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "sync failed");
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    (peak, t.elapsed().as_secs_f64())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let sizes: Vec<usize> = args
        .iter()
        .position(|a| a == "--reports")
        .map(|p| args[p + 1].split(',').map(|n| n.parse().unwrap()).collect())
        .unwrap_or_else(|| vec![500, 1500, 3000, 5000]);
    let (device_bin, relay_bin) = bins(args.iter().any(|a| a == "--dev"));
    let work = repo().join("target/mugsync-bench/divergent");
    let templates: Vec<serde_json::Value> = {
        let text = std::fs::read_to_string(repo().join("fixtures/reports.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["reports"].as_array().unwrap().clone()
    };
    println!("| N per device | relay peak RSS | relay RSS idle | device sync peak RSS (max) | relay CPU | syncs to converge | wall |");
    println!("|---|---|---|---|---|---|---|");
    for n in sizes {
        let relay = Relay::start(&relay_bin, &work.join("relay"));
        let dirs = [work.join("a"), work.join("b")];
        let now = time::OffsetDateTime::now_utc();
        for (d, dir) in dirs.iter().enumerate() {
            let mut store = relay.enrol(dir, &format!("van-{d}"));
            let areas: AreaList = store.areas().clone();
            let key = SchemeKey::from_bytes(store.scheme_key().expose_bytes()).unwrap();
            let ctx = IntakeContext {
                key: &key,
                region: Region::gb(),
                areas: &areas,
            };
            let batch = (0..n)
                .map(|i| {
                    let at =
                        now - Duration::from_secs(3600) + Duration::from_millis((i * 2 + d) as u64);
                    (
                        ReportId::minted_at(at),
                        synthetic(i + d * n, &ctx, &templates),
                    )
                })
                .collect();
            store.import(batch).unwrap();
        }
        let cpu0 = cpu_seconds(relay.child.id());
        let t = Instant::now();
        let mut device_peak: f64 = 0.0;
        let mut syncs = 0;
        // a, b, a: after that both hold everything (each sync may take several rounds).
        for dir in [&dirs[0], &dirs[1], &dirs[0]] {
            let (peak, secs) = sync_process(&device_bin, dir);
            eprintln!(
                "  sync {} of {n}: peak {peak:.0} MiB, {secs:.1} s",
                syncs + 1
            );
            device_peak = device_peak.max(peak);
            syncs += 1;
        }
        let wall = t.elapsed().as_secs_f64();
        let cpu = cpu_seconds(relay.child.id()) - cpu0;
        let pass = Passphrase::new(PASS).unwrap();
        let counts: Vec<usize> = dirs
            .iter()
            .map(|d| DeviceStore::open(d, &pass).unwrap().count().unwrap())
            .collect();
        assert_eq!(counts, vec![2 * n, 2 * n], "both devices hold every report");
        std::thread::sleep(Duration::from_millis(300));
        let (relay_peak, relay_now) = rss_mib(relay.child.id());
        println!(
            "| {n} | {relay_peak:.0} MiB | {relay_now:.0} MiB | {device_peak:.0} MiB | {cpu:.2} s | {syncs} | {wall:.1} s |"
        );
    }
}
