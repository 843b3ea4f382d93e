//! CSRF protection, on by default: an unsafe request (POST, PUT, PATCH, DELETE…) must come from
//! this site's own pages (`Sec-Fetch-Site`, else `Origin` against the host), and, when it
//! carries a session, must send that session's CSRF token (a form field or a header).
//!
//! The token is kept in the session without a field of the application's state: it is a keyed
//! tag of the session id under the sealer's keys ([`Sealer::tag`]), so every instance with the
//! keys checks it, it lasts as long as the session (rolling keeps the id), and a login (a new
//! session id) ends the tokens of the session before it. Each one handed out is masked with
//! fresh random bytes, so that a compressed page that shows it reveals nothing across
//! responses (BREACH).

use std::fmt;

use ::http::header::{CONTENT_TYPE, HOST, ORIGIN};
use ::http::{HeaderMap, Method, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;

use crate::{Sealer, SessionId};

/// The form field a CSRF token is read from, in an `application/x-www-form-urlencoded` body. A
/// multipart form (a file upload) is not read: send the token in [`CSRF_HEADER`] from a script,
/// or, on a route whose layer has [`CsrfProtection::dangerous_without_token`], check the field
/// in the handler with [`SessionHandle::verify_csrf_token`](crate::http::SessionHandle::verify_csrf_token).
pub const CSRF_FIELD: &str = "csrf_token";
/// The request header a CSRF token is read from (for scripts: `fetch` with a header).
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The label of the tag behind the token ([`Sealer::tag`]).
const TAG_LABEL: &str = "csrf";

/// How a session manager guards unsafe requests against cross-site request forgery. The
/// default ([`CsrfProtection::default`]) checks both the request's origin and the session's
/// token; turning either off is named as the danger it is.
///
/// ```
/// use sealed_session::http::CsrfProtection;
///
/// let default = CsrfProtection::default();
/// // A second site of ours that posts forms to this one:
/// let with_partner = CsrfProtection::default().with_trusted_origin("https://shop.example.com");
/// # let _ = (default, with_partner);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsrfProtection {
    check_origin: bool,
    check_token: bool,
    trusted_origins: Vec<String>,
}

impl Default for CsrfProtection {
    /// Both checks on, no other origin trusted.
    fn default() -> CsrfProtection {
        CsrfProtection {
            check_origin: true,
            check_token: true,
            trusted_origins: Vec::new(),
        }
    }
}

impl CsrfProtection {
    /// Also accepts unsafe requests whose `Origin` is exactly `origin` (scheme, host and port,
    /// as a browser sends it: `https://shop.example.com`), even when the browser calls them
    /// cross-site. The session's token is still required.
    ///
    /// ```
    /// use sealed_session::http::CsrfProtection;
    /// let csrf = CsrfProtection::default().with_trusted_origin("https://admin.example.com");
    /// # let _ = csrf;
    /// ```
    #[must_use]
    pub fn with_trusted_origin(mut self, origin: &str) -> CsrfProtection {
        self.trusted_origins
            .push(origin.trim_end_matches('/').to_owned());
        self
    }

    /// No CSRF check at all: only for routes that no browser session can reach, such as an API
    /// whose clients authenticate with bearer tokens in the `Authorization` header (a browser
    /// never adds those on its own, so another site cannot make it send them). Give such routes
    /// their own layer; keep the default on every route a cookie session can reach.
    ///
    /// ```
    /// use sealed_session::http::CsrfProtection;
    /// let api_only = CsrfProtection::dangerous_disabled();
    /// # let _ = api_only;
    /// ```
    #[must_use]
    pub fn dangerous_disabled() -> CsrfProtection {
        CsrfProtection {
            check_origin: false,
            check_token: false,
            trusted_origins: Vec::new(),
        }
    }

    /// Checks only the request's origin, not the session's token: for clients that cannot
    /// carry a token but always send `Origin` or `Sec-Fetch-Site` (every current browser does).
    /// A request with neither header (an old browser) is then not guarded at all.
    ///
    /// ```
    /// use sealed_session::http::CsrfProtection;
    /// let origin_only = CsrfProtection::dangerous_without_token();
    /// # let _ = origin_only;
    /// ```
    #[must_use]
    pub fn dangerous_without_token() -> CsrfProtection {
        CsrfProtection {
            check_token: false,
            ..CsrfProtection::default()
        }
    }

    /// Whether `method` can change something, so that the checks apply: every method but
    /// `GET`, `HEAD`, `OPTIONS` and `TRACE`.
    pub(crate) fn applies_to(&self, method: &Method) -> bool {
        (self.check_origin || self.check_token) && !method.is_safe()
    }

    /// Whether the session's token is required (of an unsafe request that carries a session).
    pub(crate) fn checks_token(&self) -> bool {
        self.check_token
    }

