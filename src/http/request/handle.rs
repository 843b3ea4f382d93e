//! [`SessionHandle`]: the session of one request, what the handler did with it, and the
//! cookies that follow from both ([`decide`]: the decision table, tested without a server).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ::http::HeaderMap;
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use super::{LoginRequired, Shared, csrf, flash};
use crate::http::ReadCookie;
use crate::{Error, Sealed, Session, SessionId};

/// Why a request that carried both forms of the session cookie, not of one session, has none.
const MIXED_FORMS: &str = "single session cookie and chunks of different sessions both sent";

/// The opened session of one request, for the handler: read it, start one (log in, or an
/// anonymous one), update it, or end it; then [`SessionHandle::write_to`] the response. Cheap
/// to clone; all clones share the request's session.
///
/// A session is either a user's (logged in: [`SessionHandle::subject`] is `Some`) or
/// anonymous (state before a login: a cart, a preference; [`SessionHandle::start_anonymous`]).
/// Logging in always starts a new session — a new id, a new login time, new CSRF tokens — so
/// that a token handed out before the login (the anonymous one, or one an attacker planted:
/// session fixation) never becomes the user's; the state it carries over is the handler's
/// choice.
///
/// In axum it is an extractor, with `SessionLayer` (feature `axum`) on the route.
pub struct SessionHandle<T> {
    slot: Arc<Mutex<Slot<T>>>,
    shared: Arc<Shared>,
}

impl<T> Clone for SessionHandle<T> {
    fn clone(&self) -> Self {
        SessionHandle {
            slot: Arc::clone(&self.slot),
            shared: Arc::clone(&self.shared),
        }
    }
}

/// What came in and what the handler did.
struct Slot<T> {
    session: Option<Session<T>>,
    /// When the request came in: every time rule of the request uses it.
    now: OffsetDateTime,
    /// What the request carried (its token taken out): which forms a write must remove.
    read: ReadCookie,
    /// A cookie came in that can never open (malformed, forged, expired, revoked…): it is
    /// cleared. Not set for a refusal that is this server's condition (see
    /// [`Error::is_final_for_token`]): that cookie is kept.
    refused_for_good: bool,
    problem: Option<String>,
    change: Change,
    /// The flash messages that came in, whether the handler took them, and what it left for
    /// the next request; what the request carried of the flash cookie.
    flash_in: Vec<String>,
    flash_taken: bool,
    flash_out: Vec<String>,
    flash_read: ReadCookie,
}

/// What the handler asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Change {
    /// Nothing: keep the cookie (or roll it when it is past half its life).
    Unchanged,
    /// Write this token, valid until then.
    Token(String, OffsetDateTime),
    /// Remove the session cookie in every form.
    Clear,
}

/// What is written after the handler, from what came in and what the handler did: the
/// decision table, without a server.
///
/// - the handler set a token: write it;
/// - the handler cleared the session: clear every form;
/// - nothing changed, a session came in and is past half its life: reseal it (`roll`);
/// - nothing changed and a cookie came in that can never open: clear it;
/// - otherwise (also a cookie refused for a condition of this server): write nothing.
pub(super) fn decide(
    change: &Change,
    has_session: bool,
    refused_for_good: bool,
    past_half_life: bool,
) -> Decision {
    match change {
        Change::Token(..) => Decision::Write,
        Change::Clear => Decision::Clear,
        Change::Unchanged if has_session && past_half_life => Decision::Roll,
        Change::Unchanged if !has_session && refused_for_good => Decision::Clear,
        Change::Unchanged => Decision::Nothing,
    }
}

/// What [`decide`] chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Decision {
    Write,
    Clear,
    Roll,
    Nothing,
}

