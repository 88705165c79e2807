//! Harness for end-to-end tests: builds the real `mugsync` and `mugsync-relay` binaries
//! once and runs them in temporary data directories, exactly as a user would.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the repo root")
        .to_path_buf()
}

/// A file under `fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    repo_root().join("fixtures").join(name)
}

/// `target/<profile>/`, where cargo puts the binaries built with the tests' profile,
/// after building both binaries once.
fn built_bins_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // The test executable lives in target/<profile>/deps/; the binaries in target/<profile>/.
        let exe = std::env::current_exe().expect("test executable path");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>")
            .to_path_buf();
        // Both at once: `mugsync demo` runs the relay binary found beside its own.
        let status = Command::new(env!("CARGO"))
            .args([
                "build",
                "--quiet",
                "-p",
                "mugsync",
                "--bin",
                "mugsync",
                "-p",
                "mugsync-relay",
                "--bin",
                "mugsync-relay",
            ])
            .current_dir(repo_root())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the mugsync binaries failed");
        profile_dir
    })
}

fn built_bin(name: &str) -> PathBuf {
    let bin = built_bins_dir().join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.exists(), "{name} binary not found at {}", bin.display());
    bin
}

/// Path of the device binary `mugsync`, built on first use (same profile as the tests).
pub fn mugsync_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| built_bin("mugsync"))
}

/// Path of the relay binary `mugsync-relay`, built on first use beside [`mugsync_bin`].
pub fn relay_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| built_bin("mugsync-relay"))
}

/// The passphrase test devices use.
pub const TEST_PASSPHRASE: &str = "correct horse battery staple";

/// One device: a temporary data directory and the binary.
pub struct Device {
    dir: tempfile::TempDir,
}

