//! [`JwsVerifier`]: checks signed JWTs against trusted keys, the claims' rules and the
//! revocation list; [`Verified`] is what it hands back.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use time::{Duration, OffsetDateTime};

use super::claims::Registered;
use super::jwk::VerifyingKeys;
use super::provider;
use crate::{Error, RevocationList, SessionId};

use super::jws::{
    DEFAULT_MAX_JWS_LEN, MAX_HEADER_CHARS, algorithm_name, decode, from_seconds, now,
    unsupported_algorithm,
};

/// The protected header, as far as a verifier reads it. `crit` (an extension this verifier
/// cannot know) and `b64` (RFC 7797 unencoded payloads) are refused; `jwk`, `jku`, `x5u`,
/// `x5c` and the like are ignored: keys come only from the verifier's own set.
#[derive(Deserialize)]
struct IncomingHeader {
    alg: String,
    kid: Option<String>,
    crit: Option<serde::de::IgnoredAny>,
    b64: Option<serde::de::IgnoredAny>,
}

/// Verifies signed JWTs from one issuer, for one audience, against a set of trusted keys.
///
/// What it checks, in order: the length, three segments of strict base64url, the header (the
/// `kid` picks a trusted key, and that key's algorithm must be the header's `alg` — `none`, an
/// HMAC under a public key and every other mismatch are refused), the signature, then the
/// claims: each at most once; `exp`, `iss` and `aud` required; `exp`, `nbf`, `iat` and
/// `auth_time` integers; `auth_time` (the login) at most `iat` plus the leeway, and neither
/// `nbf`, `iat` nor `auth_time` in the future beyond the leeway; and the revocation list, if
/// one is attached. A token whose `alg` is one no key here can have (RS256, ES256…) is refused
/// with an [`Error::Config`] that names it.
///
/// The keys can be replaced while the process runs ([`JwsVerifier::replace_keys`]).
///
/// ```
/// use sealed_session::{Error, jwt::{JwsIssuer, JwsSigningKey, JwsVerifier, VerifyingKeys}};
///
/// let secret = [7u8; 32];
/// let issuer = JwsIssuer::new(JwsSigningKey::hs256(&secret)?, "auth").with_kid("s1");
/// let verifier = JwsVerifier::new(VerifyingKeys::new().with_hs256("s1", &secret)?, "auth", "orders");
/// let token = issuer.issue("alice", "orders", &serde_json::json!({}))?;
/// assert!(verifier.verify::<serde_json::Value>(&token).is_ok());
/// let elsewhere = issuer.issue("alice", "billing", &serde_json::json!({}))?;
/// assert_eq!(verifier.verify::<serde_json::Value>(&elsewhere).err(), Some(Error::WrongAudience));
/// # Ok::<(), sealed_session::Error>(())
/// ```
pub struct JwsVerifier {
    keys: RwLock<KeySource>,
    issuer: String,
    audience: String,
    leeway: Duration,
    max_token_len: usize,
    revocations: Option<Arc<RevocationList>>,
}

/// The `kid` of a token's header, if it has a readable one: for a refetch on an unknown key.
#[cfg(feature = "jwks-remote")]
pub(super) fn token_kid(token: &str) -> Option<String> {
    let header_text = token.split('.').next()?;
    if header_text.len() > MAX_HEADER_CHARS {
        return None;
    }
    let header: IncomingHeader = serde_json::from_slice(&decode(header_text).ok()?).ok()?;
    header.kid
}

/// Where a verifier's keys come from.
#[derive(Clone, Debug)]
pub(super) enum KeySource {
    /// Keys given, until [`JwsVerifier::replace_keys`].
    Fixed(Arc<VerifyingKeys>),
    /// An issuer's JWK Set, fetched and kept fresh.
    #[cfg(feature = "jwks-remote")]
    Remote(super::RemoteKeySet),
}

/// A verified token: its registered claims and the application's claims.
///
/// Not a [`Session`](crate::Session), though some accessors share names: a JWS from another
/// issuer may carry no `sub`, `iat`, `auth_time` or `jti`, and its id is any string, where a
/// session always has all four, its id being a [`SessionId`](crate::SessionId).
#[derive(Clone, Debug)]
pub struct Verified<T> {
    subject: Option<String>,
    issued_at: Option<OffsetDateTime>,
    expires_at: OffsetDateTime,
    authenticated_at: Option<OffsetDateTime>,
    token_id: Option<String>,
    claims: T,
}

