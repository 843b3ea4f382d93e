//! The session in axum (feature `axum`): a tower layer that opens the session cookie before the
//! handler and writes cookies after it, and an extractor for the typed session.
//!
//! The decisions — what to write, given what came in and what the handler did — are made in
//! plain functions ([`decide`]) that the tests drive without a server; the layer only moves
//! headers.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use axum::extract::{FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use tower_layer::Layer;
use tower_service::Service;

use super::{ReadCookie, SessionCookie};
use crate::{Error, Sealed, Sealer, Session};

/// The layer: add it to a router with `.layer(SessionLayer::<State>::new(sealer, cookie))`.
///
/// Before each request it reads the session cookie and opens it; a missing, malformed,
/// tampered, expired or revoked session reads as "no session" (the reason is logged with
/// `tracing` — `warn` for tampering, `debug` for expiry — and available from
/// [`SessionHandle::problem`], never the token itself), and the response then clears the cookie.
/// A refusal that is the server's condition, not the token's (revocations not loaded yet
/// during a Redis outage, a key or dictionary not deployed on this instance yet: see
/// [`Error::is_final_for_token`]) also reads as "no session" for that request, but the cookie
/// is kept, so that an outage or a rolling deploy logs nobody out.
/// After the handler it writes what the handler asked for, reseals a session past half its
/// life (keeping its id), and writes nothing when nothing changed. Removals are sent only for
/// forms of the cookie that may be in the browser ([`SessionCookie::write_after`]).
///
/// ```
/// use axum::{Router, routing::get};
/// use sealed_session::http::{SessionCookie, SessionHandle, SessionLayer};
/// use sealed_session::{Key, Sealer};
///
/// async fn page(session: SessionHandle<u32>) -> String {
///     match session.state() {
///         Some(count) => format!("count {count}"),
///         None => "not logged in".into(),
///     }
/// }
///
/// let sealer = Sealer::new(Key::generate(), "session");
/// let app: Router = Router::new()
///     .route("/", get(page))
///     .layer(SessionLayer::<u32>::new(sealer, SessionCookie::new("__Host-session")));
/// ```
pub struct SessionLayer<T> {
    shared: Arc<Shared>,
    state: PhantomData<fn() -> T>,
}

impl<T> Clone for SessionLayer<T> {
    fn clone(&self) -> Self {
        SessionLayer {
            shared: Arc::clone(&self.shared),
            state: PhantomData,
        }
    }
}

struct Shared {
    sealer: Sealer,
    cookie: SessionCookie,
}

impl<T> SessionLayer<T> {
    /// A layer that seals and opens with `sealer` and stores the token in `cookie`.
    ///
    /// ```
    /// use sealed_session::http::{SessionCookie, SessionLayer};
    /// let layer = SessionLayer::<String>::new(
    ///     sealed_session::Sealer::new(sealed_session::Key::generate(), "session"),
    ///     SessionCookie::new("__Host-session"),
    /// );
    /// ```
    #[must_use]
    pub fn new(sealer: Sealer, cookie: SessionCookie) -> SessionLayer<T> {
        SessionLayer {
            shared: Arc::new(Shared { sealer, cookie }),
            state: PhantomData,
        }
    }
}

impl<S, T> Layer<S> for SessionLayer<T> {
    type Service = SessionService<S, T>;

    fn layer(&self, inner: S) -> Self::Service {
        SessionService {
            inner,
            shared: Arc::clone(&self.shared),
            state: PhantomData,
        }
    }
}

/// The service [`SessionLayer`] wraps around a handler.
pub struct SessionService<S, T> {
    inner: S,
    shared: Arc<Shared>,
    state: PhantomData<fn() -> T>,
}

impl<S: Clone, T> Clone for SessionService<S, T> {
    fn clone(&self) -> Self {
        SessionService {
            inner: self.inner.clone(),
            shared: Arc::clone(&self.shared),
            state: PhantomData,
        }
    }
}

type BoxFuture<R, E> = Pin<Box<dyn Future<Output = Result<R, E>> + Send>>;

impl<S, T> Service<Request> for SessionService<S, T>
where
    S: Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = BoxFuture<Response, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        // The service that was polled ready handles this request; a clone takes its place.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let shared = Arc::clone(&self.shared);
        let now = OffsetDateTime::now_utc();
        let handle = SessionHandle::<T>::load(&shared, request.headers(), now);
        request.extensions_mut().insert(handle.clone());
        Box::pin(async move {
            let mut response = inner.call(request).await?;
            let writes = handle.finish(&shared, now);
            shared.cookie.append_to(response.headers_mut(), writes);
            Ok(response)
        })
    }
}

