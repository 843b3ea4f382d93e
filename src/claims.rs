//! The plaintext envelope around the application's state, and the time rules applied to it.
//!
//! ```text
//! envelope = auth_at (6) ‖ iat − auth_at (5) ‖ exp − iat (5) ‖ sid (16)
//!            ‖ subject length (2) ‖ subject ‖ state as JSON
//! ```
//! Integers are unsigned big-endian; times are milliseconds: `auth_at` since the Unix epoch (48
//! bits reach the year 10889), the other two as offsets (40 bits, about 34 years). Fixed binary
//! fields, not JSON: they cost nothing to write or read and keep the token about 60 characters
//! shorter than a JSON envelope; offsets, so that carrying `auth_at` costs no byte. Milliseconds,
//! not seconds, so that "log out everywhere" followed by a new login a moment later can tell the
//! two sessions apart (see [`crate::RevocationList`]).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::time::{SystemTime, UNIX_EPOCH};

use time::{Duration, OffsetDateTime};

use crate::Error;

/// Length of a [`SessionId`] in bytes.
pub const SESSION_ID_LEN: usize = 16;
/// Length of a [`SessionId`] as base64url text.
const SESSION_ID_TEXT_LEN: usize = 22;

/// A random 128-bit id, fresh for every session: drawn by `seal` (a login) and kept by every
/// `reseal` of that session.
///
/// Use it to log out one device server-side ([`crate::RevocationList::revoke_session`]) or to tie
/// server logs to a session without logging the token. Shown as 22 base64url characters.
///
/// ```
/// use sealed_session::{Key, Sealer};
///
/// let sealer = Sealer::new(Key::generate(), "session");
/// let a = sealer.open::<()>(&sealer.seal("alice", &())?)?;
/// let b = sealer.open::<()>(&sealer.seal("alice", &())?)?;
/// assert_ne!(a.session_id(), b.session_id());
/// assert_eq!(a.session_id().to_string().len(), 22);
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(pub(crate) [u8; SESSION_ID_LEN]);

impl SessionId {
    /// The id's bytes.
    ///
    /// ```
    /// # use sealed_session::{Key, Sealer};
    /// # let sealer = Sealer::new(Key::generate(), "session");
    /// let session = sealer.open::<()>(&sealer.seal("alice", &())?)?;
    /// assert_eq!(session.session_id().as_bytes().len(), 16);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; SESSION_ID_LEN] {
        &self.0
    }

    /// Builds an id from its bytes (for example when reading it back from your own logs).
    ///
    /// ```
    /// let id = sealed_session::SessionId::from_bytes([7; 16]);
    /// assert_eq!(id.as_bytes(), &[7; 16]);
    /// ```
    #[must_use]
    pub fn from_bytes(bytes: [u8; SESSION_ID_LEN]) -> SessionId {
        SessionId(bytes)
    }

    /// A fresh id, 16 bytes straight from the operating system (as every session's): for a
    /// token that stands for no sealed session, such as a signed JWT's `jti`.
    ///
    /// # Errors
    ///
    /// [`Error::Random`] if the operating system cannot supply randomness.
    ///
    /// ```
    /// let id = sealed_session::SessionId::generate()?;
    /// assert_ne!(id, sealed_session::SessionId::generate()?);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn generate() -> Result<SessionId, Error> {
        crate::seal::scratch::os_random().map(SessionId)
    }

    /// Parses the 22-character base64url form shown by `Display`.
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`] if `text` is not exactly that form.
    ///
    /// ```
    /// let id = sealed_session::SessionId::from_bytes([7; 16]);
    /// assert_eq!(sealed_session::SessionId::parse(&id.to_string())?, id);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn parse(text: &str) -> Result<SessionId, Error> {
        let mut bytes = [0u8; SESSION_ID_LEN + 2];
        if text.len() != SESSION_ID_TEXT_LEN {
            return Err(Error::Malformed);
        }
        match URL_SAFE_NO_PAD.decode_slice(text, &mut bytes) {
            Ok(SESSION_ID_LEN) => {
                let mut id = [0u8; SESSION_ID_LEN];
                id.copy_from_slice(&bytes[..SESSION_ID_LEN]);
                Ok(SessionId(id))
            }
            _ => Err(Error::Malformed),
        }
    }

    fn encode(&self) -> [u8; SESSION_ID_TEXT_LEN] {
        let mut text = [0u8; SESSION_ID_TEXT_LEN];
        match URL_SAFE_NO_PAD.encode_slice(self.0, &mut text) {
            Ok(SESSION_ID_TEXT_LEN) => text,
            _ => unreachable!("16 bytes are 22 base64 characters"),
        }
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.encode();
        // base64url output is ASCII.
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({self})")
    }
}