impl<T> Verified<T> {
    /// `sub`, or `""` when the token has none.
    ///
    /// ```
    /// # use sealed_session::jwt::*;
    /// # let secret = [7u8; 32];
    /// # let issuer = JwsIssuer::new(JwsSigningKey::hs256(&secret)?, "auth");
    /// # let verifier = JwsVerifier::new(VerifyingKeys::new().with_hs256(&issuer.kid(), &secret)?, "auth", "api");
    /// let verified = verifier.verify::<serde_json::Value>(&issuer.issue("bob", "api", &serde_json::json!({}))?)?;
    /// assert_eq!(verified.subject(), "bob");
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn subject(&self) -> &str {
        self.subject.as_deref().unwrap_or("")
    }

    /// `iat`, if present.
    ///
    /// ```
    /// # use sealed_session::jwt::*;
    /// # let secret = [7u8; 32];
    /// # let issuer = JwsIssuer::new(JwsSigningKey::hs256(&secret)?, "auth");
    /// # let verifier = JwsVerifier::new(VerifyingKeys::new().with_hs256(&issuer.kid(), &secret)?, "auth", "api");
    /// let verified = verifier.verify::<serde_json::Value>(&issuer.issue("bob", "api", &serde_json::json!({}))?)?;
    /// assert!(verified.issued_at().is_some());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn issued_at(&self) -> Option<OffsetDateTime> {
        self.issued_at
    }

    /// `exp`.
    ///
    /// ```
    /// # use sealed_session::jwt::*;
    /// # let secret = [7u8; 32];
    /// # let issuer = JwsIssuer::new(JwsSigningKey::hs256(&secret)?, "auth");
    /// # let verifier = JwsVerifier::new(VerifyingKeys::new().with_hs256(&issuer.kid(), &secret)?, "auth", "api");
    /// let verified = verifier.verify::<serde_json::Value>(&issuer.issue("bob", "api", &serde_json::json!({}))?)?;
    /// assert!(verified.expires_at() > time::OffsetDateTime::now_utc());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn expires_at(&self) -> OffsetDateTime {
        self.expires_at
    }

    /// `auth_time` (when the user logged in), if present.
    ///
    /// ```
    /// # use sealed_session::jwt::*;
    /// # let secret = [7u8; 32];
    /// # let issuer = JwsIssuer::new(JwsSigningKey::hs256(&secret)?, "auth");
    /// # let verifier = JwsVerifier::new(VerifyingKeys::new().with_hs256(&issuer.kid(), &secret)?, "auth", "api");
    /// let verified = verifier.verify::<serde_json::Value>(&issuer.issue("bob", "api", &serde_json::json!({}))?)?;
    /// assert!(verified.authenticated_at().is_some());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn authenticated_at(&self) -> Option<OffsetDateTime> {
        self.authenticated_at
    }

    /// `jti`, if present.
    ///
    /// ```
    /// # use sealed_session::jwt::*;
    /// # let secret = [7u8; 32];
    /// # let issuer = JwsIssuer::new(JwsSigningKey::hs256(&secret)?, "auth");
    /// # let verifier = JwsVerifier::new(VerifyingKeys::new().with_hs256(&issuer.kid(), &secret)?, "auth", "api");
    /// let verified = verifier.verify::<serde_json::Value>(&issuer.issue("bob", "api", &serde_json::json!({}))?)?;
    /// assert_eq!(verified.token_id().map(str::len), Some(22));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn token_id(&self) -> Option<&str> {
        self.token_id.as_deref()
    }

    /// The whole payload, read as `T` (registered claims included, if `T` wants them).
    ///
    /// ```
    /// # use sealed_session::jwt::*;
    /// # let secret = [7u8; 32];
    /// # let issuer = JwsIssuer::new(JwsSigningKey::hs256(&secret)?, "auth");
    /// # let verifier = JwsVerifier::new(VerifyingKeys::new().with_hs256(&issuer.kid(), &secret)?, "auth", "api");
    /// let token = issuer.issue("bob", "api", &serde_json::json!({"scope": "read"}))?;
    /// assert_eq!(verifier.verify::<serde_json::Value>(&token)?.claims()["scope"], "read");
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn claims(&self) -> &T {
        &self.claims
    }

    /// The payload, by value.
    ///
    /// ```
    /// # use sealed_session::jwt::*;
    /// # let secret = [7u8; 32];
    /// # let issuer = JwsIssuer::new(JwsSigningKey::hs256(&secret)?, "auth");
    /// # let verifier = JwsVerifier::new(VerifyingKeys::new().with_hs256(&issuer.kid(), &secret)?, "auth", "api");
    /// let token = issuer.issue("bob", "api", &serde_json::json!({"n": 1}))?;
    /// let claims: serde_json::Value = verifier.verify(&token)?.into_claims();
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn into_claims(self) -> T {
        self.claims
    }
}

