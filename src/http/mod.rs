//! The HTTP edge (feature `http`): the session as a cookie, on `http` crate types; and in axum
//! (feature `axum`).
//!
//! [`SessionCookie`] turns a token into `Set-Cookie` header values — one cookie, or numbered
//! chunks when it does not fit one, always within a budget — and reads it back from a request's
//! `Cookie` headers, refusing duplicates, gaps and mixed forms.
//!
//! [`SessionManager`] is the session of a request on `http` types, for any framework (hyper,
//! `lambda_http`, axum): it opens the cookie, checks CSRF, and its [`SessionHandle`] writes
//! the cookies into the response. `SessionLayer` (feature `axum`) is it as a tower layer,
//! with extractors.

#[cfg(feature = "axum")]
mod axum_layer;
mod headers;
mod request;
mod session_cookie;

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use self::axum_layer::{MissingSessionLayer, SessionLayer, SessionService};
pub use self::request::{
    CSRF_FIELD, CSRF_HEADER, CsrfProtection, CsrfRefusal, LoginRequired, SessionHandle,
    SessionManager,
};

pub use self::session_cookie::{
    CarriedForms, CookiePlan, CookieProblem, DEFAULT_MAX_CHUNKS, DEFAULT_MAX_COOKIE_BYTES,
    DEFAULT_MAX_REQUEST_COOKIE_BYTES, MAX_COOKIE_LEN, ReadCookie, SessionCookie,
};
/// The `SameSite` attribute, from the `cookie` crate.
pub use ::cookie::SameSite;
