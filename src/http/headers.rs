//! The session cookie on `http` crate types (feature `http`): what any framework built on
//! `http`, or a serverless handler, can use.

use ::http::header::{COOKIE, SET_COOKIE};
use ::http::{HeaderMap, HeaderValue};

use super::{ReadCookie, SessionCookie};

impl SessionCookie {
    /// [`SessionCookie::read`] on every `Cookie` header of `headers`. Headers that are not
    /// UTF-8 are skipped (a token is ASCII).
    ///
    /// ```
    /// use http::{HeaderMap, HeaderValue};
    /// use sealed_session::http::SessionCookie;
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.append("cookie", HeaderValue::from_static("theme=dark; session=AQAB"));
    /// let read = SessionCookie::new("session").read_headers(&headers);
    /// assert_eq!(read.token.as_deref(), Some("AQAB"));
    /// ```
    #[must_use]
    pub fn read_headers(&self, headers: &HeaderMap) -> ReadCookie {
        self.read(
            headers
                .get_all(COOKIE)
                .iter()
                .filter_map(|value| value.to_str().ok()),
        )
    }

    /// Appends each of `set_cookies` (from [`SessionCookie::write`] or
    /// [`SessionCookie::clear`]) as its own `Set-Cookie` header: appended, never set over one
    /// another, which would lose all but the last chunk.
    ///
    /// A proxy or gateway that passes only one `Set-Cookie` header (an AWS ALB without
    /// multi-value headers, for example) cannot carry a chunked session: keep the budget at one
    /// chunk there (`with_max_chunks(1)`).
    ///
    /// ```
    /// use http::HeaderMap;
    /// use sealed_session::http::SessionCookie;
    ///
    /// let mut headers = HeaderMap::new();
    /// SessionCookie::new("__Host-session").append_to(&mut headers, SessionCookie::new("__Host-session").clear());
    /// assert_eq!(headers.get_all("set-cookie").iter().count(), 4);
    /// ```
    pub fn append_to(&self, headers: &mut HeaderMap, set_cookies: Vec<String>) {
        for set_cookie in set_cookies {
            // Written by the `cookie` crate from a validated name and a base64url value: always
            // a valid header value. Anything else is dropped rather than sent half-formed.
            if let Ok(value) = HeaderValue::try_from(set_cookie) {
                headers.append(SET_COOKIE, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_cookie_headers_are_read_and_set_cookies_appended() {
        let cookie = SessionCookie::new("s");
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("s.1=CD; a=b"));
        headers.append(COOKIE, HeaderValue::from_static("s.0=AB"));
        headers.append(
            COOKIE,
            HeaderValue::from_bytes(b"s.2=\xff").expect("opaque bytes"),
        );
        assert_eq!(cookie.read_headers(&headers).token.as_deref(), Some("ABCD"));
        let mut response = HeaderMap::new();
        response.append(SET_COOKIE, HeaderValue::from_static("other=1"));
        cookie.append_to(&mut response, cookie.clear());
        assert_eq!(response.get_all(SET_COOKIE).iter().count(), 1 + 4);
    }
}
