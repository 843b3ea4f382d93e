//! Signed JWTs, for tokens between services and services in other languages (feature `jwt`).
//!
//! Two modes:
//!
//! - **Signed** (JWS, RFC 7515) on the `jsonwebtoken` crate: a [`JwsIssuer`] signs with
//!   HS256 or EdDSA (Ed25519) and publishes its public keys as a JWK Set; a [`JwsVerifier`]
//!   checks tokens against [`VerifyingKeys`], each fixed to one algorithm, and against the
//!   [`RevocationList`](crate::RevocationList). The claims are readable by anyone who holds
//!   the token: put nothing secret in them.
//! - **Encrypted** (JWE, RFC 7516), in the core, with no feature: [`Format::Jwe`](crate::Format::Jwe) makes a
//!   [`Sealer`](crate::Sealer) seal the session as a standard JWE (`dir`, `XC20P`, `zip:
//!   DEF`), which other JOSE implementations decrypt with the key
//!   [`Sealer::export_jwe_secret_keys`](crate::Sealer::export_jwe_secret_keys) exports.
//!   `docs/FORMAT.md`, "JWE profile", specifies it.
//!
//! ```
//! use sealed_session::jwt::{JwsIssuer, JwsSigningKey, JwsVerifier, VerifyingKeys};
//!
//! let issuer = JwsIssuer::new(JwsSigningKey::generate_ed25519()?, "https://auth.example");
//! let verifier = JwsVerifier::new(
//!     VerifyingKeys::from_jwk_set(&issuer.public_jwk_set())?,
//!     "https://auth.example",
//!     "orders",
//! );
//! let token = issuer.issue("user-42", "orders", &serde_json::json!({"scope": "read"}))?;
//! assert_eq!(verifier.verify::<serde_json::Value>(&token)?.subject(), "user-42");
//! # Ok::<(), sealed_session::Error>(())
//! ```

#[cfg(feature = "http")]
mod bearer;
mod claims;
#[cfg(feature = "http")]
mod endpoint;
mod env;
mod issuer;
mod jwk;
mod jws;
mod provider;
#[cfg(feature = "ring")]
mod public_keys;
#[cfg(feature = "jwks-remote")]
mod remote;
mod schedule;
mod signing_key;
#[cfg(test)]
mod vectors;
mod verifier;

#[cfg(feature = "axum")]
pub use bearer::{Bearer, BearerRejection};
#[cfg(feature = "http")]
pub use bearer::{BearerError, bearer_token};
#[cfg(feature = "http")]
pub use endpoint::JWK_SET_MEDIA_TYPE;
#[cfg(feature = "axum")]
pub use endpoint::jwks_route;
pub use issuer::JwsIssuer;
pub use jwk::{MIN_HS256_SECRET_LEN, VerifyingKeys};
pub use jws::{DEFAULT_JWS_TTL, DEFAULT_MAX_JWS_LEN};
/// The readers of a fetched set's caching headers, for the fuzz target (`--cfg fuzzing` only).
#[cfg(all(fuzzing, feature = "jwks-remote"))]
pub use remote::fuzzing;
#[cfg(feature = "jwks-remote")]
pub use remote::{RemoteKeySet, RemoteKeySetOptions, RemoteKeySetStatus};
pub use schedule::KeySchedule;
pub use signing_key::JwsSigningKey;
pub use verifier::{JwsVerifier, Verified};