impl JwsVerifier {
    /// A verifier of tokens from `issuer` (their `iss`) for `audience` (one of their `aud`),
    /// signed by one of `keys`, with a 60-second leeway and tokens of at most
    /// [`DEFAULT_MAX_JWS_LEN`] characters.
    ///
    /// ```
    /// use sealed_session::jwt::{JwsVerifier, VerifyingKeys};
    /// let verifier = JwsVerifier::new(VerifyingKeys::new().with_hs256("k", &[1u8; 32])?, "auth", "api");
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn new(keys: VerifyingKeys, issuer: &str, audience: &str) -> JwsVerifier {
        JwsVerifier::with_source(KeySource::Fixed(Arc::new(keys)), issuer, audience)
    }

    /// A verifier of `issuer`'s tokens for `audience` with keys from `source`, and the
    /// defaults of [`JwsVerifier::new`].
    pub(super) fn with_source(source: KeySource, issuer: &str, audience: &str) -> JwsVerifier {
        JwsVerifier {
            keys: RwLock::new(source),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            leeway: crate::Sealer::DEFAULT_LEEWAY,
            max_token_len: DEFAULT_MAX_JWS_LEN,
            revocations: None,
        }
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat`; at most [`Sealer::MAX_LEEWAY`](crate::Sealer::MAX_LEEWAY) (larger
    /// values are cut to it), never negative.
    ///
    /// ```
    /// use sealed_session::jwt::{JwsVerifier, VerifyingKeys};
    /// let verifier = JwsVerifier::new(VerifyingKeys::new(), "auth", "api")
    ///     .with_leeway(time::Duration::seconds(5));
    /// ```
    #[must_use]
    pub fn with_leeway(mut self, leeway: Duration) -> JwsVerifier {
        self.leeway = leeway.clamp(Duration::ZERO, crate::Sealer::MAX_LEEWAY);
        self
    }

    /// The longest token accepted, in characters; longer input is [`Error::TooLarge`] before
    /// anything is decoded.
    ///
    /// ```
    /// use sealed_session::jwt::{JwsVerifier, VerifyingKeys};
    /// let verifier = JwsVerifier::new(VerifyingKeys::new(), "auth", "api").with_max_token_len(2048);
    /// ```
    #[must_use]
    pub fn with_max_token_len(mut self, max_token_len: usize) -> JwsVerifier {
        self.max_token_len = max_token_len;
        self
    }

    /// Checks every token against `revocations`: its `sub` and `auth_time` (or `iat`) against
    /// the user's revocations, its `jti` against revoked sessions — the same list the
    /// [`crate::Sealer`] uses, so that "log out everywhere" reaches tokens carried as JWTs.
    /// Such tokens need `sub`, `jti` (a session id) and `auth_time` or `iat`; and as with the
    /// sealer, a token whose lifetime (from `auth_time` to `exp`) plus the leeway exceeds the
    /// list's horizon is refused with [`Error::Config`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use sealed_session::{Error, RevocationList, jwt::*};
    ///
    /// let list = Arc::new(RevocationList::new(time::Duration::days(8)));
    /// let issuer = JwsIssuer::new(JwsSigningKey::hs256(&[3u8; 32])?, "auth");
    /// let keys = VerifyingKeys::new().with_hs256(&issuer.kid(), &[3u8; 32])?;
    /// let verifier = JwsVerifier::new(keys, "auth", "api").with_revocations(list.clone());
    /// let token = issuer.issue("alice", "api", &serde_json::json!({}))?;
    /// list.revoke_user("alice");
    /// assert_eq!(verifier.verify::<serde_json::Value>(&token).err(), Some(Error::Revoked));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn with_revocations(mut self, revocations: Arc<RevocationList>) -> JwsVerifier {
        self.revocations = Some(revocations);
        self
    }

