//! The session in axum (feature `axum`): a tower layer around [`SessionManager`] that opens
//! the session cookie and checks CSRF before the handler and writes cookies after it, and the
//! extractors: [`SessionHandle`] (read and change the session), [`Session`] (a logged-in user,
//! or 401 / a redirect before the handler), `Option<Session<T>>` (the user, if any).

use std::any::type_name;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::{FromRequestParts, OptionalFromRequestParts, Request};
use axum::http::header::LOCATION;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower_layer::Layer;
use tower_service::Service;

use super::{
    CsrfProtection, CsrfRefusal, LoginRequired, SessionCookie, SessionHandle, SessionManager,
};
use crate::{Sealer, Session};

/// The largest URL-encoded form body the layer reads for its CSRF token: 2 MiB, axum's default
/// body limit. A larger form is answered 413 (send the token in the header instead).
const FORM_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The layer: add it to a router with `.layer(SessionLayer::<State>::new(sealer, cookie))`.
///
/// Before each request it opens the session cookie ([`SessionManager::open`]: a missing,
/// malformed, tampered, expired or revoked session reads as "no session" and the response
/// clears the cookie; a refusal that is this server's condition — a key or dictionary not
/// deployed here yet, revocations not loaded during a Redis outage — keeps the cookie, so that
/// an outage or a rolling deploy logs nobody out) and checks CSRF on unsafe methods
/// ([`CsrfProtection`], on by default: a request from another site, or one with a session but
/// without its token in the `csrf_token` form field or the `x-csrf-token` header, gets 403
/// before the handler runs). After the handler it writes what the handler asked for, reseals a
/// session past half its life (keeping its id), and writes nothing when nothing changed.
/// Refusals are logged with `tracing` (`warn` for tampering and CSRF, `debug` for expiry),
/// never the token.
///
/// ```
/// use axum::{Router, routing::{get, post}};
/// use sealed_session::http::{SessionCookie, SessionHandle, SessionLayer};
/// use sealed_session::{Key, Sealer, Session};
///
/// // Only for a logged-in user: anyone else gets 401 (or the layer's login page).
/// async fn page(user: Session<u32>) -> String {
///     format!("{} counted {}", user.subject(), user.state())
/// }
///
/// async fn count(session: SessionHandle<u32>) -> Result<(), sealed_session::Error> {
///     session.update(session.state().unwrap_or(0) + 1)
/// }
///
/// let sealer = Sealer::new(Key::generate(), "session");
/// let app: Router = Router::new()
///     .route("/", get(page))
///     .route("/count", post(count))
///     .layer(SessionLayer::<u32>::new(sealer, SessionCookie::new("__Host-session")));
/// ```
pub struct SessionLayer<T> {
    manager: SessionManager<T>,
}

impl<T> Clone for SessionLayer<T> {
    fn clone(&self) -> Self {
        SessionLayer {
            manager: self.manager.clone(),
        }
    }
}

impl<T> From<SessionManager<T>> for SessionLayer<T> {
    fn from(manager: SessionManager<T>) -> SessionLayer<T> {
        SessionLayer { manager }
    }
}

impl<T> SessionLayer<T> {
    /// A layer that seals and opens with `sealer`, stores the token in `cookie`, checks CSRF
    /// ([`CsrfProtection::default`]) and answers 401 to a visitor who must log in.
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
            manager: SessionManager::new(sealer, cookie),
        }
    }

    /// Another CSRF protection ([`SessionManager::with_csrf`]): a trusted origin, or none at
    /// all on routes only bearer-token clients reach.
    ///
    /// ```
    /// use sealed_session::http::{CsrfProtection, SessionCookie, SessionLayer};
    /// # let sealer = sealed_session::Sealer::new(sealed_session::Key::generate(), "session");
    /// let layer = SessionLayer::<u8>::new(sealer, SessionCookie::new("__Host-session"))
    ///     .with_csrf(CsrfProtection::default().with_trusted_origin("https://shop.example.com"));
    /// ```
    #[must_use]
    pub fn with_csrf(self, csrf: CsrfProtection) -> SessionLayer<T> {
        SessionLayer {
            manager: self.manager.with_csrf(csrf),
        }
    }

    /// Sends a visitor who must log in (the [`Session`] extractor) to `location` with `303 See
    /// Other`, instead of answering `401 Unauthorized`.
    ///
    /// ```
    /// use sealed_session::http::{SessionCookie, SessionLayer};
    /// # let sealer = sealed_session::Sealer::new(sealed_session::Key::generate(), "session");
    /// let layer = SessionLayer::<u8>::new(sealer, SessionCookie::new("__Host-session"))
    ///     .with_login_redirect("/login");
    /// ```
    #[must_use]
    pub fn with_login_redirect(self, location: &str) -> SessionLayer<T> {
        SessionLayer {
            manager: self.manager.with_login_redirect(location),
        }
    }
}

