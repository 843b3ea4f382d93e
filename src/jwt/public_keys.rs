//! RS256 and ES256 verification keys (RFC 7518 §3.3, §3.4), on `ring` (feature `ring`): what a
//! verifier of an identity provider's tokens needs (Keycloak, Auth0, Cognito, Entra ID and Okta
//! sign with RS256; Apple and Google Cloud IAP with ES256).
//!
//! Verification only: no private RSA or EC key is ever read (the RSA timing advisory
//! RUSTSEC-2023-0071 concerns private-key operations, and `ring` is not affected by it anyway).
//! Each key keeps the one-algorithm rule: an RSA key verifies RS256 only, a P-256 key ES256
//! only. RSA keys under 2048 bits (and PS256, RS384 and the like) are not used: skipped, as keys
//! of other types are, so that one old key in an identity provider's set does not fail the set.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents, UnparsedPublicKey,
};

use super::jwk::{Entry, EntryKey, RawJwk};
use crate::Error;

/// The smallest RSA modulus used, in bytes: 2048 bits (NIST SP 800-131A; `ring`'s floor too).
const MIN_RSA_MODULUS_LEN: usize = 256;
/// The largest, in bytes: 8192 bits (`ring`'s ceiling, and a bound on the work per token).
const MAX_RSA_MODULUS_LEN: usize = 1024;
/// The length of a P-256 coordinate, and of each half of an ES256 signature.
const P256_COORDINATE_LEN: usize = 32;

/// A public key that `ring` verifies with.
#[derive(Clone)]
pub(crate) enum RingKey {
    /// RSA: the modulus and exponent, big-endian, without leading zeros.
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// P-256: the uncompressed point, `04 || x || y`.
    P256(Vec<u8>),
}

impl RingKey {
    /// Whether `signature` is this key's over `message`.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            RingKey::Rsa { n, e } => RsaPublicKeyComponents { n, e }
                .verify(&RSA_PKCS1_2048_8192_SHA256, message, signature)
                .is_ok(),
            RingKey::P256(point) => UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                .verify(message, signature)
                .is_ok(),
        }
    }

    /// The length of a signature: the modulus' for RSA, `r || s` for ES256.
    pub(crate) fn signature_len(&self) -> usize {
        match self {
            RingKey::Rsa { n, .. } => n.len(),
            RingKey::P256(_) => 2 * P256_COORDINATE_LEN,
        }
    }
}

fn decode(text: Option<&str>, what: &'static str) -> Result<Vec<u8>, Error> {
    text.and_then(|text| URL_SAFE_NO_PAD.decode(text).ok())
        .ok_or(Error::InvalidJwk(what))
}

fn without_leading_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|&&byte| byte == 0).count();
    bytes.drain(..zeros);
    bytes
}

/// The entry of an RSA JWK: RS256 (also when the key names no `alg`); `None` for a key of
/// another algorithm (RS384, PS256…) or under 2048 bits.
pub(crate) fn rsa_entry(jwk: RawJwk) -> Result<Option<Entry>, Error> {
    match jwk.alg.as_deref() {
        None | Some("RS256") => {}
        Some(_) => return Ok(None),
    }
    if jwk.d.is_some() {
        return Err(Error::InvalidJwk(
            "a private key in a set of verifying keys: publish only the public part",
        ));
    }
    let n = without_leading_zeros(decode(jwk.n.as_deref(), "bad RSA n")?);
    let e = without_leading_zeros(decode(jwk.e.as_deref(), "bad RSA e")?);
    // `ring` takes an odd exponent from 3 to 2^33 - 1.
    let exponent_fits = (1..=5).contains(&e.len())
        && e.last().is_some_and(|last| last & 1 == 1)
        && e.iter()
            .fold(0u64, |value, &byte| (value << 8) | u64::from(byte))
            >= 3
        && e.iter()
            .fold(0u64, |value, &byte| (value << 8) | u64::from(byte))
            < 1 << 33;
    if !exponent_fits {
        return Err(Error::InvalidJwk(
            "an RSA exponent must be odd, from 3 to 2^33 - 1",
        ));
    }
    if n.len() > MAX_RSA_MODULUS_LEN {
        return Err(Error::InvalidJwk("an RSA key over 8192 bits"));
    }
    if n.len() < MIN_RSA_MODULUS_LEN {
        return Ok(None);
    }
    Ok(Some(Entry {
        kid: jwk.kid,
        algorithm: Algorithm::RS256,
        key: EntryKey::Ring(RingKey::Rsa { n, e }),
    }))
}

/// The entry of a P-256 JWK: ES256.
pub(crate) fn p256_entry(jwk: RawJwk) -> Result<Option<Entry>, Error> {
    if jwk.alg.as_deref().is_some_and(|alg| alg != "ES256") {
        return Err(Error::InvalidJwk("a P-256 key's alg must be ES256"));
    }
    if jwk.d.is_some() {
        return Err(Error::InvalidJwk(
            "a private key in a set of verifying keys: publish only the public part",
        ));
    }
    let x = decode(jwk.x.as_deref(), "bad P-256 x")?;
    let y = decode(jwk.y.as_deref(), "bad P-256 y")?;
    // RFC 7518 §6.2.1.2: each coordinate is the full 32 bytes, leading zeros kept.
    if x.len() != P256_COORDINATE_LEN || y.len() != P256_COORDINATE_LEN {
        return Err(Error::InvalidJwk("a P-256 coordinate must be 32 bytes"));
    }
    let mut point = Vec::with_capacity(1 + 2 * P256_COORDINATE_LEN);
    point.push(0x04);
    point.extend_from_slice(&x);
    point.extend_from_slice(&y);
    Ok(Some(Entry {
        kid: jwk.kid,
        algorithm: Algorithm::ES256,
        key: EntryKey::Ring(RingKey::P256(point)),
    }))
}
