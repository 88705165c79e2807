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
    /// Walk through filing, listing and checking reports in a temporary store.
    Demo,
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
    /// The scheme's areas (TOML: [[area]] tables with code and name).
    #[arg(long, value_name = "FILE")]
    pub areas: PathBuf,
}

/// `mugsync report …`.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// File a report by answering questions.
    New,
    /// File reports from JSON (one object, an array, or {"reports": [...]}); prints each new id.
    File {
        /// The JSON file; `-` reads standard input.
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
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

/// `mugsync export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Print JSON (the only format for now).
    #[arg(long, required = true)]
    pub json: bool,
}