/// What a command did.
#[derive(Debug)]
pub struct Run {
    /// Exit status was success.
    pub ok: bool,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            ok: o.status.success(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Panics with both streams unless the command succeeded.
    pub fn success(self) -> Run {
        assert!(
            self.ok,
            "command failed\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    /// Panics unless the command failed.
    pub fn failure(self) -> Run {
        assert!(
            !self.ok,
            "command unexpectedly succeeded\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    /// Stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
}

impl Device {
    /// A device with no store yet.
    pub fn blank() -> Device {
        Device {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A device initialised with the fixture areas and the fixture scheme key.
    pub fn new() -> Device {
        let d = Device::blank();
        let key = d.dir.path().join("scheme.key");
        std::fs::write(&key, b"mugsync-test-scheme-key-32bytes!").expect("write key");
        d.run(&[
            "init",
            "--areas",
            fixture("areas.toml").to_str().unwrap(),
            "--scheme-key-file",
            key.to_str().unwrap(),
        ])
        .success();
        d
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A command with this device's data dir and passphrase in the environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(mugsync_bin());
        c.args(args)
            .env("MUGSYNC_DATA_DIR", self.data_dir())
            .env("MUGSYNC_PASSPHRASE", TEST_PASSPHRASE)
            .env_remove("MUGSYNC_LOG")
            .stdin(Stdio::null());
        c
    }

    /// Runs a command to completion.
    pub fn run(&self, args: &[&str]) -> Run {
        self.command(args).output().expect("mugsync runs").into()
    }

    /// Runs a command with `input` on stdin.
    pub fn run_with_stdin(&self, args: &[&str], input: &str) -> Run {
        use std::io::Write;
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("mugsync runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
        child.wait_with_output().expect("mugsync finishes").into()
    }

    /// Files JSON (one object) and returns the new id.
    pub fn file_json(&self, report: &serde_json::Value) -> String {
        let out = self
            .run_with_stdin(&["report", "file", "--from", "-"], &report.to_string())
            .success();
        out.stdout.trim().to_owned()
    }

    /// A scratch path inside the device's temp dir.
    pub fn scratch(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Default for Device {
    fn default() -> Self {
        Device::new()
    }
}

/// The fixture reports, as JSON values.
pub fn fixture_reports() -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(fixture("reports.json")).expect("fixture");
    let v: serde_json::Value = serde_json::from_str(&text).expect("fixture JSON");
    v["reports"].as_array().expect("reports array").clone()
}

/// A relay run by the real binary (`mugsync-relay serve`) on a free loopback port.
pub struct RelayProcess {
    dir: std::sync::Arc<tempfile::TempDir>,
    child: Option<std::process::Child>,
    url: String,
}

impl RelayProcess {
    /// Initialises a relay with the fixture areas and starts it.
    pub fn start() -> RelayProcess {
        let dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
        let r = RelayProcess {
            dir,
            child: None,
            url: String::new(),
        };
        r.admin(&["init", "--areas", fixture("areas.toml").to_str().unwrap()])
            .success();
        let mut r = r;
        r.spawn(None);
        r
    }

    /// The relay's data directory (relay.db, relay.toml, relay.key).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("relay")
    }

    /// Runs a `mugsync-relay` command (`device add …`, `reports --json`) against this
    /// relay's data directory.
    pub fn admin(&self, args: &[&str]) -> Run {
        Command::new(relay_bin())
            .args(args)
            .env("MUGSYNC_RELAY_DATA_DIR", self.data_dir())
            .env_remove("MUGSYNC_PASSPHRASE")
            .stdin(Stdio::null())
            .output()
            .expect("mugsync runs")
            .into()
    }

    /// Starts serving; `listen` keeps the previous address on restart. Waits only for the
    /// line the relay prints once its socket is bound — no sleeps.
    fn spawn(&mut self, listen: Option<&str>) {
        use std::io::BufRead;
        let listen = listen.unwrap_or("127.0.0.1:0").to_owned();
        let mut child = Command::new(relay_bin())
            .args(["serve", "--listen", &listen])
            .env("MUGSYNC_RELAY_DATA_DIR", self.data_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("relay starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let mut url = None;
        for _ in 0..20 {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(rest) = line.strip_prefix("listening on ") {
                        url = Some(rest.trim().to_owned());
                        break;
                    }
                }
                _ => break,
            }
        }
        // Keep draining stdout so the relay never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        self.url = url.expect("the relay printed its address");
        self.child = Some(child);
    }

    /// A second relay process serving the same data directory and database, as a second
    /// relay behind a load balancer would.
    pub fn sibling(&self) -> RelayProcess {
        let mut r = RelayProcess {
            dir: self.dir.clone(),
            child: None,
            url: String::new(),
        };
        r.spawn(None);
        r
    }

    /// The base URL devices use.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// SIGKILL: no shutdown, no flush.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts again on the same address and data.
    pub fn restart(&mut self) {
        self.kill();
        let addr = self
            .url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        self.spawn(Some(&addr));
    }

    /// A one-time enrolment code for a new device.
    pub fn add_device(&self, name: &str) -> String {
        let out = self.admin(&["device", "add", "--name", name]).success();
        out.stdout
            .lines()
            .find_map(|l| l.strip_prefix("code: "))
            .unwrap_or_else(|| panic!("no code in: {}", out.stdout))
            .trim()
            .to_owned()
    }

    /// The relay's copy of the log.
    pub fn reports(&self) -> serde_json::Value {
        self.admin(&["reports", "--json"]).success().json()
    }
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

impl Device {
    /// A device enrolled with `relay` under `name` (its store is created by enrolment).
    pub fn enrolled(relay: &RelayProcess, name: &str) -> Device {
        let d = Device::blank();
        let code = relay.add_device(name);
        d.run(&["enroll", "--relay", relay.url(), "--code", &code])
            .success();
        d
    }

    /// Runs `mugsync sync --json` and returns the summary.
    pub fn sync(&self) -> serde_json::Value {
        self.run(&["sync", "--json"]).success().json()
    }

    /// Report ids and statuses as this device sees them, sorted.
    pub fn state(&self) -> Vec<(String, String, usize)> {
        report_states(&self.run(&["report", "list", "--json"]).success().json())
    }
}

/// `(id, status, number of amendments)` of each report in a JSON array of reports, sorted:
/// enough to tell whether two copies of the log agree.
pub fn report_states(reports: &serde_json::Value) -> Vec<(String, String, usize)> {
    let mut out: Vec<(String, String, usize)> = reports
        .as_array()
        .expect("an array of reports")
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                r["status"].as_str().unwrap().to_owned(),
                r["amendments"].as_array().map(|a| a.len()).unwrap_or(0),
            )
        })
        .collect();
    out.sort();
    out
}
