//! The relay's command line: [`args`] says what can be typed, [`commands`] runs it.

mod args;
mod commands;

pub use args::Cli;
pub use commands::run;
