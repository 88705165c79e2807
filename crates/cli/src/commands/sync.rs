//! `mugsync enroll` and `mugsync sync`: the device side of the relay.

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use mugsync_client::{ClientError, RelayUrl, SyncSchedule, SyncSummary, Transport};
use mugsync_store::DeviceStore;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::args::EnrollArgs;
use crate::unlock;

/// Runs `mugsync enroll`.
pub fn enroll(data_dir: &Path, args: &EnrollArgs) -> Result<()> {
    let relay = RelayUrl::parse(&args.relay, args.insecure)?;
    let ca_pem = match &args.ca_cert {
        Some(f) => Some(
            std::fs::read(f)
                .with_context(|| format!("cannot read the CA certificate {}", f.display()))?,
        ),
        None => None,
    };
    let new_store = !DeviceStore::path_in(data_dir).exists();
    let pass = unlock::passphrase(new_store)?;
    let done = mugsync_client::enroll(
        data_dir,
        &pass,
        relay,
        &args.code,
        &Transport { ca_pem },
        args.insecure,
    )?;
    println!(
        "Enrolled as '{}' with {} ({} areas).",
        done.device_name, done.relay, done.areas
    );
    println!("Run `mugsync sync` whenever there is signal.");
    Ok(())
}

/// Runs `mugsync sync`.
pub fn sync(store: &mut DeviceStore, json: bool) -> Result<()> {
    let summary = sync_once(store, json)?;
    print_summary(&summary, json, false)
}

/// How often `sync --watch` looks whether the store changed (a report filed in another
/// window) or Ctrl+C was pressed while it waits.
const WATCH_POLL: Duration = Duration::from_millis(250);

/// Runs `mugsync sync --watch`: a sync now, then every minute while the relay answers,
/// backing off (capped, with jitter) while it does not, and straight away when a report is
/// filed or changed in this data directory. Ctrl+C (or SIGTERM) stops it between syncs;
/// each sync commits as it goes, so stopping mid-way loses nothing either.
pub fn watch(data_dir: &Path, json: bool) -> Result<()> {
    let pass = unlock::passphrase(false)?;
    // Open once first, so a wrong passphrase or a device that is not enrolled stops here.
    {
        let store = DeviceStore::open(data_dir, &pass)?;
        mugsync_client::client_for(&store)?;
    }
    let stop = stop_flag();
    let mut schedule = SyncSchedule::new();
    if !json {
        eprintln!(
            "Syncing now, then every minute and whenever a report changes. Press Ctrl+C to stop."
        );
    }
    loop {
        let outcome = DeviceStore::open(data_dir, &pass)
            .map_err(anyhow::Error::from)
            .and_then(|mut store| sync_once(&mut store, json));
        let wait = match outcome {
            Ok(summary) => {
                print_summary(&summary, json, true)?;
                schedule.succeeded()
            }
            Err(e) => {
                if let Some(
                    ClientError::Revoked(_)
                    | ClientError::NotEnrolled
                    | ClientError::Refused { .. },
                ) = e.downcast_ref::<ClientError>()
                {
                    // Trying again will not help.
                    return Err(e);
                }
                let wait = schedule.failed();
                if json {
                    println!(
                        "{}",
                        serde_json::json!({ "error": format!("{e:#}"), "retry_in_seconds": wait.as_secs() })
                    );
                } else {
                    eprintln!("{}: {e:#}; trying again in {} s.", now_hm(), wait.as_secs());
                }
                wait
            }
        };
        let seen = store_changed_at(data_dir);
        let until = Instant::now() + wait;
        while Instant::now() < until {
            if stop.load(Ordering::SeqCst) {
                if !json {
                    eprintln!("Stopped. Everything synced so far is kept.");
                }
                return Ok(());
            }
            std::thread::sleep(WATCH_POLL);
            // A change made here goes out at once, unless the relay is not answering.
            if schedule.failures() == 0 && store_changed_at(data_dir) != seen {
                break;
            }
        }
    }
}

/// When the store was last written: the newer of the database's and its write-ahead log's
/// modification times.
fn store_changed_at(data_dir: &Path) -> Option<std::time::SystemTime> {
    let db = DeviceStore::path_in(data_dir);
    let wal = db.with_extension("db-wal");
    [db, wal]
        .iter()
        .filter_map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .max()
}

/// Set once Ctrl+C or SIGTERM arrives.
fn stop_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let set = flag.clone();
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async {
            #[cfg(unix)]
            {
                use tokio::signal::unix::{signal, SignalKind};
                match signal(SignalKind::terminate()) {
                    Ok(mut term) => {
                        tokio::select! {
                            _ = tokio::signal::ctrl_c() => {}
                            _ = term.recv() => {}
                        }
                    }
                    Err(_) => {
                        let _ = tokio::signal::ctrl_c().await;
                    }
                }
            }
            #[cfg(not(unix))]
            {
                let _ = tokio::signal::ctrl_c().await;
            }
        });
        set.store(true, Ordering::SeqCst);
    });
    flag
}

fn now_hm() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

/// One sync with a progress line on a terminal (hidden when not a TTY and under --json).
fn sync_once(store: &mut DeviceStore, json: bool) -> Result<SyncSummary> {
    let client = mugsync_client::client_for(store)?;
    let bar = if json || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        ProgressBar::hidden()
    } else {
        let b = ProgressBar::new_spinner();
        b.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("static template"));
        b.enable_steady_tick(std::time::Duration::from_millis(120));
        b
    };
    bar.set_message(format!("syncing with {}", client.base()));
    let result = mugsync_client::sync(store, &client, |p| {
        bar.set_message(format!(
            "round {}: {} received, {} sent",
            p.round,
            human_bytes(p.bytes_received),
            human_bytes(p.bytes_sent)
        ));
    });
    bar.finish_and_clear();
    Ok(result?)
}

fn print_summary(summary: &SyncSummary, json: bool, watching: bool) -> Result<()> {
    if json && watching {
        // One line per sync, so a script can read them as they come.
        println!("{}", serde_json::to_string(summary)?);
    } else if json {
        println!("{}", serde_json::to_string_pretty(summary)?);
    } else {
        if watching {
            print!("{}: ", now_hm());
        }
        println!(
            "Synced in {} round(s): {} report(s) sent, {} received ({} up, {} down).",
            summary.rounds,
            summary.reports_sent,
            summary.reports_received,
            human_bytes(summary.bytes_sent),
            human_bytes(summary.bytes_received)
        );
        for r in &summary.rejected {
            println!(
                "Rejected{}: {}",
                r.report
                    .as_ref()
                    .map(|i| format!(" {i}"))
                    .unwrap_or_default(),
                r.reason
            );
        }
    }
    Ok(())
}

fn human_bytes(n: usize) -> String {
    match n {
        n if n < 10_000 => format!("{n} B"),
        n if n < 10_000_000 => format!("{} KB", n / 1000),
        n => format!("{} MB", n / 1_000_000),
    }
}
