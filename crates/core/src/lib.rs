//! mugsync-core: the domain of an Ugly Mugs scheme, with no IO.
//!
//! This crate knows nothing about SQLite, HTTP, SMTP or the file system. It owns:
//! - [`identifiers`]: perpetrator phone numbers and emails, parsed into normalised forms and
//!   turned into keyed digests plus masked hints (DESIGN.md data rule 3);
//! - [`report`]: the report as typed values, parsed from the JSON import format;
//! - [`victim`]: victim-private details, a type the log cannot hold (data rule 1);
//! - [`log`]: the partitioned automerge log of anonymised reports;
//! - [`check`]: what an answer to "have we seen this number?" may say;
//! - [`auth`]: device request signing (Ed25519) and its checks;
//! - [`wire`]: the sync envelope and enrolment messages between devices and the relay.
#![forbid(unsafe_code)]

pub mod alerts;
pub mod auth;
pub mod check;
pub mod identifiers;
pub mod index;
pub mod links;
pub mod log;
pub mod report;
pub mod victim;
pub mod wire;

#[cfg(test)]
mod testing;
