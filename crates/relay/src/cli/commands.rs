//! Runs one `mugsync-relay` command on a data directory and prints its result.

use anyhow::{Context, Result};
use mugsync_core::identifiers::Region;
use mugsync_core::report::AreaList;
use mugsync_relay::{Relay, RelayConfig};
use std::io::Write;

use super::args::{Cli, Command, DeviceCommand};

/// Runs the command the arguments name.
pub fn run(cli: Cli) -> Result<()> {
    let data_dir = cli.data_dir.as_path();
    match cli.command {
        Command::Init { areas, region } => {
            let text = std::fs::read_to_string(&areas)
                .with_context(|| format!("cannot read the areas file {}", areas.display()))?;
            let areas = AreaList::from_toml(&text)
                .with_context(|| format!("areas file {}", areas.display()))?;
            let region = Region::parse(&region).context("--region")?;
            let n = areas.areas().len();
            let created = mugsync_relay::init(data_dir, areas, region)?;
            println!(
                "Created an encrypted relay store in {} with a new scheme key ({n} areas).",
                data_dir.display()
            );
            println!(
                "Its keys are in {} (mode 0600). Back that file up apart from relay.db: the database cannot be read without it, and the file alone holds the scheme key.",
                created.key_file.display()
            );
            println!("Next: `mugsync-relay serve`, then `mugsync-relay device add --name van-1` for each device.");
            Ok(())
        }
        Command::Serve {
            listen,
            config,
            print_example_config,
        } => {
            if print_example_config {
                print!("{}", RelayConfig::EXAMPLE_TOML);
                return Ok(());
            }
            let mut config = RelayConfig::load(config.as_deref(), data_dir)?;
            if let Some(addr) = listen {
                config.listen = addr;
            }
            serve(config)
        }
        Command::Device(DeviceCommand::Add { name }) => {
            let code = mugsync_relay::add_device(data_dir, &name)?;
            let until = code
                .expires_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_else(|_| code.expires_at.to_string());
            println!("One-time enrolment code for '{name}' (single use, valid until {until}):");
            println!("code: {}", code.code);
            println!(
                "On the device: mugsync enroll --relay https://RELAY --code {}",
                code.code
            );
            Ok(())
        }
        Command::Device(DeviceCommand::List { json }) => {
            let devices = mugsync_relay::list_devices(data_dir)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&devices)?);
            } else if devices.is_empty() {
                println!("No devices yet. Add one with `mugsync-relay device add --name van-1`.");
            } else {
                for d in devices {
                    println!("{}", serde_json::to_string(&d)?);
                }
            }
            Ok(())
        }
        Command::Device(DeviceCommand::Revoke { name }) => {
            mugsync_relay::revoke_device(data_dir, &name)?;
            println!("Revoked '{name}'. Its next request will be refused.");
            Ok(())
        }
        Command::Reports { json: _ } => {
            let parts = mugsync_relay::relay_log_snapshot(data_dir)?;
            let reports: Vec<_> = parts.into_iter().flat_map(|(_, r)| r).collect();
            println!("{}", serde_json::to_string_pretty(&reports)?);
            Ok(())
        }
    }
}

fn serve(config: RelayConfig) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        let bound = Relay::bind(config).await?;
        let scheme = if bound.is_tls() { "https" } else { "http" };
        // Tests, scripts and `mugsync demo` read this line to learn the port on :0.
        println!("listening on {scheme}://{}", bound.local_addr());
        let _ = std::io::stdout().flush();
        bound.serve_with_shutdown(shutdown_signal()).await?;
        Ok(())
    })
}

/// Ctrl-C or SIGTERM (systemd's stop): finish in-flight requests, then exit.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
