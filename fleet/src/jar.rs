//! A browser's cookie jar for one site: every `Set-Cookie` read with the `cookie` crate, a
//! removal (`Max-Age=0`, or an `Expires` in the past) honoured, and a cookie past its
//! `Max-Age` no longer sent.

use std::collections::BTreeMap;

use cookie::Cookie;
use sealed_session_fleet::api::COOKIE_NAME;
use time::OffsetDateTime;
use tokio::time::{Duration, Instant};

/// What one `Set-Cookie` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    /// A cookie was set.
    Set,
    /// A cookie was removed.
    Removed,
}

/// The cookies of one browser for the site.
#[derive(Clone, Debug, Default)]
pub struct Jar {
    cookies: BTreeMap<String, (String, Option<Instant>)>,
}

impl Jar {
    /// Applies one `Set-Cookie` header value received at `now`.
    ///
    /// # Errors
    ///
    /// The value does not parse as a cookie (nothing is changed).
    pub fn store(&mut self, set_cookie: &str, now: Instant) -> Result<Stored, cookie::ParseError> {
        let cookie = Cookie::parse(set_cookie)?;
        let expires = match (cookie.max_age(), cookie.expires_datetime()) {
            (Some(max_age), _) => Some(Duration::try_from(max_age).unwrap_or(Duration::ZERO)),
            (None, Some(at)) => {
                Some(Duration::try_from(at - OffsetDateTime::now_utc()).unwrap_or(Duration::ZERO))
            }
            (None, None) => None,
        };
        if expires.is_some_and(|left| left.is_zero()) {
            self.cookies.remove(cookie.name());
            return Ok(Stored::Removed);
        }
        self.cookies.insert(
            cookie.name().to_owned(),
            (cookie.value().to_owned(), expires.map(|left| now + left)),
        );
        Ok(Stored::Set)
    }

    /// Forgets cookies past their expiry at `now`.
    fn expire(&mut self, now: Instant) {
        self.cookies
            .retain(|_, (_, expires)| expires.is_none_or(|at| now < at));
    }

    /// The `Cookie` header a request sent at `now` carries, if any cookie is left.
    pub fn header(&mut self, now: Instant) -> Option<String> {
        self.expire(now);
        let pairs: Vec<String> = self
            .cookies
            .iter()
            .map(|(name, (value, _))| format!("{name}={value}"))
            .collect();
        (!pairs.is_empty()).then(|| pairs.join("; "))
    }

    /// Whether a session cookie (single, or chunks) is in the jar at `now`.
    pub fn has_session(&mut self, now: Instant) -> bool {
        self.expire(now);
        self.cookies.keys().any(|name| is_session_cookie(name))
    }

    /// Empties the jar (a fresh browser).
    pub fn clear(&mut self) {
        self.cookies.clear();
    }
}

/// Whether `name` is the session cookie or one of its chunks (`__Host-session.N`).
pub fn is_session_cookie(name: &str) -> bool {
    name.strip_prefix(COOKIE_NAME).is_some_and(|rest| {
        rest.is_empty()
            || rest
                .strip_prefix('.')
                .is_some_and(|index| !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// The name of a `Set-Cookie` value and whether it sets a value (not a removal), without
/// parsing the rest.
pub fn sets_value(set_cookie: &str) -> Option<(&str, bool)> {
    let pair = set_cookie.split(';').next()?;
    let (name, value) = pair.split_once('=')?;
    Some((name.trim(), !value.trim().is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_set_sent_and_removed() {
        let now = Instant::now();
        let mut jar = Jar::default();
        assert_eq!(jar.header(now), None);
        let set = "__Host-session=abc; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=20";
        assert_eq!(jar.store(set, now), Ok(Stored::Set));
        assert!(jar.has_session(now));
        assert_eq!(jar.header(now).as_deref(), Some("__Host-session=abc"));
        jar.store("__Host-session.0=x; Max-Age=20", now)
            .expect("parses");
        jar.store("__Host-session.1=y; Max-Age=20", now)
            .expect("parses");
        let removal = "__Host-session=; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=0";
        assert_eq!(jar.store(removal, now), Ok(Stored::Removed));
        assert_eq!(
            jar.header(now).as_deref(),
            Some("__Host-session.0=x; __Host-session.1=y")
        );
        jar.store(
            "__Host-session.0=; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            now,
        )
        .expect("parses");
        assert_eq!(jar.header(now).as_deref(), Some("__Host-session.1=y"));
    }

    #[test]
    fn a_cookie_past_its_max_age_is_not_sent() {
        let now = Instant::now();
        let mut jar = Jar::default();
        jar.store("__Host-session=abc; Max-Age=4", now)
            .expect("parses");
        assert!(jar.has_session(now + Duration::from_millis(3999)));
        assert!(!jar.has_session(now + Duration::from_secs(4)));
        assert_eq!(jar.header(now + Duration::from_secs(5)), None);
    }

    #[test]
    fn session_cookie_names() {
        for name in ["__Host-session", "__Host-session.0", "__Host-session.12"] {
            assert!(is_session_cookie(name), "{name}");
        }
        for name in [
            "__Host-session.",
            "__Host-session.x",
            "__Host-session-flash",
            "other",
        ] {
            assert!(!is_session_cookie(name), "{name}");
        }
        assert_eq!(sets_value("a=b; Max-Age=3"), Some(("a", true)));
        assert_eq!(sets_value("a=; Max-Age=0"), Some(("a", false)));
    }
}
