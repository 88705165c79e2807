//! `mugsync enroll` and `mugsync sync`: the device side of the relay.

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use mugsync_client::{
    ClientError, Progress, RelayUrl, Stage, SyncSchedule, SyncSummary, Transport,
};
use mugsync_store::DeviceStore;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::args::EnrollArgs;
use crate::{output, unlock};

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
    output::out(&format!(
        "Enrolled as '{}' with {} ({} areas).\nRun `mugsync sync` whenever there is signal.\n",
        done.device_name, done.relay, done.areas
    ))
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
                if let Some(c) = e.downcast_ref::<ClientError>() {
                    let hopeless = match c {
                        ClientError::Revoked(_) | ClientError::NotEnrolled => true,
                        // A busy or rate-limited relay is waited out; any other refusal
                        // would be refused again.
                        ClientError::Refused { .. } => !c.is_transient(),
                        _ => false,
                    };
                    if hopeless {
                        return Err(e);
                    }
                }
                let wait = schedule.failed();
                if json {
                    output::line(
                        &serde_json::json!({ "error": format!("{e:#}"), "retry_in_seconds": wait.as_secs() })
                            .to_string(),
                    )?;
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

/// True when a progress bar may be drawn: both standard output and standard error are a
/// terminal (a script that reads our output or keeps a log gets no control characters),
/// and the output is not `--json`.
fn shows_progress(json: bool) -> bool {
    use std::io::IsTerminal;
    bar_wanted(
        json,
        std::io::stdout().is_terminal(),
        std::io::stderr().is_terminal(),
    )
}

fn bar_wanted(json: bool, stdout_tty: bool, stderr_tty: bool) -> bool {
    !json && stdout_tty && stderr_tty
}

/// The progress bar of one sync, on standard error, fed by the client's progress events.
struct SyncBar {
    bar: ProgressBar,
    /// Whether the bar currently has a length (a stage whose size is known).
    measured: Option<bool>,
}

impl SyncBar {
    fn new(visible: bool, relay: &str) -> SyncBar {
        let bar = if visible {
            let b = ProgressBar::new_spinner();
            b.enable_steady_tick(Duration::from_millis(120));
            b
        } else {
            ProgressBar::hidden()
        };
        let mut me = SyncBar {
            bar,
            measured: None,
        };
        me.style(false);
        me.bar.set_message(format!("connecting to {relay}"));
        me
    }

    fn style(&mut self, measured: bool) {
        if self.measured == Some(measured) {
            return;
        }
        self.measured = Some(measured);
        let template = if measured {
            "{spinner} {prefix} [{bar:30}] {bytes}/{total_bytes} {msg}"
        } else {
            "{spinner} {prefix} {msg}"
        };
        self.bar.set_style(
            ProgressStyle::with_template(template)
                .expect("static template")
                .progress_chars("=> "),
        );
    }

    fn update(&mut self, p: &Progress) {
        self.bar.set_prefix(format!("round {}", p.round));
        let counts = progress_counts(p);
        match (p.stage, p.step_total) {
            (Stage::Receiving | Stage::Saving, Some(total)) => {
                self.style(true);
                self.bar.set_length(total);
                self.bar.set_position(p.step_done.min(total));
                let what = if p.stage == Stage::Saving {
                    "saving"
                } else {
                    "receiving"
                };
                self.bar.set_message(format!("{what} · {counts}"));
            }
            (stage, _) => {
                self.style(false);
                let what = match stage {
                    Stage::Sending => format!(
                        "sending {}",
                        human_bytes(p.step_total.unwrap_or(0) as usize)
                    ),
                    Stage::Receiving => {
                        format!("receiving {}", human_bytes(p.step_done as usize))
                    }
                    Stage::Saving => "saving".to_owned(),
                    Stage::Waiting { retry_in } => format!(
                        "the relay is busy, will retry in {} s",
                        retry_in.as_secs_f64().ceil() as u64
                    ),
                    Stage::Done => "done".to_owned(),
                };
                self.bar.set_message(format!("{what} · {counts}"));
            }
        }
    }
}

impl Drop for SyncBar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// One line saying how a sync is going, for the van app while it runs: "Round 2:
/// receiving the relay's answer, 1.2 MB of 4.5 MB (27 %) · sent 3 reports, received 0".
pub fn progress_line(p: &Progress) -> String {
    let share = |done: u64, total: Option<u64>| match total {
        Some(t) if t > 0 => format!(
            "{} of {} ({} %)",
            human_bytes(done as usize),
            human_bytes(t as usize),
            done.saturating_mul(100) / t
        ),
        _ => human_bytes(done as usize),
    };
    let what = match p.stage {
        Stage::Sending => format!(
            "sending {}",
            human_bytes(p.step_total.unwrap_or(0) as usize)
        ),
        Stage::Receiving => format!(
            "receiving the relay's answer, {}",
            share(p.step_done, p.step_total)
        ),
        Stage::Saving => format!("saving what arrived, {}", share(p.step_done, p.step_total)),
        Stage::Waiting { retry_in } => format!(
            "the relay is busy, will retry in {} s",
            retry_in.as_secs_f64().ceil() as u64
        ),
        Stage::Done => "finished".to_owned(),
    };
    format!("Round {}: {what} · {}.", p.round, progress_counts(p))
}

/// "sent 3 reports, received 1200", as far as the sync has got.
fn progress_counts(p: &Progress) -> String {
    format!(
        "sent {}, received {}",
        reports(p.reports_sent),
        p.reports_received
    )
}

/// "1 report", "2 reports".
pub fn reports(n: usize) -> String {
    if n == 1 {
        "1 report".to_owned()
    } else {
        format!("{n} reports")
    }
}

/// One sync, with a progress bar on a terminal (hidden when not a TTY and under --json).
fn sync_once(store: &mut DeviceStore, json: bool) -> Result<SyncSummary> {
    let client = mugsync_client::client_for(store)?;
    let mut bar = SyncBar::new(shows_progress(json), client.base().as_str());
    let result = mugsync_client::sync(store, &client, |p| bar.update(&p));
    drop(bar);
    Ok(result?)
}

fn print_summary(summary: &SyncSummary, json: bool, watching: bool) -> Result<()> {
    if json && watching {
        // One line per sync, so a script can read them as they come.
        output::line(&serde_json::to_string(summary)?)
    } else if json {
        output::json(summary)
    } else {
        let mut text = String::new();
        if watching {
            text.push_str(&format!("{}: ", now_hm()));
        }
        text.push_str(&format!("{}\n", summary_line(summary)));
        for r in &summary.rejected {
            text.push_str(&format!(
                "Rejected{}: {}\n",
                r.report
                    .as_ref()
                    .map(|i| format!(" {i}"))
                    .unwrap_or_default(),
                r.reason
            ));
        }
        output::out(&text)
    }
}

/// "Synced: sent 1 report, received 2 (1 round, 1.2 KB up, 3.4 KB down)."
pub fn summary_line(summary: &SyncSummary) -> String {
    format!(
        "Synced: sent {}, received {} ({} round{}, {} up, {} down).",
        reports(summary.reports_sent),
        summary.reports_received,
        summary.rounds,
        if summary.rounds == 1 { "" } else { "s" },
        human_bytes(summary.bytes_sent),
        human_bytes(summary.bytes_received)
    )
}

fn human_bytes(n: usize) -> String {
    match n {
        n if n < 10_000 => format!("{n} B"),
        n if n < 10_000_000 => format!("{} KB", n / 1000),
        n => format!("{} MB", n / 1_000_000),
    }
}
