//! [`KeySchedule`]: signing keys that rotate on a fixed calendar, derived from one master
//! secret, so that every instance of a fleet signs with the same key at the same time and
//! publishes the same JWK Set, with nothing to coordinate.
//!
//! Time is cut into periods counted from the Unix epoch. The key of period `n` is an Ed25519
//! seed derived with HKDF-SHA256 from the master secret, the period's length and `n`. At any
//! time, the key of the current period signs; the key of the next period is already published
//! (a whole period ahead, so that verifiers have it before its first token); each earlier key
//! stays published until every token it signed has expired, plus a clock-skew allowance.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use hkdf::Hkdf;
use sha2::Sha256;
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

use super::signing_key::JwsSigningKey;
use crate::Error;

/// HKDF `info` prefix of the seeds, followed by the period in seconds and the period's number
/// (8 bytes each, big-endian): a key per period, and another set of keys for another length.
const SEED_INFO: &[u8] = b"sealed-session v1 jws schedule ed25519:";

/// The most keys a set publishes at once; a TTL of many periods would publish more.
pub(super) const MAX_PUBLISHED_KEYS: usize = 16;

/// Ed25519 signing keys on a rotation calendar, derived from a master secret shared by every
/// instance of the issuing service: give it to [`JwsIssuer::rotating`](super::JwsIssuer::rotating).
///
/// The schedule decides, from the clock alone, which key signs and which keys are published —
/// the next key a whole period before it signs, the previous ones until their tokens have
/// expired — so that a rotation needs no deploy and no merge of key sets by hand, and
/// instances whose clocks are seconds apart stay valid for each other's verifiers.
///
/// Rotation bounds how long each key signs. It does not protect against a leak of the master
/// secret, from which every key is derived: keep it in your secret store as you keep the
/// session key. Every instance must use the same period, since the period is part of each
/// key's derivation.
///
/// ```
/// use sealed_session::jwt::{JwsIssuer, KeySchedule};
/// use time::Duration;
///
/// let master = rand::random::<[u8; 32]>(); // or KeySchedule::ed25519_from_env
/// let schedule = KeySchedule::ed25519(&master, Duration::days(1))?;
/// let issuer = JwsIssuer::rotating(schedule, "https://auth.example");
/// let set: serde_json::Value = serde_json::from_str(&issuer.public_jwk_set())?;
/// // The next key and the current one (and the previous one for a while after a rotation).
/// assert!(set["keys"].as_array().is_some_and(|keys| keys.len() >= 2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct KeySchedule {
    master: Zeroizing<[u8; 32]>,
    period_seconds: i64,
    /// The keys derived last, by period: deriving a key costs a scalar multiplication.
    derived: Arc<RwLock<Vec<Derived>>>,
}

/// A period's number and its key.
type Derived = (i64, Arc<ScheduledKey>);

/// One period's key and its `kid` (its RFC 7638 thumbprint).
pub(super) struct ScheduledKey {
    pub(super) key: JwsSigningKey,
    pub(super) kid: String,
}

impl KeySchedule {
    /// A schedule of Ed25519 keys derived from `master` (32 random bytes), one per `period`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a period shorter than a second.
    ///
    /// ```
    /// use sealed_session::jwt::KeySchedule;
    /// let schedule = KeySchedule::ed25519(&rand::random(), time::Duration::hours(6))?;
    /// assert_eq!(schedule.period(), time::Duration::hours(6));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn ed25519(master: &[u8; 32], period: Duration) -> Result<KeySchedule, Error> {
        let period_seconds = period.whole_seconds();
        if period_seconds < 1 {
            return Err(Error::Config(
                "a key schedule's period must be at least a second",
            ));
        }
        Ok(KeySchedule {
            master: Zeroizing::new(*master),
            period_seconds,
            derived: Arc::default(),
        })
    }

    /// The length of a period.
    ///
    /// ```
    /// use sealed_session::jwt::KeySchedule;
    /// let schedule = KeySchedule::ed25519(&rand::random(), time::Duration::days(1))?;
    /// assert_eq!(schedule.period().whole_hours(), 24);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn period(&self) -> Duration {
        Duration::seconds(self.period_seconds)
    }

    /// The number of the period `now` falls in.
    fn period_of(&self, now: OffsetDateTime) -> i64 {
        now.unix_timestamp().div_euclid(self.period_seconds)
    }

    /// The key that signs at `now`.
    pub(super) fn signing_key_at(&self, now: OffsetDateTime) -> Arc<ScheduledKey> {
        self.key_of(self.period_of(now))
    }

    /// The keys published at `now`, newest first: the next period's, the current one's, and
    /// every earlier one whose tokens may still be valid — signed up to the end of its period,
    /// valid for `overlap` (the token TTL plus the verifiers' clock-skew allowance) after.
    pub(super) fn published_at(
        &self,
        now: OffsetDateTime,
        overlap: Duration,
    ) -> Vec<Arc<ScheduledKey>> {
        let current = self.period_of(now);
        let now = now.unix_timestamp();
        let overlap = overlap.whole_seconds().max(0);
        let mut keys = vec![self.key_of(current.saturating_add(1)), self.key_of(current)];
        let mut earlier = current.saturating_sub(1);
        // Period `earlier` ended at (earlier + 1) * period: its last token is valid until then
        // plus the overlap.
        while keys.len() < MAX_PUBLISHED_KEYS
            && earlier
                .saturating_add(1)
                .saturating_mul(self.period_seconds)
                .saturating_add(overlap)
                > now
        {
            keys.push(self.key_of(earlier));
            earlier = earlier.saturating_sub(1);
        }
        keys
    }

    /// Whether `overlap` needs more keys published than a set holds.
    pub(super) fn overlap_fits(&self, overlap: Duration) -> bool {
        let periods = overlap.whole_seconds().max(0) / self.period_seconds + 1;
        // Next, current, and one per period the overlap reaches back.
        usize::try_from(periods).is_ok_and(|periods| periods + 2 <= MAX_PUBLISHED_KEYS)
    }

    /// How long a verifier may cache the published set: a quarter of a period (so that it
    /// learns of the next key well before its first token), between a second and an hour.
    pub(super) fn cache_lifetime(&self) -> Duration {
        Duration::seconds((self.period_seconds / 4).clamp(1, 3600))
    }

    /// The key of period `number`, derived once and then kept while it may be asked for.
    fn key_of(&self, number: i64) -> Arc<ScheduledKey> {
        let known = self.derived.read().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, key)) = known.iter().find(|(period, _)| *period == number) {
            return Arc::clone(key);
        }
        drop(known);
        let key = Arc::new(self.derive(number));
        let mut known = self.derived.write().unwrap_or_else(PoisonError::into_inner);
        // Keep what a set can hold around the newest period asked for.
        let newest = known
            .iter()
            .map(|(period, _)| *period)
            .chain([number])
            .max()
            .unwrap_or(number);
        let oldest_kept = newest.saturating_sub(MAX_PUBLISHED_KEYS as i64);
        known.retain(|(period, _)| *period >= oldest_kept && *period != number);
        known.push((number, Arc::clone(&key)));
        key
    }

    fn derive(&self, number: i64) -> ScheduledKey {
        let hkdf = Hkdf::<Sha256>::new(None, &self.master[..]);
        let mut seed = Zeroizing::new([0u8; 32]);
        let info: [&[u8]; 3] = [
            SEED_INFO,
            &self.period_seconds.to_be_bytes(),
            &number.to_be_bytes(),
        ];
        if hkdf.expand_multi_info(&info, &mut seed[..]).is_err() {
            unreachable!("32 bytes are far below HKDF's limit");
        }
        let key = JwsSigningKey::ed25519_from_seed(&seed);
        ScheduledKey {
            kid: key.thumbprint(),
            key,
        }
    }
}

