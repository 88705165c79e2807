//! The `mugsync` binary: arguments → resolved configuration → one command.
#![forbid(unsafe_code)]

mod args;
mod commands;
mod render;
mod unlock;

use anyhow::Result;
use clap::Parser;
use std::io::IsTerminal;
use std::process::ExitCode;

use args::{Cli, Command, ReportCommand};

fn main() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: the reason and its causes, most specific last.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    // Log lines go to stderr and carry no identifiers, narratives or secrets (DESIGN.md rule
    // 4): code logs counts and outcomes only.
    let filter = tracing_subscriber::EnvFilter::try_from_env("MUGSYNC_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

fn run(cli: Cli) -> Result<()> {
    if let Command::Demo = cli.command {
        return commands::demo::run();
    }
    let data_dir = unlock::data_dir(cli.data_dir.as_deref())?;
    match cli.command {
        Command::Demo => unreachable!("handled above"),
        Command::Init(args) => commands::init::run(&data_dir, &args),
        Command::Report(cmd) => {
            let mut store = unlock::open(&data_dir)?;
            match cmd {
                ReportCommand::New { yes } => {
                    commands::interactive::run(&mut store, std::io::stdin().lock(), yes)
                }
                ReportCommand::File { from, yes } => commands::report::file(&mut store, &from, yes),
                ReportCommand::List { json } => commands::report::list(&store, json),
                ReportCommand::Show { id, json } => commands::report::show(&store, &id, json),
                ReportCommand::Amend {
                    id,
                    note,
                    phones,
                    emails,
                } => commands::report::amend(&mut store, &id, note.as_deref(), &phones, &emails),
                ReportCommand::Withdraw { id, reason } => {
                    commands::report::withdraw(&mut store, &id, &reason)
                }
            }
        }
        Command::Check(args) => {
            let store = unlock::open(&data_dir)?;
            commands::check::run(&store, &args.value, args.json)
        }
        Command::App(args) => {
            let store = unlock::open(&data_dir)?;
            commands::app::run(store, &data_dir, &args)
        }
        Command::Enroll(args) => commands::sync::enroll(&data_dir, &args),
        Command::Sync(args) if args.watch => commands::sync::watch(&data_dir, args.json),
        Command::Sync(args) => {
            let mut store = unlock::open(&data_dir)?;
            commands::sync::sync(&mut store, args.json)
        }
        Command::Relay(cmd) => commands::relay::run(&data_dir, cmd),
        Command::Export(_) => {
            let store = unlock::open(&data_dir)?;
            commands::export::run(&store)
        }
    }
}
