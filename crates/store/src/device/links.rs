//! Repeat-perpetrator links answered from the identifier index, for the reports a page
//! shows, instead of a rescan of every report (the rule itself is `mugsync_core::links`).

use std::collections::BTreeSet;

use mugsync_core::index::IndexKey;
use mugsync_core::links::Links;
use mugsync_core::report::{Report, ReportId, Status};

use super::DeviceStore;
use crate::StoreError;

impl DeviceStore {
    /// The links among live reports for `shown`: for each phone or email digest the shown
    /// reports carry, every live (not withdrawn) report on this device that carries it, read
    /// from the identifier index. [`Links::of`] then answers for any of `shown` exactly as
    /// [`Links::from_reports`] over every report on the device would, at one indexed query
    /// per distinct identifier instead of a read of every report.
    pub fn links_for<'a>(
        &self,
        shown: impl IntoIterator<Item = &'a Report>,
    ) -> Result<Links, StoreError> {
        let keys: BTreeSet<IndexKey> = shown
            .into_iter()
            .flat_map(Report::index_keys)
            .filter(|k| k.kind().links())
            .collect();
        let mut stmt = self.conn.prepare_cached(
            "SELECT i.report_id FROM ident_index i JOIN report_view v ON v.id = i.report_id
             WHERE i.kind = ?1 AND i.value = ?2 AND v.status != ?3",
        )?;
        let mut entries = Vec::new();
        for key in keys {
            let rows = stmt.query_map(
                rusqlite::params![
                    key.kind().as_str(),
                    key.value(),
                    Status::Withdrawn.as_wire()
                ],
                |r| r.get::<_, String>(0),
            )?;
            for id in rows {
                let id = ReportId::parse(&id?).map_err(|_| {
                    StoreError::Damaged(
                        "identifier index: a report id does not parse; run `mugsync view rebuild`"
                            .into(),
                    )
                })?;
                entries.push((key.clone(), id));
            }
        }
        Ok(Links::from_entries(entries))
    }
}
