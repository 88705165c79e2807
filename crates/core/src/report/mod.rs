//! The report: closed vocabularies, bounded text, areas, the typed model and the import
//! format that turns what a worker typed into it.

mod area;
mod enums;
mod error;
mod input;
pub mod lifecycle;
mod model;
pub(crate) mod text;
mod warnings;

pub use area::{Area, AreaCode, AreaList, AreaListError};
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
pub use warnings::{
    contact_in_text, free_text_warnings, plain_contact_in_text, ContactKind, FreeTextField,
    FreeTextWarning,
};

#[cfg(test)]
mod tests;