/// The opened session of one request, for the handler: read it, start one (log in), update
/// it, or end it (log out here). Cheap to clone; all clones share the request's session.
///
/// A handler that asks for it without [`SessionLayer`] gets a 500 that says so, never a silent
/// "no session".
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
    /// What the request carried (its token taken out): which forms a write must remove.
    read: ReadCookie,
    /// A cookie came in that can never open (malformed, forged, expired, revoked…): it is
    /// cleared. Not set for a refusal that is this server's condition (see
    /// [`Error::is_final_for_token`]): that cookie is kept.
    refused_for_good: bool,
    problem: Option<String>,
    change: Change,
}

/// What the handler asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Change {
    /// Nothing: keep the cookie (or roll it when it is past half its life).
    Unchanged,
    /// Write this token, valid until then.
    Token(String, OffsetDateTime),
    /// Remove the session cookie in every form.
    Clear,
}

/// What the layer writes after the handler, from what came in and what the handler did: the
/// decision table, without a server.
///
/// - the handler set a token: write it;
/// - the handler cleared the session: clear every form;
/// - nothing changed, a session came in and is past half its life: reseal it (`roll`);
/// - nothing changed and a cookie came in that can never open: clear it;
/// - otherwise (also a cookie refused for a condition of this server): write nothing.
pub(crate) fn decide(
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
pub(crate) enum Decision {
    Write,
    Clear,
    Roll,
    Nothing,
}

impl<T> SessionHandle<T> {
    fn lock(&self) -> MutexGuard<'_, Slot<T>> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The session's subject (the user), if a session came in or was started here.
    #[must_use]
    pub fn subject(&self) -> Option<String> {
        self.lock()
            .session
            .as_ref()
            .map(|session| session.subject().to_owned())
    }

    /// When the user logged in, if there is a session.
    #[must_use]
    pub fn authenticated_at(&self) -> Option<OffsetDateTime> {
        self.lock().session.as_ref().map(Session::authenticated_at)
    }

    /// The session's id, if there is a session: the same for every token the session has had,
    /// for [`crate::RevocationList::revoke_session_id`] and for logs.
    #[must_use]
    pub fn session_id(&self) -> Option<crate::SessionId> {
        self.lock().session.as_ref().map(Session::session_id)
    }

    /// Why the request's session cookie was not used, if one came in and failed: for logs,
    /// never for the client.
    #[must_use]
    pub fn problem(&self) -> Option<String> {
        self.lock().problem.clone()
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
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the sealer has no revocation list (nothing could reach the other
    /// devices); nothing is changed then. With no session, there is nothing to do: `Ok`.
    ///
    /// ```
    /// use axum::http::StatusCode;
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
            list.revoke_user(session.subject());
        }
        slot.change = Change::Clear;
        Ok(())
    }
}

impl<T: Serialize + DeserializeOwned + Clone> SessionHandle<T> {
    fn load(shared: &Arc<Shared>, headers: &axum::http::HeaderMap, now: OffsetDateTime) -> Self {
        let mut read = shared.cookie.read_headers(headers);
        // A cookie problem (duplicates, gaps, not a token…) is final: that cookie never opens.
        let mut refused_for_good = read.problem.is_some();
        let mut problem = read.problem.map(|problem| {
            tracing::warn!(%problem, "session cookie refused");
            problem.to_string()
        });
        let session =
            read.token
                .take()
                .and_then(|token| match shared.sealer.open_at::<T>(&token, now) {
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
        SessionHandle {
            slot: Arc::new(Mutex::new(Slot {
                session,
                read,
                refused_for_good,
                problem,
                change: Change::Unchanged,
            })),
            shared: Arc::clone(shared),
        }
    }

    /// The `Set-Cookie` values to append after the handler.
    fn finish(&self, shared: &Shared, now: OffsetDateTime) -> Vec<String> {
        let slot = self.lock();
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

    /// The session's state, if there is a session.
    #[must_use]
    pub fn state(&self) -> Option<T> {
        self.lock()
            .session
            .as_ref()
            .map(|session| session.state().clone())
    }

    /// Starts a session for `subject` with `state` (a login): a fresh session id, written to
    /// the response. Checked against the cookie budget now, so a state that would not fit is an
    /// error here, in the handler, and nothing is written.
    ///
    /// # Errors
    ///
    /// [`Error::CookieBudget`], and the errors of [`Sealer::seal`].
    pub fn log_in(&self, subject: &str, state: T) -> Result<(), Error> {
        let now = OffsetDateTime::now_utc();
        let sealed = self.shared.sealer.start_session_at(subject, state, now)?;
        self.accept(sealed)
    }

    /// Replaces the state of the current session (resealed: same session id and login time),
    /// written to the response. Checked against the cookie budget now.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if there is no session to update, [`Error::CookieBudget`], and the
    /// errors of [`Sealer::reseal`].
    pub fn update(&self, state: T) -> Result<(), Error> {
        let now = OffsetDateTime::now_utc();
        let sealed = {
            let slot = self.lock();
            let session = slot
                .session
                .as_ref()
                .ok_or(Error::Config("no session to update: log in first"))?;
            self.shared.sealer.roll_session_at(session, state, now)?
        };
        self.accept(sealed)
    }

    /// Logs the user out on every other device and keeps this one logged in: every session of
    /// the user that began until now is revoked, and a new session (new id, new login time)
    /// with `state` is written here. For a password change.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when there is no session or the sealer has no revocation list,
    /// [`Error::CookieBudget`], and the errors of [`Sealer::seal`].
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
        let now = OffsetDateTime::now_utc();
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

impl<S, T> FromRequestParts<S> for SessionHandle<T>
where
    S: Send + Sync,
    T: Send + Sync + 'static,
{
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<SessionHandle<T>>().cloned().ok_or((
            StatusCode::INTERNAL_SERVER_ERROR,
            "SessionHandle needs sealed_session::http::SessionLayer on the route, with the same state type",
        ))
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

    /// The layer is ready when the service it wraps is, and not before: back-pressure from
    /// below (a concurrency limit, a load shedder) passes through it, and so do its errors.
    #[test]
    fn readiness_is_the_wrapped_services() {
        #[derive(Clone)]
        struct Inner(Poll<Result<(), &'static str>>);
        impl Service<Request> for Inner {
            type Response = Response;
            type Error = &'static str;
            type Future = std::future::Ready<Result<Response, &'static str>>;
            fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), &'static str>> {
                self.0
            }
            fn call(&mut self, _: Request) -> Self::Future {
                std::future::ready(Ok(Response::default()))
            }
        }
        let layer = SessionLayer::<u32>::new(
            Sealer::new(crate::Key::generate(), "session"),
            SessionCookie::new("__Host-session"),
        );
        let mut cx = Context::from_waker(std::task::Waker::noop());
        for inner in [Poll::Pending, Poll::Ready(Err("shed")), Poll::Ready(Ok(()))] {
            assert_eq!(layer.layer(Inner(inner)).poll_ready(&mut cx), inner);
        }
    }

    /// Sessions that ended (expired, past their lifetime, revoked) are routine and logged at
    /// debug; a cookie refused for any other reason (forged, damaged) is a warning.
    #[test]
    fn ended_sessions_are_debug_and_refused_cookies_warnings() {
        use tracing::span::{Attributes, Id, Record};
        use tracing::{Event, Level, Metadata};

        #[derive(Clone, Default)]
        struct Levels(Arc<Mutex<Vec<Level>>>);
        impl tracing::Subscriber for Levels {
            fn enabled(&self, _: &Metadata<'_>) -> bool {
                true
            }
            fn new_span(&self, _: &Attributes<'_>) -> Id {
                Id::from_u64(1)
            }
            fn record(&self, _: &Id, _: &Record<'_>) {}
            fn record_follows_from(&self, _: &Id, _: &Id) {}
            fn event(&self, event: &Event<'_>) {
                self.0
                    .lock()
                    .expect("levels")
                    .push(*event.metadata().level());
            }
            fn enter(&self, _: &Id) {}
            fn exit(&self, _: &Id) {}
        }

        let sealer = Sealer::new(crate::Key::generate(), "session");
        let cookie = SessionCookie::new("__Host-session");
        let shared = Arc::new(Shared {
            sealer: sealer.clone(),
            cookie,
        });
        let now = OffsetDateTime::now_utc();
        let levels_when = |token: &str| {
            let levels = Levels::default();
            let mut headers = axum::http::HeaderMap::new();
            let value = format!("__Host-session={token}");
            headers.insert(axum::http::header::COOKIE, value.parse().expect("header"));
            tracing::subscriber::with_default(levels.clone(), || {
                SessionHandle::<u32>::load(&shared, &headers, now)
            });
            levels.0.lock().expect("levels").clone()
        };
        let expired = sealer
            .seal_at("u", &1u32, now - time::Duration::days(2))
            .expect("seals");
        assert_eq!(levels_when(&expired), [Level::DEBUG]);
        assert_eq!(levels_when("AQAB"), [Level::WARN]);
    }
}
