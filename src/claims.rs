//! The plaintext envelope around the application's state, and the time rules applied to it.
//!
//! ```text
//! envelope = iat (8) ‖ exp (8) ‖ sid (16) ‖ subject length (2) ‖ subject ‖ state as JSON
//! ```
//! Integers are big-endian; times are Unix milliseconds. Fixed binary fields, not JSON: they cost
//! nothing to write or read and keep the token about 60 characters shorter than a JSON envelope.
//! Milliseconds, not seconds, so that "log out everywhere" followed by a new login a moment later
//! can tell the two tokens apart (see [`crate::RevocationList`]).

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

/// A random 128-bit id, fresh for every sealed token.
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

/// Bytes of the envelope before the subject: iat ‖ exp ‖ sid ‖ subject length.
pub(crate) const ENVELOPE_FIXED_LEN: usize = 8 + 8 + SESSION_ID_LEN + 2;
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

/// The fields of the envelope, as read when opening; `state` is the JSON that follows them.
pub(crate) struct Envelope<'a> {
    pub(crate) iat: i64,
    pub(crate) exp: i64,
    pub(crate) sid: SessionId,
    pub(crate) subject: &'a str,
    pub(crate) state: &'a [u8],
}

/// Appends the envelope's fixed fields and subject to `out`; the state's JSON goes after them.
pub(crate) fn write_envelope_head(
    out: &mut Vec<u8>,
    iat: i64,
    exp: i64,
    sid: &SessionId,
    subject: &str,
) -> Result<(), Error> {
    let subject_len = u16::try_from(subject.len()).map_err(|_| Error::TooLarge)?;
    out.extend_from_slice(&iat.to_be_bytes());
    out.extend_from_slice(&exp.to_be_bytes());
    out.extend_from_slice(&sid.0);
    out.extend_from_slice(&subject_len.to_be_bytes());
    out.extend_from_slice(subject.as_bytes());
    Ok(())
}

/// Splits a plaintext into the envelope's fields and the state's JSON.
pub(crate) fn read_envelope(plaintext: &[u8]) -> Result<Envelope<'_>, Error> {
    let (fixed, rest) = plaintext
        .split_first_chunk::<ENVELOPE_FIXED_LEN>()
        .ok_or(Error::Malformed)?;
    let (iat, fixed) = split_i64(fixed);
    let (exp, fixed) = split_i64(fixed);
    let (sid, subject_len) = fixed.split_at(SESSION_ID_LEN);
    let subject_len = usize::from(u16::from_be_bytes([subject_len[0], subject_len[1]]));
    if rest.len() < subject_len {
        return Err(Error::Malformed);
    }
    let (subject, state) = rest.split_at(subject_len);
    Ok(Envelope {
        iat,
        exp,
        sid: SessionId(sid.try_into().map_err(|_| Error::Malformed)?),
        subject: std::str::from_utf8(subject).map_err(|_| Error::Malformed)?,
        state,
    })
}

fn split_i64(bytes: &[u8]) -> (i64, &[u8]) {
    let (head, rest) = bytes.split_at(8);
    let mut word = [0u8; 8];
    word.copy_from_slice(head);
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
    /// Unix milliseconds, within [`MIN_MILLIS`, `MAX_MILLIS`]; turned into dates only when asked.
    pub(crate) issued_at_ms: i64,
    pub(crate) expires_at_ms: i64,
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

    /// The random id of this one sealed token.
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
        datetime_of_checked_millis(self.issued_at_ms)
    }

    /// When the session began: when the user logged in, that is when the `seal` that started
    /// this session ran. Revocations are matched against it (see [`crate::RevocationList`]).
    ///
    /// ```
    /// # use sealed_session::{Key, Sealer};
    /// # let sealer = Sealer::new(Key::generate(), "session");
    /// let session = sealer.open::<u8>(&sealer.seal("user-42", &7u8)?)?;
    /// assert_eq!(session.authenticated_at(), session.issued_at()); // a token fresh from `seal`
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn authenticated_at(&self) -> OffsetDateTime {
        datetime_of_checked_millis(self.issued_at_ms)
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
        datetime_of_checked_millis(self.expires_at_ms)
    }

    /// Whether, at `now`, at least half of the session's lifetime has passed.
    ///
    /// Rolling sessions: when this is true, seal the state again and send the new token, so an
    /// active user is never logged out while an idle one expires.
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
        let life = self.expires_at_ms.saturating_sub(self.issued_at_ms);
        now_ms.saturating_sub(self.issued_at_ms) >= life / 2
    }
}

/// The earliest instant a [`Session`] can hold: -9999-01-01T00:00:00Z in Unix milliseconds.
pub(crate) const MIN_MILLIS: i64 = -377_705_116_800_000;
/// The latest instant a [`Session`] can hold: 9999-12-31T23:59:59.999Z in Unix milliseconds.
pub(crate) const MAX_MILLIS: i64 = 253_402_300_799_999;

/// The current time in Unix milliseconds, rounded down, straight from the system clock.
pub(crate) fn now_millis() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
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

/// A duration in whole milliseconds, saturating at `i64::MIN` and `i64::MAX`.
pub(crate) fn duration_millis(duration: Duration) -> i64 {
    let millis = duration.whole_milliseconds();
    i64::try_from(millis).unwrap_or(if millis < 0 { i64::MIN } else { i64::MAX })
}

/// Applies the expiry and issued-at rules at `now_ms` with `leeway_ms` of tolerated clock skew.
///
/// A token is expired from `exp` on (`now >= exp + leeway`), and not yet valid while its
/// issued-at lies more than the leeway ahead of `now`.
pub(crate) fn check_times(iat: i64, exp: i64, now_ms: i64, leeway_ms: i64) -> Result<(), Error> {
    if now_ms >= exp.saturating_add(leeway_ms) {
        return Err(Error::Expired);
    }
    if iat > now_ms.saturating_add(leeway_ms) {
        return Err(Error::NotYetValid);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_rules() {
        assert_eq!(check_times(0, 1000, 999, 0), Ok(()));
        assert_eq!(check_times(0, 1000, 1000, 0), Err(Error::Expired));
        assert_eq!(check_times(0, 1000, 1049, 50), Ok(()));
        assert_eq!(check_times(0, 1000, 1050, 50), Err(Error::Expired));
        assert_eq!(check_times(100, 1000, 50, 50), Ok(()));
        assert_eq!(check_times(101, 1000, 50, 50), Err(Error::NotYetValid));
        assert_eq!(
            check_times(i64::MAX, i64::MAX, i64::MAX - 1, i64::MAX),
            Ok(())
        );
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
        assert_eq!(text.len(), 22);
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
    }
}