impl Serialize for SessionId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = self.encode();
        serializer.serialize_str(std::str::from_utf8(&text).map_err(serde::ser::Error::custom)?)
    }
}

impl<'de> Deserialize<'de> for SessionId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<SessionId, D::Error> {
        struct SessionIdText;
        impl Visitor<'_> for SessionIdText {
            type Value = SessionId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a 22-character base64url session id")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<SessionId, E> {
                SessionId::parse(text).map_err(|_| E::custom("bad session id"))
            }
        }
        deserializer.deserialize_str(SessionIdText)
    }
}

/// Bytes of the envelope before the subject: auth_at ‖ iat offset ‖ lifetime ‖ sid ‖ subject
/// length.
pub(crate) const ENVELOPE_FIXED_LEN: usize = 6 + 5 + 5 + SESSION_ID_LEN + 2;
const _: () = assert!(ENVELOPE_FIXED_LEN == 34);
/// The longest subject, in bytes: its length is written in two bytes. Sealing a longer one
/// fails with [`Error::TooLarge`].
///
/// ```
/// use sealed_session::{Error, Key, Sealer, MAX_SUBJECT_LEN};
/// let sealer = Sealer::new(Key::generate(), "session").with_max_token_len(usize::MAX);
/// let long = "x".repeat(MAX_SUBJECT_LEN + 1);
/// assert_eq!(sealer.seal(&long, &()), Err(Error::TooLarge));
/// ```
pub const MAX_SUBJECT_LEN: usize = u16::MAX as usize;

/// The largest offset (`iat − auth_at`, `exp − iat`): 40 bits of milliseconds, about 34.8 years.
pub(crate) const MAX_OFFSET: i64 = (1 << 40) - 1;

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

/// The fields of the envelope, as read when opening; `state` is the JSON that follows them.
pub(crate) struct Envelope<'a> {
    pub(crate) times: Times,
    pub(crate) sid: SessionId,
    pub(crate) subject: &'a str,
    pub(crate) state: &'a [u8],
}

/// Appends the envelope's fixed fields and subject to `out`; the state's JSON goes after them.
/// `times` must have passed [`Times::check`].
pub(crate) fn write_envelope_head(
    out: &mut Vec<u8>,
    times: Times,
    sid: &SessionId,
    subject: &str,
) -> Result<(), Error> {
    let subject_len = u16::try_from(subject.len()).map_err(|_| Error::TooLarge)?;
    let Times { auth_at, iat, exp } = times;
    out.extend_from_slice(&auth_at.to_be_bytes()[2..]);
    out.extend_from_slice(&(iat - auth_at).to_be_bytes()[3..]);
    out.extend_from_slice(&(exp - iat).to_be_bytes()[3..]);
    out.extend_from_slice(&sid.0);
    out.extend_from_slice(&subject_len.to_be_bytes());
    out.extend_from_slice(subject.as_bytes());
    Ok(())
}

