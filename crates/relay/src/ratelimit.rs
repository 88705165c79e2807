//! Rate limits: the one module that owns them.
//!
//! Each enrolled device gets its own budget (GCRA via `governor`), keyed by its public key,
//! so one busy or broken device cannot starve the others. A key enters the limiter only
//! after its signature has verified and the relay has found it enrolled, so nobody can grow
//! the limiter's memory with made-up keys or spend another device's budget.
//!
//! Enrolment has no enrolled key yet, so it is limited by where it comes from: each source
//! address (an IPv4 address, or an IPv6 /64 — what one subscriber is usually given) has its
//! own small budget, and a global cap above those bounds the total. A client guessing codes
//! spends its own budget and cannot lock out a van enrolling from elsewhere. Behind a proxy
//! every request comes from the proxy's address, so they share one source budget.
//!
//! Later issues add the member checker's limits here (DESIGN.md: nobody may enumerate the
//! database through it).

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
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
    enrolment_sources: DefaultKeyedRateLimiter<Source>,
    enrolment: DefaultDirectRateLimiter,
    clock: DefaultClock,
    checks: AtomicU64,
    source_checks: AtomicU64,
}

/// Where an unauthenticated request comes from, as the rate limiter counts it: an IPv4
/// address, or the /64 prefix of an IPv6 address (one subscriber's usual allocation, so
/// rotating through it buys nothing). IPv4-mapped IPv6 addresses count as IPv4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Source(IpAddr);

impl Source {
    /// The source of a peer address.
    pub fn of(ip: IpAddr) -> Source {
        match ip {
            IpAddr::V4(v4) => Source(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Source(IpAddr::V4(v4)),
                None => {
                    let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                    Source(IpAddr::V6(prefix.into()))
                }
            },
        }
    }
}

fn quota_per_minute(per_minute: u32, burst: u32) -> Quota {
    let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(per_minute).allow_burst(burst)
}

impl RateLimits {
    /// Limiters for the configured quota.
    pub fn new(limits: &Limits) -> RateLimits {
        let per_second = NonZeroU32::new(limits.per_device_per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(limits.per_device_burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_second(per_second).allow_burst(burst);
        RateLimits {
            devices: RateLimiter::keyed(quota),
            enrolment_sources: RateLimiter::keyed(quota_per_minute(
                limits.enrolment_per_source_per_minute,
                limits.enrolment_per_source_burst,
            )),
            enrolment: RateLimiter::direct(quota_per_minute(
                limits.enrolment_per_minute,
                limits.enrolment_burst,
            )),
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
            source_checks: AtomicU64::new(0),
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

    /// Spends one enrolment attempt from `source`: first its own budget, then the global
    /// one (so a source over its budget spends nothing of everyone else's); `Err(wait)`
    /// when either is spent.
    pub fn check_enrolment(&self, source: Source) -> Result<(), Duration> {
        if self.source_checks.fetch_add(1, Ordering::Relaxed) % RETAIN_EVERY == RETAIN_EVERY - 1 {
            self.enrolment_sources.retain_recent();
        }
        let now = self.clock.now();
        self.enrolment_sources
            .check_key(&source)
            .map_err(|not_until| not_until.wait_time_from(now))?;
        self.enrolment
            .check()
            .map_err(|not_until| not_until.wait_time_from(now))
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
        assert!(rl
            .check_enrolment(Source::of([127, 0, 0, 1].into()))
            .is_ok());
    }

    #[test]
    fn each_enrolment_source_has_its_own_budget_under_a_global_cap() {
        let limits = Limits {
            enrolment_per_source_per_minute: 1,
            enrolment_per_source_burst: 2,
            enrolment_per_minute: 1,
            enrolment_burst: 5,
            ..Limits::default()
        };
        let rl = RateLimits::new(&limits);
        let a = Source::of([192, 0, 2, 1].into());
        assert!(rl.check_enrolment(a).is_ok());
        assert!(rl.check_enrolment(a).is_ok());
        assert!(rl.check_enrolment(a).is_err(), "a's own budget is spent");
        // A refused attempt spent nothing of the global budget: three more sources fit.
        for last in 2..5u8 {
            assert!(rl
                .check_enrolment(Source::of([192, 0, 2, last].into()))
                .is_ok());
        }
        assert!(
            rl.check_enrolment(Source::of([192, 0, 2, 9].into()))
                .is_err(),
            "the global cap holds above the sources"
        );
    }

    #[test]
    fn sources_are_ipv4_addresses_or_ipv6_slash_64s() {
        let v6 = |s: &str| Source::of(s.parse::<IpAddr>().unwrap());
        assert_eq!(v6("2001:db8:1:2::1"), v6("2001:db8:1:2:ffff::9"));
        assert_ne!(v6("2001:db8:1:2::1"), v6("2001:db8:1:3::1"));
        assert_eq!(v6("::ffff:192.0.2.7"), v6("192.0.2.7"));
        assert_ne!(v6("192.0.2.7"), v6("192.0.2.8"));
    }
}
