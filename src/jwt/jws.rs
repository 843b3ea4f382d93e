//! Signed JWTs between services: what the [`JwsIssuer`](super::JwsIssuer) and the
//! [`JwsVerifier`](super::JwsVerifier) share. The signing key is in `signing_key.rs`, the
//! issuer in `issuer.rs`, the verifier in `verifier.rs`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use time::{Duration, OffsetDateTime};

use super::claims::MAX_SECONDS;
use crate::Error;

/// Default lifetime of a signed token: 5 minutes. Service tokens are short-lived.
pub const DEFAULT_JWS_TTL: Duration = Duration::minutes(5);
/// Default longest signed token accepted, in characters: 8 KiB.
pub const DEFAULT_MAX_JWS_LEN: usize = 8 * 1024;
/// The longest protected header accepted, in characters.
pub(super) const MAX_HEADER_CHARS: usize = 1024;

pub(super) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// A JWT time (Unix seconds, from 1970 to the end of 9999) as a date.
pub(super) fn from_seconds(seconds: i64) -> Result<OffsetDateTime, Error> {
    if !(0..=MAX_SECONDS).contains(&seconds) {
        return Err(Error::Malformed);
    }
    OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| Error::Malformed)
}

/// Strict base64url: no padding, no other alphabet, no stray bits.
pub(super) fn decode(text: &str) -> Result<Vec<u8>, Error> {
    URL_SAFE_NO_PAD.decode(text).map_err(|_| Error::Malformed)
}

pub(super) fn algorithm_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::HS256 => "HS256",
        Algorithm::EdDSA => "EdDSA",
        Algorithm::RS256 => "RS256",
        Algorithm::ES256 => "ES256",
        _ => "",
    }
}

/// The error text for a token whose `alg` is a JOSE signature algorithm that no key of a
/// verifier can have (only HS256, EdDSA, RS256 and ES256 keys exist; the last two with the
/// `ring` feature), or `None` for any other `alg`.
pub(super) fn unsupported_algorithm(alg: &str) -> Option<&'static str> {
    // The names no key can have, and what the message says is supported, with this build.
    macro_rules! named {
        ($supported:literal; $($name:literal),+) => {
            match alg {
                $($name => Some(concat!(
                    "the token is signed with ",
                    $name,
                    ", an algorithm this verifier does not support (",
                    $supported,
                    ")"
                )),)+
                _ => None,
            }
        };
    }
    #[cfg(feature = "ring")]
    let unsupported = named!(
        "only HS256, EdDSA, RS256 and ES256";
        "RS384", "RS512", "PS256", "PS384", "PS512", "ES384", "ES512", "ES256K", "HS384", "HS512",
        "Ed25519", "Ed448"
    );
    #[cfg(not(feature = "ring"))]
    let unsupported = named!(
        "only HS256 and EdDSA; RS256 and ES256 need the `ring` feature";
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "ES256K",
        "HS384", "HS512", "Ed25519", "Ed448"
    );
    unsupported
}
