//! Writing the token back: one cookie or numbered chunks within the budget, and the removals
//! of every form and index not in use.

use cookie::Cookie;
use time::{Duration, OffsetDateTime};

use super::{
    CarriedForms, MAX_CHUNKS_LIMIT, MAX_COOKIE_LEN, ReadCookie, SessionCookie, WIDEST_MAX_AGE,
};
use crate::Error;

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

impl SessionCookie {
    /// Writes the removals for the current settings; every builder that changes them calls it.
    pub(super) fn with_removals(mut self) -> SessionCookie {
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
            other_form: None,
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
    /// What is removed: every form the request carried that is not overwritten. A write in
    /// chunks also removes every other form these settings can write (`max_chunks` above 1),
    /// since another tab's request may have rewritten the session meanwhile in another form
    /// and a stale chunk after the last would corrupt the join. A write in one cookie does
    /// not: a set of chunks another tab wrote meanwhile stays beside it, the next request
    /// carries both, [`crate::http::SessionHandle`] keeps the one issued last, and that
    /// request's write removes the other. So the usual write — a small session that came in
    /// as one cookie — is one `Set-Cookie`, and so is a first login.
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
        // A write in one cookie removes what came in only: chunks another tab wrote meanwhile
        // stay beside it, and the reader keeps the newer. A clear, and a write in chunks (which
        // must not leave a stale chunk after its last), remove every form.
        if carried.any() && self.max_chunks > 1 && !written.single {
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
