//! Bearer tokens (RFC 6750): the token of an `Authorization: Bearer` header (feature `http`),
//! and an axum extractor that verifies it to typed claims (feature `axum`), answering `401`
//! with `WWW-Authenticate: Bearer error="invalid_token"` — the reason logged, never sent.

use http::HeaderMap;
use http::header::AUTHORIZATION;

/// Why a request carries no usable bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BearerError {
    /// No `Authorization` header, or one of another scheme (`Basic`…).
    #[error("no bearer token")]
    Missing,
    /// An `Authorization: Bearer` header that is not one token of RFC 6750's characters, or
    /// several `Authorization` headers.
    #[error("a malformed Authorization header")]
    Malformed,
}

/// The token of the request's `Authorization: Bearer <token>` header (the scheme in any case,
/// RFC 9110 §11.1), checked against RFC 6750's `b64token` characters.
///
/// # Errors
///
/// [`BearerError::Missing`] without such a header; [`BearerError::Malformed`] for a header
/// that is not one token, or for several `Authorization` headers.
///
/// ```
/// use http::{HeaderMap, HeaderValue, header::AUTHORIZATION};
/// use sealed_session::jwt::{BearerError, bearer_token};
///
/// let mut headers = HeaderMap::new();
/// assert_eq!(bearer_token(&headers), Err(BearerError::Missing));
/// headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer eyJhbGciOi.e30.c2ln"));
/// assert_eq!(bearer_token(&headers), Ok("eyJhbGciOi.e30.c2ln"));
/// ```
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, BearerError> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(BearerError::Missing);
    };
    if values.next().is_some() {
        return Err(BearerError::Malformed);
    }
    let text = value.to_str().map_err(|_| BearerError::Malformed)?;
    let (scheme, token) = text.split_once(' ').unwrap_or((text, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(BearerError::Missing);
    }
    let token = token.trim_start_matches(' ');
    let body = token.trim_end_matches('=');
    let well_formed = !body.is_empty()
        && body.bytes().all(|byte| {
            byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        });
    if well_formed {
        Ok(token)
    } else {
        Err(BearerError::Malformed)
    }
}

#[cfg(feature = "axum")]
pub use extractor::{Bearer, BearerRejection};

#[cfg(feature = "axum")]
mod extractor {
    use std::sync::Arc;

    use axum::extract::{FromRef, FromRequestParts};
    use axum::http::request::Parts;
    use axum::http::{HeaderValue, StatusCode};
    use axum::response::{IntoResponse, Response};
    use http::header::WWW_AUTHENTICATE;
    use serde::de::DeserializeOwned;

    use super::{BearerError, bearer_token};
    use crate::Error;
    use crate::jwt::{JwsVerifier, Verified};

    /// The verified claims of the request's bearer token: an axum extractor. The verifier
    /// comes from the router's state (`Arc<JwsVerifier>: FromRef<S>`), with the service's
    /// issuer and audience, and its revocation list if one is attached; with a
    /// [`RemoteKeySet`](crate::jwt::RemoteKeySet) (feature `jwks-remote`), the issuer's set
    /// is fetched when a token needs it.
    ///
    /// A refused token is answered `401` with `WWW-Authenticate: Bearer
    /// error="invalid_token"`; a request without one, `401` with `WWW-Authenticate: Bearer`; a
    /// malformed header, `400` with `error="invalid_request"`; keys or revocations that
    /// cannot be had here, `503` (the token may be good: a client must not drop it). Why, is
    /// logged with `tracing`, never sent.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use axum::{Router, routing::get};
    /// use sealed_session::jwt::{Bearer, JwsSigningKey, JwsVerifier, VerifyingKeys};
    ///
    /// async fn orders(Bearer(token): Bearer<serde_json::Value>) -> String {
    ///     format!("orders of {}", token.subject())
    /// }
    ///
    /// let keys = VerifyingKeys::from_jwk_set(&JwsSigningKey::generate_ed25519()?.public_jwk_set("k1"))?;
    /// let verifier = Arc::new(JwsVerifier::new(keys, "https://auth.example", "orders"));
    /// let app: Router = Router::new().route("/orders", get(orders)).with_state(verifier);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[derive(Debug)]
    pub struct Bearer<T>(pub Verified<T>);