/// Splits a plaintext into the envelope's fields and the state's JSON.
///
/// Malformed if too short, if the subject is not UTF-8, or if the times are not what a sealer
/// can write (a zero lifetime, an expiry past the year 9999).
pub(crate) fn read_envelope(plaintext: &[u8]) -> Result<Envelope<'_>, Error> {
    let (fixed, rest) = plaintext
        .split_first_chunk::<ENVELOPE_FIXED_LEN>()
        .ok_or(Error::Malformed)?;
    let (auth_at, fixed) = split_be(fixed, 6);
    let (offset, fixed) = split_be(fixed, 5);
    let (lifetime, fixed) = split_be(fixed, 5);
    let (sid, subject_len) = fixed.split_at(SESSION_ID_LEN);
    let subject_len = usize::from(u16::from_be_bytes([subject_len[0], subject_len[1]]));
    // Within 48 + 40 + 40 bits: no sum overflows. `auth_at ≤ iat ≤ exp`, so the bound on `exp`
    // bounds all three.
    let iat = auth_at + offset;
    let exp = iat + lifetime;
    if lifetime == 0 || exp > MAX_MILLIS {
        return Err(Error::Malformed);
    }
    if rest.len() < subject_len {
        return Err(Error::Malformed);
    }
    let (subject, state) = rest.split_at(subject_len);
    Ok(Envelope {
        times: Times { auth_at, iat, exp },
        sid: SessionId(sid.try_into().map_err(|_| Error::Malformed)?),
        subject: std::str::from_utf8(subject).map_err(|_| Error::Malformed)?,
        state,
    })
}

/// Reads a `len`-byte unsigned big-endian integer (at most 7 bytes) off the front of `bytes`.
fn split_be(bytes: &[u8], len: usize) -> (i64, &[u8]) {
    let (head, rest) = bytes.split_at(len);
    let mut word = [0u8; 8];
    word[8 - len..].copy_from_slice(head);
    (i64::from_be_bytes(word), rest)
}

/// An opened, authenticated, unexpired (and, with a revocation list, unrevoked) session.
///
/// ```
/// use sealed_session::{Key, Sealer};
///
/// let sealer = Sealer::new(Key::generate(), "session");
/// let token = sealer.seal("alice", &vec!["admin".to_string()])?;
/// let session = sealer.open::<Vec<String>>(&token)?;
/// assert_eq!(session.subject(), "alice");
/// assert_eq!(session.state(), &["admin"]);
/// assert!(session.expires_at() > session.issued_at());
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session<T> {
    pub(crate) subject: String,
    pub(crate) state: T,
    pub(crate) session_id: SessionId,
    /// Unix milliseconds, within [0, `MAX_MILLIS`]; turned into dates only when asked.
    pub(crate) times: Times,
}

