//! Signed JWTs between services: [`JwsIssuer`] signs on `jsonwebtoken`, [`JwsVerifier`]
//! checks tokens against a set of trusted keys and the revocation list.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rand::TryRng as _;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

use super::claims::MAX_SECONDS;
use super::claims::{REGISTERED, Registered};
use super::jwk::{self, MIN_HS256_SECRET_LEN, VerifyingKeys};
use super::provider::{self, ED25519_PKCS8_PREFIX};
use crate::{Error, RevocationList, SessionId};

/// Default lifetime of a signed token: 5 minutes. Service tokens are short-lived.
pub const DEFAULT_JWS_TTL: Duration = Duration::minutes(5);
/// Default longest signed token accepted, in characters: 8 KiB.
pub const DEFAULT_MAX_JWS_LEN: usize = 8 * 1024;
/// The longest protected header accepted, in characters.
const MAX_HEADER_CHARS: usize = 1024;

/// A key that signs JWTs: an HS256 secret shared with the verifiers, or an Ed25519 private
/// key whose public half the verifiers get as a JWK Set.
///
/// ```
/// use sealed_session::jwt::JwsSigningKey;
///
/// let ed = JwsSigningKey::generate_ed25519()?; // store ed.to_base64() in your secret store
/// let again = JwsSigningKey::ed25519_from_base64(&ed.to_base64())?;
/// assert_eq!(again.ed25519_public_key(), ed.ed25519_public_key());
/// let hs = JwsSigningKey::hs256(&[42u8; 32])?;
/// assert!(hs.ed25519_public_key().is_none());
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Clone)]
pub struct JwsSigningKey(KeyKind);

#[derive(Clone)]
enum KeyKind {
    Hs256(Zeroizing<Vec<u8>>),
    /// The seed, and the public key derived from it.
    Ed25519(Zeroizing<[u8; 32]>, [u8; 32]),
}

impl JwsSigningKey {
    /// An HS256 secret, at least 32 bytes ([`MIN_HS256_SECRET_LEN`]) of randomness.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for a shorter secret: RFC 7518 §3.2 asks for at least the hash's
    /// output size, and short secrets fall to offline guessing from any one token.
    ///
    /// ```
    /// use sealed_session::{Error, jwt::JwsSigningKey};
    /// assert_eq!(JwsSigningKey::hs256(b"hunter2").err(), Some(Error::InvalidKey));
    /// ```
    pub fn hs256(secret: &[u8]) -> Result<JwsSigningKey, Error> {
        if secret.len() < MIN_HS256_SECRET_LEN {
            return Err(Error::InvalidKey);
        }
        Ok(JwsSigningKey(KeyKind::Hs256(Zeroizing::new(
            secret.to_vec(),
        ))))
    }

    /// A new Ed25519 key from the operating system's randomness.
    ///
    /// # Errors
    ///
    /// [`Error::Random`] if the operating system cannot supply randomness.
    ///
    /// ```
    /// let key = sealed_session::jwt::JwsSigningKey::generate_ed25519()?;
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn generate_ed25519() -> Result<JwsSigningKey, Error> {
        // Straight from the operating system, as the sealer's nonces: no generator kept here.
        let mut seed = Zeroizing::new([0u8; 32]);
        rand::rngs::SysRng
            .try_fill_bytes(&mut seed[..])
            .map_err(|_| Error::Random)?;
        Ok(JwsSigningKey::ed25519_from_seed(&seed))
    }

    /// The Ed25519 key of a 32-byte seed (RFC 8032's private key, a JWK's `d`).
    ///
    /// ```
    /// let key = sealed_session::jwt::JwsSigningKey::ed25519_from_seed(&[1u8; 32]);
    /// ```
    #[must_use]
    pub fn ed25519_from_seed(seed: &[u8; 32]) -> JwsSigningKey {
        let public = ed25519_dalek::SigningKey::from_bytes(seed)
            .verifying_key()
            .to_bytes();
        JwsSigningKey(KeyKind::Ed25519(Zeroizing::new(*seed), public))
    }

    /// The Ed25519 key of a seed in base64url (as [`JwsSigningKey::to_base64`] writes it).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] unless the text is 32 bytes of base64url.
    ///
    /// ```
    /// use sealed_session::jwt::JwsSigningKey;
    /// let key = JwsSigningKey::ed25519_from_base64("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")?;
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn ed25519_from_base64(seed: &str) -> Result<JwsSigningKey, Error> {
        let bytes = Zeroizing::new(
            URL_SAFE_NO_PAD
                .decode(seed)
                .map_err(|_| Error::InvalidKey)?,
        );
        let seed: &[u8; 32] = bytes[..].try_into().map_err(|_| Error::InvalidKey)?;
        Ok(JwsSigningKey::ed25519_from_seed(seed))
    }