impl<T> SessionHandle<T> {
    fn lock(&self) -> MutexGuard<'_, Slot<T>> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The user, if the session is a user's (not anonymous, not absent).
    ///
    /// ```
    /// # let sessions = sealed_session::http::SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), sealed_session::http::SessionCookie::new("s"));
    /// let session = sessions.open(&http::HeaderMap::new());
    /// session.start_anonymous(1)?;
    /// assert_eq!(session.subject(), None);
    /// session.log_in("ada", 1)?;
    /// assert_eq!(session.subject().as_deref(), Some("ada"));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn subject(&self) -> Option<String> {
        self.lock()
            .session
            .as_ref()
            .filter(|session| !session.is_anonymous())
            .map(|session| session.subject().to_owned())
    }

    /// Whether a user is logged in (a session that is not anonymous).
    ///
    /// ```
    /// # let sessions = sealed_session::http::SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), sealed_session::http::SessionCookie::new("s"));
    /// assert!(!sessions.open(&http::HeaderMap::new()).is_logged_in());
    /// ```
    #[must_use]
    pub fn is_logged_in(&self) -> bool {
        self.lock()
            .session
            .as_ref()
            .is_some_and(|session| !session.is_anonymous())
    }

    /// Whether the session is anonymous ([`SessionHandle::start_anonymous`]).
    ///
    /// ```
    /// # let sessions = sealed_session::http::SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), sealed_session::http::SessionCookie::new("s"));
    /// let session = sessions.open(&http::HeaderMap::new());
    /// session.start_anonymous(3)?;
    /// assert!(session.is_anonymous());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn is_anonymous(&self) -> bool {
        self.lock()
            .session
            .as_ref()
            .is_some_and(Session::is_anonymous)
    }

    /// When the user logged in (or the anonymous session began), if there is a session.
    ///
    /// ```
    /// # let sessions = sealed_session::http::SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), sealed_session::http::SessionCookie::new("s"));
    /// assert!(sessions.open(&http::HeaderMap::new()).authenticated_at().is_none());
    /// ```
    #[must_use]
    pub fn authenticated_at(&self) -> Option<OffsetDateTime> {
        self.lock().session.as_ref().map(Session::authenticated_at)
    }

    /// The session's id, if there is a session: the same for every token the session has had,
    /// for [`crate::RevocationList::revoke_session_id`] and for logs.
    ///
    /// ```
    /// # let sessions = sealed_session::http::SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), sealed_session::http::SessionCookie::new("s"));
    /// assert!(sessions.open(&http::HeaderMap::new()).session_id().is_none());
    /// ```
    #[must_use]
    pub fn session_id(&self) -> Option<SessionId> {
        self.lock().session.as_ref().map(Session::session_id)
    }

    /// Why the request's session cookie was not used, if one came in and failed: for logs,
    /// never for the client.
    ///
    /// ```
    /// # let sessions = sealed_session::http::SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), sealed_session::http::SessionCookie::new("s"));
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("cookie", "s=AQAB".parse()?);
    /// assert!(sessions.open(&headers).problem().is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn problem(&self) -> Option<String> {
        self.lock().problem.clone()
    }

    /// A CSRF token of this session, for a form (field [`CSRF_FIELD`](crate::http::CSRF_FIELD))
    /// or a script (header [`CSRF_HEADER`](crate::http::CSRF_HEADER)); `None` without a session.
    /// Each call gives another text (masked afresh); all of them stay valid as long as the
    /// session, on every instance with the keys. A login starts a new session, whose tokens
    /// are new.
    ///
    /// ```
    /// # let sessions = sealed_session::http::SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), sealed_session::http::SessionCookie::new("s"));
    /// let session = sessions.open(&http::HeaderMap::new());
    /// assert_eq!(session.csrf_token(), None);
    /// session.log_in("ada", 1)?;
    /// assert_eq!(session.csrf_token().map(|token| token.len()), Some(86));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn csrf_token(&self) -> Option<String> {
        let id = self.session_id()?;
        Some(csrf::mint(&self.shared.sealer, id))
    }

    /// Checks a CSRF token the handler found itself (a multipart form's field): `Ok` when it is
    /// one of this session's, in constant time, under any key of the ring.
    ///
    /// # Errors
    ///
    /// [`CsrfRefusal::WrongToken`](crate::http::CsrfRefusal::WrongToken) for any other text, and
    /// [`CsrfRefusal::MissingToken`](crate::http::CsrfRefusal::MissingToken) without a session.
    ///
    /// ```
    /// # let sessions = sealed_session::http::SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), sealed_session::http::SessionCookie::new("s"));
    /// let session = sessions.open(&http::HeaderMap::new());
    /// session.log_in("ada", 1)?;
    /// let token = session.csrf_token().unwrap_or_default();
    /// assert!(session.verify_csrf_token(&token).is_ok());
    /// assert!(session.verify_csrf_token("made-up").is_err());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn verify_csrf_token(&self, sent: &str) -> Result<(), csrf::CsrfRefusal> {
        let id = self.session_id().ok_or(csrf::CsrfRefusal::MissingToken)?;
        csrf::verify(&self.shared.sealer, id, sent)
    }

    /// The hidden form field that carries [`SessionHandle::csrf_token`], as HTML (empty
    /// without a session): put it in every form of a session that posts.
    ///
    /// ```
    /// # let sessions = sealed_session::http::SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), sealed_session::http::SessionCookie::new("s"));
    /// let session = sessions.open(&http::HeaderMap::new());
    /// session.log_in("ada", 1)?;
    /// let form = format!("<form method=post action=/count>{}<button>+1</button></form>", session.csrf_field());
    /// assert!(form.contains(r#"<input type="hidden" name="csrf_token" value=""#));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn csrf_field(&self) -> String {
        // base64url: nothing in it needs escaping in an attribute.
        self.csrf_token().map_or_else(String::new, |token| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{token}\">",
                csrf::CSRF_FIELD
            )
        })
    }

    /// Ends the session on this device: the response removes the cookie, and, when the
    /// sealer has a revocation list ([`SealerBuilder::with_revocations`](crate::SealerBuilder::with_revocations)), the session is revoked, so
    /// that no copy of the cookie, and no request already under way that would roll it, can
    /// bring it back.
    ///
    /// ```
    /// use sealed_session::http::SessionHandle;
    ///
    /// async fn log_out(session: SessionHandle<u32>) -> &'static str {
    ///     session.log_out();
    ///     "logged out"
    /// }
    /// ```
    pub fn log_out(&self) {
        let mut slot = self.lock();
        if let (Some(session), Some(list)) = (&slot.session, self.shared.sealer.revocations()) {
            list.revoke_session(session);
        }
        slot.session = None;
        slot.change = Change::Clear;
    }

    /// Logs the session's user out everywhere: every session of the user that began until now,
    /// on every device, is revoked (this one too), and the response removes the cookie here.
    /// An anonymous session is only ended here ([`SessionHandle::log_out`]).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the sealer has no revocation list (nothing could reach the other
    /// devices); nothing is changed then. With no session, there is nothing to do: `Ok`.
    ///
    /// ```
    /// use http::StatusCode;
    /// use sealed_session::http::SessionHandle;
    ///
    /// async fn everywhere(session: SessionHandle<u32>) -> StatusCode {
    ///     match session.log_out_everywhere() {
    ///         Ok(()) => StatusCode::OK,
    ///         Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    ///     }
    /// }
    /// ```
    pub fn log_out_everywhere(&self) -> Result<(), Error> {
        let list = self.shared.sealer.revocations().ok_or(Error::Config(
            "logging out everywhere needs a revocation list on the sealer",
        ))?;
        let mut slot = self.lock();
        if let Some(session) = slot.session.take() {
            // The empty subject is every anonymous session: never revoked as one user.
            if session.is_anonymous() {
                list.revoke_session(&session);
            } else {
                list.revoke_user(session.subject());
            }
        }
        slot.change = Change::Clear;
        Ok(())
    }

    /// Writes the cookies that follow from what came in and what the handler did into the
    /// response's headers (appended `Set-Cookie` headers): the new token, a removal, the
    /// session resealed when it is past half its life, or nothing when nothing changed. Call
    /// it once, after the handler.
    ///
    /// ```
    /// # let sessions = sealed_session::http::SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), sealed_session::http::SessionCookie::new("s"));
    /// let session = sessions.open(&http::HeaderMap::new());
    /// session.log_in("ada", 1)?;
    /// let mut response = http::Response::new(());
    /// session.write_to(response.headers_mut());
    /// assert!(response.headers()["set-cookie"].to_str()?.starts_with("s="));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_to(&self, headers: &mut HeaderMap)
    where
        T: Serialize + Clone,
    {
        let writes = self.set_cookies();
        self.shared.cookie.append_to(headers, writes);
        let flash_writes = self.flash_cookies();
        self.shared.flash_cookie.append_to(headers, flash_writes);
    }

    /// The `Set-Cookie` values of the flash cookie: the messages left for the next request;
    /// else a removal once the messages that came in were taken, or when what came in was no
    /// message of ours; else nothing (unread messages wait for a page that shows them).
    fn flash_cookies(&self) -> Vec<String> {
        let slot = self.lock();
        let cookie = &self.shared.flash_cookie;
        if !slot.flash_out.is_empty() {
            let expires_at = slot.now + time::Duration::seconds(flash::FLASH_SECONDS);
            let expires = expires_at.unix_timestamp();
            return flash::encode(&self.shared.sealer, &slot.flash_out, expires)
                .and_then(|value| {
                    cookie
                        .write_after(&slot.flash_read, &value, expires_at, slot.now)
                        .ok()
                })
                .unwrap_or_default();
        }
        let unreadable = slot.flash_read.present && slot.flash_in.is_empty();
        if slot.flash_taken || unreadable {
            return cookie.clear_after(&slot.flash_read);
        }
        Vec::new()
    }

    /// Leaves `message` for the next page the visitor sees ([`SessionHandle::take_flashes`]
    /// there): "saved", "logged out". It travels in a cookie of its own, signed under the
    /// sealer's keys (not encrypted: nothing secret in it), so it survives a logout and a
    /// redirect. Written by [`SessionHandle::write_to`].
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`] when the messages of this response would take over 1 KiB of JSON;
    /// nothing is added then.
    ///
    /// ```
    /// # let sessions = sealed_session::http::SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), sealed_session::http::SessionCookie::new("s"));
    /// let session = sessions.open(&http::HeaderMap::new());
    /// session.flash("saved")?;
    /// let mut response = http::Response::new(());
    /// session.write_to(response.headers_mut());
    /// assert!(response.headers()["set-cookie"].to_str()?.starts_with("s-flash="));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn flash(&self, message: &str) -> Result<(), Error> {
        let mut slot = self.lock();
        slot.flash_out.push(message.to_owned());
        let fits = flash::encode(&self.shared.sealer, &slot.flash_out, i64::MAX).is_some();
        if !fits {
            slot.flash_out.pop();
            return Err(Error::TooLarge);
        }
        Ok(())
    }

    /// The flash messages left by an earlier response ([`SessionHandle::flash`]), once: the
    /// response removes them. A forged or damaged flash cookie reads as no message.
    ///
    /// ```
    /// # let sessions = sealed_session::http::SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), sealed_session::http::SessionCookie::new("s"));
    /// let session = sessions.open(&http::HeaderMap::new());
    /// assert!(session.take_flashes().is_empty());
    /// ```
    #[must_use]
    pub fn take_flashes(&self) -> Vec<String> {
        let mut slot = self.lock();
        slot.flash_taken = true;
        std::mem::take(&mut slot.flash_in)
    }

    /// The `Set-Cookie` values [`SessionHandle::write_to`] appends.
    fn set_cookies(&self) -> Vec<String>
    where
        T: Serialize + Clone,
    {
        let shared = &self.shared;
        let slot = self.lock();
        let now = slot.now;
        let half = slot
            .session
            .as_ref()
            .is_some_and(|session| session.is_past_half_life_at(now));
        match decide(
            &slot.change,
            slot.session.is_some(),
            slot.refused_for_good,
            half,
        ) {
            Decision::Write => match &slot.change {
                Change::Token(token, expires_at) => shared
                    .cookie
                    .write_after(&slot.read, token, *expires_at, now)
                    .unwrap_or_default(),
                _ => Vec::new(),
            },
            Decision::Clear => shared.cookie.clear_after(&slot.read),
            Decision::Roll => slot
                .session
                .as_ref()
                .and_then(|session| {
                    let rolled = shared
                        .sealer
                        .roll_session_at(session, session.state().clone(), now)
                        .ok()?;
                    shared
                        .cookie
                        .write_after(&slot.read, &rolled.token, rolled.session.expires_at(), now)
                        .ok()
                })
                .unwrap_or_default(),
            Decision::Nothing => Vec::new(),
        }
    }
}

