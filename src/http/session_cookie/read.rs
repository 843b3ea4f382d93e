//! Reading the session token from a request's `Cookie` headers: one cookie or numbered chunks,
//! never a partial, reordered or mixed join (both forms together are two tokens).

use std::fmt;

use cookie::Cookie;

use super::{Form, MAX_CHUNKS_LIMIT, SessionCookie};

/// Why a request's session cookie could not be used. The request then has no session, and the
/// response should clear the cookie ([`SessionCookie::clear`]) so that it stops coming back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CookieProblem {
    /// The `Cookie` headers are longer than the configured maximum; none was read.
    HeadersTooLarge,
    /// The single cookie, or one chunk index, appears more than once.
    Duplicate,
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
    /// When both forms came in, the single cookie in `token` and a whole set of chunks here:
    /// two tabs wrote the session in different forms at once (a write in one cookie removes
    /// only the chunks its request carried). Open both and keep the newer
    /// ([`crate::http::SessionHandle`] does); the next write removes the other.
    pub other_form: Option<String>,
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
    pub(super) single: bool,
    /// Bit `i`: chunk `i` came in (indices are below [`MAX_CHUNKS_LIMIT`]).
    pub(super) chunks: u128,
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

    pub(super) fn add(&mut self, form: Form) {
        match form {
            Form::Single => self.single = true,
            Form::Chunk(index) if index < MAX_CHUNKS_LIMIT => self.chunks |= 1 << index,
            Form::Chunk(_) => {}
        }
    }
}

impl SessionCookie {
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
    /// // Both forms (two tabs wrote at once): both tokens; the newer is kept once opened.
    /// let read = cookie.read(["session=AB; session.0=CD"]);
    /// assert_eq!(read.token.as_deref(), Some("AB"));
    /// assert_eq!(read.other_form.as_deref(), Some("CD"));
    /// let read = cookie.read(["session.0=AB; session.0=CD"]);
    /// assert_eq!(read.token, None);
    /// assert!(read.present); // clear it in the response
    /// ```
    pub fn read<'h>(&self, cookie_headers: impl IntoIterator<Item = &'h str>) -> ReadCookie {
        let headers: Vec<&str> = cookie_headers.into_iter().collect();
        let total = headers.iter().map(|header| header.len()).sum::<usize>();
        let unusable = |present, problem, carried| ReadCookie {
            token: None,
            other_form: None,
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
        let whole_chunks = || {
            chunks
                .iter()
                .all(Option::is_some)
                .then(|| chunks.iter().flatten().copied().collect::<String>())
        };
        let (token, other_form) = match (single, chunks.is_empty()) {
            (None, true) => {
                return ReadCookie {
                    token: None,
                    other_form: None,
                    present: false,
                    problem: None,
                    carried,
                };
            }
            (Some(single), true) => (single.to_owned(), None),
            (None, false) => match whole_chunks() {
                Some(joined) => (joined, None),
                None => return unusable(true, CookieProblem::Gap, carried),
            },
            // Both forms: the chunks too when they join whole into a token (a partial set is
            // what an interrupted write leaves; the next write removes it).
            (Some(single), false) => (single.to_owned(), whole_chunks().filter(|t| is_token(t))),
        };
        let (token, other_form) = match (is_token(&token), other_form) {
            (true, other_form) => (token, other_form),
            (false, Some(other)) => (other, None),
            (false, None) => return unusable(true, CookieProblem::NotAToken, carried),
        };
        ReadCookie {
            token: Some(token),
            other_form,
            present,
            problem: None,
            carried,
        }
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
