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

use std::fmt;
use std::sync::Arc;

use cookie::{Cookie, SameSite};
use time::{Duration, OffsetDateTime};

use crate::Error;

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

/// Why a request's session cookie could not be used. The request then has no session, and the
/// response should clear the cookie ([`SessionCookie::clear`]) so that it stops coming back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CookieProblem {
    /// The `Cookie` headers are longer than the configured maximum; none was read.
    HeadersTooLarge,
    /// The single cookie, or one chunk index, appears more than once.
    Duplicate,
    /// Both the single cookie and chunks are present.
    MixedForms,
    /// Chunk indices are not exactly `0, 1, …, n−1`.
    Gap,
    /// More chunks than the configured maximum.
    TooManyChunks,
    /// The joined value is not a token (characters other than base64url and the dots of a
    /// JWE); [`crate::Sealer::open`] would refuse it.
    NotAToken,
}

impl fmt::Display for CookieProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CookieProblem::HeadersTooLarge => "cookie headers too large",
            CookieProblem::Duplicate => "session cookie or chunk sent twice",
            CookieProblem::MixedForms => "single session cookie and chunks both sent",
            CookieProblem::Gap => "session cookie chunks missing or out of range",
            CookieProblem::TooManyChunks => "too many session cookie chunks",
            CookieProblem::NotAToken => "session cookie is not a token",
        })
    }
}

/// What a request carried for the session cookie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadCookie {
    /// The token, joined from its chunks if chunked; `None` if absent or unusable.
    pub token: Option<String>,
    /// Whether any form of the session cookie was present (then a failure should clear it).
    pub present: bool,
    /// Why a present cookie is unusable, if it is.
    pub problem: Option<CookieProblem>,
    /// Which forms of the cookie came in: what [`SessionCookie::write_after`] and
    /// [`SessionCookie::clear_after`] must remove.
    pub carried: CarriedForms,
}

/// Which forms of the session cookie a request carried: the single cookie, and which chunk
/// indices. Writes remove what came in and is not overwritten, rather than every form there
/// could be.
///
/// ```
/// use sealed_session::http::SessionCookie;
///
/// let read = SessionCookie::new("s").read(["s.0=AB; s.1=CD"]);
/// assert!(!read.carried.single() && read.carried.chunk(1) && !read.carried.chunk(2));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CarriedForms {
    single: bool,
    /// Bit `i`: chunk `i` came in (indices are below [`MAX_CHUNKS_LIMIT`]).
    chunks: u128,
}

const _: () = assert!(MAX_CHUNKS_LIMIT <= 128);

impl CarriedForms {
    /// Whether the single (unchunked) cookie came in.
    ///
    /// ```
    /// let read = sealed_session::http::SessionCookie::new("s").read(["s=AB"]);
    /// assert!(read.carried.single());
    /// ```
    #[must_use]
    pub fn single(&self) -> bool {
        self.single
    }

    /// Whether chunk `index` came in.
    ///
    /// ```
    /// let read = sealed_session::http::SessionCookie::new("s").read(["s.0=AB"]);
    /// assert!(read.carried.chunk(0));
    /// ```
    #[must_use]
    pub fn chunk(&self, index: usize) -> bool {
        index < MAX_CHUNKS_LIMIT && self.chunks & (1 << index) != 0
    }

    /// Whether any form came in.
    ///
    /// ```
    /// let read = sealed_session::http::SessionCookie::new("s").read(["other=1"]);
    /// assert!(!read.carried.any());
    /// ```
    #[must_use]
    pub fn any(&self) -> bool {
        self.single || self.chunks != 0
    }

    fn add(&mut self, form: Form) {
        match form {
            Form::Single => self.single = true,
            Form::Chunk(index) if index < MAX_CHUNKS_LIMIT => self.chunks |= 1 << index,
            Form::Chunk(_) => {}
        }
    }
}

