//! `mugsync demo`: the whole device story in a temporary store, using the synthetic
//! fixture reports built into the binary.

use anyhow::{Context, Result};
use mugsync_client::{RelayUrl, Transport};
use mugsync_core::identifiers::{Identifier, SchemeKey};
use mugsync_core::report::{AreaList, Consent, PoliceConsent, Reason, Report};
use mugsync_store::{DeviceStore, InitOptions, LocalSyncState, Passphrase};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::commands::report::{parse_all, read_inputs};
use crate::{output, render};

const AREAS: &str = include_str!("../../../../fixtures/areas.toml");
const REPORTS: &str = include_str!("../../../../fixtures/reports.json");

/// The walk-through's numbered steps: each number is used once, across both parts, and
/// everything goes through [`output`] (a closed standard output ends the demo quietly).
struct Steps {
    next: usize,
}

impl Steps {
    /// Prints "N. what" and moves on.
    fn step(&mut self, what: &str) -> Result<()> {
        let n = self.next;
        self.next += 1;
        output::line(&format!("\n{n}. {what}"))
    }
}

/// Indents every line of `text` by three spaces, under its step.
fn indented(text: &str) -> Result<()> {
    let mut o = String::new();
    for line in text.lines() {
        if line.is_empty() {
            o.push('\n');
        } else {
            o.push_str("   ");
            o.push_str(line);
            o.push('\n');
        }
    }
    output::out(&o)
}

