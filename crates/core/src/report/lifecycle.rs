//! Who may change what: the one function that decides every change to a filed report, for
//! local writes on a device and for the relay's intake alike.
//!
//! The rules (DESIGN.md, "Who may change what"):
//! - raising consent (alert no → yes; police none → intelligence → full) is for the
//!   filing device only: it alone holds the victim's details and asked them;
//! - lowering consent and withdrawing are open to any enrolled device, and withdrawal is
//!   never blocked;
//! - "verified" is set (and unset) only by a coordinator;
//! - a withdrawn report changes no more, except its reason; nothing un-withdraws;
//! - amendments are append-only and never empty (an empty one fails to parse long before
//!   it gets here), and the reason is only set on a withdrawn report.
//!
//! The log resolves concurrent writes conservatively to match (see
//! [`resolve_alert`], [`resolve_police`], [`resolve_status`]): the lowest consent and the
//! most final status win, so a device that re-asserts an old value concurrently with the
//! filing device lowering it cannot keep the higher value alive.

use super::{Consent, PoliceConsent, Status};

/// Who is making a change, relative to the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The device that filed the report (its automerge actor created the report).
    FilingDevice,
    /// Any other enrolled device.
    OtherDevice,
    /// The scheme's coordinator (on the relay).
    Coordinator,
}

/// A report's mutable state as the author of a change saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportState {
    /// Consent.
    pub consent: Consent,
    /// Status.
    pub status: Status,
}

/// One change to a filed report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Set consent to alert members.
    Alert(bool),
    /// Set police consent.
    Police(PoliceConsent),
    /// Set the status.
    Status(Status),
    /// Set (or correct) the withdrawal reason. `withdrawing` is true when the same change
    /// also withdraws the report.
    Reason {
        /// The same change withdraws the report.
        withdrawing: bool,
    },
    /// Append an amendment.
    Amend,
}

/// Why a change is not allowed, in words a worker can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Only the filing device may raise consent.
    #[error("only the device that filed this report can raise its consent (it alone holds the person's details and asked them); lowering consent or withdrawing is open to any device")]
    RaiseByOtherDevice,
    /// Only a coordinator verifies.
    #[error("only the scheme's coordinator can mark a report verified or unverified")]
    VerifyByDevice,
    /// The report is withdrawn.
    #[error("this report was withdrawn; it changes no more (only its reason can be corrected)")]
    Withdrawn,
    /// A reason without a withdrawal.
    #[error("a reason is only given when a report is withdrawn")]
    ReasonWithoutWithdrawal,
    /// Setting `open` on a report by a device.
    #[error("a report's status can only be changed by withdrawing it")]
    StatusByDevice,
}

/// Decides whether `role` may apply `change` to a report in `state`. Every write — the
/// device's own (`LogPartition::set_consent`, `set_status`, `amend`) and every operation
/// the relay's intake reads out of a pushed change — goes through here.
pub fn check(state: &ReportState, role: Role, change: Transition) -> Result<(), Refusal> {
    let withdrawn = state.status == Status::Withdrawn;
    match change {
        // Withdrawing a withdrawn report again is harmless (a concurrent second device);
        // a reason may still be corrected.
        Transition::Status(Status::Withdrawn) => Ok(()),
        Transition::Reason { withdrawing } => {
            if withdrawn || withdrawing {
                Ok(())
            } else {
                Err(Refusal::ReasonWithoutWithdrawal)
            }
        }
        _ if withdrawn => Err(Refusal::Withdrawn),
        Transition::Status(Status::Verified | Status::Open) => match role {
            Role::Coordinator => Ok(()),
            // Re-stating the status the author saw changes nothing.
            _ if Transition::Status(state.status) == change => Ok(()),
            _ if state.status == Status::Open => Err(Refusal::VerifyByDevice),
            _ => Err(Refusal::StatusByDevice),
        },
        Transition::Alert(alert) => {
            if alert && !state.consent.alert && role != Role::FilingDevice {
                Err(Refusal::RaiseByOtherDevice)
            } else {
                Ok(())
            }
        }
        Transition::Police(police) => {
            if police > state.consent.police && role != Role::FilingDevice {
                Err(Refusal::RaiseByOtherDevice)
            } else {
                Ok(())
            }
        }
        Transition::Amend => Ok(()),
    }
}

/// Concurrent alert consents resolve to "no" if any says no.
pub fn resolve_alert(values: impl IntoIterator<Item = bool>) -> Option<bool> {
    values.into_iter().reduce(|a, b| a && b)
}

/// Concurrent police consents resolve to the lowest.
pub fn resolve_police(values: impl IntoIterator<Item = PoliceConsent>) -> Option<PoliceConsent> {
    values.into_iter().min()
}