    /// The secret (HS256) or the seed (Ed25519) as base64url, for a secret store.
    ///
    /// ```
    /// let key = sealed_session::jwt::JwsSigningKey::ed25519_from_seed(&[0u8; 32]);
    /// assert_eq!(key.to_base64(), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    /// ```
    #[must_use]
    pub fn to_base64(&self) -> String {
        match &self.0 {
            KeyKind::Hs256(secret) => URL_SAFE_NO_PAD.encode(&secret[..]),
            KeyKind::Ed25519(seed, _) => URL_SAFE_NO_PAD.encode(&seed[..]),
        }
    }

    /// The Ed25519 public key, or `None` for an HS256 secret.
    ///
    /// ```
    /// let key = sealed_session::jwt::JwsSigningKey::generate_ed25519()?;
    /// assert_eq!(key.ed25519_public_key().map(|public| public.len()), Some(32));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn ed25519_public_key(&self) -> Option<[u8; 32]> {
        match &self.0 {
            KeyKind::Hs256(_) => None,
            KeyKind::Ed25519(_, public) => Some(*public),
        }
    }

    /// The JWK Set of the public key under `kid`, for verifiers: one Ed25519 key, or no key
    /// for an HS256 secret (which must never be published).
    ///
    /// ```
    /// let key = sealed_session::jwt::JwsSigningKey::generate_ed25519()?;
    /// assert!(key.public_jwk_set("k1").contains(r#""kid":"k1""#));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn public_jwk_set(&self, kid: &str) -> String {
        match &self.0 {
            KeyKind::Hs256(_) => r#"{"keys":[]}"#.to_owned(),
            KeyKind::Ed25519(_, public) => {
                format!(r#"{{"keys":[{}]}}"#, jwk::ed25519_public_jwk(kid, public))
            }
        }
    }

    /// The RFC 7638 thumbprint of the key: the default `kid`.
    fn thumbprint(&self) -> String {
        match &self.0 {
            KeyKind::Hs256(secret) => jwk::oct_thumbprint(secret),
            KeyKind::Ed25519(_, public) => jwk::ed25519_thumbprint(public),
        }
    }

    fn algorithm(&self) -> Algorithm {
        match &self.0 {
            KeyKind::Hs256(_) => Algorithm::HS256,
            KeyKind::Ed25519(..) => Algorithm::EdDSA,
        }
    }

    fn encoding_key(&self) -> Result<EncodingKey, Error> {
        match &self.0 {
            KeyKind::Hs256(secret) => {
                EncodingKey::from_secret(secret).map_err(|_| Error::InvalidKey)
            }
            KeyKind::Ed25519(seed, _) => {
                // PKCS#8 v1, the form `jsonwebtoken` reads.
                let mut der = Zeroizing::new(Vec::with_capacity(48));
                der.extend_from_slice(&ED25519_PKCS8_PREFIX);
                der.extend_from_slice(&seed[..]);
                Ok(EncodingKey::from_ed_der(&der))
            }
        }
    }
}

impl fmt::Debug for JwsSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JwsSigningKey({:?}, ..)", self.algorithm())
    }
}

/// Signs JWTs for other services: `iss`, `sub`, `aud`, `iat`, `exp`, `jti`, `auth_time` and a
/// `kid` header, with the application's own claims beside them.
///
/// ```
/// use sealed_session::jwt::{JwsIssuer, JwsSigningKey, JwsVerifier, VerifyingKeys};
///
/// let issuer = JwsIssuer::new(JwsSigningKey::generate_ed25519()?, "https://auth.example");
/// let token = issuer.issue("user-42", "orders", &serde_json::json!({"scope": "read"}))?;
///
/// // The orders service, given the issuer's public JWK Set:
/// let keys = VerifyingKeys::from_jwk_set(&issuer.public_jwk_set())?;
/// let verifier = JwsVerifier::new(keys, "https://auth.example", "orders");
/// let verified = verifier.verify::<serde_json::Value>(&token)?;
/// assert_eq!(verified.subject(), "user-42");
/// assert_eq!(verified.claims()["scope"], "read");
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Clone)]
pub struct JwsIssuer {
    signing_key: JwsSigningKey,
    kid: String,
    issuer: String,
    ttl: Duration,
}

