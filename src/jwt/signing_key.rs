//! [`JwsSigningKey`]: the key a [`JwsIssuer`](super::JwsIssuer) signs with, HS256 or Ed25519.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use rand::TryRng as _;
use zeroize::Zeroizing;

use super::jwk::{self, MIN_HS256_SECRET_LEN};
use super::provider::ED25519_PKCS8_PREFIX;
use crate::Error;

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
pub struct JwsSigningKey(pub(super) KeyKind);

#[derive(Clone)]
pub(super) enum KeyKind {
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
        match self.public_jwk(kid) {
            None => r#"{"keys":[]}"#.to_owned(),
            Some(jwk) => format!(r#"{{"keys":[{jwk}]}}"#),
        }
    }

    /// The public JWK under `kid`, `None` for an HS256 secret.
    pub(super) fn public_jwk(&self, kid: &str) -> Option<String> {
        match &self.0 {
            KeyKind::Hs256(_) => None,
            KeyKind::Ed25519(_, public) => Some(jwk::ed25519_public_jwk(kid, public)),
        }
    }

    /// The RFC 7638 thumbprint of the key: the default `kid`.
    pub(super) fn thumbprint(&self) -> String {
        match &self.0 {
            KeyKind::Hs256(secret) => jwk::oct_thumbprint(secret),
            KeyKind::Ed25519(_, public) => jwk::ed25519_thumbprint(public),
        }
    }

    pub(super) fn algorithm(&self) -> Algorithm {
        match &self.0 {
            KeyKind::Hs256(_) => Algorithm::HS256,
            KeyKind::Ed25519(..) => Algorithm::EdDSA,
        }
    }

    pub(super) fn encoding_key(&self) -> Result<EncodingKey, Error> {
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