impl<S, T> Layer<S> for SessionLayer<T> {
    type Service = SessionService<S, T>;

    fn layer(&self, inner: S) -> Self::Service {
        SessionService {
            inner,
            manager: self.manager.clone(),
        }
    }
}

/// The service [`SessionLayer`] wraps around a handler.
pub struct SessionService<S, T> {
    inner: S,
    manager: SessionManager<T>,
}

impl<S: Clone, T> Clone for SessionService<S, T> {
    fn clone(&self) -> Self {
        SessionService {
            inner: self.inner.clone(),
            manager: self.manager.clone(),
        }
    }
}

/// The state type of the layer on the route, for the message of an extractor that asks for
/// another one.
#[derive(Clone, Copy)]
struct LayerState(&'static str);

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

    fn call(&mut self, request: Request) -> Self::Future {
        // The service that was polled ready handles this request; a clone takes its place.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let manager = self.manager.clone();
        let now = manager.now();
        Box::pin(async move {
            let session = manager.open_at(request.headers(), now);
            let mut request = match checked(&manager, &session, request).await {
                Ok(request) => request,
                Err(refused) => return Ok(refused),
            };
            request.extensions_mut().insert(session.clone());
            request
                .extensions_mut()
                .insert(LayerState(type_name::<T>()));
            let mut response = inner.call(request).await?;
            session.write_to(response.headers_mut());
            Ok(response)
        })
    }
}

/// The request, once its CSRF checks pass (its form body read and put back when the token is
/// in it), or the 403 (413 for a form too large to read) that answers it.
async fn checked<T: Serialize + DeserializeOwned + Clone>(
    manager: &SessionManager<T>,
    session: &SessionHandle<T>,
    request: Request,
) -> Result<Request, Response> {
    let (parts, body) = request.into_parts();
    // The form body is read only when the token may be in it, and handed on whole.
    let (body, form) = if manager.needs_form_body(session, &parts.method, &parts.headers) {
        let Ok(bytes) = axum::body::to_bytes(body, FORM_BODY_LIMIT).await else {
            return Err((StatusCode::PAYLOAD_TOO_LARGE, "form too large").into_response());
        };
        (Body::from(bytes.clone()), Some(bytes))
    } else {
        (body, None)
    };
    let verdict = manager.check_csrf(
        session,
        &parts.method,
        &parts.headers,
        parts.uri.authority().map(|authority| authority.as_str()),
        form.as_deref(),
    );
    let request = Request::from_parts(parts, body);
    match verdict {
        Ok(()) => Ok(request),
        Err(refusal) => {
            tracing::warn!(%refusal, method = %request.method(), path = request.uri().path(), "request refused: CSRF");
            Err(refusal.into_response())
        }
    }
}

/// A handler may return the crate's [`Error`](crate::Error): `413` for a state over the cookie
/// budget, `500` for anything else, with the status's reason as the only text (the error itself
/// goes to the log with `tracing`, never to the client).
///
/// ```
/// use sealed_session::http::SessionHandle;
///
/// async fn count(session: SessionHandle<u32>) -> Result<(), sealed_session::Error> {
///     session.update(session.state().unwrap_or(0) + 1)
/// }
/// ```
impl IntoResponse for crate::Error {
    fn into_response(self) -> Response {
        let status = match self {
            crate::Error::CookieBudget => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        tracing::error!(error = %self, "session handler failed");
        (status, status.canonical_reason().unwrap_or_default()).into_response()
    }
}

impl IntoResponse for CsrfRefusal {
    /// 403, with the reason as plain text: it tells a forger nothing they did not send.
    fn into_response(self) -> Response {
        (self.status(), self.to_string()).into_response()
    }
}

impl IntoResponse for LoginRequired {
    /// 401, or 303 to the login page.
    fn into_response(self) -> Response {
        let status = self.status();
        match self
            .location()
            .and_then(|location| HeaderValue::from_str(location).ok())
        {
            Some(location) => (status, [(LOCATION, location)]).into_response(),
            None => (status, "log in first").into_response(),
        }
    }
}

/// The rejection of a session extractor on a route without [`SessionLayer`], or with a layer
/// of another state type: a 500 whose text says which (also logged with `tracing`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingSessionLayer {
    message: String,
}

