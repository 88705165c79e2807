//! Command-line arguments: what a user can type, and nothing else.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// mugsync: file, check and share Ugly Mugs reports, offline first.
#[derive(Debug, Parser)]
#[command(name = "mugsync", version, about, long_about = None)]
pub struct Cli {
    /// Where this device keeps its encrypted store.
    #[arg(long, global = true, env = "MUGSYNC_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create this device's encrypted store.
    Init(InitArgs),
    /// File, list, show, amend and withdraw reports.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Check a phone number, email or vehicle registration against the reports on this device.
    Check(CheckArgs),
    /// Print the shared log as any device may see it (audits, tests).
    Export(ExportArgs),
    /// Maintain this device's derived data (the readable view and check index).
    #[command(subcommand)]
    View(ViewCommand),
    /// Open the van app: a local web page for filing, checking and reading out alerts.
    App(AppArgs),
    /// Enrol this device with a relay, using a one-time code from the coordinator.
    Enroll(EnrollArgs),
    /// Exchange reports with the relay until both hold the same log.
    Sync(SyncArgs),
    /// Walk through filing, listing and checking reports, then syncing two devices through a
    /// relay, in temporary directories.
    Demo,
}

/// `mugsync app`.
#[derive(Debug, Args)]
pub struct AppArgs {
    /// Do not open the browser; print the address to open instead.
    #[arg(long)]
    pub no_open: bool,
    /// Lock the store after this many minutes without use.
    #[arg(long, default_value_t = 10, value_name = "MINUTES")]
    pub idle_lock_minutes: u64,
}

/// `mugsync enroll`.
#[derive(Debug, Args)]
pub struct EnrollArgs {
    /// The relay's address, e.g. `https://relay.example.org`.
    #[arg(long, value_name = "URL")]
    pub relay: String,
    /// The one-time code from `mugsync-relay device add`.
    #[arg(long, value_name = "CODE")]
    pub code: String,
    /// Allow plain http:// to a relay on another machine (reports would cross the network
    /// unencrypted).
    #[arg(long)]
    pub insecure: bool,
    /// A CA certificate (PEM) to trust for this relay, when it uses a private CA.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
}

/// `mugsync sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Print a JSON summary (see docs/JSON.md) instead of a progress bar.
    #[arg(long)]
    pub json: bool,
    /// Keep syncing: now, every minute, and whenever a report changes; backs off while the
    /// relay cannot be reached. Ctrl+C stops it.
    #[arg(long)]
    pub watch: bool,
}

/// `mugsync init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// File holding the scheme key (at least 32 bytes). Without it a new scheme key is made.
    #[arg(long, value_name = "FILE")]
    pub scheme_key_file: Option<PathBuf>,
    /// Default region for phone numbers written without +country code.
    #[arg(long, default_value = "GB", value_name = "REGION")]
    pub region: String,
    /// The scheme's areas (TOML: `[[area]]` tables with code and name).
    #[arg(long, value_name = "FILE")]
    pub areas: PathBuf,
}

/// `mugsync report …`.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// File a report by answering questions.
    New {
        /// File without asking to confirm the summary and warnings (for scripts).
        #[arg(long)]
        yes: bool,
    },
    /// File reports from JSON (one object, an array, or {"reports": [...]}); prints each new id.
    File {
        /// The JSON file; `-` reads standard input.
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// File even when the free text has warnings, without asking (for scripts).
        #[arg(long)]
        yes: bool,
    },
    /// List the reports on this device, newest incident first.
    List {
        /// Print JSON (see docs/JSON.md).
        #[arg(long)]
        json: bool,
    },
    /// Show one report.
    Show {
        /// Report id.
        id: String,
        /// Print JSON (see docs/JSON.md).
        #[arg(long)]
        json: bool,
    },
    /// Add a note or identifiers to a report.
    Amend {
        /// Report id.
        id: String,
        /// A note to append.
        #[arg(long)]
        note: Option<String>,
        /// A further phone number (repeatable).
        #[arg(long = "phone", value_name = "PHONE")]
        phones: Vec<String>,
        /// A further email (repeatable).
        #[arg(long = "email", value_name = "EMAIL")]
        emails: Vec<String>,
    },
    /// Change a report's consent, as the person asks: `--alert yes|no`, `--police
    /// none|intelligence|full`. Lowering is always allowed; raising only on the device that
    /// filed the report.
    Consent {
        /// Report id.
        id: String,
        /// May an anonymised warning go to other members? (yes or no)
        #[arg(long, value_parser = ["yes", "no"])]
        alert: Option<String>,
        /// What the police may receive: none, intelligence (the anonymised report) or full
        /// (with the person's contact details, held on this device).
        #[arg(long, value_parser = ["none", "intelligence", "full"])]
        police: Option<String>,
    },
    /// Withdraw a report: no more alerts or sharing.
    Withdraw {
        /// Report id.
        id: String,
        /// Why (kept with the report).
        #[arg(long)]
        reason: String,
    },
}

/// `mugsync check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A phone number, email or vehicle registration.
    pub value: String,
    /// Print JSON (see docs/JSON.md).
    #[arg(long)]
    pub json: bool,
}

/// `mugsync view …`.
#[derive(Debug, Subcommand)]
pub enum ViewCommand {
    /// Rebuild the readable view and the check index from the log itself (when an error
    /// says the view is damaged). The log is not changed.
    Rebuild,
}

/// `mugsync export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Print JSON (the only format for now).
    #[arg(long, required = true)]
    pub json: bool,
}
