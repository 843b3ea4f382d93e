//! A [`JwsVerifier`] whose keys are a [`RemoteKeySet`]: [`JwsVerifier::remote`] and
//! [`JwsVerifier::verify_async`], which fetches when a token needs it.

use serde::de::DeserializeOwned;

use super::RemoteKeySet;
use crate::Error;
use crate::jwt::verifier::{KeySource, token_kid};
use crate::jwt::{JwsVerifier, Verified};

impl JwsVerifier {
    /// A verifier of `issuer`'s tokens for `audience`, with the keys of `keys` (an issuer's
    /// published JWK Set, fetched and kept fresh), and the defaults of [`JwsVerifier::new`].
    /// Verify with [`JwsVerifier::verify_async`]; [`JwsVerifier::verify`] uses the set in hand
    /// and never waits for a fetch.
    ///
    /// ```
    /// use sealed_session::jwt::{JwsVerifier, RemoteKeySet, RemoteKeySetOptions};
    /// let keys = RemoteKeySet::new("https://auth.example/.well-known/jwks.json", RemoteKeySetOptions::default())?;
    /// let verifier = JwsVerifier::remote(keys, "https://auth.example", "orders");
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn remote(keys: RemoteKeySet, issuer: &str, audience: &str) -> JwsVerifier {
        JwsVerifier::with_source(KeySource::Remote(keys), issuer, audience)
    }

    /// Verifies `token` now, as [`JwsVerifier::verify`] does, fetching the issuer's set first
    /// when this verifier's keys are a [`RemoteKeySet`] that needs it: when none was fetched
    /// yet (or the last is past its stale bound), or when the token's `kid` is not in the set
    /// in hand (once per cooldown, and not for a `kid` a fresh set lacked). A token whose key
    /// is in hand never waits: a stale set is refreshed on a task of its own.
    ///
    /// # Errors
    ///
    /// As [`JwsVerifier::verify`], and [`Error::KeysUnavailable`] when there is no set that may
    /// be used and none can be fetched (answer 503: the token may well be good).
    ///
    /// ```no_run
    /// use sealed_session::jwt::{JwsVerifier, RemoteKeySet, RemoteKeySetOptions};
    /// # async fn run(token: &str) -> Result<(), sealed_session::Error> {
    /// let keys = RemoteKeySet::new("https://auth.example/.well-known/jwks.json", RemoteKeySetOptions::default())?;
    /// let verifier = JwsVerifier::remote(keys, "https://auth.example", "orders");
    /// let claims: serde_json::Value = verifier.verify_async(token).await?.into_claims();
    /// # Ok(()) }
    /// ```
    pub async fn verify_async<T: DeserializeOwned>(
        &self,
        token: &str,
    ) -> Result<Verified<T>, Error> {
        let KeySource::Remote(remote) = self.key_source() else {
            return self.verify(token);
        };
        // The set in hand is looked up once: verifying does not ask the cache again.
        let keys = remote.usable_keys().await?;
        let now = time::OffsetDateTime::now_utc();
        match self.verify_with(token, now, || Ok(keys)) {
            Err(Error::UnknownKey) => match token_kid(token) {
                Some(kid) if remote.refetch_for(&kid).await => self.verify(token),
                _ => Err(Error::UnknownKey),
            },
            other => other,
        }
    }
}
