//! The closed vocabularies of a report: every enum a scheme's form offers as a choice.
//!
//! Each enum serialises as the snake_case word used by the JSON import format and the log,
//! and parses from that word with an error that lists what is allowed.

use serde::{Deserialize, Serialize};

/// Declares a closed vocabulary: the enum, its wire words, a human label and parsing.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident, $field:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, $label:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $wire)] $variant, )+
        }

        impl $name {
            /// Every value, in form order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word used in the JSON import format, the log and `--json` output.
            pub fn as_wire(self) -> &'static str {
                match self { $($name::$variant => $wire,)+ }
            }

            /// What a person reads in lists, alerts and bulletins.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }

            /// Parses the wire word; the error names the field and lists what is allowed.
            pub fn parse(input: &str) -> Result<Self, crate::report::FieldError> {
                let trimmed = input.trim();
                $( if trimmed == $wire { return Ok($name::$variant); } )+
                Err(crate::report::FieldError::new(
                    $field,
                    format!(
                        "'{}' is not allowed; use one of: {}",
                        crate::report::text::shorten_for_error(trimmed),
                        [$($wire),+].join(", ")
                    ),
                ))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

vocabulary! {
    /// Where the incident happened, as a kind of place.
    Setting, "setting" {
        /// On the street.
        Street = "street", "street";
        /// In a vehicle.
        Car = "car", "car";
        /// At the worker's own place.
        Incall = "incall", "incall";
        /// At the client's home.
        OutcallHome = "outcall_home", "outcall (home)";
        /// At a hotel.
        OutcallHotel = "outcall_hotel", "outcall (hotel)";
        /// Parlour, sauna, club or other premises.
        Premises = "premises", "premises";
        /// Online only.
        Online = "online", "online";
    }
}

vocabulary! {
    /// What happened. A report names one or more.
    IncidentKind, "kinds" {
        /// Physical assault.
        PhysicalAssault = "physical_assault", "physical assault";
        /// Sexual assault.
        SexualAssault = "sexual_assault", "sexual assault";
        /// Rape.
        Rape = "rape", "rape";
        /// Robbery (theft with force or threat).
        Robbery = "robbery", "robbery";
        /// Theft.
        Theft = "theft", "theft";
        /// Threats or intimidation.
        Threats = "threats", "threats or intimidation";
        /// Harassment.
        Harassment = "harassment", "harassment";
        /// Stalking.
        Stalking = "stalking", "stalking";
        /// Refused to pay.
        NonPayment = "non_payment", "non-payment";
        /// Removed a condom without consent.
        CondomRemoval = "condom_removal", "condom removal";
        /// A weapon was shown or used.
        Weapon = "weapon", "weapon";
        /// Blackmail.
        Blackmail = "blackmail", "blackmail";
        /// Concern about exploitation or trafficking.
        ExploitationConcern = "exploitation_concern", "exploitation or trafficking concern";
        /// Something else (see the narrative).
        Other = "other", "other";
    }
}

vocabulary! {
    /// How exact the incident time is.
    TimePrecision, "time_precision" {
        /// The time given is exact.
        Exact = "exact", "exact";
        /// The time given is roughly right.
        Approximate = "approximate", "approximate";
        /// Only the day is known.
        Day = "day", "day";
        /// Only the week is known.
        Week = "week", "week";
        /// Only the month is known.
        Month = "month", "month";
    }
}

vocabulary! {
    /// Who an alert is for.
    AlertGroup, "alert_for" {
        /// Women.
        Women = "women", "women";
        /// Men.
        Men = "men", "men";
        /// Trans and non-binary people.
        TransNonBinary = "trans_nonbinary", "trans and non-binary people";
        /// Everyone.
        Everyone = "everyone", "everyone";
    }
}

vocabulary! {
    /// Who filed the report.
    ReporterRole, "reporter_role" {
        /// The person it happened to.
        SelfReport = "self", "self";
        /// An outreach worker on their behalf.
        OutreachWorker = "outreach_worker", "outreach worker";
        /// Someone else who knows of it.
        ThirdParty = "third_party", "third party";
    }
}

vocabulary! {
    /// What the police may receive (DESIGN.md data rule 2).
    PoliceConsent, "consent.police" {
        /// Nothing goes to the police.
        None = "none", "no police sharing";
        /// The anonymised report, without victim details.
        Intelligence = "intelligence", "anonymised intelligence only";
        /// The report and the victim's details, sealed to the liaison officer.
        Full = "full", "full report with contact details";
    }
}

vocabulary! {
    /// Where a report stands.
    Status, "status" {
        /// Filed, not yet checked.
        Open = "open", "open";
        /// Checked by the scheme.
        Verified = "verified", "verified";
        /// Withdrawn by the person or the scheme; no more alerts or sharing.
        Withdrawn = "withdrawn", "withdrawn";
    }
}

vocabulary! {
    /// The perpetrator's gender as described.
    Gender, "perpetrator.gender" {
        /// A man.
        Man = "man", "man";
        /// A woman.
        Woman = "woman", "woman";
        /// Trans or non-binary.
        TransNonBinary = "trans_nonbinary", "trans or non-binary";
        /// Not known.
        Unknown = "unknown", "unknown";
    }
}
