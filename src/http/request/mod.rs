//! The session of one HTTP request, for any framework built on the `http` crate (hyper,
//! `lambda_http`, axum…): [`SessionManager`] opens the session cookie of a request and checks
//! it against CSRF; the [`SessionHandle`] it returns is what the handler reads and changes, and
//! writes the cookies into the response. The axum layer is this, around a router.

mod csrf;
mod flash;
mod handle;

use std::marker::PhantomData;
use std::sync::Arc;

use ::http::{HeaderMap, Method, Request, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

pub use self::csrf::{CSRF_FIELD, CSRF_HEADER, CsrfProtection, CsrfRefusal};
pub use self::handle::SessionHandle;
use super::SessionCookie;
use crate::Sealer;

/// What every request's session needs, shared: the sealer, the cookie, the CSRF protection and
/// where a visitor who must log in is sent. Build one at start-up; clones share it.
///
/// With any framework on `http` types: [`SessionManager::open_request`] before the handler
/// (it refuses a forged cross-site request), [`SessionHandle::write_to`] after it.
///
/// ```
/// use http::{Request, Response, StatusCode};
/// use sealed_session::http::{SessionCookie, SessionManager};
/// use sealed_session::{Key, Sealer};
///
/// let sessions = SessionManager::<u32>::new(
///     Sealer::new(Key::generate(), "session"),
///     SessionCookie::new("__Host-session"),
/// );
/// let handle = |request: Request<Vec<u8>>| -> Response<String> {
///     let session = match sessions.open_request(&request) {
///         Ok(session) => session,
///         Err(refused) => {
///             let mut response = Response::new(refused.to_string());
///             *response.status_mut() = refused.status();
///             return response;
///         }
///     };
///     let count = session.state().unwrap_or(0) + 1;
///     let saved = if session.is_logged_in() { session.update(count) } else { session.log_in("ada", count) };
///     let mut response = Response::new(format!("count {count}"));
///     if saved.is_err() {
///         *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
///     }
///     session.write_to(response.headers_mut());
///     response
/// };
/// let response = handle(Request::new(Vec::new()));
/// assert!(response.headers().contains_key("set-cookie"));
/// ```
pub struct SessionManager<T> {
    pub(super) shared: Arc<Shared>,
    state: PhantomData<fn() -> T>,
}

impl<T> Clone for SessionManager<T> {
    fn clone(&self) -> Self {
        SessionManager {
            shared: Arc::clone(&self.shared),
            state: PhantomData,
        }
    }
}

/// The settings every handle of a manager shares.
#[derive(Clone)]
pub(super) struct Shared {
    pub(super) sealer: Sealer,
    pub(super) cookie: SessionCookie,
    /// The flash messages' cookie: the session cookie's attributes, its name and `-flash`.
    pub(super) flash_cookie: SessionCookie,
    pub(super) csrf: CsrfProtection,
    pub(super) login_redirect: Option<String>,
}

impl<T> SessionManager<T> {
    /// Sessions sealed and opened with `sealer`, carried in `cookie`, with CSRF protection on
    /// ([`CsrfProtection::default`]) and a 401 for a visitor who must log in.
    ///
    /// ```
    /// use sealed_session::http::{SessionCookie, SessionManager};
    /// let sessions = SessionManager::<String>::new(
    ///     sealed_session::Sealer::new(sealed_session::Key::generate(), "session"),
    ///     SessionCookie::new("__Host-session"),
    /// );
    /// # let _ = sessions;
    /// ```
    #[must_use]
    pub fn new(sealer: Sealer, cookie: SessionCookie) -> SessionManager<T> {
        SessionManager {
            shared: Arc::new(Shared {
                sealer,
                flash_cookie: cookie.sibling(flash::SUFFIX),
                cookie,
                csrf: CsrfProtection::default(),
                login_redirect: None,
            }),
            state: PhantomData,
        }
    }

    fn with_shared(self, change: impl FnOnce(&mut Shared)) -> SessionManager<T> {
        let mut shared = Arc::unwrap_or_clone(self.shared);
        change(&mut shared);
        SessionManager {
            shared: Arc::new(shared),
            state: PhantomData,
        }
    }

    /// Another CSRF protection than the default (both checks).
    ///
    /// ```
    /// use sealed_session::http::{CsrfProtection, SessionCookie, SessionManager};
    /// # let sealer = sealed_session::Sealer::new(sealed_session::Key::generate(), "session");
    /// let sessions = SessionManager::<u8>::new(sealer, SessionCookie::new("__Host-session"))
    ///     .with_csrf(CsrfProtection::default().with_trusted_origin("https://shop.example.com"));
    /// # let _ = sessions;
    /// ```
    #[must_use]
    pub fn with_csrf(self, csrf: CsrfProtection) -> SessionManager<T> {
        self.with_shared(|shared| shared.csrf = csrf)
    }

    /// Where a visitor who must log in is sent (`303 See Other` to `location`), instead of
    /// the default `401 Unauthorized`: see [`SessionHandle::require_login`].
    ///
    /// ```
    /// use sealed_session::http::{SessionCookie, SessionManager};
    /// # let sealer = sealed_session::Sealer::new(sealed_session::Key::generate(), "session");
    /// let sessions = SessionManager::<u8>::new(sealer, SessionCookie::new("__Host-session"))
    ///     .with_login_redirect("/login");
    /// # let _ = sessions;
    /// ```
    #[must_use]
    pub fn with_login_redirect(self, location: &str) -> SessionManager<T> {
        let location = location.to_owned();
        self.with_shared(|shared| shared.login_redirect = Some(location))
    }

    /// The sealer.
    ///
    /// ```
    /// # use sealed_session::http::{SessionCookie, SessionManager};
    /// # let sessions = SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), SessionCookie::new("s"));
    /// assert_eq!(sessions.sealer().purpose(), "session");
    /// ```
    #[must_use]
    pub fn sealer(&self) -> &Sealer {
        &self.shared.sealer
    }

    /// The cookie.
    ///
    /// ```
    /// # use sealed_session::http::{SessionCookie, SessionManager};
    /// # let sessions = SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), SessionCookie::new("s"));
    /// assert_eq!(sessions.cookie().name(), "s");
    /// ```
    #[must_use]
    pub fn cookie(&self) -> &SessionCookie {
        &self.shared.cookie
    }
}

impl<T: Serialize + DeserializeOwned + Clone> SessionManager<T> {
    /// Opens the session of a request from its headers, now, without the CSRF checks (for a
    /// request that changes nothing, or one checked with [`SessionManager::check_csrf`]).
    ///
    /// A missing, malformed, tampered, expired or revoked session reads as "no session", and
    /// the response then clears the cookie; a refusal that is this server's condition (a key or
    /// dictionary not deployed here yet, revocations not loaded: see
    /// [`Error::is_final_for_token`](crate::Error::is_final_for_token)) reads as "no session"
    /// too, but keeps the cookie, so that an outage or a rolling deploy logs nobody out.
    ///
    /// ```
    /// # use sealed_session::http::{SessionCookie, SessionManager};
    /// # let sessions = SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), SessionCookie::new("s"));
    /// let session = sessions.open(&http::HeaderMap::new());
    /// assert!(!session.is_logged_in());
    /// ```
    #[must_use]
    pub fn open(&self, headers: &HeaderMap) -> SessionHandle<T> {
        self.open_at(headers, self.now())
    }

    /// The time the manager reads: its sealer's ([`Sealer::now`](crate::Sealer::now)).
    pub(crate) fn now(&self) -> OffsetDateTime {
        self.shared.sealer.now()
    }

    /// [`SessionManager::open`] at `now`.
    ///
    /// ```
    /// # use sealed_session::http::{SessionCookie, SessionManager};
    /// # let sessions = SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), SessionCookie::new("s"));
    /// let session = sessions.open_at(&http::HeaderMap::new(), sealed_session::OffsetDateTime::now_utc());
    /// assert!(session.subject().is_none());
    /// ```
    #[must_use]
    pub fn open_at(&self, headers: &HeaderMap, now: OffsetDateTime) -> SessionHandle<T> {
        SessionHandle::load(&self.shared, headers, now)
    }

    /// Opens the session of `request` and checks it against CSRF: what a handler on `http`
    /// types calls first. The body is read for the form field [`CSRF_FIELD`] when the request
    /// is an unsafe URL-encoded form with no [`CSRF_HEADER`] header.
    ///
    /// # Errors
    ///
    /// [`CsrfRefusal`] for an unsafe request from another site, or one that carries a session
    /// but not its CSRF token: answer with [`CsrfRefusal::status`] and write no cookie.
    ///
    /// ```
    /// use http::Request;
    /// use sealed_session::http::{CsrfRefusal, SessionCookie, SessionManager};
    /// # let sessions = SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), SessionCookie::new("s"));
    /// let forged = Request::post("/transfer")
    ///     .header("sec-fetch-site", "cross-site")
    ///     .body(b"amount=100".to_vec())?;
    /// assert_eq!(sessions.open_request(&forged).err(), Some(CsrfRefusal::CrossOrigin));
    /// # Ok::<(), http::Error>(())
    /// ```
    pub fn open_request<B: AsRef<[u8]>>(
        &self,
        request: &Request<B>,
    ) -> Result<SessionHandle<T>, CsrfRefusal> {
        let session = self.open(request.headers());
        let body = request.body().as_ref();
        self.check_csrf(
            &session,
            request.method(),
            request.headers(),
            request
                .uri()
                .authority()
                .map(|authority| authority.as_str()),
            Some(body),
        )?;
        Ok(session)
    }

    /// The CSRF checks of a request whose session is `session`: for an unsafe method, the
    /// origin check, then, when a session came in, its token from the [`CSRF_HEADER`] header or
    /// else from the form field [`CSRF_FIELD`] of `form_body` (a URL-encoded body; `None` when
    /// it was not read). `authority` is the URI's, if it has one (HTTP/2); else `Host` is used.
    ///
    /// # Errors
    ///
    /// [`CsrfRefusal`], as [`SessionManager::open_request`].
    ///
    /// ```
    /// use http::{HeaderMap, Method};
    /// # use sealed_session::http::{SessionCookie, SessionManager};
    /// # let sessions = SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), SessionCookie::new("s"));
    /// let session = sessions.open(&HeaderMap::new());
    /// // No session came in: only the origin matters, and a script sends none.
    /// assert!(sessions.check_csrf(&session, &Method::POST, &HeaderMap::new(), None, None).is_ok());
    /// ```
    pub fn check_csrf(
        &self,
        session: &SessionHandle<T>,
        method: &Method,
        headers: &HeaderMap,
        authority: Option<&str>,
        form_body: Option<&[u8]>,
    ) -> Result<(), CsrfRefusal> {
        let csrf = &self.shared.csrf;
        if !csrf.applies_to(method) {
            return Ok(());
        }
        csrf.check_origin(headers, authority)?;
        if !csrf.checks_token() {
            return Ok(());
        }
        let Some(id) = session.session_id() else {
            return Ok(());
        };
        let sent = csrf::token_in_header(headers).or_else(|| {
            form_body
                .filter(|_| csrf::is_form(headers))
                .and_then(csrf::token_in_form)
        });
        let sent = sent.ok_or(CsrfRefusal::MissingToken)?;
        csrf::verify(&self.shared.sealer, id, sent)
    }

    /// Whether a request needs its body read for [`SessionManager::check_csrf`]: an unsafe
    /// URL-encoded form that carries a session and no token header. A framework whose body is
    /// a stream reads it only then.
    ///
    /// ```
    /// use http::{HeaderMap, Method};
    /// # use sealed_session::http::{SessionCookie, SessionManager};
    /// # let sessions = SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), SessionCookie::new("s"));
    /// let session = sessions.open(&HeaderMap::new());
    /// assert!(!sessions.needs_form_body(&session, &Method::POST, &HeaderMap::new()));
    /// ```
    #[must_use]
    pub fn needs_form_body(
        &self,
        session: &SessionHandle<T>,
        method: &Method,
        headers: &HeaderMap,
    ) -> bool {
        let csrf = &self.shared.csrf;
        csrf.applies_to(method)
            && csrf.checks_token()
            && session.session_id().is_some()
            && csrf::token_in_header(headers).is_none()
            && csrf::is_form(headers)
    }
}

/// The answer to a visitor who must log in ([`SessionHandle::require_login`]): `401
/// Unauthorized`, or `303 See Other` to the manager's login page
/// ([`SessionManager::with_login_redirect`]).
///
/// ```
/// use sealed_session::http::{SessionCookie, SessionManager};
/// # let sealer = sealed_session::Sealer::new(sealed_session::Key::generate(), "session");
/// let sessions = SessionManager::<u8>::new(sealer, SessionCookie::new("s")).with_login_redirect("/login");
/// let refused = sessions.open(&http::HeaderMap::new()).require_login().unwrap_err();
/// assert_eq!(refused.status(), http::StatusCode::SEE_OTHER);
/// assert_eq!(refused.location(), Some("/login"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginRequired {
    pub(super) location: Option<String>,
}

impl LoginRequired {
    /// 401, or 303 with a login page.
    ///
    /// ```
    /// # use sealed_session::http::{SessionCookie, SessionManager};
    /// # let sessions = SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), SessionCookie::new("s"));
    /// let refused = sessions.open(&http::HeaderMap::new()).require_login().unwrap_err();
    /// assert_eq!(refused.status(), http::StatusCode::UNAUTHORIZED);
    /// ```
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self.location {
            Some(_) => StatusCode::SEE_OTHER,
            None => StatusCode::UNAUTHORIZED,
        }
    }

    /// The login page to send the visitor to (the `Location` header), if the manager has one.
    ///
    /// ```
    /// # use sealed_session::http::{SessionCookie, SessionManager};
    /// # let sessions = SessionManager::<u8>::new(sealed_session::Sealer::new(sealed_session::Key::generate(), "session"), SessionCookie::new("s"));
    /// assert_eq!(sessions.open(&http::HeaderMap::new()).require_login().unwrap_err().location(), None);
    /// ```
    #[must_use]
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }
}

impl std::fmt::Display for LoginRequired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("log in first")
    }
}

impl std::error::Error for LoginRequired {}
