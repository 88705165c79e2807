//! The errors the app's public API returns. Page-level problems never get here: they are
//! rendered as pages (see `pages/mod.rs`).

/// Why the app could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No loopback port could be bound.
    #[error("could not listen on 127.0.0.1 (a free port was asked for): {0}")]
    Bind(#[source] std::io::Error),
    /// The server stopped with an error.
    #[error("the app's web server stopped: {0}")]
    Serve(#[source] std::io::Error),
}
