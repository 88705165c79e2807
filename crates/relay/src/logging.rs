//! Logging for a relay binary: the operator's directives (`MUGSYNC_LOG`), under caps no
//! directive can lift.
//!
//! The relay's own code logs counts and outcomes only (data rule 4), but its dependencies
//! do not follow that rule: at `trace`, automerge prints the operations it applies —
//! amendment notes, narratives, alert texts — and hyper, h2, rustls and reqwest print
//! headers and connection details at `debug`/`trace`. So whatever the operator sets, events
//! from outside mugsync are capped at `info` (automerge at `warn`; tower-http's request and
//! response lines, which carry no content, at `debug`). The caps are a separate filter that
//! every event must also pass, rather than directives appended to the operator's, so a more
//! specific directive (`automerge::transaction=trace`) or a span filter cannot get past
//! them either.
//!
//! The device binary has its own copy (`crates/cli/src/logging.rs`): it must not depend on
//! this crate. Change both together.

use std::io::IsTerminal;

use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::{EnvFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;

/// The environment variable holding the operator's log directives (`EnvFilter` syntax).
pub const ENV_LOG: &str = "MUGSYNC_LOG";

/// The most each target may log, whatever the directives say.
pub fn caps() -> Targets {
    Targets::new()
        .with_default(LevelFilter::INFO)
        .with_target("mugsync", LevelFilter::TRACE)
        .with_target("tower_http", LevelFilter::DEBUG)
        .with_target("automerge", LevelFilter::WARN)
        .with_target("hyper", LevelFilter::INFO)
        .with_target("hyper_util", LevelFilter::INFO)
        .with_target("h2", LevelFilter::INFO)
        .with_target("rustls", LevelFilter::INFO)
        .with_target("reqwest", LevelFilter::INFO)
}

/// A subscriber writing to `writer` what `directives` ask for (or `default` when they are
/// absent or do not parse), within [`caps`].
pub fn subscriber<W>(
    directives: Option<&str>,
    default: &str,
    writer: W,
    ansi: bool,
) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let wanted = directives
        .and_then(|d| EnvFilter::try_new(d).ok())
        .unwrap_or_else(|| EnvFilter::new(default));
    tracing_subscriber::registry()
        .with(caps())
        .with(wanted)
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .with_ansi(ansi),
        )
}

/// Installs [`subscriber`] for the process: directives from [`ENV_LOG`], lines to stderr.
/// Does nothing when a subscriber is already installed.
pub fn init(default: &str) {
    let directives = std::env::var(ENV_LOG).ok();
    let subscriber = subscriber(
        directives.as_deref(),
        default,
        std::io::stderr,
        std::io::stderr().is_terminal(),
    );
    let _ = tracing::subscriber::set_global_default(subscriber);
}