    /// The origin check of an unsafe request. `authority` is the host the request was sent to
    /// (`Host`, or the URI's authority in HTTP/2), for comparing with `Origin`.
    ///
    /// A browser's `Sec-Fetch-Site` decides when present: `same-origin`, or `none` (typed by the
    /// user, a bookmark), passes; `same-site` and `cross-site` are refused unless `Origin` is
    /// trusted. Without it, `Origin` must be this host (in either scheme) or trusted. A request
    /// with neither header is no browser's of this decade: it passes here, and the session's
    /// token still guards it.
    ///
    /// # Errors
    ///
    /// [`CsrfRefusal::CrossOrigin`].
    pub(crate) fn check_origin(
        &self,
        headers: &HeaderMap,
        authority: Option<&str>,
    ) -> Result<(), CsrfRefusal> {
        if !self.check_origin {
            return Ok(());
        }
        let origin = headers.get(ORIGIN).and_then(|value| value.to_str().ok());
        let trusted = origin.is_some_and(|origin| {
            self.trusted_origins
                .iter()
                .any(|trusted| trusted.eq_ignore_ascii_case(origin))
        });
        if trusted {
            return Ok(());
        }
        if let Some(site) = headers.get("sec-fetch-site") {
            return if site == "same-origin" || site == "none" {
                Ok(())
            } else {
                Err(CsrfRefusal::CrossOrigin)
            };
        }
        let Some(origin) = headers.get(ORIGIN) else {
            return Ok(());
        };
        let host = authority.or_else(|| headers.get(HOST).and_then(|host| host.to_str().ok()));
        let same = match (origin.to_str().ok(), host) {
            (Some(origin), Some(host)) => origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"))
                .is_some_and(|origin_host| origin_host.eq_ignore_ascii_case(host)),
            _ => false,
        };
        if same {
            Ok(())
        } else {
            Err(CsrfRefusal::CrossOrigin)
        }
    }
}

/// Why an unsafe request was refused as a possible cross-site request forgery. Answer it with
/// [`CsrfRefusal::status`] (403); the reason is for the server's logs.
///
/// ```
/// use sealed_session::http::CsrfRefusal;
/// assert_eq!(CsrfRefusal::CrossOrigin.status(), http::StatusCode::FORBIDDEN);
/// assert_eq!(CsrfRefusal::MissingToken.to_string(), "no CSRF token in the request");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CsrfRefusal {
    /// The browser says the request comes from another site (`Sec-Fetch-Site`, `Origin`).
    CrossOrigin,
    /// The request carries a session but not its CSRF token (form field [`CSRF_FIELD`], header
    /// [`CSRF_HEADER`]).
    MissingToken,
    /// The token sent is not the session's (another session's, one from before a login, or
    /// forged).
    WrongToken,
}

impl CsrfRefusal {
    /// The status to answer with: 403 Forbidden.
    ///
    /// ```
    /// use sealed_session::http::CsrfRefusal;
    /// assert_eq!(CsrfRefusal::WrongToken.status().as_u16(), 403);
    /// ```
    #[must_use]
    pub fn status(self) -> StatusCode {
        StatusCode::FORBIDDEN
    }
}

impl fmt::Display for CsrfRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CsrfRefusal::CrossOrigin => "the request comes from another site",
            CsrfRefusal::MissingToken => "no CSRF token in the request",
            CsrfRefusal::WrongToken => "the CSRF token is not this session's",
        })
    }
}

impl std::error::Error for CsrfRefusal {}

/// A fresh masked token for the session `id`: 32 random bytes, then the same bytes XORed with
/// the session's tag, in base64url (86 characters).
pub(crate) fn mint(sealer: &Sealer, id: SessionId) -> String {
    let tag = sealer.tag(TAG_LABEL, id.as_bytes());
    let mut masked = [0u8; 2 * Sealer::TAG_LEN];
    let (pad, hidden) = masked.split_at_mut(Sealer::TAG_LEN);
    rand::rng().fill_bytes(pad);
    for ((hidden, pad), tag) in hidden.iter_mut().zip(pad.iter()).zip(tag) {
        *hidden = pad ^ tag;
    }
    URL_SAFE_NO_PAD.encode(masked)
}

/// Whether `sent` is a token [`mint`] made for the session `id`, under any key of the ring.
pub(crate) fn verify(sealer: &Sealer, id: SessionId, sent: &str) -> Result<(), CsrfRefusal> {
    let mut masked = [0u8; 2 * Sealer::TAG_LEN];
    let decoded = URL_SAFE_NO_PAD.decode_slice(sent.as_bytes(), &mut masked);
    if decoded != Ok(masked.len()) {
        return Err(CsrfRefusal::WrongToken);
    }
    let (pad, hidden) = masked.split_at(Sealer::TAG_LEN);
    let mut tag = [0u8; Sealer::TAG_LEN];
    for ((tag, pad), hidden) in tag.iter_mut().zip(pad).zip(hidden) {
        *tag = pad ^ hidden;
    }
    if sealer.verify_tag(TAG_LABEL, id.as_bytes(), &tag) {
        Ok(())
    } else {
        Err(CsrfRefusal::WrongToken)
    }
}

/// The token in the request's [`CSRF_HEADER`] header, if any.
pub(crate) fn token_in_header(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(CSRF_HEADER)
        .and_then(|value| value.to_str().ok())
}