/// The claims an issuer writes, its own first.
#[derive(Serialize)]
struct Outgoing<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
    jti: SessionId,
    auth_time: i64,
    #[serde(flatten)]
    custom: &'a serde_json::Map<String, serde_json::Value>,
}

impl JwsIssuer {
    /// An issuer named `issuer` (its `iss`), signing with `key` under its RFC 7638 thumbprint
    /// as `kid`, with tokens valid for [`DEFAULT_JWS_TTL`] (5 minutes).
    ///
    /// ```
    /// use sealed_session::jwt::{JwsIssuer, JwsSigningKey};
    /// let issuer = JwsIssuer::new(JwsSigningKey::hs256(&[9u8; 32])?, "billing");
    /// assert_eq!(issuer.kid().len(), 43);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn new(key: JwsSigningKey, issuer: &str) -> JwsIssuer {
        JwsIssuer {
            kid: key.thumbprint(),
            signing_key: key,
            issuer: issuer.to_owned(),
            ttl: DEFAULT_JWS_TTL,
        }
    }

    /// Another `kid` than the thumbprint (a name your key management gives the key).
    ///
    /// ```
    /// use sealed_session::jwt::{JwsIssuer, JwsSigningKey};
    /// let issuer = JwsIssuer::new(JwsSigningKey::generate_ed25519()?, "auth").with_kid("2026-12");
    /// assert_eq!(issuer.kid(), "2026-12");
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn with_kid(mut self, kid: &str) -> JwsIssuer {
        self.kid = kid.to_owned();
        self
    }

    /// How long tokens are valid. Defaults to 5 minutes; at least one second.
    ///
    /// ```
    /// use sealed_session::jwt::{JwsIssuer, JwsSigningKey};
    /// let issuer = JwsIssuer::new(JwsSigningKey::generate_ed25519()?, "auth")
    ///     .with_ttl(time::Duration::minutes(1));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> JwsIssuer {
        self.ttl = ttl;
        self
    }

    /// The `kid` of the tokens.
    ///
    /// ```
    /// use sealed_session::jwt::{JwsIssuer, JwsSigningKey};
    /// let issuer = JwsIssuer::new(JwsSigningKey::generate_ed25519()?, "auth");
    /// println!("signing as {}", issuer.kid());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public JWK Set for verifiers: the Ed25519 key under this issuer's `kid` (empty for
    /// an HS256 secret, which is shared by other means and never published). To rotate,
    /// publish the union of the old and new issuers' sets until the old tokens expire.
    ///
    /// ```
    /// use sealed_session::jwt::{JwsIssuer, JwsSigningKey};
    /// let issuer = JwsIssuer::new(JwsSigningKey::generate_ed25519()?, "auth");
    /// let set: serde_json::Value = serde_json::from_str(&issuer.public_jwk_set()).expect("JSON");
    /// assert_eq!(set["keys"][0]["alg"], "EdDSA");
    /// assert!(set["keys"][0].get("d").is_none());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn public_jwk_set(&self) -> String {
        self.signing_key.public_jwk_set(&self.kid)
    }

    /// Signs a token for `subject` to `audience`, with `claims` (any `Serialize` type that is
    /// a JSON object, without registered claim names) beside the registered ones; a new
    /// session id as `jti`, and `auth_time` = `iat` = now.
    ///
    /// # Errors
    ///
    /// [`Error::Serialize`] if `claims` is not a JSON object, [`Error::Config`] if it uses a
    /// registered claim name (`iss`, `sub`, `aud`, `exp`, `nbf`, `iat`, `jti`, `auth_time`) or
    /// the TTL is below a second, [`Error::InvalidKey`] or [`Error::Random`] if signing fails.
    ///
    /// ```
    /// use sealed_session::jwt::{JwsIssuer, JwsSigningKey};
    /// let issuer = JwsIssuer::new(JwsSigningKey::generate_ed25519()?, "auth");
    /// let token = issuer.issue("alice", "orders", &serde_json::json!({}))?;
    /// assert_eq!(token.split('.').count(), 3);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn issue<T: Serialize + ?Sized>(
        &self,
        subject: &str,
        audience: &str,
        claims: &T,
    ) -> Result<String, Error> {
        self.issue_at(subject, audience, claims, now())
    }

    /// [`JwsIssuer::issue`] as if the time were `now`.
    ///
    /// # Errors
    ///
    /// As [`JwsIssuer::issue`].
    ///
    /// ```
    /// use sealed_session::jwt::{JwsIssuer, JwsSigningKey};
    /// use time::macros::datetime;
    /// let issuer = JwsIssuer::new(JwsSigningKey::generate_ed25519()?, "auth");
    /// let token = issuer.issue_at("alice", "orders", &serde_json::json!({}), datetime!(2030-01-01 0:00 UTC))?;
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn issue_at<T: Serialize + ?Sized>(
        &self,
        subject: &str,
        audience: &str,
        claims: &T,
        now: OffsetDateTime,
    ) -> Result<String, Error> {
        let session_id = SessionId::generate()?;
        self.sign(subject, audience, claims, session_id, now, now)
    }

    /// Signs a token that carries a session: its subject, its id as `jti` and its login time
    /// as `auth_time`, so that revoking the session or its user (on the verifier's
    /// [`RevocationList`]) rejects this token too.
    ///
    /// # Errors
    ///
    /// As [`JwsIssuer::issue`].
    ///
    /// ```
    /// use sealed_session::{Key, Sealer, jwt::{JwsIssuer, JwsSigningKey}};
    ///
    /// let sealer = Sealer::new(Key::generate(), "session");
    /// let session = sealer.open::<()>(&sealer.seal("alice", &())?)?;
    /// let issuer = JwsIssuer::new(JwsSigningKey::generate_ed25519()?, "auth");
    /// let token = issuer.issue_for_session(&session, "orders", &serde_json::json!({}))?;
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn issue_for_session<T: Serialize + ?Sized, S>(
        &self,
        session: &crate::Session<S>,
        audience: &str,
        claims: &T,
    ) -> Result<String, Error> {
        self.issue_for_session_at(session, audience, claims, now())
    }

    /// [`JwsIssuer::issue_for_session`] as if the time were `now`.
    ///
    /// # Errors
    ///
    /// As [`JwsIssuer::issue`].
    ///
    /// ```
    /// use sealed_session::{Key, Sealer, jwt::{JwsIssuer, JwsSigningKey}};
    /// use time::macros::datetime;
    ///
    /// let sealer = Sealer::new(Key::generate(), "session");
    /// let login = datetime!(2030-01-01 0:00 UTC);
    /// let session = sealer.open_at::<()>(&sealer.seal_at("alice", &(), login)?, login)?;
    /// let issuer = JwsIssuer::new(JwsSigningKey::generate_ed25519()?, "auth");
    /// let later = datetime!(2030-01-01 1:00 UTC);
    /// let token = issuer.issue_for_session_at(&session, "orders", &serde_json::json!({}), later)?;
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn issue_for_session_at<T: Serialize + ?Sized, S>(
        &self,
        session: &crate::Session<S>,
        audience: &str,
        claims: &T,
        now: OffsetDateTime,
    ) -> Result<String, Error> {
        self.sign(
            session.subject(),
            audience,
            claims,
            session.session_id(),
            session.authenticated_at(),
            now,
        )
    }

    fn sign<T: Serialize + ?Sized>(
        &self,
        subject: &str,
        audience: &str,
        claims: &T,
        session_id: SessionId,
        authenticated_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<String, Error> {
        provider::ensure_installed()?;
        let custom = match serde_json::to_value(claims).map_err(|_| Error::Serialize)? {
            serde_json::Value::Object(map) => map,
            _ => return Err(Error::Serialize),
        };
        if REGISTERED.iter().any(|name| custom.contains_key(*name)) {
            return Err(Error::Config(
                "custom claims may not use a registered claim name",
            ));
        }
        let ttl = self.ttl.whole_seconds();
        if ttl < 1 {
            return Err(Error::Config(
                "a signed token's TTL must be at least a second",
            ));
        }
        // Rounded down: a revocation in the same second as the login rejects the token (a
        // false alarm for at most a second), never the other way round.
        // Whole seconds, rounded down (as a JWT carries them).
        let auth_time = authenticated_at.unix_timestamp();
        let iat = now.unix_timestamp();
        let outgoing = Outgoing {
            iss: &self.issuer,
            sub: subject,
            aud: audience,
            iat,
            exp: iat.saturating_add(ttl),
            jti: session_id,
            auth_time,
            custom: &custom,
        };
        let mut header = Header::new(self.signing_key.algorithm());
        header.kid = Some(self.kid.clone());
        let key = self.signing_key.encoding_key()?;
        jsonwebtoken::encode(&header, &outgoing, &key).map_err(|_| Error::InvalidKey)
    }
}

