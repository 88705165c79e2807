//! One module per command; each takes resolved arguments and prints its result.

pub mod app;
pub mod check;
pub mod demo;
pub mod export;
pub mod init;
pub mod interactive;
pub mod report;
pub mod sync;
pub mod view;
