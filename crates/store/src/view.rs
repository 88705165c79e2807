//! The readable view of the merged log and the identifier index that answers checks.
//!
//! Both are derived data: [`crate::DeviceStore::rebuild_view`] recreates them from the log.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use mugsync_core::check::CheckHit;
use mugsync_core::identifiers::{Identifier, Registration, SchemeKey};
use mugsync_core::index::{IndexKey, IndexKind};
use mugsync_core::log::{BadEntry, PartitionKey};
use mugsync_core::report::{Report, ReportId};

use crate::StoreError;

/// Writes (or, with `None`, removes) one report's view row and index entries.
pub(crate) fn refresh(
    tx: &Transaction<'_>,
    id: &ReportId,
    key: &PartitionKey,
    report: Option<&Report>,
) -> Result<(), StoreError> {
    let id_text = id.to_string();
    tx.prepare_cached("DELETE FROM ident_index WHERE report_id = ?1")?
        .execute([&id_text])?;
    let Some(report) = report else {
        tx.prepare_cached("DELETE FROM report_view WHERE id = ?1")?
            .execute([&id_text])?;
        tx.prepare_cached("DELETE FROM check_hit WHERE report_id = ?1")?
            .execute([&id_text])?;
        return Ok(());
    };
    let json = serde_json::to_string(report).expect("a report always serialises");
    let hit = serde_json::to_string(&CheckHit::of(report)).expect("a hit always serialises");
    tx.prepare_cached(
        "INSERT INTO report_view (id, partition, incident_date, status, json) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET partition = excluded.partition, incident_date = excluded.incident_date,
             status = excluded.status, json = excluded.json",
    )?
    .execute(params![id_text, key.as_str(), report.body.when.date.to_string(), report.status.as_wire(), json])?;
    tx.prepare_cached(
        "INSERT INTO check_hit (report_id, hit) VALUES (?1, ?2) ON CONFLICT(report_id) DO UPDATE SET hit = excluded.hit",
    )?
    .execute(params![id_text, hit])?;
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO ident_index (kind, value, report_id) VALUES (?1, ?2, ?3)",
    )?;
    for k in report.index_keys() {
        insert.execute(params![k.kind().as_str(), k.value(), id_text])?;
    }
    Ok(())
}

/// Remembers log entries that do not fit the schema, so they are visible, not silently lost.
pub(crate) fn record_bad(
    tx: &Transaction<'_>,
    key: &PartitionKey,
    bad: &[BadEntry],
) -> Result<(), StoreError> {
    for b in bad {
        tx.execute(
            "INSERT INTO bad_entry (key, partition, problem) VALUES (?1, ?2, ?3)
             ON CONFLICT(key) DO UPDATE SET problem = excluded.problem",
            params![b.key, key.as_str(), b.problem],
        )?;
    }
    Ok(())
}

fn parse(json: &str) -> Result<Report, StoreError> {
    serde_json::from_str(json)
        .map_err(|e| StoreError::Damaged(format!("report view: {e}; run `mugsync view rebuild`")))
}

pub(crate) fn get(conn: &Connection, id: &ReportId) -> Result<Option<Report>, StoreError> {
    let json: Option<String> = conn
        .query_row(
            "SELECT json FROM report_view WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    json.map(|j| parse(&j)).transpose()
}

pub(crate) fn all(conn: &Connection) -> Result<Vec<Report>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT json FROM report_view ORDER BY incident_date DESC, id DESC")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for row in rows {
        out.push(parse(&row?)?);
    }
    Ok(out)
}

pub(crate) fn matching(
    conn: &Connection,
    key: &SchemeKey,
    identifier: &Identifier,
) -> Result<Vec<CheckHit>, StoreError> {
    let ids: Vec<String> = match identifier {
        Identifier::Phone(p) => lookup(conn, &IndexKey::Phone(key.phone_digest(p)))?,
        Identifier::Email(e) => lookup(conn, &IndexKey::Email(key.email_digest(e)))?,
        Identifier::Registration(wanted) => {
            let mut stmt =
                conn.prepare_cached("SELECT value, report_id FROM ident_index WHERE kind = ?1")?;
            let rows = stmt.query_map([IndexKind::Registration.as_str()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            let mut ids = Vec::new();
            for row in rows {
                let (value, id) = row?;
                if Registration::parse(&value)
                    .map(|seen| seen.matches(wanted))
                    .unwrap_or(false)
                {
                    ids.push(id);
                }
            }
            ids
        }
    };
    let mut out = Vec::with_capacity(ids.len());
    let mut hits = conn.prepare_cached("SELECT hit FROM check_hit WHERE report_id = ?1")?;
    let mut full = conn.prepare_cached("SELECT json FROM report_view WHERE id = ?1")?;
    for id in ids {
        let hit: Option<String> = hits.query_row([&id], |r| r.get(0)).optional()?;
        match hit {
            Some(hit) => out.push(serde_json::from_str(&hit).map_err(|e| {
                StoreError::Damaged(format!("check view: {e}; run `mugsync view rebuild`"))
            })?),
            None => {
                let json: Option<String> = full.query_row([&id], |r| r.get(0)).optional()?;
                if let Some(json) = json {
                    out.push(CheckHit::of(&parse(&json)?));
                }
            }
        }
    }
    Ok(out)
}

fn lookup(conn: &Connection, key: &IndexKey) -> Result<Vec<String>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT report_id FROM ident_index WHERE kind = ?1 AND value = ?2")?;
    let ids = stmt
        .query_map(params![key.kind().as_str(), key.value()], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(ids)
}
