//! The session cookie: reading a token from `Cookie` headers, writing it back as one cookie or as
//! numbered chunks, within a budget, with secure attributes. Every header string goes through
//! the `cookie` crate; nothing here parses or prints cookie grammar by hand.
//!
//! ```text
//! one cookie:  name=TOKEN
//! chunked:     name.0=TOKEN[0..k] ; name.1=TOKEN[k..2k] ; … (at most `max_chunks`)
//! ```
//! The token is one AEAD message, so a join that is partial, reordered or mixed with another
//! tab's chunks can never open; the reader still refuses gaps, duplicates and mixed forms
//! before it tries, and the writer always clears every form and index it is not using.
//!
//! `read.rs` reads a request's cookies, `write.rs` writes the response's; this file holds the
//! settings.

mod read;
mod write;

use std::fmt;
use std::sync::Arc;

use cookie::SameSite;
use time::Duration;

use crate::Error;

pub use read::{CarriedForms, CookieProblem, ReadCookie};
pub use write::CookiePlan;

/// The most bytes one `Set-Cookie` header may take: name, value and attributes. Browsers keep
/// cookies up to 4096 bytes (RFC 6265 §6.1 asks for at least that much, Chromium refuses a
/// longer name plus value and keeps the *old* cookie), so every cookie we write stays within it.
pub const MAX_COOKIE_LEN: usize = 4096;

/// Default most chunks a session may take: 3.
pub const DEFAULT_MAX_CHUNKS: usize = 3;

/// Default most bytes the session's cookies may add to the browser's `Cookie` header: 6144.
/// nginx refuses a request header line over 8 KB by default (400) and API Gateway's HTTP API
/// allows 10,240 bytes for the request line and all headers together; 6 KiB leaves room for the
/// site's other cookies and headers.
pub const DEFAULT_MAX_COOKIE_BYTES: usize = 6 * 1024;

/// Default most bytes of `Cookie` headers a request may carry before they are read at all:
/// 32 KiB. Anything longer is refused before it is parsed (bounded work on hostile input).
pub const DEFAULT_MAX_REQUEST_COOKIE_BYTES: usize = 32 * 1024;

/// The `__Host-` prefix: such a cookie must be `Secure`, have `Path=/` and no `Domain`.
const HOST_PREFIX: &str = "__Host-";
/// The `__Secure-` prefix: such a cookie must be `Secure`.
const SECURE_PREFIX: &str = "__Secure-";

/// The longest `Max-Age` a token can need (its lifetime is below 35 years): chunks are sized
/// with it, so a cookie never outgrows [`MAX_COOKIE_LEN`] by its `Max-Age` digits.
const WIDEST_MAX_AGE: Duration = Duration::days(35 * 366);

/// The most chunks any setting allows: chunk indices are at most two decimal digits.
const MAX_CHUNKS_LIMIT: usize = 100;

/// The name and attributes of the session cookie, with secure defaults.
///
/// Defaults: `HttpOnly` (no script can read it), `Secure` (HTTPS only; browsers accept it on
/// `http://localhost` too), `SameSite=Lax` (not sent on cross-site subrequests or POSTs),
/// `Path=/`, no `Domain` (this host only), and `Max-Age` from the token's remaining lifetime. A
/// name starting with `__Host-` (recommended: `"__Host-session"`) is enforced: a `Domain`,
/// another `Path` or dropping `Secure` is then a configuration error. Settings that weaken the
/// defaults are named `dangerous_…`.
///
/// ```
/// use sealed_session::http::SessionCookie;
///
/// let cookie = SessionCookie::new("__Host-session");
/// assert!(cookie.validate().is_ok());
/// assert!(cookie.clone().with_domain("example.com").validate().is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SessionCookie {
    name: String,
    path: String,
    domain: Option<String>,
    same_site: SameSite,
    secure: bool,
    http_only: bool,
    max_chunks: usize,
    max_cookie_bytes: usize,
    max_request_cookie_bytes: usize,
    /// The removals of the single cookie, then of chunks 0 to `max_chunks − 1`, as `Set-Cookie`
    /// values: fixed by the settings, so written once, when they change.
    removals: Arc<[String]>,
    /// The length of the attributes after `name=value`, with the widest `Max-Age`.
    attributes_len: usize,
}

