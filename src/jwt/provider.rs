//! The crypto provider this crate installs in `jsonwebtoken`: HS256 on `hmac`, EdDSA on
//! `ed25519-dalek`, and nothing else.
//!
//! `jsonwebtoken` 12 leaves its cryptography to a process-wide provider. Its own `rust_crypto`
//! provider builds the `rsa` crate (RUSTSEC-2023-0071) even for HS256 and EdDSA, and a build
//! with no provider panics at the first signature. So before its first use, this crate
//! installs this provider — unless the application has already chosen one (by a
//! `jsonwebtoken` feature, or by installing its own), which is then used as it is.

use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use hmac::{Hmac, KeyInit as _, Mac as _};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::signature::{Error as SignatureError, Signer, Verifier};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::Error;

/// The DER prefix of an Ed25519 private key in PKCS#8 v1 (RFC 8410): the 32-byte seed follows.
pub(crate) const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// HS256 and EdDSA; `jsonwebtoken`'s JWK helpers are not used (this crate reads JWKs itself).
static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory,
    verifier_factory,
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes sure `jsonwebtoken` has a provider: the application's, or else ours.
pub(crate) fn ensure_installed() -> std::result::Result<(), Error> {
    if CryptoProvider::try_get_default().is_none() {
        // Another thread may install first: either way one is installed.
        let _ = PROVIDER.install_default();
    }
    CryptoProvider::try_get_default()
        .map(|_| ())
        .ok_or(Error::Config("jsonwebtoken has no crypto provider"))
}

fn signer_factory(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    match (algorithm, key.family()) {
        (Algorithm::HS256, AlgorithmFamily::Hmac) => {
            let mac = Hmac::<Sha256>::new_from_slice(key.as_bytes())
                .map_err(|_| ErrorKind::InvalidKeyFormat)?;
            Ok(Box::new(Hs256(mac)))
        }
        (Algorithm::EdDSA, AlgorithmFamily::Ed) => {
            let seed = key
                .as_bytes()
                .strip_prefix(&ED25519_PKCS8_PREFIX[..])
                .and_then(|seed| <[u8; 32]>::try_from(seed).ok())
                .map(Zeroizing::new)
                .ok_or(ErrorKind::InvalidEddsaKey)?;
            Ok(Box::new(EdDsaSigner(SigningKey::from_bytes(&seed))))
        }
        _ => Err(ErrorKind::UnsupportedAlgorithm.into()),
    }
}

fn verifier_factory(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    match (algorithm, key.family()) {
        (Algorithm::HS256, AlgorithmFamily::Hmac) => {
            let mac = Hmac::<Sha256>::new_from_slice(key.try_get_as_bytes()?)
                .map_err(|_| ErrorKind::InvalidKeyFormat)?;
            Ok(Box::new(Hs256(mac)))
        }
        (Algorithm::EdDSA, AlgorithmFamily::Ed) => {
            let public = <&[u8; 32]>::try_from(key.try_get_as_bytes()?)
                .map_err(|_| ErrorKind::InvalidEddsaKey)?;
            let public =
                VerifyingKey::from_bytes(public).map_err(|_| ErrorKind::InvalidEddsaKey)?;
            Ok(Box::new(EdDsaVerifier(public)))
        }
        _ => Err(ErrorKind::UnsupportedAlgorithm.into()),
    }
}

/// HMAC-SHA256 keyed with the secret, for signing and for (constant-time) verifying.
struct Hs256(Hmac<Sha256>);

impl Signer<Vec<u8>> for Hs256 {
    fn try_sign(&self, message: &[u8]) -> std::result::Result<Vec<u8>, SignatureError> {
        let mut mac = self.0.clone();
        mac.update(message);
        Ok(mac.finalize().into_bytes().to_vec())
    }
}

impl Verifier<Vec<u8>> for Hs256 {
    fn verify(&self, message: &[u8], tag: &Vec<u8>) -> std::result::Result<(), SignatureError> {
        let mut mac = self.0.clone();
        mac.update(message);
        mac.verify_slice(tag).map_err(|_| SignatureError::new())
    }
}

impl JwtSigner for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

impl JwtVerifier for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

struct EdDsaSigner(SigningKey);

impl Signer<Vec<u8>> for EdDsaSigner {
    fn try_sign(&self, message: &[u8]) -> std::result::Result<Vec<u8>, SignatureError> {
        Ok(ed25519_dalek::Signer::sign(&self.0, message)
            .to_bytes()
            .to_vec())
    }
}

impl JwtSigner for EdDsaSigner {
    fn algorithm(&self) -> Algorithm {
        Algorithm::EdDSA
    }
}

/// Verifies strictly: no small-order keys, no non-canonical `R` or `s` (signature
/// malleability).
struct EdDsaVerifier(VerifyingKey);

impl Verifier<Vec<u8>> for EdDsaVerifier {
    fn verify(
        &self,
        message: &[u8],
        signature: &Vec<u8>,
    ) -> std::result::Result<(), SignatureError> {
        let signature = Signature::from_slice(signature)?;
        self.0
            .verify_strict(message, &signature)
            .map_err(|_| SignatureError::new())
    }
}

impl JwtVerifier for EdDsaVerifier {
    fn algorithm(&self) -> Algorithm {
        Algorithm::EdDSA
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each Ed25519 signer and verifier names its algorithm (the HMAC ones name HS256, which
    /// is also `Algorithm`'s default).
    #[test]
    fn ed25519_signers_and_verifiers_name_their_algorithm() {
        let key = SigningKey::from_bytes(&[1u8; 32]);
        let verifier = EdDsaVerifier(key.verifying_key());
        assert_eq!(JwtVerifier::algorithm(&verifier), Algorithm::EdDSA);
        assert_eq!(JwtSigner::algorithm(&EdDsaSigner(key)), Algorithm::EdDSA);
    }
}
