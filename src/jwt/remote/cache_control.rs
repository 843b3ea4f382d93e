//! How long a fetched JWK Set may be used, from the response's caching headers: the
//! `max-age` of `Cache-Control` less the `Age` the response already has (RFC 9111 §4.2), bounded
//! by the verifier's floor and ceiling. Headers are untrusted input: anything unreadable counts
//! as absent, never as an error or a panic.

use http::HeaderMap;
use http::header::{AGE, CACHE_CONTROL, ETAG};
use time::Duration;

/// What the caching headers of a response say.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Freshness {
    /// `max-age` less `Age`, in seconds; `None` when no usable `max-age` was given.
    pub(crate) lifetime: Option<i64>,
    /// `no-store` or `no-cache`: the issuer asks not to keep the set (it is kept for the
    /// floor anyway, so that verifiers do not fetch on every token).
    pub(crate) do_not_cache: bool,
    /// The `ETag`, for revalidation with `If-None-Match`: a quoted tag of visible ASCII, at
    /// most 256 characters (RFC 9110 §8.8.3), or `None`.
    pub(crate) etag: Option<String>,
}

/// The longest entity tag kept: a longer one is ignored (the set is then fetched whole).
const MAX_ETAG_LEN: usize = 256;

impl Freshness {
    /// Reads the caching headers of a response.
    pub(crate) fn of(headers: &HeaderMap) -> Freshness {
        let mut max_age: Option<i64> = None;
        let mut do_not_cache = false;
        for value in headers.get_all(CACHE_CONTROL) {
            let Ok(text) = value.to_str() else { continue };
            for directive in text.split(',') {
                let directive = directive.trim();
                let (name, argument) = match directive.split_once('=') {
                    Some((name, argument)) => (name.trim(), Some(argument.trim())),
                    None => (directive, None),
                };
                if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
                    do_not_cache = true;
                } else if name.eq_ignore_ascii_case("max-age") {
                    match argument.and_then(delta_seconds) {
                        // Two different max-ages: RFC 9111 §4.2.1 says treat it as stale.
                        Some(seconds) if max_age.is_none_or(|first| first == seconds) => {
                            max_age = Some(seconds);
                        }
                        _ => do_not_cache = true,
                    }
                }
            }
        }
        let age = headers
            .get(AGE)
            .and_then(|value| value.to_str().ok())
            .and_then(delta_seconds)
            .unwrap_or(0);
        Freshness {
            lifetime: max_age.map(|max_age| max_age.saturating_sub(age).max(0)),
            do_not_cache,
            etag: headers
                .get(ETAG)
                .and_then(|value| value.to_str().ok())
                .filter(|tag| is_entity_tag(tag))
                .map(str::to_owned),
        }
    }

    /// How long the set may be used before it is revalidated: the issuer's lifetime (or
    /// `default` without one), never under `floor` nor over `ceiling`.
    pub(crate) fn bounded(
        &self,
        default: Duration,
        floor: Duration,
        ceiling: Duration,
    ) -> Duration {
        let asked = if self.do_not_cache {
            Duration::ZERO
        } else {
            self.lifetime.map_or(default, Duration::seconds)
        };
        asked.clamp(floor, ceiling.max(floor))
    }
}

/// RFC 9111's delta-seconds: digits only, up to a large bound (a longer number is the bound).
fn delta_seconds(text: &str) -> Option<i64> {
    let text = text.trim_matches('"');
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    // 2^31 seconds, as RFC 9111 §1.2.2 bounds it.
    Some(text.parse::<i64>().unwrap_or(i64::MAX).min(1 << 31))
}

/// A strong or weak entity tag: `"…"` or `W/"…"`, visible ASCII without quotes inside.
fn is_entity_tag(tag: &str) -> bool {
    let opaque = tag.strip_prefix("W/").unwrap_or(tag);
    tag.len() <= MAX_ETAG_LEN
        && opaque.len() >= 2
        && opaque.starts_with('"')
        && opaque.ends_with('"')
        && opaque[1..opaque.len() - 1]
            .bytes()
            .all(|byte| byte == 0x21 || (0x23..=0x7e).contains(&byte))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn freshness(pairs: &[(&'static str, &'static str)]) -> Freshness {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_static(value));
        }
        Freshness::of(&headers)
    }

    #[test]
    fn max_age_less_age_bounded() {
        let floor = Duration::minutes(1);
        let ceiling = Duration::days(1);
        let default = Duration::minutes(15);
        let read = |pairs: &[(&'static str, &'static str)]| {
            freshness(pairs)
                .bounded(default, floor, ceiling)
                .whole_seconds()
        };
        assert_eq!(read(&[("cache-control", "public, max-age=600")]), 600);
        assert_eq!(
            read(&[("cache-control", "max-age=600"), ("age", "100")]),
            500
        );
        assert_eq!(
            read(&[("cache-control", "max-age=600"), ("age", "900")]),
            60
        );
        assert_eq!(read(&[("cache-control", "max-age=5")]), 60, "the floor");
        assert_eq!(read(&[("cache-control", "max-age=99999999999")]), 86_400);
        assert_eq!(read(&[]), 900, "the default");
        assert_eq!(read(&[("cache-control", "no-store")]), 60);
        assert_eq!(read(&[("cache-control", "max-age=600, no-cache")]), 60);
        assert_eq!(read(&[("cache-control", "MAX-AGE = \"300\"")]), 300);
        assert_eq!(read(&[("cache-control", "max-age=-5")]), 60);
        assert_eq!(read(&[("cache-control", "max-age=1e3")]), 60);
        assert_eq!(
            read(&[
                ("cache-control", "max-age=300"),
                ("cache-control", "max-age=900")
            ]),
            60,
            "two max-ages"
        );
        assert_eq!(read(&[("cache-control", "max-age=300"), ("age", "x")]), 300);
    }

    #[test]
    fn entity_tags_are_kept_only_when_well_formed() {
        let tag = |value: &'static str| freshness(&[("etag", value)]).etag;
        assert_eq!(tag("\"abc\""), Some("\"abc\"".to_owned()));
        assert_eq!(tag("W/\"abc\""), Some("W/\"abc\"".to_owned()));
        assert_eq!(tag("abc"), None);
        assert_eq!(tag("\"a\"b\""), None);
        assert_eq!(tag("\""), None);
    }
}

/// The caching-header reader, for the fuzz target (built with `--cfg fuzzing` only).
#[cfg(fuzzing)]
pub mod fuzzing {
    use http::HeaderMap;
    use time::Duration;

    /// What a fetch takes from `headers`: the lifetime (bounded by `floor` and `ceiling`,
    /// 15 minutes without a `max-age`), and the `ETag` kept for revalidation.
    pub fn read_caching_headers(
        headers: &HeaderMap,
        floor: Duration,
        ceiling: Duration,
    ) -> (Duration, Option<String>) {
        let freshness = super::Freshness::of(headers);
        (
            freshness.bounded(Duration::minutes(15), floor, ceiling),
            freshness.etag,
        )
    }
}
