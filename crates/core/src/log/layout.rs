//! The document layout of a log partition: the one place that names automerge keys.
//!
//! ```text
//! ROOT
//! └── "<report id>": Map            created once, by the filing device
//!     ├── "body":    Str            ReportBody as JSON; written once, never changed
//!     ├── "alert":   Boolean        consent to alert members (mutable)
//!     ├── "police":  Str            police consent word (mutable)
//!     ├── "status":  Str            open | verified | withdrawn (mutable)
//!     ├── "reason":  Str            withdrawal reason (mutable)
//!     └── "amend":   List<Str>      Amendment as JSON, append-only
//! ```
//!
//! Reports are keyed directly under ROOT so that two devices never create the same object
//! (DESIGN.md: two devices each creating `ROOT.reports` keep only one map after a merge).
//! The body is one immutable string because it is 5–10× faster to insert and 3× faster to
//! load than a map of fields, and a schema check on the relay is one parse.

/// The serialised [`crate::report::ReportBody`].
pub const BODY: &str = "body";
/// Consent to alert members.
pub const ALERT: &str = "alert";
/// Police consent.
pub const POLICE: &str = "police";
/// Status.
pub const STATUS: &str = "status";
/// Withdrawal reason.
pub const REASON: &str = "reason";
/// Amendments list.
pub const AMEND: &str = "amend";

/// Every key a report map may hold; anything else is rejected by validation.
pub const ALL_KEYS: &[&str] = &[BODY, ALERT, POLICE, STATUS, REASON, AMEND];
