//! The report: closed vocabularies, bounded text, areas, the typed model and the import
//! format that turns what a worker typed into it.

mod area;
mod contact;
mod enums;
mod error;
mod input;
pub mod lifecycle;
mod model;
pub(crate) mod text;

pub use area::{Area, AreaCode, AreaList, AreaListError};
pub use contact::{contact_in_text, find_email, find_phone, ContactKind};
pub use enums::{
    AlertGroup, Gender, IncidentKind, PoliceConsent, ReporterRole, Setting, Status, TimePrecision,
};
pub use error::FieldError;
pub use input::{
    default_alert_text, ConsentInput, InputErrors, IntakeContext, NewReport, OnlineHandleInput,
    PerpetratorInput, ReportInput, VehicleInput,
};
pub use model::{
    Amendment, Consent, IncidentWhen, OnlineHandle, Perpetrator, Report, ReportBody, ReportId,
    Vehicle, BODY_SCHEMA,
};
pub use text::{AlertText, Description, Narrative, Reason, ShortText};

#[cfg(test)]
mod tests;
