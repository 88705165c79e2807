//! A partition's durable bytes: its snapshot (if any) and the chunks appended after it.

use mugsync_core::log::{DeviceActor, LogError, LogPartition, LogWrite, PartitionKey};
use rusqlite::{params, Connection, OptionalExtension};

use crate::PersistError;

/// The tables every store that holds the log creates, in its first migration step.
pub const LOG_TABLES: &str = r#"
    -- Durable log bytes: a partition is its snapshot (if any) plus its chunks in seq order.
    CREATE TABLE log_snapshot (partition TEXT PRIMARY KEY, bytes BLOB NOT NULL) STRICT;
    CREATE TABLE log_chunk (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        partition TEXT NOT NULL,
        bytes BLOB NOT NULL
    ) STRICT;
    CREATE INDEX log_chunk_partition ON log_chunk(partition, seq);
"#;

/// A partition's durable bytes as read.
#[derive(Debug, Default, Clone)]
pub struct StoredPartition {
    /// The compacted document, when there is one.
    pub snapshot: Option<Vec<u8>>,
    /// Chunks in the order written.
    pub chunks: Vec<Vec<u8>>,
}

impl StoredPartition {
    /// The partition these bytes hold, written by `actor` from now on.
    pub fn into_partition(
        &self,
        key: PartitionKey,
        actor: &DeviceActor,
    ) -> Result<LogPartition, LogError> {
        LogPartition::load(
            key,
            actor,
            self.snapshot.as_deref(),
            self.chunks.iter().map(Vec::as_slice),
        )
    }

    /// True when nothing is stored for the partition.
    pub fn is_empty(&self) -> bool {
        self.snapshot.is_none() && self.chunks.is_empty()
    }
}

/// Reads a partition's snapshot and chunks. Call inside a transaction when other writers
/// may compact the partition meanwhile.
pub fn load_partition(conn: &Connection, key: &PartitionKey) -> rusqlite::Result<StoredPartition> {
    let snapshot: Option<Vec<u8>> = conn
        .prepare_cached("SELECT bytes FROM log_snapshot WHERE partition = ?1")?
        .query_row([key.as_str()], |r| r.get(0))
        .optional()?;
    let chunks = conn
        .prepare_cached("SELECT bytes FROM log_chunk WHERE partition = ?1 ORDER BY seq")?
        .query_map([key.as_str()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(StoredPartition { snapshot, chunks })
}

/// Appends a write's bytes as a chunk; false (and nothing written) when it has none.
pub fn append_chunk(conn: &Connection, write: &LogWrite) -> rusqlite::Result<bool> {
    if write.bytes.is_empty() {
        return Ok(false);
    }
    conn.prepare_cached("INSERT INTO log_chunk (partition, bytes) VALUES (?1, ?2)")?
        .execute(params![write.partition.as_str(), write.bytes])?;
    Ok(true)
}

/// Replaces a partition's stored bytes with one snapshot (its chunks are dropped). Run it in
/// a transaction, with `bytes` holding everything the chunks held.
pub fn put_snapshot(conn: &Connection, key: &PartitionKey, bytes: &[u8]) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO log_snapshot (partition, bytes) VALUES (?1, ?2)
         ON CONFLICT(partition) DO UPDATE SET bytes = excluded.bytes",
    )?
    .execute(params![key.as_str(), bytes])?;
    conn.prepare_cached("DELETE FROM log_chunk WHERE partition = ?1")?
        .execute([key.as_str()])?;
    Ok(())
}

/// Every partition holding durable bytes, oldest first.
pub fn partition_keys(conn: &Connection) -> Result<Vec<PartitionKey>, PersistError> {
    let keys: Vec<String> = conn
        .prepare_cached(
            "SELECT partition FROM log_snapshot UNION SELECT DISTINCT partition FROM log_chunk ORDER BY 1",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    keys.iter()
        .map(|k| PartitionKey::parse(k).map_err(PersistError::BadKey))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mugsync_core::report::ReportId;

    #[test]
    fn append_compact_and_load_give_back_the_same_document() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::migrate(&mut conn, &[LOG_TABLES]).unwrap();
        let id = ReportId::new();
        let key = PartitionKey::of(&id);
        let actor = DeviceActor::generate();
        let mut part = LogPartition::new(key.clone(), &actor);
        part.doc_mut().commit();
        assert!(!append_chunk(
            &conn,
            &LogWrite {
                partition: key.clone(),
                bytes: Vec::new()
            }
        )
        .unwrap());
        let stored = load_partition(&conn, &key).unwrap();
        assert!(stored.is_empty());
        use automerge::transaction::Transactable;
        for i in 0..3 {
            part.doc_mut()
                .put(automerge::ROOT, format!("k{i}"), i as i64)
                .unwrap();
            let w = part.take_unpersisted().unwrap();
            assert!(append_chunk(&conn, &w).unwrap());
        }
        assert_eq!(partition_keys(&conn).unwrap(), vec![key.clone()]);
        let stored = load_partition(&conn, &key).unwrap();
        assert_eq!(stored.chunks.len(), 3);
        let mut back = stored.into_partition(key.clone(), &actor).unwrap();
        assert_eq!(back.heads(), part.heads());
        put_snapshot(&conn, &key, &part.save()).unwrap();
        let stored = load_partition(&conn, &key).unwrap();
        assert!(stored.chunks.is_empty() && stored.snapshot.is_some());
        let mut back = stored.into_partition(key.clone(), &actor).unwrap();
        assert_eq!(back.heads(), part.heads());
        assert_eq!(partition_keys(&conn).unwrap(), vec![key]);
    }
}
