//! Enrolment policy: one-time codes, device names, and who may hold a name or use a code
//! when. The store only stores; these rules decide.
//!
//! A code is 28 characters from a 32-letter alphabet without look-alikes (no I, O, 0, 1),
//! i.e. 140 random bits, shown in groups of four (`ABCD-EFGH-…`) so it can be read out
//! over the phone and typed on a laptop. The relay keeps only its SHA-256, so a copy of
//! the relay's database cannot be used to enrol.

use ring::rand::{SecureRandom, SystemRandom};
use time::OffsetDateTime;

use crate::admin::EnrolmentCode;
use crate::storage::{DeviceRecord, NewDevice, RelayStore};
use crate::RelayError;

/// How long a code stays usable.
pub const CODE_VALIDITY: time::Duration = time::Duration::hours(24);

/// The code alphabet: 24 letters and 8 digits, none easily mistaken for another.
const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// Characters in a code: 28 × 5 bits = 140 bits of randomness.
const CODE_CHARS: usize = 28;
/// Characters per group when shown.
const GROUP: usize = 4;
/// Longest device name.
const MAX_NAME: usize = 64;

/// A fresh code, grouped for reading.
pub(crate) fn new_code() -> String {
    let mut bytes = [0u8; CODE_CHARS];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the OS random source works");
    let mut out = String::with_capacity(CODE_CHARS + CODE_CHARS / GROUP);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % GROUP == 0 {
            out.push('-');
        }
        // 256 is a multiple of 32, so the low five bits are uniform.
        out.push(ALPHABET[(b & 31) as usize] as char);
    }
    out
}

/// The stored form of a code: SHA-256 of its normalised text (upper case, separators and
/// spaces dropped), so `abcd efgh…` and `ABCD-EFGH-…` are the same code.
pub(crate) fn code_hash(code: &str) -> [u8; 32] {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(b"mugsync-enrolment-code-v1:");
    ctx.update(normal.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// Checks a device name: 1–64 characters of `[A-Za-z0-9 _.-]`, not blank.
pub(crate) fn check_name(name: &str) -> Result<(), RelayError> {
    let ok = !name.trim().is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b'_' | b'.' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(RelayError::BadDeviceName(
            name.chars().take(MAX_NAME + 8).collect(),
        ))
    }
}

/// Issues a code for a new device called `name`. A name held by an enrolled device, or by a
/// pending one whose code is still valid, is refused; an expired, unused code under the
/// name is replaced (nothing refers to it).
pub(crate) fn issue_code(
    store: &dyn RelayStore,
    name: &str,
    now: OffsetDateTime,
) -> Result<EnrolmentCode, RelayError> {
    check_name(name)?;
    let now_s = now.unix_timestamp();
    let replacing = match store.live_device_named(name)? {
        None => None,
        Some(d) if d.public_key.is_some() => {
            return Err(RelayError::DeviceNameTaken(name.to_owned()))
        }
        Some(d) if d.code_expires_at > now_s => {
            return Err(RelayError::CodePending {
                name: name.to_owned(),
                expires: rfc3339(d.code_expires_at),
            })
        }
        Some(d) => Some(d.id),
    };
    let expires_at = now_s + CODE_VALIDITY.whole_seconds();
    let code = new_code();
    let added = store.add_pending_device(
        &NewDevice {
            name,
            code_hash: code_hash(&code),
            created_at: now_s,
            code_expires_at: expires_at,
        },
        replacing,
    )?;
    if !added {
        // Another coordinator's command took the name between the check and the insert.
        return Err(RelayError::DeviceNameTaken(name.to_owned()));
    }
    Ok(EnrolmentCode {
        code,
        expires_at: OffsetDateTime::from_unix_timestamp(expires_at)
            .map_err(|_| RelayError::Damaged("a code's expiry".into()))?,
    })
}

/// Why a presented code cannot enrol a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeRefusal {
    /// The device it was issued to has been revoked.
    Revoked,
    /// A device already enrolled with it.
    Used,
    /// Its 24 hours are over.
    Expired,
}

/// Whether the device a code was issued to may enrol now.
pub(crate) fn may_enrol(device: &DeviceRecord, now_s: i64) -> Result<(), CodeRefusal> {
    if device.revoked_at.is_some() {
        return Err(CodeRefusal::Revoked);
    }
    if device.public_key.is_some() {
        return Err(CodeRefusal::Used);
    }
    if now_s >= device.code_expires_at {
        return Err(CodeRefusal::Expired);
    }
    Ok(())
}

/// Unix seconds as RFC 3339, for messages.
fn rfc3339(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| secs.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_long_grouped_and_normalise() {
        let a = new_code();
        let b = new_code();
        assert_ne!(a, b);
        assert_eq!(a.len(), 28 + 6);
        assert!(a.split('-').all(|g| g.len() == 4));
        assert!(a.bytes().all(|c| c == b'-' || ALPHABET.contains(&c)));
        let typed = a.to_lowercase().replace('-', " ");
        assert_eq!(code_hash(&typed), code_hash(&a));
        assert_ne!(code_hash(&a), code_hash(&b));
    }

    #[test]
    fn names_follow_the_rules() {
        for good in ["van-1", "Outreach van 2", "a", "x.y_z", &"n".repeat(64)] {
            check_name(good).unwrap();
        }
        for bad in ["", "   ", "van/1", "vän", "a\nb", &"n".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
