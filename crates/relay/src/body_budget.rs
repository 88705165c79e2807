//! [`BodyBudget`]: one memory budget for the request bodies the relay holds at once.
//!
//! Each device's body is capped (`limits.max_body_bytes`) and each device is rate limited,
//! but neither bounds the sum: many vans pushing a backlog at once, or one stolen key on
//! many connections, could each make the relay buffer a full body. A request reserves its
//! share before a byte of its body is read and gives it back when it has been handled; when
//! the budget is spent it is told `busy` (with `Retry-After`) instead.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Budget unit: permits count KiB, so a budget of several GiB still fits tokio's `u32`.
const UNIT: usize = 1024;

/// How long a request waits for budget before it is told `busy`: long enough to ride out a
/// burst of other rounds, short enough that a waiting van does not hold its connection.
const WAIT: Duration = Duration::from_millis(500);

/// The relay-wide budget for buffered request bodies.
pub(crate) struct BodyBudget {
    permits: Arc<Semaphore>,
    total_units: u32,
}

/// Budget held for one request's body; returned when dropped.
#[must_use = "the budget is returned as soon as this is dropped"]
pub(crate) struct BodyReservation {
    _permit: OwnedSemaphorePermit,
}

impl BodyBudget {
    /// A budget of `bytes`.
    pub fn new(bytes: usize) -> BodyBudget {
        let total_units = u32::try_from(bytes.div_ceil(UNIT)).unwrap_or(u32::MAX);
        BodyBudget {
            permits: Arc::new(Semaphore::new(total_units as usize)),
            total_units,
        }
    }

    /// Reserves `bytes` (rounded up to a KiB, at most the whole budget), waiting briefly
    /// for other requests to finish; `None` when the budget stays spent.
    pub async fn reserve(&self, bytes: usize) -> Option<BodyReservation> {
        let units = u32::try_from(bytes.div_ceil(UNIT).max(1))
            .unwrap_or(u32::MAX)
            .min(self.total_units);
        let acquire = self.permits.clone().acquire_many_owned(units);
        match tokio::time::timeout(WAIT, acquire).await {
            Ok(Ok(permit)) => Some(BodyReservation { _permit: permit }),
            // Timed out, or (never: the semaphore is not closed) closed.
            _ => None,
        }
    }

    /// Bytes not reserved now.
    #[cfg(test)]
    fn available_bytes(&self) -> usize {
        self.permits.available_permits() * UNIT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_spent_budget_says_busy_and_comes_back_when_a_body_is_done() {
        let budget = BodyBudget::new(10 * UNIT);
        let first = budget.reserve(6 * UNIT).await.expect("fits");
        assert_eq!(budget.available_bytes(), 4 * UNIT);
        assert!(budget.reserve(6 * UNIT).await.is_none(), "over budget");
        drop(first);
        let again = budget.reserve(6 * UNIT).await;
        assert!(again.is_some(), "returned on drop");
    }

    #[tokio::test]
    async fn a_request_larger_than_the_budget_waits_for_all_of_it_rather_than_never_fitting() {
        let budget = BodyBudget::new(4 * UNIT);
        assert!(budget.reserve(100 * UNIT).await.is_some());
        // An empty body still takes one unit, so a flood of empty requests is counted too.
        let budget = BodyBudget::new(UNIT);
        let _one = budget.reserve(0).await.expect("one unit");
        assert!(budget.reserve(0).await.is_none());
    }
}
