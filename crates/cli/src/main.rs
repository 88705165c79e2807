//! The `mugsync` binary: arguments → resolved configuration → one command.
#![forbid(unsafe_code)]
// `print!` panics when standard output is closed (`| head -0`); everything goes through
// `output`, which returns the error so the binary exits quietly instead.
#![deny(clippy::print_stdout)]

mod args;
mod commands;
mod exit;
mod logging;
mod output;
mod render;
mod unlock;

use anyhow::Result;
use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

use args::{Cli, Command, ReportCommand, ViewCommand};

fn main() -> ExitCode {
    // Log lines go to stderr and carry no identifiers, narratives or secrets (DESIGN.md rule
    // 4): mugsync logs counts and outcomes only, and dependencies are capped below the
    // levels where they print content, whatever MUGSYNC_LOG says.
    logging::init("warn");
    let cli = Cli::parse();
    let json = wants_json(&cli.command);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // Whoever read our output has gone (`| head`): nothing left to say to anyone.
        Err(e) if exit::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let kind = exit::classify(&e);
            if json {
                // A script reading --json output gets the failure in the same form.
                let mut obj = serde_json::json!({
                    "error": kind.word(),
                    "exit_code": kind.code(),
                    "message": format!("{e:#}"),
                });
                if let Some(word) = exit::relay_word(&e) {
                    obj["relay_error"] = serde_json::Value::String(word);
                }
                let _ = output::line(&obj.to_string());
            }
            // One line: the reason and its causes, most specific last. (Not `eprintln!`,
            // which panics when standard error is closed.)
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            ExitCode::from(kind.code())
        }
    }
}

/// Commands asked for `--json`, whose failures are printed as a JSON object too.
fn wants_json(command: &Command) -> bool {
    match command {
        Command::Sync(a) => a.json,
        Command::Check(a) => a.json,
        Command::Report(ReportCommand::List { json } | ReportCommand::Show { json, .. }) => *json,
        Command::Export(_) => true,
        _ => false,
    }
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
                ReportCommand::Consent { id, alert, police } => {
                    commands::report::consent(&mut store, &id, alert.as_deref(), police.as_deref())
                }
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
        Command::Export(_) => {
            let store = unlock::open(&data_dir)?;
            commands::export::run(&store)
        }
        Command::View(ViewCommand::Rebuild) => {
            let mut store = unlock::open(&data_dir)?;
            commands::view::rebuild(&mut store)
        }
    }
}
