//! The times of a session and the rules applied to them, in Unix milliseconds: the clock,
//! conversions that never overflow, and expiry, not-yet-valid and lifetime in one function.

use std::time::{SystemTime, UNIX_EPOCH};

use time::{Duration, OffsetDateTime};

use super::envelope::MAX_OFFSET;
use crate::Error;

/// The times of a session's token, in Unix milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Times {
    /// When the session began (the login): carried across every reseal.
    pub(crate) auth_at: i64,
    /// When this token was sealed.
    pub(crate) iat: i64,
    /// When this token expires.
    pub(crate) exp: i64,
}

impl Times {
    /// Checks that the times can be written: `0 <= auth_at <= iat < exp <= MAX_MILLIS` with
    /// the offsets within 40 bits. What a sealer writes, an opener reads back unchanged.
    pub(crate) fn check(self) -> Result<Times, Error> {
        if self.auth_at < 0 {
            return Err(Error::Config("times before 1970 cannot be sealed"));
        }
        if self.exp > MAX_MILLIS {
            return Err(Error::Config("the token would expire after the year 9999"));
        }
        if self.iat < self.auth_at || self.exp <= self.iat {
            return Err(Error::Config("a token must expire after it is issued"));
        }
        if self.iat - self.auth_at > MAX_OFFSET || self.exp - self.iat > MAX_OFFSET {
            return Err(Error::Config(
                "a TTL or lifetime above 34 years cannot be sealed",
            ));
        }
        Ok(self)
    }
}

/// The earliest instant a [`Session`] can hold: -9999-01-01T00:00:00Z in Unix milliseconds.
pub(crate) const MIN_MILLIS: i64 = -377_705_116_800_000;
/// The latest instant a [`Session`] can hold: 9999-12-31T23:59:59.999Z in Unix milliseconds.
pub(crate) const MAX_MILLIS: i64 = 253_402_300_799_999;

/// The current time in Unix milliseconds, rounded down, straight from the system clock.
pub(crate) fn now_millis() -> i64 {
    millis_of(SystemTime::now())
}

/// `t` in Unix milliseconds, rounded down (toward the past on both sides of 1970).
pub(super) fn millis_of(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(since) => i64::try_from(since.as_millis()).unwrap_or(i64::MAX),
        Err(before) => {
            let before = before.duration();
            let rounded_up =
                before.as_millis() + u128::from(before.subsec_nanos() % 1_000_000 != 0);
            i64::try_from(rounded_up).map_or(i64::MIN, |millis| -millis)
        }
    }
}

/// Unix milliseconds of `t`, rounded down.
pub(crate) fn unix_millis(t: OffsetDateTime) -> i64 {
    // Seconds are rounded down and the millisecond of the second is never negative, so the sum
    // rounds down too. OffsetDateTime spans ±9999 years, well inside i64 milliseconds.
    t.unix_timestamp() * 1000 + i64::from(t.millisecond())
}

/// The instant `millis` after the Unix epoch.
pub(crate) fn from_unix_millis(millis: i64) -> Result<OffsetDateTime, Error> {
    checked_millis(millis).map(datetime_of_checked_millis)
}

/// `millis` if a [`Session`] can hold it, else [`Error::Malformed`].
pub(crate) fn checked_millis(millis: i64) -> Result<i64, Error> {
    if (MIN_MILLIS..=MAX_MILLIS).contains(&millis) {
        Ok(millis)
    } else {
        Err(Error::Malformed)
    }
}

/// The instant `millis` after the Unix epoch, for `millis` within [`MIN_MILLIS`, `MAX_MILLIS`].
pub(super) fn datetime_of_checked_millis(millis: i64) -> OffsetDateTime {
    let seconds = OffsetDateTime::from_unix_timestamp(millis.div_euclid(1000));
    // 0..=999 fits u16.
    let millisecond = millis.rem_euclid(1000) as u16;
    match seconds.and_then(|t| t.replace_millisecond(millisecond)) {
        Ok(t) => t,
        Err(_) => unreachable!("milliseconds within the range of OffsetDateTime"),
    }
}

/// The first whole second at or after `millis` (Unix milliseconds).
///
/// A session that starts right after a revocation of its subject starts there, and
/// `revoke_user` counts the sessions begun until there as begun before it: so that the order
/// of a login and a revocation holds in whole seconds too, as JWTs carry the login
/// (`auth_time`).
pub(crate) fn ceil_to_second(millis: i64) -> i64 {
    millis
        .saturating_add(999)
        .div_euclid(1000)
        .saturating_mul(1000)
}

/// A duration in whole milliseconds, saturating at `i64::MIN` and `i64::MAX`.
pub(crate) fn duration_millis(duration: Duration) -> i64 {
    let millis = duration.whole_milliseconds();
    i64::try_from(millis).unwrap_or(if millis < 0 { i64::MIN } else { i64::MAX })
}

/// Applies the time rules at `now_ms`, with `leeway_ms` of tolerated clock skew and the
/// opener's absolute lifetime `max_lifetime_ms`:
///
/// - the token ends at the earlier of its expiry and its session's end of life
///   (`auth_at + max_lifetime`), and is refused from that plus the leeway on: as
///   [`Error::Expired`] if its own expiry came first (idle too long), as
///   [`Error::LifetimeExceeded`] otherwise (the user must log in again);
/// - not yet valid while `iat > now + leeway`.
pub(crate) fn check_times(
    times: Times,
    now_ms: i64,
    leeway_ms: i64,
    max_lifetime_ms: i64,
) -> Result<(), Error> {
    let end_of_life = times.auth_at.saturating_add(max_lifetime_ms);
    if now_ms >= times.exp.min(end_of_life).saturating_add(leeway_ms) {
        return Err(if times.exp < end_of_life {
            Error::Expired
        } else {
            Error::LifetimeExceeded
        });
    }
    if times.iat > now_ms.saturating_add(leeway_ms) {
        return Err(Error::NotYetValid);
    }
    Ok(())
}
