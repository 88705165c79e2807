//! mugsync-core: the domain of an Ugly Mugs scheme, with no IO.
//!
//! This crate knows nothing about SQLite, HTTP, SMTP or the file system. It owns:
//! - [`identifiers`]: perpetrator phone numbers and emails, parsed into normalised forms and
//!   turned into keyed digests plus masked hints (DESIGN.md data rule 3);
//! - [`report`]: the report as typed values, parsed from the JSON import format, and its
//!   lifecycle (who may change what);
//! - [`victim`]: victim-private details, a type the log cannot hold (data rule 1);
//! - [`log`]: the partitioned automerge log of anonymised reports;
//! - [`index`]: the keys a report is indexed under ([`index::IndexKey`]);
//! - [`alerts`]: which reports may be warnings and what a warning shows;
//! - [`links`]: repeat-perpetrator linking by shared phone or email digests;
//! - [`check`]: what an answer to "have we seen this number?" may say, to a device and to a
//!   member;
//! - [`auth`]: device request signing (Ed25519) and its checks;
//! - [`wire`]: the sync envelope and enrolment messages between devices and the relay.
//!
//! Core does no IO except these: reading the clock and the operating system's secure random
//! source, all in [`ambient`] (a test keeps every other module from doing either). Where a
//! caller would want its own clock the day or time is also taken as a parameter
//! ([`report::ReportInput::parse_on`], [`report::ReportId::minted_at`],
//! [`auth::check_clock`]).
#![forbid(unsafe_code)]

pub mod alerts;
pub mod ambient;
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