impl<T: Clone> SessionHandle<T> {
    /// The session's state, if there is a session (a user's or an anonymous one).
    ///
    /// ```
    /// # let sessions = sealed_session::http::SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), sealed_session::http::SessionCookie::new("s"));
    /// let session = sessions.open(&http::HeaderMap::new());
    /// assert_eq!(session.state(), None);
    /// session.start_anonymous(7)?;
    /// assert_eq!(session.state(), Some(7));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn state(&self) -> Option<T> {
        self.lock()
            .session
            .as_ref()
            .map(|session| session.state().clone())
    }

    /// The user's session, or the answer for a visitor who must log in first ([`LoginRequired`]:
    /// 401, or a redirect to the manager's login page). An anonymous session is not logged in.
    ///
    /// # Errors
    ///
    /// [`LoginRequired`] when no user is logged in.
    ///
    /// ```
    /// # let sessions = sealed_session::http::SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), sealed_session::http::SessionCookie::new("s"));
    /// let session = sessions.open(&http::HeaderMap::new());
    /// assert!(session.require_login().is_err());
    /// session.log_in("ada", 1)?;
    /// assert_eq!(session.require_login().map(|user| user.subject().to_owned()).as_deref(), Ok("ada"));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn require_login(&self) -> Result<Session<T>, LoginRequired> {
        self.lock()
            .session
            .as_ref()
            .filter(|session| !session.is_anonymous())
            .cloned()
            .ok_or_else(|| LoginRequired {
                location: self.shared.login_redirect.clone(),
            })
    }
}

