//! Which reports a batch of changes touches, read off the changes' operations.
//!
//! Why not `diff` the document before and after: a diff walks every report whose state
//! differs between the two heads, and for a partition that merged a long concurrent branch
//! it costs (and holds) far more than the changes themselves.

use automerge::{ActorId, AutoCommit, Change, ReadDoc, ROOT};
use std::collections::BTreeSet;

use crate::report::ReportId;

/// Reports named directly, and objects still to be traced to their report.
pub(crate) struct Touched {
    reports: BTreeSet<ReportId>,
    objects: BTreeSet<(u64, ActorId)>,
}

/// Collects what `changes` write to.
pub(crate) fn reports_touched_by(changes: &[Change]) -> Touched {
    let mut out = Touched {
        reports: BTreeSet::new(),
        objects: BTreeSet::new(),
    };
    for change in changes {
        for op in change.decode().operations {
            match (&op.obj, &op.key) {
                (automerge::legacy::ObjectId::Root, automerge::legacy::Key::Map(k)) => {
                    out.reports.extend(ReportId::parse(k).ok());
                }
                (automerge::legacy::ObjectId::Id(id), _) => {
                    out.objects.insert((id.counter(), id.actor().clone()));
                }
                _ => {}
            }
        }
    }
    out
}

impl Touched {
    /// The reports, once the changes are in `doc` (every object can then be traced).
    pub(crate) fn resolve(mut self, doc: &AutoCommit) -> BTreeSet<ReportId> {
        for (counter, actor) in std::mem::take(&mut self.objects) {
            let Ok((obj, _)) = doc.import(&format!("{counter}@{actor}")) else {
                continue;
            };
            let Ok(parents) = doc.parents(&obj) else {
                continue;
            };
            if let Some(top) = parents.last() {
                if top.obj == ROOT {
                    if let automerge::Prop::Map(k) = top.prop {
                        self.reports.extend(ReportId::parse(&k).ok());
                    }
                }
            }
        }
        self.reports
    }
}
