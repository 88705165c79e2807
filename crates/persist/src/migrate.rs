//! The migrations runner. Each store lists its own steps, append-only (never edit a shipped
//! step, add a new one); `PRAGMA user_version` records how many have run.

use rusqlite::Connection;

use crate::PersistError;

/// How many migration steps have run on this database.
pub fn schema_version(conn: &Connection) -> Result<i64, PersistError> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Runs the steps not yet run, all in one transaction: a crash leaves the schema as it was.
/// Refuses a database that has run more steps than `steps` holds (a newer build wrote it).
pub fn migrate(conn: &mut Connection, steps: &[&str]) -> Result<(), PersistError> {
    let current = schema_version(conn)?;
    let known = steps.len() as i64;
    if current > known {
        return Err(PersistError::TooNew {
            found: current,
            known,
        });
    }
    if current == known {
        return Ok(());
    }
    let tx = conn.transaction()?;
    for step in &steps[current as usize..] {
        tx.execute_batch(step)?;
    }
    tx.pragma_update(None, "user_version", known)?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_run_once_in_order_and_a_newer_file_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        let one = ["CREATE TABLE a (x INTEGER) STRICT;"];
        migrate(&mut conn, &one).unwrap();
        migrate(&mut conn, &one).unwrap();
        let two = [one[0], "CREATE TABLE b (y INTEGER) STRICT;"];
        migrate(&mut conn, &two).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), 2);
        assert!(matches!(
            migrate(&mut conn, &one),
            Err(PersistError::TooNew { found: 2, known: 1 })
        ));
    }
}
