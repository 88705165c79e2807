//! `mugsync app`: the van's local web app on 127.0.0.1.

use anyhow::{Context, Result};
use mugsync_app::{App, AppOptions, SyncHook};
use mugsync_store::{meta, DeviceStore};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::args::AppArgs;

/// Runs `mugsync app` with an unlocked store.
pub fn run(store: DeviceStore, data_dir: &Path, args: &AppArgs) -> Result<()> {
    let mut opts = AppOptions::new(data_dir);
    opts.idle_lock = Duration::from_secs(args.idle_lock_minutes.max(1) * 60);
    if store.meta(meta::DEVICE_KEY)?.is_some() {
        let hook: SyncHook = Arc::new(|store: &mut DeviceStore, progress: &dyn Fn(&str)| {
            let client = mugsync_client::client_for(store).map_err(|e| e.to_string())?;
            let s = mugsync_client::sync(store, &client, |p| {
                progress(&super::sync::progress_line(&p))
            })
            .map_err(|e| e.to_string())?;
            let mut msg = super::sync::summary_line(&s);
            if !s.rejected.is_empty() {
                msg.push_str(&format!(
                    " {} rejected by the relay: see the reports list.",
                    s.rejected.len()
                ));
            }
            Ok(msg)
        });
        opts.sync = Some(hook);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        let bound = App::bind(store, opts).await?;
        let url = bound.open_url();
        crate::output::out(&format!(
            "The van app is at {url}\nIt only answers this computer. Press Ctrl+C to stop.\n"
        ))?;
        if !args.no_open {
            open_browser(&url);
        }
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        bound.serve_with_shutdown(shutdown).await?;
        anyhow::Ok(())
    })
}

/// Opens the default browser; when none can be started, the printed address is enough.
fn open_browser(url: &str) {
    let candidates: &[&str] = if cfg!(target_os = "macos") {
        &["open"]
    } else if cfg!(windows) {
        &["explorer"]
    } else {
        &["xdg-open"]
    };
    for program in candidates {
        if std::process::Command::new(program)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .is_ok()
        {
            return;
        }
    }
    eprintln!("Could not open a browser; open the address above yourself.");
}
