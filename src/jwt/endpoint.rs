//! The JWK Set endpoint (`/.well-known/jwks.json`) of a [`JwsIssuer`]: the set, with the
//! caching headers verifiers follow, on `http` types (feature `http`) and as an axum route
//! (feature `axum`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;

use super::JwsIssuer;
use super::jws::now;

/// The media type of a JWK Set (RFC 7517 §8.5).
pub const JWK_SET_MEDIA_TYPE: &str = "application/jwk-set+json";

impl JwsIssuer {
    /// The response to a request for this issuer's JWK Set: `200` with the set, or `304 Not
    /// Modified` when the request's `If-None-Match` names the set's `ETag`. Both carry
    /// `Cache-Control: public, max-age=…` (a quarter of the rotation period, at most an hour;
    /// 15 minutes for a fixed key), so that verifiers refetch in time for the next key.
    ///
    /// For any framework on `http` types: pass the request's headers, send what comes back.
    ///
    /// ```
    /// use http::{HeaderMap, StatusCode, header};
    /// use sealed_session::jwt::{JwsIssuer, KeySchedule};
    ///
    /// let issuer = JwsIssuer::rotating(KeySchedule::ed25519(&rand::random(), time::Duration::days(1))?, "auth");
    /// let first = issuer.jwks_response(&HeaderMap::new());
    /// assert_eq!(first.status(), StatusCode::OK);
    /// assert_eq!(first.headers()[header::CACHE_CONTROL], "public, max-age=3600");
    ///
    /// let mut revalidation = HeaderMap::new();
    /// revalidation.insert(header::IF_NONE_MATCH, first.headers()[header::ETAG].clone());
    /// assert_eq!(issuer.jwks_response(&revalidation).status(), StatusCode::NOT_MODIFIED);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn jwks_response(&self, request: &HeaderMap) -> Response<String> {
        self.jwks_response_at(request, now())
    }

    /// [`JwsIssuer::jwks_response`] as it is at `now`.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use sealed_session::jwt::{JwsIssuer, JwsSigningKey};
    /// let issuer = JwsIssuer::new(JwsSigningKey::generate_ed25519()?, "auth");
    /// let response = issuer.jwks_response_at(&HeaderMap::new(), time::OffsetDateTime::now_utc());
    /// assert!(response.body().contains("EdDSA"));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn jwks_response_at(&self, request: &HeaderMap, now: OffsetDateTime) -> Response<String> {
        let set = self.public_jwk_set_at(now);
        let etag = entity_tag(&set);
        let max_age = self.jwk_set_cache_lifetime().whole_seconds();
        let not_modified = request
            .get_all(IF_NONE_MATCH)
            .iter()
            .any(|value| names_tag(value, &etag));
        let (status, body) = if not_modified {
            (StatusCode::NOT_MODIFIED, String::new())
        } else {
            (StatusCode::OK, set)
        };
        let mut response = Response::new(body);
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(JWK_SET_MEDIA_TYPE));
        if let Ok(value) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
            headers.insert(CACHE_CONTROL, value);
        }
        if let Ok(value) = HeaderValue::from_str(&etag) {
            headers.insert(ETAG, value);
        }
        response
    }
}

/// A strong entity tag of the set: the first 16 bytes of its SHA-256, base64url, quoted. The
/// same set has the same tag on every instance of a fleet.
fn entity_tag(set: &str) -> String {
    let digest = Sha256::digest(set.as_bytes());
    format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest[..16]))
}

/// Whether an `If-None-Match` value names `etag`: `*`, or a list of tags compared weakly (RFC
/// 9110 §13.1.2: `W/"x"` matches `"x"`).
fn names_tag(value: &HeaderValue, etag: &str) -> bool {
    let Ok(text) = value.to_str() else {
        return false;
    };
    text.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
    })
}

/// The route that serves an issuer's JWK Set: mount it at `/.well-known/jwks.json`.
///
/// ```
/// use std::sync::Arc;
/// use axum::Router;
/// use sealed_session::jwt::{JwsIssuer, KeySchedule, jwks_route};
///
/// let issuer = Arc::new(JwsIssuer::rotating(
///     KeySchedule::ed25519(&rand::random(), time::Duration::days(1))?,
///     "https://auth.example",
/// ));
/// let app: Router = Router::new().route("/.well-known/jwks.json", jwks_route(issuer));
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[cfg(feature = "axum")]
pub fn jwks_route<S>(issuer: std::sync::Arc<JwsIssuer>) -> axum::routing::MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    axum::routing::get(move |headers: HeaderMap| {
        let issuer = std::sync::Arc::clone(&issuer);
        async move { issuer.jwks_response(&headers) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::{JwsSigningKey, KeySchedule};
    use time::Duration;
    use time::macros::datetime;

    fn with_if_none_match(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            IF_NONE_MATCH,
            HeaderValue::from_str(value).expect("a header value"),
        );
        headers
    }

    /// The tag follows the set: the same within a period, another once the next key is
    /// published; `*`, lists and weak tags are understood.
    #[test]
    fn the_entity_tag_follows_the_set() {
        let issuer = JwsIssuer::rotating(
            KeySchedule::ed25519(&[9u8; 32], Duration::hours(1)).expect("a period"),
            "auth",
        );
        let at = datetime!(2030-01-01 10:30 UTC);
        let first = issuer.jwks_response_at(&HeaderMap::new(), at);
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(first.headers()[CONTENT_TYPE], JWK_SET_MEDIA_TYPE);
        assert_eq!(first.headers()[CACHE_CONTROL], "public, max-age=900");
        let etag = first.headers()[ETAG].to_str().expect("ASCII").to_owned();
        for matching in [
            etag.clone(),
            format!("W/{etag}"),
            format!("\"other\", {etag}"),
            "*".to_owned(),
        ] {
            let response = issuer.jwks_response_at(&with_if_none_match(&matching), at);
            assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{matching}");
            assert!(response.body().is_empty());
            assert_eq!(response.headers()[ETAG], etag.as_str());
        }
        let stale = issuer.jwks_response_at(&with_if_none_match("\"other\""), at);
        assert_eq!(stale.status(), StatusCode::OK);
        let next_period = at + Duration::hours(1);
        let later = issuer.jwks_response_at(&with_if_none_match(&etag), next_period);
        assert_eq!(later.status(), StatusCode::OK, "a new key was published");
        assert_ne!(later.headers()[ETAG], etag.as_str());
    }

    #[test]
    fn a_fixed_key_is_cached_for_fifteen_minutes() {
        let issuer = JwsIssuer::new(JwsSigningKey::ed25519_from_seed(&[3u8; 32]), "auth");
        let response = issuer.jwks_response(&HeaderMap::new());
        assert_eq!(response.headers()[CACHE_CONTROL], "public, max-age=900");
    }
}