/// Which of our cookies a name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    Single,
    Chunk(usize),
}

impl SessionCookie {
    /// A session cookie named `name`, with the secure defaults above, at most
    /// [`DEFAULT_MAX_CHUNKS`] chunks and [`DEFAULT_MAX_COOKIE_BYTES`].
    ///
    /// ```
    /// let cookie = sealed_session::http::SessionCookie::new("__Host-session");
    /// assert_eq!(cookie.name(), "__Host-session");
    /// ```
    #[must_use]
    pub fn new(name: &str) -> SessionCookie {
        SessionCookie {
            name: name.to_owned(),
            path: "/".to_owned(),
            domain: None,
            same_site: SameSite::Lax,
            secure: true,
            http_only: true,
            max_chunks: DEFAULT_MAX_CHUNKS,
            max_cookie_bytes: DEFAULT_MAX_COOKIE_BYTES,
            max_request_cookie_bytes: DEFAULT_MAX_REQUEST_COOKIE_BYTES,
            removals: Arc::new([]),
            attributes_len: 0,
        }
        .with_removals()
    }

    /// The same attributes under the name followed by `suffix`, never chunked: the cookie of the
    /// flash messages beside the session's.
    pub(crate) fn sibling(&self, suffix: &str) -> SessionCookie {
        SessionCookie {
            name: format!("{}{suffix}", self.name),
            max_chunks: 1,
            ..self.clone()
        }
        .with_removals()
    }

    /// The cookie's name (its chunks are `name.0`, `name.1`, …).
    ///
    /// ```
    /// assert_eq!(sealed_session::http::SessionCookie::new("sid").name(), "sid");
    /// ```
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sends the cookie only under `path`. Defaults to `/`; a `__Host-` cookie must keep it.
    ///
    /// ```
    /// let cookie = sealed_session::http::SessionCookie::new("session").with_path("/app");
    /// ```
    #[must_use]
    pub fn with_path(mut self, path: &str) -> SessionCookie {
        self.path = path.to_owned();
        self.with_removals()
    }

    /// Shares the cookie with `domain` and its subdomains. Defaults to none (this host only),
    /// which is safer: a subdomain you do not control could then not read or set it. Not allowed
    /// on a `__Host-` cookie.
    ///
    /// ```
    /// let cookie = sealed_session::http::SessionCookie::new("session").with_domain("example.com");
    /// ```
    #[must_use]
    pub fn with_domain(mut self, domain: &str) -> SessionCookie {
        self.domain = Some(domain.to_owned());
        self.with_removals()
    }

    /// `SameSite=Strict` (not sent when arriving from another site's link either) or `None`
    /// (sent on cross-site requests: only with `Secure`, and weaker against CSRF). Defaults to
    /// `Lax`.
    ///
    /// ```
    /// use sealed_session::http::{SameSite, SessionCookie};
    /// let cookie = SessionCookie::new("__Host-session").with_same_site(SameSite::Strict);
    /// ```
    #[must_use]
    pub fn with_same_site(mut self, same_site: SameSite) -> SessionCookie {
        self.same_site = same_site;
        self.with_removals()
    }

    /// Drops `Secure`, so the cookie also travels over plain HTTP, where anyone on the path can
    /// read and replay it. Only for local development without TLS (browsers accept `Secure`
    /// cookies from `http://localhost` anyway). Not allowed with a `__Host-` or `__Secure-` name.
    ///
    /// ```
    /// let cookie = sealed_session::http::SessionCookie::new("dev-session").dangerous_without_secure();
    /// ```
    #[must_use]
    pub fn dangerous_without_secure(mut self) -> SessionCookie {
        self.secure = false;
        self.with_removals()
    }

    /// Drops `HttpOnly`, so page scripts (and any script an attacker injects) can read the
    /// session token.
    ///
    /// ```
    /// let cookie = sealed_session::http::SessionCookie::new("session").dangerous_without_http_only();
    /// ```
    #[must_use]
    pub fn dangerous_without_http_only(mut self) -> SessionCookie {
        self.http_only = false;
        self.with_removals()
    }