/// Runs the walk-through.
pub fn run() -> Result<()> {
    let dir = tempfile::tempdir().context("cannot make a temporary directory")?;
    let data_dir = dir.path().join("van-1");
    output::line("== mugsync demo, part one: one outreach device, offline ==")?;
    output::line("All data here is synthetic (Ofcom drama-range numbers, example.com emails).")?;
    let mut steps = Steps { next: 1 };

    let areas = AreaList::from_toml(AREAS)?;
    // The demo store is temporary and deleted at the end; its passphrase need not be secret.
    let pass = Passphrase::new("demo passphrase, temporary store")?;
    let mut store = DeviceStore::create(
        &data_dir,
        &pass,
        InitOptions {
            scheme_key: SchemeKey::generate(),
            region: Default::default(),
            areas,
        },
    )?;
    steps.step("mugsync init --areas fixtures/areas.toml")?;
    indented(&format!(
        "Created an encrypted store at {}",
        store.path().display()
    ))?;

    let inputs = read_inputs(REPORTS)?;
    let n = inputs.len();
    let reports = parse_all(&store, inputs)?;
    let mut ids = Vec::new();
    for r in reports {
        ids.push(store.file(r)?);
    }
    steps.step("mugsync report file --from fixtures/reports.json")?;
    indented(&format!(
        "Filed {} (each one saved for good before the next).",
        render::count(n, "report")
    ))?;

    steps.step("mugsync report list")?;
    indented(&render::list(&rows(&store)?, store.areas()))?;

    for value in [
        "07700 900123",
        "dave.m+bookings@example.com",
        "MA6",
        "07700 900999",
    ] {
        steps.step(&format!("mugsync check '{value}'"))?;
        let id = Identifier::parse(value, store.region())?;
        indented(&render::check(&store.check(&id)?, store.areas()))?;
    }

    let consent_id = ids[0];
    let before = store.report(&consent_id)?.context("just filed")?.consent;
    steps.step(&format!(
        "The person changes their mind about the police: mugsync report consent {} --police none",
        render::short_id(&consent_id)
    ))?;
    store.set_consent(
        &consent_id,
        Consent {
            police: PoliceConsent::None,
            ..before
        },
    )?;
    let after = store.report(&consent_id)?.context("just filed")?.consent;
    indented(&format!(
        "Consent was: alert {}; police: {}.\nConsent now: alert {}; police: {} (nothing not yet sent will go to the police).",
        yes_no(before.alert),
        before.police.label(),
        yes_no(after.alert),
        after.police.label()
    ))?;

    steps.step(&format!(
        "mugsync report withdraw {} --reason 'asked to withdraw'",
        render::short_id(&ids[1])
    ))?;
    store.withdraw(&ids[1], &Reason::parse("reason", "asked to withdraw")?)?;
    let withdrawn = store.report(&ids[1])?.context("just filed")?;
    indented(&format!(
        "Report {} is now {}{}.",
        render::short_id(&ids[1]),
        withdrawn.status.label(),
        withdrawn
            .withdrawal_reason
            .as_ref()
            .map(|x| format!(" ({x})"))
            .unwrap_or_default()
    ))?;
    steps.step("mugsync check '07700 900123' (the withdrawn report no longer counts)")?;
    let id = Identifier::parse("07700 900123", store.region())?;
    indented(&render::check(&store.check(&id)?, store.areas()))?;

    steps.step(&format!(
        "mugsync report show {}",
        render::short_id(&ids[0])
    ))?;
    let r = store.report(&ids[0])?.context("just filed")?;
    indented(&render::show(
        &r,
        store.local_state(&ids[0])?.as_ref(),
        store.areas(),
        store.victim_private(&ids[0])?.is_some(),
    ))?;

    let shared: usize = store.shared_log_bytes()?.iter().map(Vec::len).sum();
    steps.step("mugsync export --json (the shared log, as the relay will see it)")?;
    indented(&format!(
        "{shared} bytes; victim details and plaintext numbers are not in it."
    ))?;
    drop(store);

    relay_story(dir.path(), &mut steps)?;
    output::line("\nDone. The temporary stores are deleted now.")
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// Every report with where it stands, as `report list` shows them.
fn rows(store: &DeviceStore) -> Result<Vec<(Report, Option<LocalSyncState>)>> {
    store
        .list()?
        .into_iter()
        .map(|r| {
            let s = store.local_state(&r.id)?;
            Ok((r, s))
        })
        .collect()
}

/// The relay binary the demo runs: `mugsync-relay`, found beside this executable (cargo
/// builds both into the same directory; an install copies both).
fn relay_binary() -> Result<PathBuf> {
    let me = std::env::current_exe().context("cannot find this program's own path")?;
    let bin = me.with_file_name(format!("mugsync-relay{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        anyhow::bail!(
            "part two needs the relay binary at {}, which is missing; build it with `cargo build -p mugsync-relay` (add --release if this mugsync is a release build), or install it beside mugsync",
            bin.display()
        );
    }
    Ok(bin)
}

/// A `mugsync-relay` process serving a temporary data directory; killed when dropped.
struct DemoRelay {
    bin: PathBuf,
    data_dir: PathBuf,
    child: Child,
}

impl DemoRelay {
    /// Creates the relay's store and starts it on a free loopback port.
    fn start(root: &Path) -> Result<(DemoRelay, String)> {
        let bin = relay_binary()?;
        let data_dir = root.join("relay");
        let areas = root.join("areas.toml");
        std::fs::write(&areas, AREAS).context("cannot write the demo areas file")?;
        run_relay(
            &bin,
            &data_dir,
            &["init", "--areas", &areas.display().to_string()],
        )?;
        let mut child = Command::new(&bin)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("MUGSYNC_RELAY_DATA_DIR", &data_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        let stdout = child.stdout.take().context("the relay's output")?;
        let mut relay = DemoRelay {
            bin,
            data_dir,
            child,
        };
        let mut lines = BufReader::new(stdout).lines();
        let url = lines
            .by_ref()
            .take(20)
            .map_while(|l| l.ok())
            .find_map(|l| l.strip_prefix("listening on ").map(|u| u.trim().to_owned()));
        // Keep reading so the relay never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        match url {
            Some(url) => Ok((relay, url)),
            None => {
                let _ = relay.child.kill();
                anyhow::bail!("the relay did not start (its error is above)")
            }
        }
    }

    /// Runs an admin command against the demo relay's data directory; its stdout.
    fn admin(&self, args: &[&str]) -> Result<String> {
        run_relay(&self.bin, &self.data_dir, args)
    }
}

impl Drop for DemoRelay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run_relay(bin: &Path, data_dir: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new(bin)
        .args(args)
        .env("MUGSYNC_RELAY_DATA_DIR", data_dir)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {}", bin.display()))?;
    if !out.status.success() {
        anyhow::bail!(
            "`mugsync-relay {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Part two: a relay on a loopback port and two enrolled vans that file offline, then sync.
fn relay_story(root: &Path, steps: &mut Steps) -> Result<()> {
    output::line("\n== Part two: a relay and two vans ==")?;
    let (relay, url) = DemoRelay::start(root)?;
    steps.step("mugsync-relay serve (the scheme's relay; here on this machine)")?;
    indented(&format!("Listening on {url}"))?;

    let pass = Passphrase::new("demo passphrase, temporary store")?;
    let mut vans = Vec::new();
    for name in ["van-1", "van-2"] {
        let out = relay.admin(&["device", "add", "--name", name])?;
        let code = out
            .lines()
            .find_map(|l| l.strip_prefix("code: "))
            .context("the relay printed no enrolment code")?
            .trim()
            .to_owned();
        let dir = root.join(name).with_extension("enrolled");
        steps.step(&format!(
            "On the relay: mugsync-relay device add --name {name}; on the van: mugsync enroll --relay {url} --code CODE"
        ))?;
        let done = mugsync_client::enroll(
            &dir,
            &pass,
            RelayUrl::parse(&url, false)?,
            &code,
            &Transport::default(),
            false,
        )?;
        indented(&format!("Enrolled as '{}'.", done.device_name))?;
        vans.push(DeviceStore::open(&dir, &pass)?);
    }

    let inputs = read_inputs(REPORTS)?;
    for (i, input) in inputs.into_iter().enumerate() {
        let van = &mut vans[i % 2];
        let new = parse_all(van, vec![input])?.remove(0);
        van.file(new)?;
    }
    steps.step("Offline, both vans file reports")?;
    indented(&format!(
        "van-1 filed {}, van-2 filed {}.",
        render::count(vans[0].count()?, "report"),
        render::count(vans[1].count()?, "report")
    ))?;

    steps.step(
        "mugsync sync on each van, twice (the second time brings van-2's reports to van-1)",
    )?;
    for _ in 1..=2 {
        for (i, van) in vans.iter_mut().enumerate() {
            let client = mugsync_client::client_for(van)?;
            let s = mugsync_client::sync(van, &client, |_| {})?;
            indented(&format!(
                "van-{}: sent {}, received {}.",
                i + 1,
                render::count(s.reports_sent, "report"),
                s.reports_received
            ))?;
        }
    }
    let relay_reports: serde_json::Value =
        serde_json::from_str(&relay.admin(&["reports", "--json"])?)
            .context("the relay's report list is not JSON")?;
    let relay_count = relay_reports.as_array().map_or(0, Vec::len);
    let ids = |s: &DeviceStore| -> Result<Vec<String>> {
        Ok(s.list()?.iter().map(|r| r.id.to_string()).collect())
    };
    let same = ids(&vans[0])? == ids(&vans[1])?;
    steps.step("Everyone holds the same reports")?;
    indented(&format!(
        "van-1 holds {}, van-2 holds {}, the relay holds {}: {}",
        vans[0].count()?,
        vans[1].count()?,
        relay_count,
        if same && relay_count == vans[0].count()? {
            "the same reports everywhere."
        } else {
            "NOT the same (bug)."
        }
    ))?;
    steps
        .step("mugsync check '07700 900123' on van-2 (one of these reports was filed on van-1)")?;
    let id = Identifier::parse("07700 900123", vans[1].region())?;
    indented(&render::check(&vans[1].check(&id)?, vans[1].areas()))?;
    drop(relay);
    if !same {
        anyhow::bail!("the devices did not converge");
    }
    Ok(())
}
