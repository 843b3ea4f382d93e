//! Opening: a token back to its session, through the time rules and the revocation list.

use serde::de::{DeserializeOwned, IgnoredAny};
use time::OffsetDateTime;

use super::Sealer;
use crate::Error;
use crate::session::{self, Envelope, Session, duration_millis, unix_millis};

impl Sealer {
    /// Opens a token: checks its length, decodes, authenticates, decrypts, inflates, parses,
    /// checks the session's lifetime, the token's expiry and the revocation list, and returns
    /// the session.
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`], [`Error::Malformed`], [`Error::UnknownKey`],
    /// [`Error::UnknownDictionary`], [`Error::Invalid`], [`Error::StateMismatch`],
    /// [`Error::LifetimeExceeded`], [`Error::Expired`], [`Error::NotYetValid`],
    /// [`Error::Revoked`] or [`Error::Config`]: see [`Error`]. Log them; answer the client as
    /// if it were logged out.
    ///
    /// ```
    /// use sealed_session::{Error, Key, Sealer};
    ///
    /// let sealer = Sealer::new(Key::generate(), "session");
    /// let token = sealer.seal("alice", &42u64)?;
    /// assert_eq!(*sealer.open::<u64>(&token)?.state(), 42);
    /// assert_eq!(sealer.open::<String>(&token).unwrap_err(), Error::StateMismatch);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn open<T: DeserializeOwned>(&self, token: &str) -> Result<Session<T>, Error> {
        self.validate()?;
        self.open_at_millis(token, self.now_millis())
    }

    /// [`Sealer::open`] as if the time were `now`.
    ///
    /// # Errors
    ///
    /// As [`Sealer::open`].
    ///
    /// ```
    /// use sealed_session::{Error, Key, Sealer};
    /// use time::{Duration, OffsetDateTime};
    ///
    /// let sealer = Sealer::builder(Key::generate(), "session").with_ttl(Duration::hours(1)).build()?;
    /// let now = OffsetDateTime::now_utc();
    /// let token = sealer.seal_at("alice", &(), now)?;
    /// let later = now + Duration::hours(2);
    /// assert_eq!(sealer.open_at::<()>(&token, later).unwrap_err(), Error::Expired);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn open_at<T: DeserializeOwned>(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<Session<T>, Error> {
        self.validate()?;
        self.open_at_millis(token, unix_millis(now))
    }

    /// Opens `token` at `now_ms`: the one path of [`Sealer::open`] and [`Sealer::open_at`].
    pub(crate) fn open_at_millis<T: DeserializeOwned>(
        &self,
        token: &str,
        now_ms: i64,
    ) -> Result<Session<T>, Error> {
        self.codec
            .open(token, |envelope| self.accept_envelope(envelope, now_ms))
    }

    /// Applies the time rules and the revocation list to an authentic envelope, and parses the
    /// state: the last step of opening, for every format.
    fn accept_envelope<T: DeserializeOwned>(
        &self,
        envelope: Envelope<'_>,
        now_ms: i64,
    ) -> Result<Session<T>, Error> {
        let times = envelope.times;
        let leeway = duration_millis(self.leeway);
        session::check_times(times, now_ms, leeway, duration_millis(self.max_lifetime))?;
        if let Some(revocations) = &self.revocations {
            // The list forgets a revocation one horizon after it: a session whose token lives
            // longer could outlive its revocation. Refuse it rather than trust the list.
            let lifetime = times.exp - times.auth_at;
            if lifetime.saturating_add(leeway) > duration_millis(revocations.horizon()) {
                return Err(Error::Config(
                    "a token's lifetime plus the leeway exceeds the revocation horizon",
                ));
            }
            revocations.check(envelope.subject, &envelope.sid, times.auth_at)?;
        }
        Ok(Session {
            subject: envelope.subject.to_owned(),
            state: parse_state(envelope.state)?,
            session_id: envelope.sid,
            times,
        })
    }
}

/// Parses the state's JSON; tells a state of the wrong type apart from JSON that is broken.
fn parse_state<T: DeserializeOwned>(json: &[u8]) -> Result<T, Error> {
    serde_json::from_slice::<T>(json).map_err(|_| {
        match serde_json::from_slice::<IgnoredAny>(json) {
            Ok(_) => Error::StateMismatch,
            Err(_) => Error::Malformed,
        }
    })
}