impl std::fmt::Display for MissingSessionLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl IntoResponse for MissingSessionLayer {
    fn into_response(self) -> Response {
        (StatusCode::INTERNAL_SERVER_ERROR, self.message).into_response()
    }
}

/// The request's session handle, or why there is none.
fn handle_of<T: Send + Sync + 'static>(
    parts: &Parts,
) -> Result<SessionHandle<T>, MissingSessionLayer> {
    if let Some(handle) = parts.extensions.get::<SessionHandle<T>>() {
        return Ok(handle.clone());
    }
    let message = match parts.extensions.get::<LayerState>() {
        Some(LayerState(layer)) => format!(
            "the session extractor asks for state `{}`, but SessionLayer on this route holds `{layer}`",
            type_name::<T>()
        ),
        None => format!(
            "the session extractor needs sealed_session::http::SessionLayer::<{}> on this route",
            type_name::<T>()
        ),
    };
    tracing::error!("{message}");
    Err(MissingSessionLayer { message })
}

/// The session of the request, to read and change. Always extracts (with no session, its
/// reads are `None`); a handler without [`SessionLayer`] on its route, or with a layer of
/// another state type, gets a 500 that says so, never a silent "no session".
impl<S, T> FromRequestParts<S> for SessionHandle<T>
where
    S: Send + Sync,
    T: Send + Sync + 'static,
{
    type Rejection = MissingSessionLayer;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        handle_of(parts)
    }
}

/// A logged-in user's session, or no handler at all: a visitor without one (or with an
/// anonymous session) gets 401, or a redirect to the layer's login page
/// ([`SessionLayer::with_login_redirect`]), before the handler runs.
///
/// ```
/// use sealed_session::Session;
///
/// async fn account(user: Session<u32>) -> String {
///     format!("hello {}", user.subject())
/// }
/// ```
impl<S, T> FromRequestParts<S> for Session<T>
where
    S: Send + Sync,
    T: Clone + Send + Sync + 'static,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        handle_of::<T>(parts)
            .map_err(IntoResponse::into_response)?
            .require_login()
            .map_err(IntoResponse::into_response)
    }
}

/// The logged-in user's session, if there is one: `Option<Session<T>>` in a handler's
/// arguments. `None` for no session and for an anonymous one.
///
/// ```
/// use sealed_session::Session;
///
/// async fn home(user: Option<Session<u32>>) -> String {
///     match user {
///         Some(user) => format!("hello {}", user.subject()),
///         None => "hello, visitor".into(),
///     }
/// }
/// ```
impl<S, T> OptionalFromRequestParts<S> for Session<T>
where
    S: Send + Sync,
    T: Clone + Send + Sync + 'static,
{
    type Rejection = MissingSessionLayer;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(handle_of::<T>(parts)?.require_login().ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use time::OffsetDateTime;

    /// The rejection's text, for logs, is its message.
    #[test]
    fn a_missing_layer_says_so() {
        let missing = MissingSessionLayer {
            message: "add the layer".into(),
        };
        assert_eq!(missing.to_string(), "add the layer");
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
        let manager =
            SessionManager::<u32>::new(sealer.clone(), SessionCookie::new("__Host-session"));
        let now = OffsetDateTime::now_utc();
        let levels_when = |token: &str| {
            let levels = Levels::default();
            let mut headers = axum::http::HeaderMap::new();
            let value = format!("__Host-session={token}");
            headers.insert(axum::http::header::COOKIE, value.parse().expect("header"));
            tracing::subscriber::with_default(levels.clone(), || manager.open_at(&headers, now));
            levels.0.lock().expect("levels").clone()
        };
        let expired = sealer
            .seal_at("u", &1u32, now - time::Duration::days(2))
            .expect("seals");
        assert_eq!(levels_when(&expired), [Level::DEBUG]);
        assert_eq!(levels_when("AQAB"), [Level::WARN]);
    }
}