impl<T: Serialize + DeserializeOwned + Clone> SessionHandle<T> {
    pub(super) fn load(shared: &Arc<Shared>, headers: &HeaderMap, now: OffsetDateTime) -> Self {
        let mut read = shared.cookie.read_headers(headers);
        // A cookie problem (duplicates, gaps, not a token…) is final: that cookie never opens.
        let mut refused_for_good = read.problem.is_some();
        let mut problem = read.problem.map(|problem| {
            tracing::warn!(%problem, "session cookie refused");
            problem.to_string()
        });
        let opened = read
            .token
            .take()
            .map(|token| shared.sealer.open_at::<T>(&token, now));
        // Both forms came in: two tabs wrote the session at once, in different forms. Of the
        // same session, the token issued last; anything else (another session beside it, as a
        // sibling domain could toss in, or a form that does not open) uses neither, so that
        // which session a request carries is never a third party's choice.
        let other = read
            .other_form
            .take()
            .map(|token| shared.sealer.open_at::<T>(&token, now));
        let opened = match (opened, other) {
            (first, None) => first,
            (Some(Ok(first)), Some(Ok(second))) if first.session_id() == second.session_id() => {
                Some(Ok(if second.issued_at() > first.issued_at() {
                    second
                } else {
                    first
                }))
            }
            (_, Some(_)) => {
                tracing::warn!("session cookie refused: both forms, not of one session");
                refused_for_good = true;
                problem = Some(MIXED_FORMS.to_owned());
                None
            }
        };
        let session = opened.and_then(|opened| match opened {
            Ok(session) => Some(session),
            Err(error) => {
                refused_for_good = error.is_final_for_token();
                match error {
                    Error::Expired | Error::LifetimeExceeded | Error::Revoked => {
                        tracing::debug!(%error, "session ended");
                    }
                    _ if refused_for_good => {
                        tracing::warn!(%error, "session cookie refused");
                    }
                    _ => tracing::warn!(%error, "session cookie kept: not usable here now"),
                }
                problem = Some(error.to_string());
                None
            }
        });
        let mut flash_read = shared.flash_cookie.read_headers(headers);
        let flash_in = flash_read
            .token
            .take()
            .map(|value| flash::decode(&shared.sealer, &value, now.unix_timestamp()))
            .unwrap_or_default();
        SessionHandle {
            slot: Arc::new(Mutex::new(Slot {
                session,
                now,
                read,
                refused_for_good,
                problem,
                change: Change::Unchanged,
                flash_in,
                flash_taken: false,
                flash_out: Vec::new(),
                flash_read,
            })),
            shared: Arc::clone(shared),
        }
    }

