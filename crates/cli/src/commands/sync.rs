//! `mugsync enroll` and `mugsync sync`: the device side of the relay.

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use mugsync_client::{RelayUrl, Transport};
use mugsync_store::DeviceStore;
use std::path::Path;

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
    let summary = result?;
    if json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
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