/// Whether the body is a URL-encoded form, where [`token_in_form`] looks.
pub(crate) fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// The value of the first [`CSRF_FIELD`] field of a URL-encoded form body. A token is
/// base64url, which a browser never escapes; a value with any other character is no token.
pub(crate) fn token_in_form(body: &[u8]) -> Option<&str> {
    body.split(|&byte| byte == b'&').find_map(|pair| {
        let value = pair
            .strip_prefix(CSRF_FIELD.as_bytes())?
            .strip_prefix(b"=")?;
        std::str::from_utf8(value).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Key;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, value.parse().expect("header value"));
        }
        headers
    }

    /// Every row of the origin check: what a browser sends for a form of this site, of another
    /// site, of a sibling subdomain, from the address bar, and what a script sends.
    #[test]
    fn the_origin_check() {
        let csrf = CsrfProtection::default();
        let host = Some("app.example:8080");
        let check =
            |pairs: &[(&'static str, &'static str)]| csrf.check_origin(&headers(pairs), host);
        let refused = Err(CsrfRefusal::CrossOrigin);
        assert_eq!(check(&[("sec-fetch-site", "same-origin")]), Ok(()));
        assert_eq!(check(&[("sec-fetch-site", "none")]), Ok(()));
        assert_eq!(check(&[("sec-fetch-site", "same-site")]), refused);
        assert_eq!(check(&[("sec-fetch-site", "cross-site")]), refused);
        assert_eq!(
            check(&[
                ("sec-fetch-site", "cross-site"),
                ("origin", "http://app.example:8080")
            ]),
            refused,
            "the browser's word wins"
        );
        assert_eq!(check(&[("origin", "http://app.example:8080")]), Ok(()));
        assert_eq!(check(&[("origin", "https://APP.example:8080")]), Ok(()));
        assert_eq!(check(&[("origin", "http://app.example:8081")]), refused);
        assert_eq!(check(&[("origin", "http://evil.example")]), refused);
        assert_eq!(check(&[("origin", "null")]), refused);
        assert_eq!(check(&[]), Ok(()), "no browser: the token decides");
        let partner = CsrfProtection::default().with_trusted_origin("https://shop.example/");
        let from_partner = headers(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://shop.example"),
        ]);
        assert_eq!(partner.check_origin(&from_partner, host), Ok(()));
        assert_eq!(
            CsrfProtection::dangerous_disabled().check_origin(&from_partner, host),
            Ok(())
        );
        assert!(!CsrfProtection::dangerous_disabled().applies_to(&Method::POST));
        assert!(CsrfProtection::default().applies_to(&Method::DELETE));
        assert!(!CsrfProtection::default().applies_to(&Method::GET));
    }

    /// A token checks for its session only, under any key of the ring, each one minted looks
    /// different, and damaged ones are refused without a panic.
    #[test]
    fn tokens_are_bound_to_the_session_and_masked() {
        let key = Key::generate();
        let sealer = Sealer::new(key.clone(), "session");
        let (id, other) = (
            SessionId::from_bytes([1; 16]),
            SessionId::from_bytes([2; 16]),
        );
        let token = mint(&sealer, id);
        assert_eq!(token.len(), 86);
        assert_ne!(token, mint(&sealer, id), "masked afresh each time");
        assert_eq!(verify(&sealer, id, &token), Ok(()));
        assert_eq!(verify(&sealer, other, &token), Err(CsrfRefusal::WrongToken));
        let rotated = Sealer::new(
            crate::Keyring::new(Key::generate()).with_previous(key),
            "session",
        );
        assert_eq!(verify(&rotated, id, &token), Ok(()));
        for damaged in ["", "AAAA", &token[1..], &format!("{token}A"), "é"] {
            assert_eq!(verify(&sealer, id, damaged), Err(CsrfRefusal::WrongToken));
        }
        let mut flipped = token.into_bytes();
        flipped[50] = if flipped[50] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).expect("ascii");
        assert_eq!(verify(&sealer, id, &flipped), Err(CsrfRefusal::WrongToken));
    }

    #[test]
    fn refusals_say_why_for_the_log() {
        assert_eq!(
            CsrfRefusal::CrossOrigin.to_string(),
            "the request comes from another site"
        );
        assert_eq!(
            CsrfRefusal::WrongToken.to_string(),
            "the CSRF token is not this session's"
        );
    }

    #[test]
    fn the_token_is_found_in_a_form_or_a_header() {
        assert_eq!(
            token_in_form(b"user=a&csrf_token=abc-_9&x=1"),
            Some("abc-_9")
        );
        assert_eq!(token_in_form(b"csrf_token=abc"), Some("abc"));
        assert_eq!(token_in_form(b"xcsrf_token=abc&csrf_tokens=d"), None);
        assert_eq!(token_in_form(b""), None);
        assert!(is_form(&headers(&[(
            "content-type",
            "application/x-www-form-urlencoded; charset=UTF-8"
        )])));
        assert!(!is_form(&headers(&[("content-type", "application/json")])));
        assert_eq!(
            token_in_header(&headers(&[("x-csrf-token", "abc")])),
            Some("abc")
        );
    }
}