    /// Starts a session for `subject` with `state` (a login): a fresh session id and login
    /// time, written to the response, whatever session came in (an anonymous one's state is
    /// carried over only if `state` holds it). Checked against the cookie budget now, so a
    /// state that would not fit is an error here, in the handler, and nothing is written.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for an empty subject (that is an anonymous session:
    /// [`SessionHandle::start_anonymous`]), [`Error::CookieBudget`], and the errors of
    /// [`Sealer::seal`](crate::Sealer::seal).
    ///
    /// ```
    /// # let sessions = sealed_session::http::SessionManager::<Vec<u32>>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), sealed_session::http::SessionCookie::new("s"));
    /// let session = sessions.open(&http::HeaderMap::new());
    /// session.start_anonymous(vec![7])?; // a cart before the login
    /// let before = session.session_id();
    /// let cart = session.state().unwrap_or_default();
    /// session.log_in("ada", cart)?; // the cart carried over, in a new session
    /// assert_ne!(session.session_id(), before);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn log_in(&self, subject: &str, state: T) -> Result<(), Error> {
        if subject.is_empty() {
            return Err(Error::Config(
                "a login needs a subject; state without a user is start_anonymous",
            ));
        }
        self.start(subject, state)
    }

    /// Starts an anonymous session with `state`: state kept before any login (a cart, a
    /// preference), with a fresh session id, written to the response. A later
    /// [`SessionHandle::log_in`] starts a new session; this one's token never becomes the
    /// user's.
    ///
    /// # Errors
    ///
    /// [`Error::CookieBudget`], and the errors of [`Sealer::seal`](crate::Sealer::seal).
    ///
    /// ```
    /// # let sessions = sealed_session::http::SessionManager::<Vec<u32>>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), sealed_session::http::SessionCookie::new("s"));
    /// let session = sessions.open(&http::HeaderMap::new());
    /// session.start_anonymous(vec![42])?;
    /// assert!(session.is_anonymous() && !session.is_logged_in());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn start_anonymous(&self, state: T) -> Result<(), Error> {
        self.start("", state)
    }

    fn start(&self, subject: &str, state: T) -> Result<(), Error> {
        let now = self.lock().now;
        let sealed = self.shared.sealer.start_session_at(subject, state, now)?;
        self.accept(sealed)
    }

    /// Replaces the state of the current session, a user's or an anonymous one (resealed: same
    /// session id and login time), written to the response. Checked against the cookie budget
    /// now.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if there is no session to update, [`Error::CookieBudget`], and the
    /// errors of [`Sealer::reseal`](crate::Sealer::reseal).
    ///
    /// ```
    /// # let sessions = sealed_session::http::SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), sealed_session::http::SessionCookie::new("s"));
    /// let session = sessions.open(&http::HeaderMap::new());
    /// assert!(session.update(1).is_err()); // nothing to update yet
    /// session.log_in("ada", 1)?;
    /// session.update(2)?;
    /// assert_eq!(session.state(), Some(2));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn update(&self, state: T) -> Result<(), Error> {
        let sealed = {
            let slot = self.lock();
            let session = slot
                .session
                .as_ref()
                .ok_or(Error::Config("no session to update: log in first"))?;
            self.shared
                .sealer
                .roll_session_at(session, state, slot.now)?
        };
        self.accept(sealed)
    }

    /// Logs the user out on every other device and keeps this one logged in: every session of
    /// the user that began until now is revoked, and a new session (new id, new login time)
    /// with `state` is written here. For a password change.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when no user is logged in or the sealer has no revocation list,
    /// [`Error::CookieBudget`], and the errors of [`Sealer::seal`](crate::Sealer::seal).
    ///
    /// ```
    /// use sealed_session::http::SessionHandle;
    ///
    /// async fn password_changed(session: SessionHandle<u32>) {
    ///     let state = session.state().unwrap_or_default();
    ///     let _ = session.log_out_other_sessions(state);
    /// }
    /// ```
    pub fn log_out_other_sessions(&self, state: T) -> Result<(), Error> {
        let list = self.shared.sealer.revocations().ok_or(Error::Config(
            "logging out other sessions needs a revocation list on the sealer",
        ))?;
        let subject = self
            .subject()
            .ok_or(Error::Config("no session to keep: log in first"))?;
        // Checked against the budget before anything is revoked, so that an error changes
        // nothing.
        let now = self.shared.sealer.now();
        self.shared
            .cookie
            .plan(&self.shared.sealer.seal_at(&subject, &state, now)?)?;
        list.revoke_user(&subject);
        let sealed = self.shared.sealer.start_session_at(&subject, state, now)?;
        self.accept(sealed)
    }

    /// Checks the new token against the budget and records the write; the rest of the handler
    /// sees the new session.
    fn accept(&self, Sealed { token, session }: Sealed<T>) -> Result<(), Error> {
        self.shared.cookie.plan(&token)?;
        let mut slot = self.lock();
        slot.change = Change::Token(token, session.expires_at());
        slot.session = Some(session);
        slot.problem = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The decision table, every row.
    #[test]
    fn decisions() {
        let token = Change::Token("t".into(), OffsetDateTime::UNIX_EPOCH);
        for has in [false, true] {
            for present in [false, true] {
                for half in [false, true] {
                    assert_eq!(decide(&token, has, present, half), Decision::Write);
                    assert_eq!(decide(&Change::Clear, has, present, half), Decision::Clear);
                }
            }
        }
        let unchanged = |has, present, half| decide(&Change::Unchanged, has, present, half);
        assert_eq!(unchanged(true, true, true), Decision::Roll);
        assert_eq!(unchanged(true, true, false), Decision::Nothing);
        assert_eq!(unchanged(false, true, false), Decision::Clear);
        assert_eq!(unchanged(false, true, true), Decision::Clear);
        assert_eq!(unchanged(false, false, false), Decision::Nothing);
    }
}
