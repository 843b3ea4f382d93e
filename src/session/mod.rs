//! The session: [`Session<T>`], what an opened token gives the application; its id; its times
//! and their rules; and the binary envelope that carries them inside a token.

mod envelope;
mod id;
#[cfg(test)]
mod tests;
mod times;

use time::OffsetDateTime;

pub(crate) use envelope::MAX_SUBJECT_LEN;
pub(crate) use envelope::{Envelope, MAX_OFFSET, read_envelope, write_envelope_head};
pub(crate) use id::SESSION_ID_LEN;
pub use id::SessionId;
use times::datetime_of_checked_millis;
pub(crate) use times::{
    MAX_MILLIS, MIN_MILLIS, Times, ceil_to_second, check_times, duration_millis, from_unix_millis,
    now_millis, unix_millis,
};

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

    /// Whether the session has no user: sealed with the empty subject, for state kept before a
    /// login (a cart, a preference). Logging in then starts a new session (a new id and login
    /// time), never turns this one into a user's: see the HTTP edge's
    /// `SessionHandle::log_in`.
    ///
    /// ```
    /// # use sealed_session::{Key, Sealer};
    /// # let sealer = Sealer::new(Key::generate(), "session");
    /// let cart = sealer.open::<Vec<u32>>(&sealer.seal("", &vec![7u32])?)?;
    /// assert!(cart.is_anonymous());
    /// assert!(!sealer.open::<u8>(&sealer.seal("user-42", &7u8)?)?.is_anonymous());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn is_anonymous(&self) -> bool {
        self.subject.is_empty()
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
    /// absolute lifetime ([`SealerBuilder::with_max_lifetime`](crate::SealerBuilder::with_max_lifetime)) are counted from it.
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
    /// let sealer = Sealer::builder(Key::generate(), "session").with_ttl(Duration::hours(2)).build()?;
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
