//! The only IO `mugsync-core` does: reading the clock and the operating system's secure
//! random source. Every such read in the crate goes through this module (a test walks the
//! sources to keep it so), so a reviewer has one place to look, and a caller that wants its
//! own clock (tests, a relay with a checked clock) finds the injected form next to each
//! use:
//!
//! | read here | by | injected form |
//! |---|---|---|
//! | [`now_utc`] | a log commit's change time; the latest incident date accepted | [`crate::report::ReportInput::parse_on`] takes the day |
//! | [`uuid_v7_now`] (clock + random) | [`crate::report::ReportId::new`] | [`crate::report::ReportId::minted_at`] takes the time |
//! | [`uuid_v7_at`] (random) | [`crate::report::ReportId::minted_at`] | — |
//! | [`fill_random`] | device actors, request nonces, scheme keys | — |
//! | [`secure_random`] | device key pairs (ring generates them itself) | — |
//!
//! Signature clock checks already take "now" as a parameter
//! ([`crate::auth::check_clock`]).

use ring::rand::{SecureRandom, SystemRandom};
use time::OffsetDateTime;
use uuid::Uuid;

/// The current time in UTC.
pub fn now_utc() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Fills `buf` from the operating system's secure random source.
///
/// # Panics
/// If the operating system cannot supply random bytes, which leaves no safe way on.
pub fn fill_random(buf: &mut [u8]) {
    SystemRandom::new()
        .fill(buf)
        .expect("the operating system's secure random source failed");
}

/// The operating system's secure random source, for ring calls that draw from it
/// themselves.
pub fn secure_random() -> SystemRandom {
    SystemRandom::new()
}

/// A UUID version 7 for now: the clock plus random bits, monotonic within this process.
pub fn uuid_v7_now() -> Uuid {
    Uuid::now_v7()
}

/// A UUID version 7 for the given Unix time, with random bits.
pub fn uuid_v7_at(secs: u64, nanos: u32) -> Uuid {
    Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, secs, nanos))
}

#[cfg(test)]
mod tests {
    /// Calls that read the clock or the OS random source; only this file may make them.
    const AMBIENT: &[&str] = &[
        "now_utc()",
        "SystemRandom::new",
        "Uuid::now_v7",
        "Uuid::new_v7",
        "SystemTime",
        "Instant::now",
        "getrandom",
        "thread_rng",
    ];

    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn no_other_core_source_reads_the_clock_or_the_random_source() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&src, &mut files);
        assert!(files.len() > 20, "found the sources");
        let mut offenders = Vec::new();
        for f in &files {
            let name = f.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
            // Test-only files (the module tests and the report builder) are not the crate.
            if name == "ambient.rs" || name.ends_with("tests.rs") || name == "testing.rs" {
                continue;
            }
            let text = std::fs::read_to_string(f).unwrap();
            // Test code may read the real clock (e.g. to check today's date is accepted).
            let code = text.split("#[cfg(test)]").next().unwrap();
            for (n, line) in code.lines().enumerate() {
                let line = line.trim_start();
                if line.starts_with("//") {
                    continue;
                }
                for call in AMBIENT {
                    if line.contains(call) && !line.contains("ambient::") {
                        offenders.push(format!("{name}:{}: {call}", n + 1));
                    }
                }
            }
        }
        assert!(offenders.is_empty(), "outside ambient.rs: {offenders:?}");
    }
}