    /// Replaces the trusted keys, for rotation: tokens verified from now on use `keys`. Keep
    /// an old key in the set until the tokens it signed have expired.
    ///
    /// ```
    /// use sealed_session::jwt::{JwsVerifier, VerifyingKeys};
    /// let verifier = JwsVerifier::new(VerifyingKeys::new(), "auth", "api");
    /// verifier.replace_keys(VerifyingKeys::new().with_hs256("k2", &[2u8; 32])?);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn replace_keys(&self, keys: VerifyingKeys) {
        let mut current = self.keys.write().unwrap_or_else(PoisonError::into_inner);
        *current = KeySource::Fixed(Arc::new(keys));
    }

    /// Where the keys come from now.
    pub(super) fn key_source(&self) -> KeySource {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The trusted keys now in force: for a remote set, the set in hand, if it may be used.
    fn keys(&self) -> Result<Arc<VerifyingKeys>, Error> {
        match &*self.keys.read().unwrap_or_else(PoisonError::into_inner) {
            KeySource::Fixed(keys) => Ok(Arc::clone(keys)),
            #[cfg(feature = "jwks-remote")]
            KeySource::Remote(remote) => remote.keys_now().ok_or(Error::KeysUnavailable),
        }
    }

    /// Verifies `token` now and reads its payload as `T`.
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`]; [`Error::Malformed`] (shape, base64, JSON, a duplicate claim, a
    /// time that is not an integer in range, a missing `exp`, `crit`, an `auth_time` after
    /// `iat` plus the leeway); [`Error::UnknownKey`] (no trusted key has the `kid`, or the
    /// token names none and several are trusted); [`Error::Config`] instead when the token's
    /// `alg` is one this verifier does not support (RS256, ES256, PS256…), naming it;
    /// [`Error::AlgorithmMismatch`] (the header's `alg` is not the key's); [`Error::Invalid`]
    /// (the signature); [`Error::WrongIssuer`], [`Error::WrongAudience`], [`Error::Expired`],
    /// [`Error::NotYetValid`] (`nbf`, `iat` or `auth_time` in the future), [`Error::Revoked`],
    /// [`Error::Config`] (see [`JwsVerifier::with_revocations`]); [`Error::StateMismatch`] if
    /// the payload is not a `T`.
    ///
    /// ```
    /// use sealed_session::{Error, jwt::{JwsVerifier, VerifyingKeys}};
    /// let verifier = JwsVerifier::new(VerifyingKeys::new(), "auth", "api");
    /// assert_eq!(verifier.verify::<serde_json::Value>("a.b").err(), Some(Error::Malformed));
    /// ```
    pub fn verify<T: DeserializeOwned>(&self, token: &str) -> Result<Verified<T>, Error> {
        self.verify_at(token, now())
    }

    /// [`JwsVerifier::verify`] as if the time were `now`.
    ///
    /// # Errors
    ///
    /// As [`JwsVerifier::verify`].
    ///
    /// ```
    /// use sealed_session::{Error, jwt::*};
    /// use time::{Duration, OffsetDateTime};
    ///
    /// let issuer = JwsIssuer::new(JwsSigningKey::hs256(&[5u8; 32])?, "auth");
    /// let verifier = JwsVerifier::new(VerifyingKeys::new().with_hs256(&issuer.kid(), &[5u8; 32])?, "auth", "api");
    /// let now = OffsetDateTime::now_utc();
    /// let token = issuer.issue_at("alice", "api", &serde_json::json!({}), now)?;
    /// let later = now + Duration::minutes(10);
    /// assert_eq!(verifier.verify_at::<serde_json::Value>(&token, later).err(), Some(Error::Expired));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn verify_at<T: DeserializeOwned>(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<Verified<T>, Error> {
        self.verify_with(token, now, || self.keys())
    }

    /// [`JwsVerifier::verify_at`] with the keys `keys` gives, asked for only once the token's
    /// header has been read (a malformed token is malformed whatever the keys).
    pub(super) fn verify_with<T: DeserializeOwned>(
        &self,
        token: &str,
        now: OffsetDateTime,
        keys: impl FnOnce() -> Result<Arc<VerifyingKeys>, Error>,
    ) -> Result<Verified<T>, Error> {
        let payload = self.authentic_payload_with(token, keys)?;
        let registered: Registered =
            serde_json::from_slice(&payload).map_err(|_| Error::Malformed)?;
        self.check(&registered, now)?;
        // The payload is a JSON object (the registered claims parsed from it): a `T` it is
        // not is a state of another type.
        let claims = serde_json::from_slice(&payload).map_err(|_| Error::StateMismatch)?;
        let time = from_seconds;
        Ok(Verified {
            expires_at: time(registered.exp.ok_or(Error::Malformed)?)?,
            issued_at: registered.iat.map(time).transpose()?,
            authenticated_at: registered.auth_time.map(time).transpose()?,
            subject: registered.sub,
            token_id: registered.jti,
            claims,
        })
    }

    /// The signature layer: checks the shape, the header, the key and the signature, and
    /// returns the payload's bytes (not yet read as claims).
    #[cfg(test)]
    pub(super) fn authentic_payload(&self, token: &str) -> Result<Vec<u8>, Error> {
        self.authentic_payload_with(token, || self.keys())
    }

    /// [`JwsVerifier::authentic_payload`] with the keys `keys` gives.
    fn authentic_payload_with(
        &self,
        token: &str,
        keys: impl FnOnce() -> Result<Arc<VerifyingKeys>, Error>,
    ) -> Result<Vec<u8>, Error> {
        provider::ensure_installed()?;
        if token.len() > self.max_token_len {
            return Err(Error::TooLarge);
        }
        let mut parts = token.split('.');
        let (Some(header_text), Some(payload_text), Some(signature_text), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::Malformed);
        };
        if header_text.len() > MAX_HEADER_CHARS {
            return Err(Error::Malformed);
        }
        let header_json = decode(header_text)?;
        let header: IncomingHeader =
            serde_json::from_slice(&header_json).map_err(|_| Error::Malformed)?;
        if header.crit.is_some() || header.b64.is_some() {
            return Err(Error::Malformed);
        }
        let keys = keys()?;
        // A token in an algorithm no key here can have (RS256 from an identity provider, say)
        // is named as such: "unknown key" would send its reader hunting for a missing `kid`.
        let entry = keys
            .find(header.kid.as_deref())
            .map_err(|error| unsupported_algorithm(&header.alg).map_or(error, Error::Config))?;
        // The key decides: the header's `alg` must name the key's one algorithm.
        if header.alg != algorithm_name(entry.algorithm) {
            return Err(Error::AlgorithmMismatch);
        }
        let signature = decode(signature_text)?;
        if signature.len() != entry.signature_len() {
            return Err(Error::Invalid);
        }
        let signing_input = &token[..header_text.len() + 1 + payload_text.len()];
        if !entry.verifies(signing_input.as_bytes(), signature_text, &signature) {
            return Err(Error::Invalid);
        }
        decode(payload_text)
    }

    /// The claim rules, at `now`.
    fn check(&self, claims: &Registered, now: OffsetDateTime) -> Result<(), Error> {
        let now = now.unix_timestamp();
        let leeway = self.leeway.whole_seconds();
        let exp = claims.exp.ok_or(Error::Malformed)?;
        // A login after the token's issue is a contradiction (the JWE profile refuses it too):
        // left alone, an `auth_time` a year ahead would pass every revocation of its user.
        if let (Some(auth_time), Some(iat)) = (claims.auth_time, claims.iat)
            && auth_time > iat.saturating_add(leeway)
        {
            return Err(Error::Malformed);
        }
        if claims.iss.as_deref() != Some(self.issuer.as_str()) {
            return Err(Error::WrongIssuer);
        }
        let audiences = claims.aud.as_deref().unwrap_or_default();
        if !audiences.contains(&self.audience) {
            return Err(Error::WrongAudience);
        }
        if now >= exp.saturating_add(leeway) {
            return Err(Error::Expired);
        }
        let future = |time: Option<i64>| time.is_some_and(|time| time > now.saturating_add(leeway));
        // Without `iat`, this alone bounds `auth_time`: a login cannot lie in the future.
        if future(claims.nbf) || future(claims.iat) || future(claims.auth_time) {
            return Err(Error::NotYetValid);
        }
        if let Some(revocations) = &self.revocations {
            let subject = claims.sub.as_deref().ok_or(Error::Malformed)?;
            let session_id = claims
                .jti
                .as_deref()
                .ok_or(Error::Malformed)
                .and_then(SessionId::parse)
                .map_err(|_| Error::Malformed)?;
            let authenticated_at = claims.auth_time.or(claims.iat).ok_or(Error::Malformed)?;
            let lifetime = exp.saturating_sub(authenticated_at).saturating_add(leeway);
            if lifetime > revocations.horizon().whole_seconds() {
                return Err(Error::Config(
                    "a token's lifetime plus the leeway exceeds the revocation horizon",
                ));
            }
            revocations.check(subject, &session_id, authenticated_at.saturating_mul(1000))?;
        }
        Ok(())
    }
}

impl fmt::Debug for JwsVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwsVerifier")
            .field("keys", &self.key_source())
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway", &self.leeway)
            .field("max_token_len", &self.max_token_len)
            .field("revocations", &self.revocations.is_some())
            .finish()
    }
}
