//! `mugsync demo`: the whole device story in a temporary store, using the synthetic
//! fixture reports built into the binary.

use anyhow::{Context, Result};
use mugsync_client::{RelayUrl, Transport};
use mugsync_core::identifiers::{Identifier, SchemeKey};
use mugsync_core::report::{AreaList, Reason};
use mugsync_relay::{Relay, RelayConfig};
use mugsync_store::{DeviceStore, InitOptions, Passphrase};
use std::path::Path;

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

/// Part two: a relay on a loopback port and two enrolled vans that file offline, then sync.
fn relay_story(root: &Path) -> Result<()> {
    println!("\n== Part two: a relay and two vans ==");
    let relay_dir = root.join("relay");
    mugsync_relay::init(&relay_dir, AreaList::from_toml(AREAS)?, Default::default())?;
    let mut config = RelayConfig::load(None, &relay_dir)?;
    config.listen = "127.0.0.1:0".parse().expect("static address");
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || -> Result<()> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        rt.block_on(async move {
            let bound = Relay::bind(config).await?;
            addr_tx.send(bound.local_addr()).ok();
            bound
                .serve_with_shutdown(async {
                    stop_rx.await.ok();
                })
                .await?;
            Ok(())
        })
    });
    let addr = addr_rx.recv().context("the relay did not start")?;
    let url = format!("http://{addr}");
    println!("1. mugsync relay serve  → listening on {url}");

    let pass = Passphrase::new("demo passphrase, temporary store")?;
    let mut vans = Vec::new();
    for name in ["van-1", "van-2"] {
        let code = mugsync_relay::add_device(&relay_dir, name)?;
        let dir = root.join(name).with_extension("enrolled");
        let done = mugsync_client::enroll(
            &dir,
            &pass,
            RelayUrl::parse(&url, false)?,
            &code.code,
            &Transport::default(),
            false,
        )?;
        println!("2. mugsync relay device add --name {name}; on the van: mugsync enroll → enrolled as '{}'", done.device_name);
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
    let relay_count: usize = mugsync_relay::relay_log_snapshot(&relay_dir)?
        .iter()
        .map(|(_, r)| r.len())
        .sum();
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
    stop_tx.send(()).ok();
    server
        .join()
        .map_err(|_| anyhow::anyhow!("the relay thread panicked"))??;
    if !same {
        anyhow::bail!("the devices did not converge");
    }
    Ok(())
}
