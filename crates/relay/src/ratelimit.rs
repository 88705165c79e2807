//! Rate limits: the one module that owns them.
//!
//! Each enrolled device gets its own budget (GCRA via `governor`), keyed by its public key,
//! so one busy or broken device cannot starve the others. A key enters the limiter only
//! after its signature has verified and the relay has found it enrolled, so nobody can grow
//! the limiter's memory with made-up keys or spend another device's budget. Enrolment,
//! which has no enrolled key yet, shares one budget of the same size.
//!
//! Later issues add the member checker's limits here (DESIGN.md: nobody may enumerate the
//! database through it).

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use mugsync_core::auth::DevicePublicKey;

use crate::config::Limits;

/// How often (in checks) idle keys are dropped from the keyed limiter.
const RETAIN_EVERY: u64 = 4096;

/// The relay's limiters.
pub(crate) struct RateLimits {
    devices: DefaultKeyedRateLimiter<DevicePublicKey>,
    enrolment: DefaultDirectRateLimiter,
    clock: DefaultClock,
    checks: AtomicU64,
}

impl RateLimits {
    /// Limiters for the configured quota.
    pub fn new(limits: &Limits) -> RateLimits {
        let per_second = NonZeroU32::new(limits.per_device_per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(limits.per_device_burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_second(per_second).allow_burst(burst);
        RateLimits {
            devices: RateLimiter::keyed(quota),
            enrolment: RateLimiter::direct(quota),
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
        }
    }

    /// Spends one request of a device's budget; `Err(wait)` when it is spent.
    pub fn check_device(&self, key: &DevicePublicKey) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % RETAIN_EVERY == RETAIN_EVERY - 1 {
            self.devices.retain_recent();
        }
        self.devices
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Spends one request of the enrolment budget; `Err(wait)` when it is spent.
    pub fn check_enrolment(&self) -> Result<(), Duration> {
        self.enrolment
            .check()
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_device_has_its_own_budget() {
        let limits = Limits {
            per_device_per_second: 1,
            per_device_burst: 2,
            ..Limits::default()
        };
        let rl = RateLimits::new(&limits);
        let a = DevicePublicKey::from_bytes([1; 32]);
        let b = DevicePublicKey::from_bytes([2; 32]);
        assert!(rl.check_device(&a).is_ok());
        assert!(rl.check_device(&a).is_ok());
        let wait = rl.check_device(&a).unwrap_err();
        assert!(wait <= Duration::from_secs(1), "{wait:?}");
        assert!(rl.check_device(&b).is_ok(), "another device is unaffected");
        assert!(rl.check_enrolment().is_ok());
    }
}
