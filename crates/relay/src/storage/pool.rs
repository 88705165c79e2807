//! [`Pool`]: SQLite connections handed out one per caller and returned when dropped, so
//! each blocking worker works on its own connection (DESIGN.md: ~13–15 µs a point lookup,
//! against ~25 µs through one connection behind a lock) and no request waits for another's
//! query. SQLite's own locking (WAL: many readers, one writer) orders the writes.

use rusqlite::Connection;
use std::ops::{Deref, DerefMut};
use std::sync::Mutex;

use crate::RelayError;

/// Idle connections kept for reuse; more may be open while busy (tokio's blocking pool
/// bounds how many callers there are).
const MAX_IDLE: usize = 16;

type Opener = Box<dyn Fn() -> Result<Connection, RelayError> + Send + Sync>;

/// A pool of connections to one database.
pub(crate) struct Pool {
    open: Opener,
    idle: Mutex<Vec<Connection>>,
}

impl Pool {
    /// A pool that opens connections with `open` (which sets the key and pragmas), starting
    /// with `first`.
    pub fn new(first: Connection, open: Opener) -> Pool {
        Pool {
            open,
            idle: Mutex::new(vec![first]),
        }
    }

    /// A connection of the caller's own until the guard drops.
    pub fn get(&self) -> Result<Pooled<'_>, RelayError> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop();
        let conn = match idle {
            Some(c) => c,
            None => (self.open)()?,
        };
        Ok(Pooled {
            pool: self,
            conn: Some(conn),
        })
    }
}

/// A connection on loan from a [`Pool`].
pub(crate) struct Pooled<'a> {
    pool: &'a Pool,
    conn: Option<Connection>,
}

impl Deref for Pooled<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("held until drop")
    }
}

impl DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("held until drop")
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        // A connection left inside a transaction (a panic mid-write) is not reused.
        if !conn.is_autocommit() {
            return;
        }
        let mut idle = self
            .pool
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
    }
}