/// Concurrent statuses resolve to the most final: withdrawn, then open (a coordinator's
/// verification concurrent with a device's edit is re-done, never assumed).
pub fn resolve_status(values: impl IntoIterator<Item = Status>) -> Option<Status> {
    let rank = |s: &Status| match s {
        Status::Withdrawn => 0,
        Status::Open => 1,
        Status::Verified => 2,
    };
    values.into_iter().min_by_key(rank)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(alert: bool, police: PoliceConsent, status: Status) -> ReportState {
        ReportState {
            consent: Consent { alert, police },
            status,
        }
    }

    const ROLES: [Role; 3] = [Role::FilingDevice, Role::OtherDevice, Role::Coordinator];

    #[test]
    fn only_the_filing_device_raises_consent() {
        let s = state(false, PoliceConsent::None, Status::Open);
        assert_eq!(
            check(&s, Role::FilingDevice, Transition::Alert(true)),
            Ok(())
        );
        assert_eq!(
            check(&s, Role::OtherDevice, Transition::Alert(true)),
            Err(Refusal::RaiseByOtherDevice)
        );
        assert_eq!(
            check(&s, Role::Coordinator, Transition::Alert(true)),
            Err(Refusal::RaiseByOtherDevice)
        );
        for p in [PoliceConsent::Intelligence, PoliceConsent::Full] {
            assert_eq!(check(&s, Role::FilingDevice, Transition::Police(p)), Ok(()));
            assert_eq!(
                check(&s, Role::OtherDevice, Transition::Police(p)),
                Err(Refusal::RaiseByOtherDevice)
            );
        }
    }

    #[test]
    fn anyone_lowers_consent_and_withdraws() {
        let s = state(true, PoliceConsent::Full, Status::Open);
        for role in ROLES {
            assert_eq!(check(&s, role, Transition::Alert(false)), Ok(()));
            assert_eq!(
                check(&s, role, Transition::Police(PoliceConsent::Intelligence)),
                Ok(())
            );
            assert_eq!(
                check(&s, role, Transition::Police(PoliceConsent::None)),
                Ok(())
            );
            assert_eq!(
                check(&s, role, Transition::Status(Status::Withdrawn)),
                Ok(())
            );
            assert_eq!(
                check(&s, role, Transition::Reason { withdrawing: true }),
                Ok(())
            );
        }
    }

    #[test]
    fn withdrawal_is_final_but_for_its_reason() {
        let s = state(false, PoliceConsent::None, Status::Withdrawn);
        for role in ROLES {
            assert_eq!(
                check(&s, role, Transition::Status(Status::Open)),
                Err(Refusal::Withdrawn)
            );
            assert_eq!(
                check(&s, role, Transition::Status(Status::Verified)),
                Err(Refusal::Withdrawn)
            );
            assert_eq!(check(&s, role, Transition::Amend), Err(Refusal::Withdrawn));
            assert_eq!(
                check(&s, role, Transition::Alert(false)),
                Err(Refusal::Withdrawn)
            );
            assert_eq!(
                check(&s, role, Transition::Reason { withdrawing: false }),
                Ok(())
            );
            assert_eq!(
                check(&s, role, Transition::Status(Status::Withdrawn)),
                Ok(())
            );
        }
    }

    #[test]
    fn only_a_coordinator_verifies() {
        let open = state(true, PoliceConsent::None, Status::Open);
        assert_eq!(
            check(
                &open,
                Role::Coordinator,
                Transition::Status(Status::Verified)
            ),
            Ok(())
        );
        for role in [Role::FilingDevice, Role::OtherDevice] {
            assert_eq!(
                check(&open, role, Transition::Status(Status::Verified)),
                Err(Refusal::VerifyByDevice)
            );
            assert_eq!(check(&open, role, Transition::Status(Status::Open)), Ok(()));
        }
        let verified = state(true, PoliceConsent::None, Status::Verified);
        assert_eq!(
            check(
                &verified,
                Role::OtherDevice,
                Transition::Status(Status::Open)
            ),
            Err(Refusal::StatusByDevice)
        );
        assert_eq!(
            check(
                &verified,
                Role::Coordinator,
                Transition::Status(Status::Open)
            ),
            Ok(())
        );
    }

    #[test]
    fn a_reason_needs_a_withdrawal() {
        let s = state(true, PoliceConsent::None, Status::Open);
        for role in ROLES {
            assert_eq!(
                check(&s, role, Transition::Reason { withdrawing: false }),
                Err(Refusal::ReasonWithoutWithdrawal)
            );
        }
    }

    #[test]
    fn conflicts_resolve_to_the_safer_value() {
        assert_eq!(resolve_alert([true, false, true]), Some(false));
        assert_eq!(
            resolve_police([PoliceConsent::Full, PoliceConsent::None]),
            Some(PoliceConsent::None)
        );
        assert_eq!(
            resolve_status([Status::Verified, Status::Withdrawn, Status::Open]),
            Some(Status::Withdrawn)
        );
        assert_eq!(
            resolve_status([Status::Verified, Status::Open]),
            Some(Status::Open)
        );
        assert_eq!(resolve_alert([]), None);
    }
}
