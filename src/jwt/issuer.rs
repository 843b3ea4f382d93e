//! [`JwsIssuer`]: signs JWTs for other services, and publishes its public keys.

use std::fmt;
use std::sync::Arc;

use jsonwebtoken::Header;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::claims::REGISTERED;
use super::provider;
use crate::{Error, SessionId};

use super::jws::{DEFAULT_JWS_TTL, now};
use super::schedule::{KeySchedule, ScheduledKey};
use super::signing_key::JwsSigningKey;

/// How long verifiers may cache the JWK Set of an issuer with one fixed key: a new key behind
/// the same URL (a redeploy) is found within this, and at once by a verifier that refetches on
/// an unknown `kid`.
const FIXED_KEY_CACHE_LIFETIME: Duration = Duration::minutes(15);

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
    signing: Signing,
    issuer: String,
    ttl: Duration,
}

/// What signs: one key, or the key of the moment on a rotation schedule.
#[derive(Clone)]
enum Signing {
    Fixed(Arc<ScheduledKey>),
    Scheduled(KeySchedule),
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
            signing: Signing::Fixed(Arc::new(ScheduledKey {
                kid: key.thumbprint(),
                key,
            })),
            issuer: issuer.to_owned(),
            ttl: DEFAULT_JWS_TTL,
        }
    }

    /// An issuer named `issuer` whose keys rotate on `schedule`: each token is signed by the
    /// current period's key (never a previous or the next one), and
    /// [`JwsIssuer::public_jwk_set`] publishes the next key a period ahead and each previous
    /// key until the tokens it signed have expired (their TTL plus a minute of clock skew).
    ///
    /// ```
    /// use sealed_session::jwt::{JwsIssuer, KeySchedule, JwsVerifier, VerifyingKeys};
    ///
    /// let schedule = KeySchedule::ed25519(&rand::random(), time::Duration::days(1))?;
    /// let issuer = JwsIssuer::rotating(schedule, "https://auth.example");
    /// let token = issuer.issue("user-42", "orders", &serde_json::json!({}))?;
    /// let keys = VerifyingKeys::from_jwk_set(&issuer.public_jwk_set())?;
    /// let verifier = JwsVerifier::new(keys, "https://auth.example", "orders");
    /// assert_eq!(verifier.verify::<serde_json::Value>(&token)?.subject(), "user-42");
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn rotating(schedule: KeySchedule, issuer: &str) -> JwsIssuer {
        JwsIssuer {
            signing: Signing::Scheduled(schedule),
            issuer: issuer.to_owned(),
            ttl: DEFAULT_JWS_TTL,
        }
    }

    /// Another `kid` than the thumbprint (a name your key management gives the key). A
    /// rotating issuer's keys keep their thumbprints: this changes nothing there.
    ///
    /// ```
    /// use sealed_session::jwt::{JwsIssuer, JwsSigningKey};
    /// let issuer = JwsIssuer::new(JwsSigningKey::generate_ed25519()?, "auth").with_kid("2026-12");
    /// assert_eq!(issuer.kid(), "2026-12");
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn with_kid(mut self, kid: &str) -> JwsIssuer {
        if let Signing::Fixed(fixed) = &self.signing {
            self.signing = Signing::Fixed(Arc::new(ScheduledKey {
                key: fixed.key.clone(),
                kid: kid.to_owned(),
            }));
        }
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

    /// The `kid` of the tokens signed now.
    ///
    /// ```
    /// use sealed_session::jwt::{JwsIssuer, JwsSigningKey};
    /// let issuer = JwsIssuer::new(JwsSigningKey::generate_ed25519()?, "auth");
    /// println!("signing as {}", issuer.kid());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn kid(&self) -> String {
        self.kid_at(now())
    }

    /// The `kid` of the tokens signed at `now`.
    ///
    /// ```
    /// use sealed_session::jwt::{JwsIssuer, KeySchedule};
    /// use time::{Duration, macros::datetime};
    ///
    /// let issuer = JwsIssuer::rotating(KeySchedule::ed25519(&[7u8; 32], Duration::days(1))?, "auth");
    /// let monday = issuer.kid_at(datetime!(2030-01-07 12:00 UTC));
    /// assert_ne!(monday, issuer.kid_at(datetime!(2030-01-08 12:00 UTC)));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn kid_at(&self, now: OffsetDateTime) -> String {
        self.signing_key_at(now).kid.clone()
    }

    /// The key that signs at `now`: the one key, or the current period's.
    fn signing_key_at(&self, now: OffsetDateTime) -> Arc<ScheduledKey> {
        match &self.signing {
            Signing::Fixed(key) => Arc::clone(key),
            Signing::Scheduled(schedule) => schedule.signing_key_at(now),
        }
    }

    /// The public JWK Set for verifiers: the Ed25519 key under this issuer's `kid` (empty for
    /// an HS256 secret, which is shared by other means and never published); for a rotating
    /// issuer, every key of [`JwsIssuer::rotating`]'s rule, the next one first.
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
        self.public_jwk_set_at(now())
    }

    /// [`JwsIssuer::public_jwk_set`] as it is at `now`.
    ///
    /// ```
    /// use sealed_session::jwt::{JwsIssuer, KeySchedule, VerifyingKeys};
    /// use time::{Duration, macros::datetime};
    ///
    /// let issuer = JwsIssuer::rotating(KeySchedule::ed25519(&[7u8; 32], Duration::days(1))?, "auth");
    /// let noon = datetime!(2030-01-07 12:00 UTC);
    /// let tomorrow = issuer.kid_at(noon + Duration::days(1));
    /// // Tomorrow's key is published today.
    /// assert!(issuer.public_jwk_set_at(noon).contains(&tomorrow));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn public_jwk_set_at(&self, now: OffsetDateTime) -> String {
        match &self.signing {
            Signing::Fixed(fixed) => fixed.key.public_jwk_set(&fixed.kid),
            Signing::Scheduled(schedule) => {
                let keys = schedule.published_at(now, self.overlap());
                let jwks: Vec<String> = keys
                    .iter()
                    .filter_map(|scheduled| scheduled.key.public_jwk(&scheduled.kid))
                    .collect();
                format!(r#"{{"keys":[{}]}}"#, jwks.join(","))
            }
        }
    }

    /// How long verifiers may cache the published set (the endpoint's `max-age`): a quarter
    /// of the rotation period (between a second and an hour), so that they learn of the next
    /// key well before it signs; 15 minutes for a fixed key.
    ///
    /// ```
    /// use sealed_session::jwt::{JwsIssuer, KeySchedule};
    /// use time::Duration;
    /// let issuer = JwsIssuer::rotating(KeySchedule::ed25519(&rand::random(), Duration::hours(2))?, "auth");
    /// assert_eq!(issuer.jwk_set_cache_lifetime(), Duration::minutes(30));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn jwk_set_cache_lifetime(&self) -> Duration {
        match &self.signing {
            Signing::Fixed(_) => FIXED_KEY_CACHE_LIFETIME,
            Signing::Scheduled(schedule) => schedule.cache_lifetime(),
        }
    }

    /// How long a key stays published after it stopped signing: its last token's TTL, and
    /// the verifiers' default clock-skew allowance (a minute).
    fn overlap(&self) -> Duration {
        self.ttl + crate::Sealer::DEFAULT_LEEWAY
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
    /// [`RevocationList`](crate::RevocationList)) rejects this token too.
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
        if let Signing::Scheduled(schedule) = &self.signing
            && !schedule.overlap_fits(self.overlap())
        {
            return Err(Error::Config(
                "the token TTL spans too many rotation periods: lengthen the period",
            ));
        }
        // The current key signs: never a previous one (a fallback key that signed let tokens
        // outlive its retirement) nor the next one (verifiers may not have it yet).
        let signing = self.signing_key_at(now);
        let mut header = Header::new(signing.key.algorithm());
        header.kid = Some(signing.kid.clone());
        let key = signing.key.encoding_key()?;
        jsonwebtoken::encode(&header, &outgoing, &key).map_err(|_| Error::InvalidKey)
    }
}

impl fmt::Debug for JwsIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let signing = self.signing_key_at(now());
        f.debug_struct("JwsIssuer")
            .field("algorithm", &signing.key.algorithm())
            .field("kid", &signing.kid)
            .field(
                "schedule",
                match &self.signing {
                    Signing::Fixed(_) => &None::<KeySchedule>,
                    Signing::Scheduled(schedule) => schedule,
                },
            )
            .field("issuer", &self.issuer)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}
