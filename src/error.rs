//! The one error type of the crate.
//!
//! Variants say what happened so that the application can act (log the user out, ask them to log
//! in again, alert on tampering). They are for the server's logs, not for the client: answer every
//! failed `open` with the same response (treat the visitor as logged out), so an attacker learns
//! nothing about which check failed. No variant carries key bytes, token bytes or session state.

/// Everything that can go wrong when sealing, opening or configuring.
///
/// ```
/// use sealed_session::{Error, Key, Sealer};
///
/// let sealer = Sealer::new(Key::generate(), "session");
/// match sealer.open::<String>("not-a-token") {
///     Err(Error::Malformed) => {} // treat the visitor as logged out
///     other => panic!("unexpected: {other:?}"),
/// }
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The token is past its expiry time (plus the leeway).
    #[error("token expired")]
    Expired,
    /// The token's issued-at time lies in the future by more than the leeway.
    #[error("token not yet valid")]
    NotYetValid,
    /// The session is past its absolute lifetime ([`SealerBuilder::with_max_lifetime`](crate::SealerBuilder::with_max_lifetime)),
    /// counted from when the user logged in: the user must log in again. (An idle session whose
    /// token expired is [`Error::Expired`] instead.)
    #[error("session past its maximum lifetime")]
    LifetimeExceeded,
    /// The input is longer than `max_token_len`, the plaintext would exceed `max_state_len`, or
    /// the token being sealed would exceed `max_token_len`.
    #[error("token or state too large")]
    TooLarge,
    /// Not a token of ours: bad (or non-canonical) base64, bad length, unknown version or flags,
    /// or a plaintext envelope that does not parse.
    #[error("malformed token")]
    Malformed,
    /// The token names a key id that is not in the keyring (a removed key, or another service's).
    #[error("unknown key id")]
    UnknownKey,
    /// The token was compressed with a dictionary this sealer does not have (one that was
    /// retired, or another application's): keep old dictionaries with
    /// [`SealerBuilder::with_previous_dictionary`](crate::SealerBuilder::with_previous_dictionary) while their tokens live.
    #[error("unknown compression dictionary")]
    UnknownDictionary,
    /// Authentication failed: the token was changed, or sealed with another key or purpose.
    #[error("invalid token")]
    Invalid,
    /// The token is authentic, but its state does not deserialize into the requested type.
    #[error("session state does not match the requested type")]
    StateMismatch,
    /// The session state could not be serialized to JSON (for example a map with non-string keys).
    #[error("session state cannot be serialized")]
    Serialize,
    /// The token was revoked: its user logged out everywhere (or was changed) after it was
    /// issued, or this one session was logged out.
    #[error("token revoked")]
    Revoked,
    /// Key material of the wrong length or encoding.
    #[error("invalid key: expected 32 bytes")]
    InvalidKey,
    /// The token would need more cookies, or more bytes of `Cookie` header, than the session
    /// cookie's budget allows (see `http::SessionCookie::plan`). Nothing was written: keep the
    /// state smaller, or raise the budget if every proxy on the way allows it.
    #[error("session does not fit the cookie budget")]
    CookieBudget,
    /// A revocation snapshot that is corrupt, truncated or of an unknown version.
    #[error("corrupt revocation snapshot")]
    CorruptSnapshot,
    /// A setting that cannot work, such as a zero TTL or a revocation horizon shorter than the
    /// tokens it must cover; or a token these settings cannot check (one that outlives the
    /// revocation horizon, a signed token in an algorithm the verifier does not support such as
    /// RS256 or ES256, named in the message).
    #[error("invalid configuration: {0}")]
    Config(&'static str),
    /// A signed JWT's `alg` is not the algorithm of the key its `kid` names (`alg: none`, an
    /// HMAC under a public key…): the key alone decides the algorithm.
    #[error("token algorithm does not match its key")]
    AlgorithmMismatch,
    /// A signed JWT from another issuer than the verifier's (or without `iss`).
    #[error("wrong token issuer")]
    WrongIssuer,
    /// A signed JWT for other audiences than the verifier's (or without `aud`).
    #[error("wrong token audience")]
    WrongAudience,
    /// A JSON Web Key or JWK Set that cannot be used, and why.
    #[error("invalid JWK: {0}")]
    InvalidJwk(&'static str),
    /// The revocation list is shared and has not loaded yet (`redis::RedisSync` with its
    /// default, fail-closed start): no token opens until it has, since one revoked elsewhere
    /// could otherwise pass.
    #[error("revocation list not loaded yet")]
    RevocationsUnavailable,
    /// The shared store of revocations (Redis) cannot be reached now; the list keeps serving
    /// what it knows, and revocations made here wait to be published.
    #[error("revocation store unavailable")]
    SyncUnavailable,
    /// Redis has the revocation, but fewer of its replicas than required acknowledged it in
    /// time (`redis::SyncOptions::replicas`, feature `redis`): a failover now could
    /// lose it from Redis. It is in force here, and published again after a reconnection, until
    /// the replicas acknowledge it.
    #[error("revocation not yet acknowledged by the required replicas")]
    NotReplicated,
    /// The issuer's JWK Set cannot be had (`jwt::RemoteKeySet`, feature `jwks-remote`): it was
    /// never fetched, or the last good one is older than its stale bound, and fetching it fails
    /// now. A condition of this server, not of the token: answer 503, not 401.
    #[error("the issuer's keys are unavailable")]
    KeysUnavailable,
    /// The operating system's random number generator failed.
    #[error("random number generator failed")]
    Random,
    /// A key read from the environment ([`Key::from_env`](crate::Key::from_env),
    /// [`Keyring::from_env`](crate::Keyring::from_env)) cannot be used: the variable is not
    /// set, or holds no key, or a key that is not one, or one anybody can read in this crate's
    /// docs and tests. Names the variable and the key's position; never the value.
    #[error("environment variable {variable}: {problem}")]
    Environment {
        /// The variable's name.
        variable: String,
        /// What is wrong with it.
        problem: String,
    },
}

impl Error {
    /// Whether the token this error refused can never open, on any instance, at any later
    /// time: it is malformed, forged, expired, past its lifetime, revoked or too large. An edge
    /// that stores the token (a cookie) removes it then, so that it stops coming back.
    ///
    /// Every other refusal is a condition of this server, not of the token: a key or dictionary
    /// not deployed here yet ([`Error::UnknownKey`], [`Error::UnknownDictionary`]), revocations
    /// not loaded yet ([`Error::RevocationsUnavailable`]), an issuer's keys that cannot be
    /// fetched ([`Error::KeysUnavailable`]), a clock behind the sealing
    /// instance's ([`Error::NotYetValid`]), a state type of another release
    /// ([`Error::StateMismatch`]) or settings that cannot check the token ([`Error::Config`]).
    /// Answer "no session" for that request and **keep** the cookie: clearing it would log
    /// every user out during a Redis outage or a rolling deploy.
    ///
    /// ```
    /// use sealed_session::Error;
    ///
    /// assert!(Error::Revoked.is_final_for_token());
    /// assert!(!Error::UnknownKey.is_final_for_token()); // a key not deployed here yet
    /// ```
    #[must_use]
    pub fn is_final_for_token(&self) -> bool {
        matches!(
            self,
            Error::Expired
                | Error::LifetimeExceeded
                | Error::TooLarge
                | Error::Malformed
                | Error::Invalid
                | Error::Revoked
                | Error::AlgorithmMismatch
                | Error::WrongIssuer
                | Error::WrongAudience
        )
    }
}