    /// Why [`Bearer`] refused a request, answered as RFC 6750 says.
    #[derive(Debug)]
    pub struct BearerRejection {
        status: StatusCode,
        challenge: &'static str,
    }

    impl BearerRejection {
        /// The status of the answer.
        ///
        /// ```
        /// # use sealed_session::jwt::BearerRejection;
        /// fn is_unauthorized(rejection: &BearerRejection) -> bool {
        ///     rejection.status() == http::StatusCode::UNAUTHORIZED
        /// }
        /// ```
        #[must_use]
        pub fn status(&self) -> StatusCode {
            self.status
        }

        fn of_header(error: BearerError) -> BearerRejection {
            tracing::info!(%error, "bearer token refused");
            match error {
                BearerError::Missing => BearerRejection {
                    status: StatusCode::UNAUTHORIZED,
                    challenge: "Bearer",
                },
                BearerError::Malformed => BearerRejection {
                    status: StatusCode::BAD_REQUEST,
                    challenge: "Bearer error=\"invalid_request\"",
                },
            }
        }

        fn of_token(error: &Error) -> BearerRejection {
            match error {
                Error::KeysUnavailable
                | Error::RevocationsUnavailable
                | Error::SyncUnavailable
                | Error::Random => {
                    tracing::warn!(%error, "bearer token not checked: a fault of this server");
                    BearerRejection {
                        status: StatusCode::SERVICE_UNAVAILABLE,
                        challenge: "",
                    }
                }
                _ => {
                    tracing::info!(%error, "bearer token refused");
                    BearerRejection {
                        status: StatusCode::UNAUTHORIZED,
                        challenge: "Bearer error=\"invalid_token\"",
                    }
                }
            }
        }
    }

    impl IntoResponse for BearerRejection {
        fn into_response(self) -> Response {
            let mut response = self.status.into_response();
            if !self.challenge.is_empty() {
                response
                    .headers_mut()
                    .insert(WWW_AUTHENTICATE, HeaderValue::from_static(self.challenge));
            }
            response
        }
    }

    impl<S, T> FromRequestParts<S> for Bearer<T>
    where
        Arc<JwsVerifier>: FromRef<S>,
        S: Send + Sync,
        T: DeserializeOwned + Send,
    {
        type Rejection = BearerRejection;

        async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
            let verifier = Arc::<JwsVerifier>::from_ref(state);
            let token = bearer_token(&parts.headers).map_err(BearerRejection::of_header)?;
            #[cfg(feature = "jwks-remote")]
            let verified = verifier.verify_async::<T>(token).await;
            #[cfg(not(feature = "jwks-remote"))]
            let verified = verifier.verify::<T>(token);
            verified
                .map(Bearer)
                .map_err(|error| BearerRejection::of_token(&error))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn read(values: &[&'static str]) -> Result<String, BearerError> {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(AUTHORIZATION, HeaderValue::from_static(value));
        }
        bearer_token(&headers).map(str::to_owned)
    }

    #[test]
    fn reads_one_bearer_token_strictly() {
        assert_eq!(read(&["Bearer a.b.c"]), Ok("a.b.c".to_owned()));
        assert_eq!(read(&["bearer  a.b.c"]), Ok("a.b.c".to_owned()));
        assert_eq!(read(&["BEARER abc=="]), Ok("abc==".to_owned()));
        assert_eq!(read(&[]), Err(BearerError::Missing));
        assert_eq!(read(&["Basic dXNlcjpwdw=="]), Err(BearerError::Missing));
        assert_eq!(read(&["Bearerabc"]), Err(BearerError::Missing));
        for malformed in [
            "Bearer",
            "Bearer ",
            "Bearer a b",
            "Bearer a,b",
            "Bearer ==",
            "Bearer a\"b",
        ] {
            assert_eq!(
                read(&[malformed]),
                Err(BearerError::Malformed),
                "{malformed}"
            );
        }
        assert_eq!(read(&["Bearer a", "Bearer b"]), Err(BearerError::Malformed));
    }
}