    /// The most chunks a session may take (1 to 100; 1 forbids chunking). Defaults to 3.
    ///
    /// ```
    /// let cookie = sealed_session::http::SessionCookie::new("session").with_max_chunks(2);
    /// ```
    #[must_use]
    pub fn with_max_chunks(mut self, max_chunks: usize) -> SessionCookie {
        self.max_chunks = max_chunks;
        self.with_removals()
    }

    /// The most bytes the session's cookies may add to the browser's `Cookie` header. Defaults
    /// to [`DEFAULT_MAX_COOKIE_BYTES`] (6 KiB, so a request stays below nginx's 8 KB line).
    ///
    /// ```
    /// let cookie = sealed_session::http::SessionCookie::new("session").with_max_cookie_bytes(4000);
    /// ```
    #[must_use]
    pub fn with_max_cookie_bytes(mut self, max_cookie_bytes: usize) -> SessionCookie {
        self.max_cookie_bytes = max_cookie_bytes;
        self
    }

    /// The most bytes of `Cookie` headers read from a request; longer ones are refused unread.
    /// Defaults to [`DEFAULT_MAX_REQUEST_COOKIE_BYTES`] (32 KiB).
    ///
    /// ```
    /// let cookie = sealed_session::http::SessionCookie::new("session")
    ///     .with_max_request_cookie_bytes(16 * 1024);
    /// ```
    #[must_use]
    pub fn with_max_request_cookie_bytes(mut self, max: usize) -> SessionCookie {
        self.max_request_cookie_bytes = max;
        self
    }

    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a name that is not a cookie token (empty, or with separators,
    /// spaces or control characters), a `__Host-` cookie with a `Domain`, a `Path` other than
    /// `/` or without `Secure`, a `__Secure-` cookie without `Secure`, `SameSite=None` without
    /// `Secure`, or a chunk limit outside 1 to 100.
    ///
    /// ```
    /// use sealed_session::http::SessionCookie;
    /// assert!(SessionCookie::new("__Host-session").with_path("/app").validate().is_err());
    /// assert!(SessionCookie::new("bad name").validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        let token_char = |c: char| c.is_ascii_graphic() && !"()<>@,;:\\\"/[]?={}".contains(c);
        if self.name.is_empty() || !self.name.chars().all(token_char) {
            return Err(Error::Config("the cookie name must be a non-empty token"));
        }
        if self.name.starts_with(HOST_PREFIX)
            && (self.domain.is_some() || self.path != "/" || !self.secure)
        {
            return Err(Error::Config(
                "a __Host- cookie must be Secure, with Path=/ and no Domain",
            ));
        }
        if self.name.starts_with(SECURE_PREFIX) && !self.secure {
            return Err(Error::Config("a __Secure- cookie must be Secure"));
        }
        if self.same_site == SameSite::None && !self.secure {
            return Err(Error::Config("SameSite=None needs Secure"));
        }
        if !(1..=MAX_CHUNKS_LIMIT).contains(&self.max_chunks) {
            return Err(Error::Config("the chunk limit must be 1 to 100"));
        }
        Ok(())
    }

    /// Which of our cookies `name` is: exactly ours, or ours with a strict `.N` chunk suffix
    /// (decimal, no sign, no leading zero, at most two digits). Other dotted names are not ours.
    fn form_of(&self, name: &str) -> Option<Form> {
        if name == self.name {
            return Some(Form::Single);
        }
        let suffix = name.strip_prefix(self.name.as_str())?.strip_prefix('.')?;
        let canonical = suffix.len() <= 2
            && suffix.bytes().all(|b| b.is_ascii_digit())
            && (suffix == "0" || !suffix.starts_with('0'));
        if !canonical || suffix.is_empty() {
            return None;
        }
        suffix.parse().ok().map(Form::Chunk)
    }

    fn chunk_name(&self, index: usize) -> String {
        format!("{}.{index}", self.name)
    }
}

impl fmt::Debug for SessionCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionCookie")
            .field("name", &self.name)
            .field("path", &self.path)
            .field("domain", &self.domain)
            .field("same_site", &self.same_site)
            .field("secure", &self.secure)
            .field("http_only", &self.http_only)
            .field("max_chunks", &self.max_chunks)
            .field("max_cookie_bytes", &self.max_cookie_bytes)
            .finish_non_exhaustive()
    }
}