impl fmt::Debug for KeySchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySchedule")
            .field("period", &self.period())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn schedule(period: Duration) -> KeySchedule {
        KeySchedule::ed25519(&[42u8; 32], period).expect("a period")
    }

    fn kids(keys: &[Arc<ScheduledKey>]) -> Vec<String> {
        keys.iter().map(|key| key.kid.clone()).collect()
    }

    /// The key changes at each period's boundary, and two schedules of one secret agree.
    #[test]
    fn one_key_per_period_the_same_on_every_instance() {
        let day = schedule(Duration::days(1));
        let other_instance = schedule(Duration::days(1));
        let morning = datetime!(2026-12-04 08:00 UTC);
        let evening = datetime!(2026-12-04 23:59:59 UTC);
        let midnight = datetime!(2026-12-05 00:00 UTC);
        assert_eq!(
            day.signing_key_at(morning).kid,
            other_instance.signing_key_at(evening).kid
        );
        assert_ne!(
            day.signing_key_at(evening).kid,
            day.signing_key_at(midnight).kid
        );
        let another_period = schedule(Duration::hours(24) + Duration::seconds(1));
        assert_ne!(
            day.signing_key_at(morning).kid,
            another_period.signing_key_at(morning).kid
        );
        let another_secret = KeySchedule::ed25519(&[43u8; 32], Duration::days(1)).expect("ok");
        assert_ne!(
            day.signing_key_at(morning).kid,
            another_secret.signing_key_at(morning).kid
        );
    }

    /// The next key is published a period ahead; a previous key until its last token, signed
    /// at the end of its period, has expired.
    #[test]
    fn the_next_key_is_published_before_it_signs_and_the_previous_kept_for_its_tokens() {
        let hour = schedule(Duration::hours(1));
        let overlap = Duration::minutes(6);
        let at = |text: time::Time| datetime!(2026-12-04 0:00 UTC).replace_time(text);
        let early = hour.published_at(at(time::macros::time!(10:05)), overlap);
        assert_eq!(
            kids(&early),
            kids(&[
                hour.signing_key_at(at(time::macros::time!(11:00))),
                hour.signing_key_at(at(time::macros::time!(10:00))),
                hour.signing_key_at(at(time::macros::time!(9:59:59))),
            ])
        );
        let later = hour.published_at(at(time::macros::time!(10:06)), overlap);
        assert_eq!(later.len(), 2, "9:00's key is gone once its tokens expired");
        // A TTL of several periods keeps several earlier keys.
        let long = hour.published_at(at(time::macros::time!(10:30)), Duration::hours(3));
        assert_eq!(long.len(), 5);
        assert!(hour.overlap_fits(Duration::hours(13)));
        assert!(!hour.overlap_fits(Duration::hours(14)));
    }

    #[test]
    fn a_period_under_a_second_is_refused() {
        assert!(matches!(
            KeySchedule::ed25519(&[1u8; 32], Duration::milliseconds(999)),
            Err(Error::Config(_))
        ));
        assert_eq!(
            schedule(Duration::days(1)).cache_lifetime(),
            Duration::hours(1)
        );
        assert_eq!(
            schedule(Duration::seconds(2)).cache_lifetime(),
            Duration::seconds(1)
        );
    }
}
