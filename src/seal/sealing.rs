//! Sealing: a new session, a rolled one, and logging out the others.

use serde::Serialize;
use time::OffsetDateTime;

use super::{Sealed, Sealer, round_down};
use crate::Error;
use crate::aead::NONCE_LEN;
use crate::random::os_random;
use crate::session::{
    self, SESSION_ID_LEN, Session, SessionId, Times, duration_millis, unix_millis,
};

impl Sealer {
    /// Starts a session: seals `state` for `subject` (a user id), with a fresh session id,
    /// authenticated now, valid for the TTL.
    ///
    /// Call it when the user logs in. To roll an existing session (a new token for the same
    /// session, as its state changes or its token ages), use [`Sealer::reseal`].
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`] if the state, the subject ([`Sealer::MAX_SUBJECT_LEN`]) or the token
    /// exceeds its limit, [`Error::Serialize`] if the state cannot be written as JSON,
    /// [`Error::Config`] for settings that [`Sealer::validate`] refuses or a time that cannot
    /// be sealed (before 1970, or an expiry past the year 9999), [`Error::Random`] if the
    /// operating system cannot supply randomness.
    ///
    /// ```
    /// let sealer = sealed_session::Sealer::new(sealed_session::Key::generate(), "session");
    /// let token = sealer.seal("user-42", &serde_json::json!({"roles": ["admin"]}))?;
    /// assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn seal<T: Serialize + ?Sized>(&self, subject: &str, state: &T) -> Result<String, Error> {
        self.seal_at_millis(subject, state, self.now_millis())
    }

    /// [`Sealer::seal`] as if the time were `now`.
    ///
    /// # Errors
    ///
    /// As [`Sealer::seal`].
    ///
    /// ```
    /// use time::macros::datetime;
    /// let sealer = sealed_session::Sealer::new(sealed_session::Key::generate(), "session");
    /// let token = sealer.seal_at("alice", &1u8, datetime!(2030-01-01 0:00 UTC))?;
    /// let session = sealer.open_at::<u8>(&token, datetime!(2030-01-01 12:00 UTC))?;
    /// assert_eq!(session.expires_at(), datetime!(2030-01-02 0:00 UTC));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn seal_at<T: Serialize + ?Sized>(
        &self,
        subject: &str,
        state: &T,
        now: OffsetDateTime,
    ) -> Result<String, Error> {
        self.seal_at_millis(subject, state, unix_millis(now))
    }

    fn seal_at_millis<T: Serialize + ?Sized>(
        &self,
        subject: &str,
        state: &T,
        now_ms: i64,
    ) -> Result<String, Error> {
        self.validate()?;
        let random = os_random::<{ SESSION_ID_LEN + NONCE_LEN }>()?;
        let (sid, nonce) = split_random(&random);
        self.seal_new(subject, state, now_ms, sid, nonce)
            .map(|(token, _)| token)
    }

    /// Starts a session (a login) and returns its token **and** the session it carries: what a
    /// caller that writes a cookie or answers a serverless request needs (the token, and when
    /// it expires) without opening its own token again. Otherwise as [`Sealer::seal`].
    ///
    /// # Errors
    ///
    /// As [`Sealer::seal`].
    ///
    /// ```
    /// use sealed_session::{Key, Sealer};
    ///
    /// let sealer = Sealer::new(Key::generate(), "session");
    /// let sealed = sealer.start_session("alice", 0u32)?;
    /// assert_eq!(sealed.session.subject(), "alice");
    /// let cookie_max_age = sealed.session.expires_at() - time::OffsetDateTime::now_utc();
    /// assert!(cookie_max_age > time::Duration::hours(23));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn start_session<T: Serialize>(&self, subject: &str, state: T) -> Result<Sealed<T>, Error> {
        self.start_session_at(subject, state, self.now())
    }

    /// [`Sealer::start_session`] as if the time were `now`.
    ///
    /// # Errors
    ///
    /// As [`Sealer::seal`].
    ///
    /// ```
    /// use sealed_session::{Key, Sealer};
    /// use time::macros::datetime;
    ///
    /// let sealer = Sealer::new(Key::generate(), "session");
    /// let sealed = sealer.start_session_at("alice", (), datetime!(2030-01-01 0:00 UTC))?;
    /// assert_eq!(sealed.session.authenticated_at(), datetime!(2030-01-01 0:00 UTC));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn start_session_at<T: Serialize>(
        &self,
        subject: &str,
        state: T,
        now: OffsetDateTime,
    ) -> Result<Sealed<T>, Error> {
        self.validate()?;
        let random = os_random::<{ SESSION_ID_LEN + NONCE_LEN }>()?;
        let (session_id, nonce) = split_random(&random);
        let (token, times) = self.seal_new(subject, &state, unix_millis(now), session_id, nonce)?;
        let session = Session {
            subject: subject.to_owned(),
            state,
            session_id,
            times,
        };
        Ok(Sealed { token, session })
    }

    /// A new session with the given id and nonce: the deterministic core of `seal_at`. Returns
    /// the token and its times.
    pub(crate) fn seal_new<T: Serialize + ?Sized>(
        &self,
        subject: &str,
        state: &T,
        now_ms: i64,
        sid: SessionId,
        nonce: &[u8; NONCE_LEN],
    ) -> Result<(String, Times), Error> {
        let quantum = self.codec.format.quantum_millis();
        let mut auth_at = round_down(now_ms, quantum);
        if let Some(revocations) = &self.revocations {
            // After a revocation of the subject in this very second (or later, on a clock
            // behind another instance's): start at the next whole second after it, so that the
            // login stays after the revocation in whole seconds too, as a JWT carries it
            // (`auth_time`, in a JWE or in a JWS issued for the session).
            if let Some(floor) = revocations.issue_floor_millis(subject)
                && floor > round_down(now_ms, 1000)
            {
                auth_at = auth_at.max(session::ceil_to_second(floor));
            }
        }
        let life = duration_millis(self.ttl).min(duration_millis(self.max_lifetime));
        let times = Times {
            auth_at,
            iat: auth_at,
            exp: round_down(auth_at.saturating_add(life), quantum),
        }
        .check()?;
        let token = self.codec.seal(subject, state, times, sid, nonce)?;
        Ok((token, times))
    }

    /// Rolls a session: a new token for `state`, for the same session — same subject, same
    /// session id, same [`Session::authenticated_at`] — with a fresh nonce, issued now and
    /// valid for the TTL, but never past the session's maximum lifetime.
    ///
    /// The usual call, on a request whose session [`Session::is_past_half_life`] or whose state
    /// changed. Because the session keeps its id and its login time, `revoke_session` and
    /// `revoke_user` reach every token it ever had, including those resealed after the
    /// revocation by a request already under way.
    ///
    /// # Errors
    ///
    /// [`Error::LifetimeExceeded`] once the session has reached its maximum lifetime (the user
    /// must log in again), [`Error::Expired`] if its token has expired, [`Error::Revoked`] if
    /// an attached revocation list rejects it, and the errors of [`Sealer::seal`].
    ///
    /// ```
    /// use sealed_session::{Key, Sealer};
    ///
    /// let sealer = Sealer::new(Key::generate(), "session");
    /// let session = sealer.open::<u32>(&sealer.seal("alice", &1u32)?)?;
    /// let rolled = sealer.open::<u32>(&sealer.reseal(&session, &2u32)?)?;
    /// assert_eq!(rolled.session_id(), session.session_id());
    /// assert_eq!(rolled.authenticated_at(), session.authenticated_at());
    /// assert_eq!(*rolled.state(), 2);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn reseal<T: Serialize + ?Sized, S>(
        &self,
        session: &Session<S>,
        state: &T,
    ) -> Result<String, Error> {
        self.reseal_at_millis(session, state, self.now_millis())
    }

    /// [`Sealer::reseal`] as if the time were `now`.
    ///
    /// # Errors
    ///
    /// As [`Sealer::reseal`].
    ///
    /// ```
    /// use sealed_session::{Error, Key, Sealer};
    /// use time::{Duration, OffsetDateTime};
    ///
    /// let sealer = Sealer::builder(Key::generate(), "session")
    ///     .with_ttl(Duration::hours(1))
    ///     .with_max_lifetime(Duration::hours(2)).build()?;
    /// let login = OffsetDateTime::now_utc();
    /// let session = sealer.open_at::<()>(&sealer.seal_at("alice", &(), login)?, login)?;
    /// let mut rolled = session.clone();
    /// for minutes in [50, 100] {
    ///     let now = login + Duration::minutes(minutes);
    ///     rolled = sealer.open_at::<()>(&sealer.reseal_at(&rolled, &(), now)?, now)?;
    /// }
    /// // Resealed at 1 h 40 min: valid for the TTL, but not past the 2-hour limit.
    /// assert_eq!(rolled.expires_at() - session.authenticated_at(), Duration::hours(2));
    /// let end = login + Duration::hours(2);
    /// assert_eq!(sealer.reseal_at(&rolled, &(), end), Err(Error::LifetimeExceeded));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn reseal_at<T: Serialize + ?Sized, S>(
        &self,
        session: &Session<S>,
        state: &T,
        now: OffsetDateTime,
    ) -> Result<String, Error> {
        self.reseal_at_millis(session, state, unix_millis(now))
    }

    fn reseal_at_millis<T: Serialize + ?Sized, S>(
        &self,
        session: &Session<S>,
        state: &T,
        now_ms: i64,
    ) -> Result<String, Error> {
        self.validate()?;
        let nonce = os_random::<NONCE_LEN>()?;
        self.reseal_with(session, state, now_ms, &nonce)
            .map(|(token, _)| token)
    }

    /// Rolls a session (as [`Sealer::reseal`]: same id and login time, a fresh expiry) and
    /// returns its token **and** the rolled session, as [`Sealer::start_session`] does.
    ///
    /// # Errors
    ///
    /// As [`Sealer::reseal`].
    ///
    /// ```
    /// use sealed_session::{Key, Sealer};
    ///
    /// let sealer = Sealer::new(Key::generate(), "session");
    /// let started = sealer.start_session("alice", 1u32)?;
    /// let rolled = sealer.roll_session(&started.session, 2u32)?;
    /// assert_eq!(rolled.session.session_id(), started.session.session_id());
    /// assert_eq!(*rolled.session.state(), 2);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn roll_session<T: Serialize, S>(
        &self,
        session: &Session<S>,
        state: T,
    ) -> Result<Sealed<T>, Error> {
        self.roll_session_at(session, state, self.now())
    }

    /// [`Sealer::roll_session`] as if the time were `now`.
    ///
    /// # Errors
    ///
    /// As [`Sealer::reseal`].
    ///
    /// ```
    /// use sealed_session::{Key, Sealer};
    /// use time::{Duration, macros::datetime};
    ///
    /// let sealer = Sealer::new(Key::generate(), "session");
    /// let login = datetime!(2030-01-01 0:00 UTC);
    /// let started = sealer.start_session_at("alice", (), login)?;
    /// let rolled = sealer.roll_session_at(&started.session, (), login + Duration::hours(13))?;
    /// assert_eq!(rolled.session.authenticated_at(), login);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn roll_session_at<T: Serialize, S>(
        &self,
        session: &Session<S>,
        state: T,
        now: OffsetDateTime,
    ) -> Result<Sealed<T>, Error> {
        self.validate()?;
        let nonce = os_random::<NONCE_LEN>()?;
        let (token, times) = self.reseal_with(session, &state, unix_millis(now), &nonce)?;
        let session = Session {
            subject: session.subject.clone(),
            state,
            session_id: session.session_id,
            times,
        };
        Ok(Sealed { token, session })
    }

    /// Reseals with the given nonce: the deterministic core of `reseal_at`. Returns the token
    /// and its times.
    pub(crate) fn reseal_with<T: Serialize + ?Sized, S>(
        &self,
        session: &Session<S>,
        state: &T,
        now_ms: i64,
        nonce: &[u8; NONCE_LEN],
    ) -> Result<(String, Times), Error> {
        let auth_at = session.times.auth_at;
        let max_lifetime = duration_millis(self.max_lifetime);
        // An expired session is not brought back, and one past its lifetime is told so.
        session::check_times(
            session.times,
            now_ms,
            duration_millis(self.leeway),
            max_lifetime,
        )?;
        if let Some(revocations) = &self.revocations {
            revocations.check(&session.subject, &session.session_id, auth_at)?;
        }
        let quantum = self.codec.format.quantum_millis();
        let iat = round_down(now_ms, quantum).max(auth_at);
        let end_of_life = round_down(auth_at.saturating_add(max_lifetime), quantum);
        if iat >= end_of_life {
            return Err(Error::LifetimeExceeded);
        }
        let times = Times {
            auth_at,
            iat,
            exp: round_down(iat.saturating_add(duration_millis(self.ttl)), quantum)
                .min(end_of_life),
        }
        .check()?;
        let token = self
            .codec
            .seal(&session.subject, state, times, session.session_id, nonce)?;
        Ok((token, times))
    }

    /// "Log out everywhere but here", after a password change: revokes every session of the
    /// session's user, this one included, then starts a new session for this device with
    /// `state`, authenticated after the revocation. Send the token it returns.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if no revocation list is attached, and the errors of [`Sealer::seal`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use sealed_session::{Error, Key, RevocationList, Sealer};
    ///
    /// let list = Arc::new(RevocationList::new(time::Duration::days(8)));
    /// let sealer = Sealer::builder(Key::generate(), "session").with_revocations(list).build()?;
    /// let phone = sealer.seal("alice", &())?;
    /// let laptop = sealer.seal("alice", &())?;
    /// let here = sealer.open::<()>(&laptop)?;
    /// let fresh = sealer.log_out_other_sessions(&here, &())?; // the new cookie for the laptop
    /// assert_eq!(sealer.open::<()>(&phone).unwrap_err(), Error::Revoked);
    /// assert_eq!(sealer.open::<()>(&laptop).unwrap_err(), Error::Revoked);
    /// assert!(sealer.open::<()>(&fresh).is_ok());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn log_out_other_sessions<T: Serialize + ?Sized, S>(
        &self,
        session: &Session<S>,
        state: &T,
    ) -> Result<String, Error> {
        let revocations = self.revocations.as_ref().ok_or(Error::Config(
            "logging out other sessions needs a revocation list",
        ))?;
        revocations.revoke_user(&session.subject);
        self.seal(&session.subject, state)
    }
}

/// Splits fresh random bytes into a session id and a nonce.
fn split_random(random: &[u8; SESSION_ID_LEN + NONCE_LEN]) -> (SessionId, &[u8; NONCE_LEN]) {
    let (sid, nonce) = random.split_at(SESSION_ID_LEN);
    let mut id = [0u8; SESSION_ID_LEN];
    id.copy_from_slice(sid);
    let nonce = match nonce.try_into() {
        Ok(nonce) => nonce,
        Err(_) => unreachable!("40 bytes split into 16 and 24"),
    };
    (SessionId(id), nonce)
}