/// How many cookies and bytes a token takes when written ([`SessionCookie::plan`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CookiePlan {
    /// 1 for a single cookie, otherwise the number of chunks.
    pub cookies: usize,
    /// Bytes the browser will send back for them in its `Cookie` header (`name=value` pairs and
    /// their `; ` separators).
    pub cookie_header_bytes: usize,
    /// Bytes of the `Set-Cookie` header values that carry them (removals of unused forms not
    /// counted).
    pub set_cookie_bytes: usize,
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

    /// Writes the removals for the current settings; every builder that changes them calls it.
    fn with_removals(mut self) -> SessionCookie {
        let chunks = self.max_chunks.min(MAX_CHUNKS_LIMIT);
        self.attributes_len = self.attributes(Some(WIDEST_MAX_AGE)).len();
        self.removals = std::iter::once(self.removal(&self.name))
            .chain((0..chunks).map(|index| self.removal(&self.chunk_name(index))))
            .collect();
        self
    }

    /// The removal of the single cookie (`None`) or of chunk `index`.
    fn removal_of(&self, chunk: Option<usize>) -> String {
        let at = chunk.map_or(0, |index| index + 1);
        match self.removals.get(at) {
            Some(removal) => removal.clone(),
            None => self.removal(&chunk.map_or_else(|| self.name.clone(), |i| self.chunk_name(i))),
        }
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

    /// Reads the session token from every `Cookie` header of a request (HTTP/2 may send
    /// several), in any order, among any other cookies. Never panics; work is bounded by
    /// [`SessionCookie::with_max_request_cookie_bytes`].
    ///
    /// ```
    /// use sealed_session::http::SessionCookie;
    ///
    /// let cookie = SessionCookie::new("session");
    /// let read = cookie.read(["theme=dark; session.1=CD", "session.0=AB"]);
    /// assert_eq!(read.token.as_deref(), Some("ABCD"));
    /// let read = cookie.read(["session=AB; session.0=CD"]);
    /// assert_eq!(read.token, None);
    /// assert!(read.present); // clear it in the response
    /// ```
    pub fn read<'h>(&self, cookie_headers: impl IntoIterator<Item = &'h str>) -> ReadCookie {
        let headers: Vec<&str> = cookie_headers.into_iter().collect();
        let total = headers.iter().map(|header| header.len()).sum::<usize>();
        let unusable = |present, problem, carried| ReadCookie {
            token: None,
            present,
            problem: Some(problem),
            carried,
        };
        if total > self.max_request_cookie_bytes {
            // Unread: which forms came in is unknown, so every form counts as carried.
            let every = CarriedForms {
                single: true,
                chunks: u128::MAX >> (128 - MAX_CHUNKS_LIMIT),
            };
            return unusable(true, CookieProblem::HeadersTooLarge, every);
        }
        let mut single: Option<&str> = None;
        let mut chunks: Vec<Option<&str>> = Vec::new();
        let mut problem = None;
        let mut present = false;
        let mut carried = CarriedForms::default();
        for header in headers {
            for cookie in Cookie::split_parse(header).flatten() {
                let Some(form) = self.form_of(cookie.name()) else {
                    continue;
                };
                present = true;
                carried.add(form);
                // The raw value, borrowed from the header (quotes and all: a token has none).
                let Some(value) = cookie.value_raw() else {
                    problem = problem.or(Some(CookieProblem::NotAToken));
                    continue;
                };
                match form {
                    Form::Single if single.is_some() => problem = Some(CookieProblem::Duplicate),
                    Form::Single => single = Some(value),
                    Form::Chunk(index) if index >= self.max_chunks => {
                        problem = problem.or(Some(CookieProblem::TooManyChunks));
                    }
                    Form::Chunk(index) => {
                        if chunks.len() <= index {
                            chunks.resize(index + 1, None);
                        }
                        if chunks[index].replace(value).is_some() {
                            problem = Some(CookieProblem::Duplicate);
                        }
                    }
                }
            }
        }
        if let Some(problem) = problem {
            return unusable(true, problem, carried);
        }
        let token = match (single, chunks.is_empty()) {
            (None, true) => {
                return ReadCookie {
                    token: None,
                    present: false,
                    problem: None,
                    carried,
                };
            }
            (Some(_), false) => return unusable(true, CookieProblem::MixedForms, carried),
            (Some(single), true) => single.to_owned(),
            (None, false) => {
                if chunks.iter().any(Option::is_none) {
                    return unusable(true, CookieProblem::Gap, carried);
                }
                chunks.iter().flatten().copied().collect()
            }
        };
        if !is_token(&token) {
            return unusable(true, CookieProblem::NotAToken, carried);
        }
        ReadCookie {
            token: Some(token),
            present,
            problem: None,
            carried,
        }
    }

    /// How many cookies and bytes `token` takes, without writing anything: to tell, before
    /// sending, whether a state fits.
    ///
    /// # Errors
    ///
    /// [`Error::CookieBudget`] if it needs more chunks or more bytes than allowed, and
    /// [`Error::Config`] for settings that [`SessionCookie::validate`] refuses.
    ///
    /// ```
    /// use sealed_session::http::SessionCookie;
    /// let cookie = SessionCookie::new("__Host-session");
    /// assert_eq!(cookie.plan(&"A".repeat(5000))?.cookies, 2);
    /// assert!(cookie.plan(&"A".repeat(20_000)).is_err());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn plan(&self, token: &str) -> Result<CookiePlan, Error> {
        self.layout(token).map(|(plan, _)| plan)
    }

    /// The plan of `token`, and the sizes of its chunks (none when it fits one cookie).
    fn layout(&self, token: &str) -> Result<(CookiePlan, Vec<usize>), Error> {
        self.validate()?;
        let attributes_len = self.attributes_len;
        let single_len = self.name.len() + 1 + token.len();
        let (sizes, pairs_len) = if single_len + attributes_len <= MAX_COOKIE_LEN {
            (Vec::new(), single_len)
        } else {
            let sizes = self.chunk_sizes(token.len(), attributes_len)?;
            let pairs = sizes
                .iter()
                .enumerate()
                .map(|(index, size)| self.chunk_name(index).len() + 1 + size)
                .sum();
            (sizes, pairs)
        };
        let cookies = sizes.len().max(1);
        let cookie_header_bytes = pairs_len + 2 * (cookies - 1);
        if cookie_header_bytes > self.max_cookie_bytes {
            return Err(Error::CookieBudget);
        }
        let plan = CookiePlan {
            cookies,
            cookie_header_bytes,
            set_cookie_bytes: pairs_len + cookies * attributes_len,
        };
        Ok((plan, sizes))
    }

    /// The `Set-Cookie` header values that store `token` until `expires_at`: one cookie or its
    /// chunks, and removals for every other form and chunk index — also indices this request
    /// never carried, which another tab may have written. Append each as its own `Set-Cookie`
    /// header; never set one over another.
    ///
    /// # Errors
    ///
    /// As [`SessionCookie::plan`]. Nothing is written then: the application keeps the
    /// session it had, and knows why.
    ///
    /// ```
    /// use sealed_session::http::SessionCookie;
    /// use time::{Duration, OffsetDateTime};
    ///
    /// let cookie = SessionCookie::new("__Host-session");
    /// let now = OffsetDateTime::now_utc();
    /// let headers = cookie.write_at("AQD9Ve9A", now + Duration::hours(1), now)?;
    /// assert!(headers[0].starts_with("__Host-session=AQD9Ve9A;"));
    /// assert!(headers[0].contains("HttpOnly") && headers[0].contains("Secure"));
    /// assert_eq!(headers.len(), 1 + 3); // and removals of chunks 0, 1 and 2
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn write_at(
        &self,
        token: &str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Vec<String>, Error> {
        self.write_after(&self.every_form(), token, expires_at, now)
    }

    /// What a request that carried every form these settings can write would have read: for
    /// the writes that know nothing of the request and so remove every form.
    fn every_form(&self) -> ReadCookie {
        let chunks = self.max_chunks.min(MAX_CHUNKS_LIMIT);
        ReadCookie {
            token: None,
            present: true,
            problem: None,
            carried: CarriedForms {
                single: true,
                chunks: if chunks == 0 {
                    0
                } else {
                    u128::MAX >> (128 - chunks)
                },
            },
        }
    }

    /// [`SessionCookie::write_at`] with the current time.
    ///
    /// # Errors
    ///
    /// As [`SessionCookie::plan`].
    ///
    /// ```
    /// use sealed_session::http::SessionCookie;
    /// let cookie = SessionCookie::new("__Host-session");
    /// let headers = cookie.write("AQD9Ve9A", time::OffsetDateTime::now_utc() + time::Duration::hours(1))?;
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn write(&self, token: &str, expires_at: OffsetDateTime) -> Result<Vec<String>, Error> {
        self.write_at(token, expires_at, OffsetDateTime::now_utc())
    }

    /// The `Set-Cookie` header values that remove the session in every form (log out, or a
    /// broken cookie that should stop coming back).
    ///
    /// ```
    /// let removals = sealed_session::http::SessionCookie::new("__Host-session").clear();
    /// assert_eq!(removals.len(), 1 + 3);
    /// assert!(removals.iter().all(|header| header.contains("Max-Age=0")));
    /// ```
    #[must_use]
    pub fn clear(&self) -> Vec<String> {
        self.clear_after(&self.every_form())
    }

    /// [`SessionCookie::write_at`] for a request that carried `read`: the token, and removals
    /// only of forms that may be in the browser and are not overwritten — fewer headers than
    /// `write_at`, which removes every form there could be.
    ///
    /// What may be in the browser: every form the request carried; and, when it carried any
    /// and sessions may be chunked (`max_chunks` above 1), every form these settings can write,
    /// since another tab's request may have rewritten the session meanwhile in another form.
    /// A request that carried none (a first login) gets the token alone; with
    /// `with_max_chunks(1)`, a session that came in as one cookie gets the token alone.
    ///
    /// # Errors
    ///
    /// As [`SessionCookie::plan`]; nothing is written then.
    ///
    /// ```
    /// use sealed_session::http::SessionCookie;
    /// use time::{Duration, OffsetDateTime};
    ///
    /// let cookie = SessionCookie::new("__Host-session").with_max_chunks(1);
    /// let now = OffsetDateTime::now_utc();
    /// let read = cookie.read(["__Host-session=AQAB"]);
    /// let headers = cookie.write_after(&read, "AQD9Ve9A", now + Duration::hours(1), now)?;
    /// assert_eq!(headers.len(), 1); // the cookie alone: nothing else can be in the browser
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn write_after(
        &self,
        read: &ReadCookie,
        token: &str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Vec<String>, Error> {
        let (plan, sizes) = self.layout(token)?;
        let max_age = (expires_at - now).max(Duration::ZERO);
        let mut headers = Vec::with_capacity(self.max_chunks + 1);
        let written = if sizes.is_empty() {
            headers.push(self.cookie(&self.name, token, Some(max_age)));
            CarriedForms {
                single: true,
                chunks: 0,
            }
        } else {
            let mut rest = token;
            for (index, size) in sizes.into_iter().enumerate() {
                let (chunk, tail) = rest.split_at(size);
                headers.push(self.cookie(&self.chunk_name(index), chunk, Some(max_age)));
                rest = tail;
            }
            CarriedForms {
                single: false,
                chunks: (1u128 << plan.cookies) - 1,
            }
        };
        headers.extend(self.removals_after(read.carried, written));
        Ok(headers)
    }

    /// [`SessionCookie::clear`] for a request that carried `read`: removals only of forms that
    /// may be in the browser (see [`SessionCookie::write_after`]); none when nothing came in.
    ///
    /// ```
    /// use sealed_session::http::SessionCookie;
    ///
    /// let cookie = SessionCookie::new("__Host-session");
    /// assert!(cookie.clear_after(&cookie.read(["other=1"])).is_empty());
    /// assert_eq!(cookie.clear_after(&cookie.read(["__Host-session=AQAB"])).len(), 1 + 3);
    /// ```
    #[must_use]
    pub fn clear_after(&self, read: &ReadCookie) -> Vec<String> {
        self.removals_after(read.carried, CarriedForms::default())
            .collect()
    }

    /// The removals of what may be in the browser after a request that `carried` these forms,
    /// but for the forms `written` now.
    fn removals_after(
        &self,
        carried: CarriedForms,
        written: CarriedForms,
    ) -> impl Iterator<Item = String> + '_ {
        let mut remove = carried;
        if carried.any() && self.max_chunks > 1 {
            remove.single = true;
            let chunks = self.max_chunks.min(MAX_CHUNKS_LIMIT);
            remove.chunks |= u128::MAX >> (128 - chunks);
        }
        let single = (remove.single && !written.single).then(|| self.removal_of(None));
        let chunks = remove.chunks & !written.chunks;
        single.into_iter().chain(
            (0..MAX_CHUNKS_LIMIT)
                .filter(move |index| chunks & (1 << index) != 0)
                .map(|index| self.removal_of(Some(index))),
        )
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

    /// The sizes of the chunks of a `len`-character token: each as large as one cookie allows
    /// with its name and attributes.
    fn chunk_sizes(&self, len: usize, attributes_len: usize) -> Result<Vec<usize>, Error> {
        let mut sizes = Vec::new();
        let mut left = len;
        while left > 0 {
            let index = sizes.len();
            if index >= self.max_chunks {
                return Err(Error::CookieBudget);
            }
            let overhead = self.chunk_name(index).len() + 1 + attributes_len;
            let room = MAX_COOKIE_LEN
                .checked_sub(overhead)
                .filter(|&room| room > 0);
            let size = room.ok_or(Error::CookieBudget)?.min(left);
            sizes.push(size);
            left -= size;
        }
        Ok(sizes)
    }

    /// A cookie with this session cookie's attributes, as a `Set-Cookie` header value.
    fn cookie(&self, name: &str, value: &str, max_age: Option<Duration>) -> String {
        self.builder(name, value, max_age).to_string()
    }

    /// The removal of cookie `name`: the same attributes (so it matches what it deletes), an
    /// empty value, `Max-Age=0` and an expiry in the past (the Unix epoch, for clients that
    /// predate `Max-Age`).
    fn removal(&self, name: &str) -> String {
        let mut cookie = self.builder(name, "", Some(Duration::ZERO));
        cookie.set_expires(OffsetDateTime::UNIX_EPOCH);
        cookie.to_string()
    }

    fn builder<'c>(&self, name: &'c str, value: &'c str, max_age: Option<Duration>) -> Cookie<'c> {
        let mut cookie = Cookie::build((name, value))
            .path(self.path.clone())
            .secure(self.secure)
            .http_only(self.http_only)
            .same_site(self.same_site)
            .build();
        if let Some(domain) = &self.domain {
            cookie.set_domain(domain.clone());
        }
        if let Some(max_age) = max_age {
            cookie.set_max_age(max_age);
        }
        cookie
    }

    /// The attributes as they are written after `name=value` (for sizing), with `max_age` as
    /// wide as it will ever be written.
    fn attributes(&self, max_age: Option<Duration>) -> String {
        let full = self.builder("x", "", max_age).to_string();
        full.strip_prefix("x=").unwrap_or(&full).to_owned()
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

/// Whether `value` could be a token: base64url characters, and the dots between a JWE's
/// segments ([`crate::Format::Jwe`]). Which format it is, the sealer decides.
fn is_token(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}