impl fmt::Debug for JwsIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwsIssuer")
            .field("algorithm", &self.signing_key.algorithm())
            .field("kid", &self.kid)
            .field("issuer", &self.issuer)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

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
    keys: RwLock<Arc<VerifyingKeys>>,
    issuer: String,
    audience: String,
    leeway: Duration,
    max_token_len: usize,
    revocations: Option<Arc<RevocationList>>,
}

/// A verified token: its registered claims and the application's claims.
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
    /// # let verifier = JwsVerifier::new(VerifyingKeys::new().with_hs256(issuer.kid(), &secret)?, "auth", "api");
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
    /// # let verifier = JwsVerifier::new(VerifyingKeys::new().with_hs256(issuer.kid(), &secret)?, "auth", "api");
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
    /// # let verifier = JwsVerifier::new(VerifyingKeys::new().with_hs256(issuer.kid(), &secret)?, "auth", "api");
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
    /// # let verifier = JwsVerifier::new(VerifyingKeys::new().with_hs256(issuer.kid(), &secret)?, "auth", "api");
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
    /// # let verifier = JwsVerifier::new(VerifyingKeys::new().with_hs256(issuer.kid(), &secret)?, "auth", "api");
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
    /// # let verifier = JwsVerifier::new(VerifyingKeys::new().with_hs256(issuer.kid(), &secret)?, "auth", "api");
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
    /// # let verifier = JwsVerifier::new(VerifyingKeys::new().with_hs256(issuer.kid(), &secret)?, "auth", "api");
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
        JwsVerifier {
            keys: RwLock::new(Arc::new(keys)),
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
    /// let keys = VerifyingKeys::new().with_hs256(issuer.kid(), &[3u8; 32])?;
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
        *current = Arc::new(keys);
    }

    /// The trusted keys now in force.
    fn keys(&self) -> Arc<VerifyingKeys> {
        Arc::clone(&self.keys.read().unwrap_or_else(PoisonError::into_inner))
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
    /// let verifier = JwsVerifier::new(VerifyingKeys::new().with_hs256(issuer.kid(), &[5u8; 32])?, "auth", "api");
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
        let payload = self.authentic_payload(token)?;
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
    pub(super) fn authentic_payload(&self, token: &str) -> Result<Vec<u8>, Error> {
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
        let keys = self.keys();
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
        if signature.len() != signature_len(entry.algorithm) {
            return Err(Error::Invalid);
        }
        let signing_input = &token[..header_text.len() + 1 + payload_text.len()];
        let valid = jsonwebtoken::crypto::verify(
            signature_text,
            signing_input.as_bytes(),
            &entry.key,
            entry.algorithm,
        )
        .map_err(|_| Error::Invalid)?;
        if !valid {
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
            .field("keys", &self.keys())
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway", &self.leeway)
            .field("max_token_len", &self.max_token_len)
            .field("revocations", &self.revocations.is_some())
            .finish()
    }
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// A JWT time (Unix seconds, from 1970 to the end of 9999) as a date.
fn from_seconds(seconds: i64) -> Result<OffsetDateTime, Error> {
    if !(0..=MAX_SECONDS).contains(&seconds) {
        return Err(Error::Malformed);
    }
    OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| Error::Malformed)
}

/// Strict base64url: no padding, no other alphabet, no stray bits.
fn decode(text: &str) -> Result<Vec<u8>, Error> {
    URL_SAFE_NO_PAD.decode(text).map_err(|_| Error::Malformed)
}

fn algorithm_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::HS256 => "HS256",
        Algorithm::EdDSA => "EdDSA",
        _ => "",
    }
}

/// The error text for a token whose `alg` is a JOSE signature algorithm that no key of a
/// verifier can have (only HS256 and EdDSA keys exist), or `None` for any other `alg`.
fn unsupported_algorithm(alg: &str) -> Option<&'static str> {
    macro_rules! named {
        ($($name:literal),+) => {
            match alg {
                $($name => Some(concat!(
                    "the token is signed with ",
                    $name,
                    ", an algorithm this verifier does not support (only HS256 and EdDSA)"
                )),)+
                _ => None,
            }
        };
    }
    named!(
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "ES256K",
        "HS384", "HS512", "Ed25519", "Ed448"
    )
}

fn signature_len(algorithm: Algorithm) -> usize {
    match algorithm {
        Algorithm::EdDSA => 64,
        _ => 32,
    }
}
