//! The session cookie on `http` crate types (feature `http`): what any framework built on
//! `http`, or a serverless handler, can use.

use ::http::header::{COOKIE, SET_COOKIE};
use ::http::{HeaderMap, HeaderValue};

use super::{ReadCookie, SessionCookie};

impl SessionCookie {
    /// [`SessionCookie::read`] on every `Cookie` header of `headers`, read as bytes: a cookie
    /// whose text is not UTF-8 is skipped on its own (a token is ASCII), and the others of its
    /// header are still read. Browsers send a value such as `pref=café` raw, and a sibling
    /// subdomain can set one on purpose: that must not hide the session.
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
        let texts: Vec<String> = headers
            .get_all(COOKIE)
            .iter()
            .map(|value| utf8_pairs(value.as_bytes()))
            .collect();
        self.read(texts.iter().map(String::as_str))
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

/// The `;`-separated pairs of a `Cookie` header that are UTF-8, joined again by `; `. Never
/// longer than `header`, so the request's cookie budget still bounds the work.
fn utf8_pairs(header: &[u8]) -> String {
    if let Ok(text) = std::str::from_utf8(header) {
        return text.to_owned();
    }
    let pairs: Vec<&str> = header
        .split(|&byte| byte == b';')
        .filter_map(|pair| std::str::from_utf8(pair).ok())
        .collect();
    pairs.join(";")
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

    /// Regression: one cookie with a raw UTF-8 (or any non-ASCII) value in the `Cookie` header
    /// hid the session, because the whole header was dropped.
    #[test]
    fn a_non_ascii_cookie_beside_the_session_does_not_hide_it() {
        let cookie = SessionCookie::new("__Host-session");
        for header in [
            "pref=caf\u{e9}; __Host-session=AQAB",
            "__Host-session=AQAB; pref=caf\u{e9}",
        ] {
            let mut headers = HeaderMap::new();
            headers.append(
                COOKIE,
                HeaderValue::from_bytes(header.as_bytes()).expect("bytes"),
            );
            assert_eq!(
                cookie.read_headers(&headers).token.as_deref(),
                Some("AQAB"),
                "{header}"
            );
        }
        let mut headers = HeaderMap::new();
        headers.append(
            COOKIE,
            HeaderValue::from_bytes(b"a=\xff\xfe; __Host-session=AQAB; b=\xc3").expect("bytes"),
        );
        assert_eq!(cookie.read_headers(&headers).token.as_deref(), Some("AQAB"));
        assert_eq!(utf8_pairs(b"a=\xff; b=1"), " b=1");
    }
}
