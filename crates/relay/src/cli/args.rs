//! Command-line arguments of `mugsync-relay`: what a coordinator can type, and nothing else.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Where the relay keeps its data when neither `--data-dir` nor the environment says
/// otherwise: the systemd unit's state directory (deploy/mugsync-relay.service).
pub const DEFAULT_DATA_DIR: &str = "/var/lib/mugsync-relay";

/// mugsync-relay: the scheme's relay — devices sync their reports through it.
#[derive(Debug, Parser)]
#[command(name = "mugsync-relay", version, about, long_about = None)]
pub struct Cli {
    /// The relay's data directory (relay.db, relay.toml, relay.key).
    #[arg(
        long,
        global = true,
        env = "MUGSYNC_RELAY_DATA_DIR",
        default_value = DEFAULT_DATA_DIR,
        value_name = "DIR"
    )]
    pub data_dir: PathBuf,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the relay's store, its key file and a new scheme key.
    Init {
        /// The scheme's areas (TOML: [[area]] tables with code and name).
        #[arg(long, value_name = "FILE")]
        areas: PathBuf,
        /// Default region for phone numbers written without +country code.
        #[arg(long, default_value = "GB", value_name = "REGION")]
        region: String,
    },
    /// Serve devices.
    Serve {
        /// Address to listen on (overrides relay.toml and MUGSYNC_RELAY_LISTEN).
        #[arg(long, value_name = "ADDR")]
        listen: Option<std::net::SocketAddr>,
        /// Configuration file (default: relay.toml in the data directory, if present).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Print the documented example configuration and exit.
        #[arg(long)]
        print_example_config: bool,
    },
    /// Enrol, list and revoke devices.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Print the relay's copy of the log (audits, tests).
    Reports {
        /// Print JSON.
        #[arg(long, required = true)]
        json: bool,
    },
}

/// `mugsync-relay device …`.
#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Make a one-time enrolment code for a new device (valid 24 hours, single use).
    Add {
        /// A name for the device, e.g. van-1.
        #[arg(long)]
        name: String,
    },
    /// List devices.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a device (a lost laptop): the relay refuses it from now on.
    Revoke {
        /// The device's name.
        name: String,
    },
}
