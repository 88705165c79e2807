//! Standard output that reports a closed pipe as an error instead of panicking (`print!`
//! panics on EPIPE, so `mugsync report list | head -0` used to exit 101).

use anyhow::Result;
use std::io::Write;

/// Writes `text` to standard output and flushes.
pub fn out(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}

/// Writes `text` and a newline.
pub fn line(text: &str) -> Result<()> {
    out(&format!("{text}\n"))
}

/// Writes a value as pretty JSON and a newline.
pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<()> {
    line(&serde_json::to_string_pretty(value)?)
}
