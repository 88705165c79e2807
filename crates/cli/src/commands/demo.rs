//! `mugsync demo`: the whole device story in a temporary store, using the synthetic
//! fixture reports built into the binary.

use anyhow::{Context, Result};
use mugsync_client::{RelayUrl, Transport};
use mugsync_core::identifiers::{Identifier, SchemeKey};
use mugsync_core::report::{AreaList, Reason};
use mugsync_store::{DeviceStore, InitOptions, Passphrase};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::commands::report::{parse_all, read_inputs};
use crate::render;

const AREAS: &str = include_str!("../../../../fixtures/areas.toml");
const REPORTS: &str = include_str!("../../../../fixtures/reports.json");

/// Runs the walk-through.
pub fn run() -> Result<()> {
    let dir = tempfile::tempdir().context("cannot make a temporary directory")?;
    let data_dir = dir.path().join("van-1");
    println!("== mugsync demo: one outreach device, offline ==");
    println!("All data here is synthetic (Ofcom drama-range numbers, example.com emails).\n");

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
    println!(
        "1. Created an encrypted store at {}",
        store.path().display()
    );

    let inputs = read_inputs(REPORTS)?;
    let n = inputs.len();
    let reports = parse_all(&store, inputs)?;
    let mut ids = Vec::new();
    for r in reports {
        ids.push(store.file(r)?);
    }
    println!("2. Filed {n} reports from fixtures/reports.json (each durable before the next).\n");

    println!("3. mugsync report list");
    let rows = store
        .list()?
        .into_iter()
        .map(|r| {
            let s = store.local_state(&r.id)?;
            Ok((r, s))
        })
        .collect::<Result<Vec<_>>>()?;
    print!("{}", render::list(&rows));

    for value in [
        "07700 900123",
        "dave.m+bookings@example.com",
        "MA6",
        "07700 900999",
    ] {
        println!("\n4. mugsync check '{value}'");
        let id = Identifier::parse(value, store.region())?;
        print!("{}", render::check(&store.check(&id)?, store.areas()));
    }

    println!(
        "\n5. mugsync report withdraw {} --reason 'asked to withdraw'",
        ids[1]
    );
    store.withdraw(&ids[1], &Reason::parse("reason", "asked to withdraw")?)?;
    let id = Identifier::parse("07700 900123", store.region())?;
    print!("{}", render::check(&store.check(&id)?, store.areas()));

    println!("\n6. mugsync report show {}", ids[0]);
    let r = store.report(&ids[0])?.context("just filed")?;
    print!(
        "{}",
        render::show(
            &r,
            store.local_state(&ids[0])?.as_ref(),
            store.areas(),
            store.victim_private(&ids[0])?.is_some()
        )
    );

    let shared: usize = store.shared_log_bytes()?.iter().map(Vec::len).sum();
    println!("\n7. The shared log is {shared} bytes; victim details and plaintext numbers are not in it.");
    drop(store);

    relay_story(dir.path())?;
    println!("\nDone. The temporary stores are deleted now.");
    Ok(())
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
fn relay_story(root: &Path) -> Result<()> {
    println!("\n== Part two: a relay and two vans ==");
    let (relay, url) = DemoRelay::start(root)?;
    println!("1. mugsync-relay serve  → listening on {url}");

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
        let done = mugsync_client::enroll(
            &dir,
            &pass,
            RelayUrl::parse(&url, false)?,
            &code,
            &Transport::default(),
            false,
        )?;
        println!("2. mugsync-relay device add --name {name}; on the van: mugsync enroll → enrolled as '{}'", done.device_name);
        vans.push(DeviceStore::open(&dir, &pass)?);
    }

    let inputs = read_inputs(REPORTS)?;
    for (i, input) in inputs.into_iter().enumerate() {
        let van = &mut vans[i % 2];
        let new = parse_all(van, vec![input])?.remove(0);
        van.file(new)?;
    }
    println!(
        "3. Offline, van-1 filed {} reports and van-2 filed {}.",
        vans[0].count()?,
        vans[1].count()?
    );

    for round in 1..=2 {
        for (i, van) in vans.iter_mut().enumerate() {
            let client = mugsync_client::client_for(van)?;
            let s = mugsync_client::sync(van, &client, |_| {})?;
            println!(
                "4.{round} van-{} syncs: {} sent, {} received, {} round(s), {} bytes up, {} down",
                i + 1,
                s.reports_sent,
                s.reports_received,
                s.rounds,
                s.bytes_sent,
                s.bytes_received
            );
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
    println!(
        "5. van-1 holds {}, van-2 holds {}, the relay holds {}: {}",
        vans[0].count()?,
        vans[1].count()?,
        relay_count,
        if same && relay_count == vans[0].count()? {
            "the same reports everywhere"
        } else {
            "NOT the same (bug)"
        }
    );
    println!(
        "\n   mugsync check '07700 900123' on van-2 (one of these reports was filed on van-1):"
    );
    let id = Identifier::parse("07700 900123", vans[1].region())?;
    print!("{}", render::check(&vans[1].check(&id)?, vans[1].areas()));
    drop(relay);
    if !same {
        anyhow::bail!("the devices did not converge");
    }
    Ok(())
}