impl<T> Session<T> {
    /// Who the session belongs to, as given to `seal`.
    ///
    /// ```
    /// # use sealed_session::{Key, Sealer};
    /// # let sealer = Sealer::new(Key::generate(), "session");
    /// let session = sealer.open::<u8>(&sealer.seal("user-42", &7u8)?)?;
    /// assert_eq!(session.subject(), "user-42");
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The application's state.
    ///
    /// ```
    /// # use sealed_session::{Key, Sealer};
    /// # let sealer = Sealer::new(Key::generate(), "session");
    /// let session = sealer.open::<u8>(&sealer.seal("user-42", &7u8)?)?;
    /// assert_eq!(*session.state(), 7);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn state(&self) -> &T {
        &self.state
    }

    /// Takes the application's state out of the session.
    ///
    /// ```
    /// # use sealed_session::{Key, Sealer};
    /// # let sealer = Sealer::new(Key::generate(), "session");
    /// let state: u8 = sealer.open::<u8>(&sealer.seal("user-42", &7u8)?)?.into_state();
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn into_state(self) -> T {
        self.state
    }

    /// The random id of this session: the same for every token of it (see
    /// [`crate::Sealer::reseal`]), fresh for every login.
    ///
    /// ```
    /// # use sealed_session::{Key, Sealer};
    /// # let sealer = Sealer::new(Key::generate(), "session");
    /// let session = sealer.open::<u8>(&sealer.seal("user-42", &7u8)?)?;
    /// println!("session {}", session.session_id());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn session_id(&self) -> SessionId {
        self.session_id
    }

    /// When the token was sealed (millisecond precision).
    ///
    /// ```
    /// # use sealed_session::{Key, Sealer};
    /// # let sealer = Sealer::new(Key::generate(), "session");
    /// let session = sealer.open::<u8>(&sealer.seal("user-42", &7u8)?)?;
    /// assert!(session.issued_at() <= time::OffsetDateTime::now_utc());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn issued_at(&self) -> OffsetDateTime {
        datetime_of_checked_millis(self.times.iat)
    }

    /// When the session began: when the user logged in, that is when the `seal` that started
    /// this session ran. Every [`crate::Sealer::reseal`] carries it over; revocations and the
    /// absolute lifetime ([`crate::Sealer::with_max_lifetime`]) are counted from it.
    ///
    /// ```
    /// use sealed_session::{Key, Sealer};
    /// use time::{Duration, OffsetDateTime};
    ///
    /// let sealer = Sealer::new(Key::generate(), "session");
    /// let login = OffsetDateTime::now_utc();
    /// let first = sealer.open_at::<u8>(&sealer.seal_at("user-42", &7u8, login)?, login)?;
    /// assert_eq!(first.authenticated_at(), first.issued_at());
    /// let later = login + Duration::hours(13);
    /// let rolled = sealer.open_at::<u8>(&sealer.reseal_at(&first, &8u8, later)?, later)?;
    /// assert_eq!(rolled.authenticated_at(), first.authenticated_at());
    /// assert_eq!(rolled.issued_at(), later.replace_nanosecond(later.millisecond() as u32 * 1_000_000)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn authenticated_at(&self) -> OffsetDateTime {
        datetime_of_checked_millis(self.times.auth_at)
    }

    /// When the token stops opening (plus the sealer's leeway).
    ///
    /// ```
    /// # use sealed_session::{Key, Sealer};
    /// # let sealer = Sealer::new(Key::generate(), "session");
    /// let session = sealer.open::<u8>(&sealer.seal("user-42", &7u8)?)?;
    /// assert_eq!(session.expires_at() - session.issued_at(), time::Duration::hours(24));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn expires_at(&self) -> OffsetDateTime {
        datetime_of_checked_millis(self.times.exp)
    }

    /// Whether, at `now`, at least half of the session's lifetime has passed.
    ///
    /// Rolling sessions: when this is true, [`crate::Sealer::reseal`] the session and send the
    /// new token, so an active user is not logged out while an idle one expires.
    ///
    /// ```
    /// use sealed_session::{Key, Sealer};
    /// use time::{Duration, OffsetDateTime};
    ///
    /// let sealer = Sealer::new(Key::generate(), "session").with_ttl(Duration::hours(2));
    /// let start = OffsetDateTime::now_utc();
    /// let session = sealer.open_at::<u8>(&sealer.seal_at("alice", &1u8, start)?, start)?;
    /// assert!(!session.is_past_half_life_at(start + Duration::minutes(59)));
    /// assert!(session.is_past_half_life_at(start + Duration::minutes(61)));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn is_past_half_life_at(&self, now: OffsetDateTime) -> bool {
        self.is_past_half_life_at_millis(unix_millis(now))
    }

    /// [`Session::is_past_half_life_at`] with the current time.
    ///
    /// ```
    /// # use sealed_session::{Key, Sealer};
    /// # let sealer = Sealer::new(Key::generate(), "session");
    /// let session = sealer.open::<u8>(&sealer.seal("user-42", &7u8)?)?;
    /// assert!(!session.is_past_half_life());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn is_past_half_life(&self) -> bool {
        self.is_past_half_life_at_millis(now_millis())
    }

    fn is_past_half_life_at_millis(&self, now_ms: i64) -> bool {
        let life = self.times.exp - self.times.iat;
        now_ms.saturating_sub(self.times.iat) >= life / 2
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
fn millis_of(t: SystemTime) -> i64 {
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
fn datetime_of_checked_millis(millis: i64) -> OffsetDateTime {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_saturate_at_both_ends() {
        assert_eq!(duration_millis(Duration::MAX), i64::MAX);
        assert_eq!(duration_millis(Duration::MIN), i64::MIN);
        assert_eq!(duration_millis(Duration::milliseconds(-1500)), -1500);
        assert_eq!(duration_millis(Duration::ZERO), 0);
    }

    #[test]
    fn system_times_round_down_on_both_sides_of_1970() {
        use std::time::Duration as StdDuration;
        let at = |offset: StdDuration, after: bool| {
            millis_of(if after {
                UNIX_EPOCH + offset
            } else {
                UNIX_EPOCH - offset
            })
        };
        assert_eq!(at(StdDuration::ZERO, true), 0);
        assert_eq!(at(StdDuration::from_micros(1_500), true), 1);
        assert_eq!(at(StdDuration::from_millis(1_234), true), 1_234);
        // Before 1970: toward the past, so 1.5 ms before is -2, and whole milliseconds stay.
        assert_eq!(at(StdDuration::from_micros(1_500), false), -2);
        assert_eq!(at(StdDuration::from_nanos(1), false), -1);
        assert_eq!(at(StdDuration::from_millis(86_400_000), false), -86_400_000);
        assert_eq!(at(StdDuration::from_secs(1 << 62), true), i64::MAX);
        let now = now_millis();
        assert!((1_764_547_200_000..MAX_MILLIS).contains(&now), "{now}");
    }

    #[test]
    fn an_envelope_is_as_long_as_its_subject_says() {
        let envelope = |subject_len: u16, rest: &[u8]| {
            let mut bytes = vec![0u8; ENVELOPE_FIXED_LEN];
            bytes[15] = 1; // a lifetime of 1 ms
            bytes[ENVELOPE_FIXED_LEN - 2..].copy_from_slice(&subject_len.to_be_bytes());
            bytes.extend_from_slice(rest);
            bytes
        };
        // The subject takes all that is left: an empty state.
        let exact = envelope(5, b"alice");
        let read = read_envelope(&exact).expect("reads");
        assert_eq!((read.subject, read.state), ("alice", &b""[..]));
        let read_longer = envelope(5, b"alice{}");
        let read = read_envelope(&read_longer).expect("reads");
        assert_eq!((read.subject, read.state), ("alice", &b"{}"[..]));
        // One byte short, and far short: malformed, never a panic.
        assert_eq!(
            read_envelope(&envelope(6, b"alice")).err(),
            Some(Error::Malformed)
        );
        assert_eq!(
            read_envelope(&envelope(u16::MAX, b"")).err(),
            Some(Error::Malformed)
        );
        assert_eq!(
            read_envelope(&exact[..ENVELOPE_FIXED_LEN - 1]).err(),
            Some(Error::Malformed)
        );
    }

    #[test]
    fn time_rules() {
        let t = |auth_at, iat, exp| Times { auth_at, iat, exp };
        const LONG: i64 = i64::MAX;
        assert_eq!(check_times(t(0, 0, 1000), 999, 0, LONG), Ok(()));
        assert_eq!(
            check_times(t(0, 0, 1000), 1000, 0, LONG),
            Err(Error::Expired)
        );
        assert_eq!(check_times(t(0, 0, 1000), 1049, 50, LONG), Ok(()));
        assert_eq!(
            check_times(t(0, 0, 1000), 1050, 50, LONG),
            Err(Error::Expired)
        );
        assert_eq!(check_times(t(0, 100, 1000), 50, 50, LONG), Ok(()));
        assert_eq!(
            check_times(t(0, 101, 1000), 50, 50, LONG),
            Err(Error::NotYetValid)
        );
        // The absolute lifetime counts from auth_at, with the leeway; whichever end comes
        // first names the error.
        assert_eq!(check_times(t(0, 500, 1000), 599, 0, 600), Ok(()));
        assert_eq!(
            check_times(t(0, 500, 1000), 600, 0, 600),
            Err(Error::LifetimeExceeded)
        );
        assert_eq!(check_times(t(0, 500, 1000), 649, 50, 600), Ok(()));
        assert_eq!(
            check_times(t(0, 500, 1000), 5000, 0, 600),
            Err(Error::LifetimeExceeded)
        );
        assert_eq!(
            check_times(t(0, 500, 600), 600, 0, 600),
            Err(Error::LifetimeExceeded)
        );
        assert_eq!(
            check_times(t(0, 500, 599), 599, 0, 600),
            Err(Error::Expired)
        );
        assert_eq!(
            check_times(t(0, 500, 599), 5000, 0, 600),
            Err(Error::Expired)
        );
        assert_eq!(
            check_times(t(LONG, LONG, LONG), LONG - 1, LONG, LONG),
            Ok(())
        );
    }

    #[test]
    fn an_envelope_may_expire_at_the_last_millisecond_of_9999_and_no_later() {
        let envelope = |auth_at: i64, lifetime: i64| {
            let mut bytes = Vec::new();
            bytes.extend_from_slice(&auth_at.to_be_bytes()[2..]);
            bytes.extend_from_slice(&[0; 5]);
            bytes.extend_from_slice(&lifetime.to_be_bytes()[3..]);
            bytes.extend_from_slice(&[0; SESSION_ID_LEN + 2]);
            bytes
        };
        let last = envelope(MAX_MILLIS - 1000, 1000);
        assert_eq!(read_envelope(&last).expect("reads").times.exp, MAX_MILLIS);
        assert_eq!(
            read_envelope(&envelope(MAX_MILLIS - 999, 1000)).err(),
            Some(Error::Malformed)
        );
        // The largest login the 48-bit field holds is past 9999 whatever the lifetime.
        assert_eq!(
            read_envelope(&envelope((1 << 48) - 1, 1)).err(),
            Some(Error::Malformed)
        );
        assert_eq!(read_envelope(&envelope(0, 0)).err(), Some(Error::Malformed));
    }

    #[test]
    fn envelope_round_trips_and_refuses_what_no_sealer_writes() {
        let times = Times {
            auth_at: 1_735_689_600_000,
            iat: 1_735_700_000_123,
            exp: 1_735_786_400_123,
        };
        let sid = SessionId([7; SESSION_ID_LEN]);
        let mut out = Vec::new();
        write_envelope_head(&mut out, times.check().expect("valid"), &sid, "user-42")
            .expect("fits");
        assert_eq!(out.len(), ENVELOPE_FIXED_LEN + 7);
        out.extend_from_slice(b"{}");
        let read = read_envelope(&out).expect("reads");
        assert_eq!(
            (read.times, read.sid, read.subject, read.state),
            (times, sid, "user-42", &b"{}"[..])
        );
        // A zero lifetime, and an expiry past the year 9999, are malformed.
        let mut zero = out.clone();
        zero[11..16].fill(0);
        assert!(matches!(read_envelope(&zero), Err(Error::Malformed)));
        let mut late = out.clone();
        late[..6].fill(0xff);
        assert!(matches!(read_envelope(&late), Err(Error::Malformed)));
        assert!(matches!(
            read_envelope(&out[..ENVELOPE_FIXED_LEN - 1]),
            Err(Error::Malformed)
        ));
        assert!(matches!(
            read_envelope(&out[..ENVELOPE_FIXED_LEN + 6]),
            Err(Error::Malformed)
        ));
        // What cannot be written is refused before sealing.
        for bad in [
            Times {
                auth_at: -1,
                iat: 0,
                exp: 1,
            },
            Times {
                auth_at: 0,
                iat: 0,
                exp: 0,
            },
            Times {
                auth_at: 5,
                iat: 4,
                exp: 10,
            },
            Times {
                auth_at: 0,
                iat: MAX_OFFSET + 1,
                exp: MAX_OFFSET + 2,
            },
            Times {
                auth_at: 0,
                iat: 0,
                exp: MAX_OFFSET + 1,
            },
            Times {
                auth_at: MAX_MILLIS - 1,
                iat: MAX_MILLIS - 1,
                exp: MAX_MILLIS + 1,
            },
        ] {
            assert!(matches!(bad.check(), Err(Error::Config(_))), "{bad:?}");
        }
    }

    #[test]
    fn millis_range_is_the_range_of_offset_date_time() {
        let min = OffsetDateTime::new_utc(time::Date::MIN, time::Time::MIDNIGHT);
        let max = time::PrimitiveDateTime::MAX.assume_utc();
        assert_eq!(unix_millis(min), MIN_MILLIS);
        assert_eq!(unix_millis(max), MAX_MILLIS);
        assert_eq!(from_unix_millis(MIN_MILLIS), Ok(min));
        assert_eq!(
            unix_millis(from_unix_millis(MAX_MILLIS).expect("valid")),
            MAX_MILLIS
        );
        assert_eq!(from_unix_millis(MIN_MILLIS - 1), Err(Error::Malformed));
        assert_eq!(from_unix_millis(MAX_MILLIS + 1), Err(Error::Malformed));
    }

    #[test]
    fn clock_in_millis_agrees_with_offset_date_time() {
        let before = unix_millis(OffsetDateTime::now_utc());
        let now = now_millis();
        let after = unix_millis(OffsetDateTime::now_utc());
        assert!(before <= now && now <= after, "{before} {now} {after}");
        let offset = OffsetDateTime::from_unix_timestamp_nanos(-1_500_000)
            .expect("valid")
            .to_offset(time::UtcOffset::from_hms(5, 30, 0).expect("valid"));
        assert_eq!(unix_millis(offset), -2);
    }

    #[test]
    fn millis_round_trip() {
        let t =
            OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).expect("valid");
        assert_eq!(unix_millis(t), 1_700_000_000_123);
        assert_eq!(unix_millis(from_unix_millis(-1).expect("valid")), -1);
        assert_eq!(from_unix_millis(i64::MAX), Err(Error::Malformed));
    }

    #[test]
    fn session_id_text() {
        let id = SessionId([0xfb; SESSION_ID_LEN]);
        let text = id.to_string();
        assert_eq!(text, "-_v7-_v7-_v7-_v7-_v7-w");
        assert_eq!(format!("{id:?}"), "SessionId(-_v7-_v7-_v7-_v7-_v7-w)");
        assert_eq!(SessionId::parse(&text), Ok(id));
        assert_eq!(SessionId::parse(&text[1..]), Err(Error::Malformed));
        // Non-canonical: the last character carries bits that must be zero.
        let mut bent = text.clone();
        bent.replace_range(21.., "x");
        assert_eq!(SessionId::parse(&bent), Err(Error::Malformed));
        let json = serde_json::to_string(&id).expect("serializes");
        assert_eq!(
            serde_json::from_str::<SessionId>(&json).expect("parses"),
            id
        );
        // What a deserializer is told when the JSON holds something else.
        let not_text = serde_json::from_str::<SessionId>("42").expect_err("a number");
        assert!(
            not_text
                .to_string()
                .contains("expected a 22-character base64url session id"),
            "{not_text}"
        );
        let bad_text = serde_json::from_str::<SessionId>("\"short\"").expect_err("short");
        assert!(
            bad_text.to_string().contains("bad session id"),
            "{bad_text}"
        );
    }

    #[test]
    fn the_writable_times_are_bounded_exactly() {
        let t = |auth_at, iat, exp| Times { auth_at, iat, exp };
        // A login at the epoch itself, and offsets of exactly 40 bits, are writable and read
        // back unchanged; one more millisecond of offset is not writable.
        let widest = (1_i64 << 40) - 1;
        assert_eq!(MAX_OFFSET, widest);
        for times in [
            t(0, 0, 1),
            t(0, widest, widest + 1),
            t(0, 0, widest),
            t(7, 7 + widest, 7 + 2 * widest),
        ] {
            let checked = times.check().expect("writable");
            let mut out = Vec::new();
            write_envelope_head(&mut out, checked, &SessionId([1; SESSION_ID_LEN]), "u")
                .expect("fits");
            assert_eq!(read_envelope(&out).expect("reads").times, times);
        }
        for times in [t(0, 1 << 40, (1 << 40) + 1), t(0, 0, 1 << 40)] {
            assert!(matches!(times.check(), Err(Error::Config(_))), "{times:?}");
        }
    }
}
