//! JSON Web Keys (RFC 7517): the keys a [`JwsVerifier`](super::JwsVerifier) trusts, read from a
//! JWK Set, and the public keys a [`JwsIssuer`](super::JwsIssuer) exports; RFC 7638 thumbprints.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use crate::Error;

/// The shortest HMAC secret accepted: 32 bytes, the output size of SHA-256 (RFC 7518 §3.2).
pub const MIN_HS256_SECRET_LEN: usize = 32;
/// The length of an Ed25519 public key.
const ED25519_PUBLIC_LEN: usize = 32;

/// One trusted key: its id, the one algorithm it verifies, and the key.
#[derive(Clone)]
pub(crate) struct Entry {
    pub(crate) kid: Option<String>,
    pub(crate) algorithm: Algorithm,
    pub(crate) key: EntryKey,
}

/// What verifies: `jsonwebtoken` with this crate's provider (HS256, EdDSA), or `ring` (RS256,
/// ES256).
#[derive(Clone)]
pub(crate) enum EntryKey {
    Jose(DecodingKey),
    #[cfg(feature = "ring")]
    Ring(super::public_keys::RingKey),
}

impl Entry {
    /// The length of this key's signatures, in bytes.
    pub(crate) fn signature_len(&self) -> usize {
        match &self.key {
            EntryKey::Jose(_) => match self.algorithm {
                Algorithm::EdDSA => 64,
                _ => 32,
            },
            #[cfg(feature = "ring")]
            EntryKey::Ring(key) => key.signature_len(),
        }
    }

    /// Whether `signature` (and its base64url text) is this key's over `signing_input`.
    pub(crate) fn verifies(
        &self,
        signing_input: &[u8],
        signature_text: &str,
        signature: &[u8],
    ) -> bool {
        match &self.key {
            EntryKey::Jose(key) => {
                let _ = signature;
                jsonwebtoken::crypto::verify(signature_text, signing_input, key, self.algorithm)
                    .unwrap_or(false)
            }
            #[cfg(feature = "ring")]
            EntryKey::Ring(key) => key.verify(signing_input, signature),
        }
    }
}

/// The keys a [`JwsVerifier`](super::JwsVerifier) trusts, each fixed to one algorithm: the
/// `kid` of a token picks an entry, and the entry alone decides the algorithm.
///
/// Built from a JWK Set (RFC 7517 §5) of public keys, and from shared HS256 secrets.
///
/// ```
/// use sealed_session::jwt::{JwsSigningKey, VerifyingKeys};
///
/// let signing = JwsSigningKey::generate_ed25519()?;
/// let keys = VerifyingKeys::from_jwk_set(&signing.public_jwk_set("k1"))?
///     .with_hs256("shared-1", &[7u8; 32])?;
/// assert_eq!(keys.len(), 2);
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct VerifyingKeys {
    pub(crate) entries: Vec<Entry>,
}

/// The members of a JWK this crate reads; others are ignored. Each may appear once.
#[derive(Deserialize)]
pub(crate) struct RawJwk {
    pub(crate) kty: String,
    pub(crate) crv: Option<String>,
    pub(crate) x: Option<String>,
    #[cfg_attr(not(feature = "ring"), allow(dead_code))]
    pub(crate) y: Option<String>,
    pub(crate) k: Option<String>,
    #[cfg_attr(not(feature = "ring"), allow(dead_code))]
    pub(crate) n: Option<String>,
    #[cfg_attr(not(feature = "ring"), allow(dead_code))]
    pub(crate) e: Option<String>,
    pub(crate) d: Option<String>,
    pub(crate) kid: Option<String>,
    pub(crate) alg: Option<String>,
    #[serde(rename = "use")]
    pub(crate) usage: Option<String>,
    pub(crate) key_ops: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct RawJwkSet<'a> {
    #[serde(borrow)]
    keys: Vec<&'a serde_json::value::RawValue>,
}

impl VerifyingKeys {
    /// No keys yet: add some with [`VerifyingKeys::with_hs256`] or
    /// [`VerifyingKeys::with_ed25519`].
    ///
    /// ```
    /// assert!(sealed_session::jwt::VerifyingKeys::new().is_empty());
    /// ```
    #[must_use]
    pub fn new() -> VerifyingKeys {
        VerifyingKeys::default()
    }

    /// Reads a JWK Set: Ed25519 public keys (`kty: OKP`, `crv: Ed25519`, for `EdDSA`) and
    /// HS256 secrets (`kty: oct`). Keys of other types or curves (RSA, EC, X25519…), keys for
    /// encryption (`use: enc`, or `key_ops` without `verify`) and HMAC keys for HS384/HS512
    /// are skipped: a set may hold keys for other verifiers ([`VerifyingKeys::len`] counts
    /// the keys kept). A key of a supported type that is broken — a wrong length, an `alg`
    /// that does not fit it, a private `d` — fails the set, and so do two keys with one `kid`.
    ///
    /// A set with no key this verifier can use fails too: an identity provider's set of RSA
    /// or EC keys (Keycloak, Auth0 and Cognito publish RSA by default) would otherwise make a
    /// verifier that refuses every token.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidJwk`], saying what is wrong; for a set without a usable key, what it
    /// holds instead ("no key this verifier supports (…); found RSA, EC").
    ///
    /// ```
    /// use sealed_session::{Error, jwt::VerifyingKeys};
    ///
    /// let rsa_only = r#"{"keys":[{"kty":"RSA","kid":"rsa","alg":"RS256","n":"0vx7","e":"AQAB"}]}"#;
    /// match VerifyingKeys::from_jwk_set(rsa_only) {
    ///     Err(Error::InvalidJwk(why)) => assert!(why.ends_with("found RSA")),
    ///     other => panic!("unexpected: {other:?}"),
    /// }
    /// ```
    ///
    /// ```
    /// use sealed_session::jwt::VerifyingKeys;
    ///
    /// // RFC 8037 A.2, with an RSA key beside it that this verifier does not use.
    /// let set = r#"{"keys":[
    ///   {"kty":"OKP","crv":"Ed25519","kid":"ed","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
    ///   {"kty":"RSA","kid":"rsa","n":"0vx7","e":"AQAB"}]}"#;
    /// assert_eq!(VerifyingKeys::from_jwk_set(set)?.len(), 1);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn from_jwk_set(json: &str) -> Result<VerifyingKeys, Error> {
        let set: RawJwkSet =
            serde_json::from_str(json).map_err(|_| Error::InvalidJwk("not a JWK Set"))?;
        let mut keys = VerifyingKeys::new();
        let mut skipped = Skipped::default();
        for text in set.keys {
            let jwk: RawJwk = serde_json::from_str(text.get())
                .map_err(|_| Error::InvalidJwk("a key is not a JWK"))?;
            let kty = jwk.kty.clone();
            match entry_of(jwk)? {
                Some(entry) => keys = keys.with(entry)?,
                None => skipped.note(&kty),
            }
        }
        if keys.is_empty() {
            return Err(Error::InvalidJwk(skipped.message()));
        }
        Ok(keys)
    }

    /// Adds an HS256 secret shared with the issuer, under `kid`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for a secret shorter than [`MIN_HS256_SECRET_LEN`] (32 bytes);
    /// [`Error::InvalidJwk`] if `kid` is already taken.
    ///
    /// ```
    /// use sealed_session::{Error, jwt::VerifyingKeys};
    /// assert!(VerifyingKeys::new().with_hs256("k", &[1u8; 32]).is_ok());
    /// assert_eq!(VerifyingKeys::new().with_hs256("k", b"secret").err(), Some(Error::InvalidKey));
    /// ```
    pub fn with_hs256(self, kid: &str, secret: &[u8]) -> Result<VerifyingKeys, Error> {
        let entry = hs256_entry(Some(kid.to_owned()), secret)?;
        self.with(entry)
    }

    /// Adds an Ed25519 public key (its 32 bytes), under `kid`, for `EdDSA`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] unless `public_key` is 32 bytes; [`Error::InvalidJwk`] if `kid` is
    /// already taken.
    ///
    /// ```
    /// use sealed_session::jwt::{JwsSigningKey, VerifyingKeys};
    /// let signing = JwsSigningKey::generate_ed25519()?;
    /// let public = signing.ed25519_public_key().expect("an Ed25519 key");
    /// assert!(VerifyingKeys::new().with_ed25519("k", &public).is_ok());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn with_ed25519(self, kid: &str, public_key: &[u8]) -> Result<VerifyingKeys, Error> {
        let entry = ed25519_entry(Some(kid.to_owned()), public_key)?;
        self.with(entry)
    }

    fn with(mut self, entry: Entry) -> Result<VerifyingKeys, Error> {
        let taken = self
            .entries
            .iter()
            .any(|other| other.kid.is_none() || other.kid == entry.kid || entry.kid.is_none());
        if taken {
            return Err(Error::InvalidJwk(
                "two keys share a kid (or one of several keys has none)",
            ));
        }
        self.entries.push(entry);
        Ok(self)
    }

    /// How many keys there are.
    ///
    /// ```
    /// assert_eq!(sealed_session::jwt::VerifyingKeys::new().len(), 0);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no keys.
    ///
    /// ```
    /// assert!(sealed_session::jwt::VerifyingKeys::new().is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry a token's `kid` picks: the key with that id, or the only key when the token
    /// names none.
    pub(crate) fn find(&self, kid: Option<&str>) -> Result<&Entry, Error> {
        match kid {
            Some(kid) => self
                .entries
                .iter()
                .find(|entry| entry.kid.as_deref() == Some(kid)),
            None if self.entries.len() == 1 => self.entries.first(),
            None => None,
        }
        .ok_or(Error::UnknownKey)
    }
}

impl fmt::Debug for VerifyingKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.entries
                    .iter()
                    .map(|entry| (entry.kid.as_deref(), entry.algorithm)),
            )
            .finish()
    }
}

/// The kinds of key a JWK Set held that no entry was made of, to say why a set without a
/// usable key is refused.
#[derive(Default)]
struct Skipped {
    rsa: bool,
    ec: bool,
    other: bool,
}

impl Skipped {
    /// Notes a key of type `kty` that no entry was made of.
    fn note(&mut self, kty: &str) {
        match kty {
            "RSA" => self.rsa = true,
            "EC" => self.ec = true,
            _ => self.other = true,
        }
    }

    /// Why the set gave no key. The texts are fixed (the error carries a `&'static str`), one
    /// for each combination of kinds found.
    fn message(&self) -> &'static str {
        #[cfg(feature = "ring")]
        macro_rules! found {
            ($found:literal) => {
                concat!(
                    "no key this verifier supports (HS256 `oct`, EdDSA `OKP` Ed25519, RS256 `RSA` ",
                    "of 2048 bits or more, ES256 `EC` P-256); found ",
                    $found
                )
            };
        }
        #[cfg(not(feature = "ring"))]
        macro_rules! found {
            ($found:literal) => {
                concat!(
                    "no key this verifier supports (HS256 `oct`, EdDSA `OKP` Ed25519; RS256 and ",
                    "ES256 need the `ring` feature); found ",
                    $found
                )
            };
        }
        match (self.rsa, self.ec, self.other) {
            (false, false, false) => "the set has no keys",
            (true, false, false) => found!("RSA"),
            (false, true, false) => found!("EC"),
            (true, true, false) => found!("RSA, EC"),
            (false, false, true) => found!("keys of other types, curves, algorithms or uses"),
            (true, false, true) => {
                found!("RSA and keys of other types, curves, algorithms or uses")
            }
            (false, true, true) => found!("EC and keys of other types, curves, algorithms or uses"),
            (true, true, true) => {
                found!("RSA, EC and keys of other types, curves, algorithms or uses")
            }
        }
    }
}

/// The entry of a JWK, `None` for a key this crate does not verify with.
fn entry_of(jwk: RawJwk) -> Result<Option<Entry>, Error> {
    if jwk.usage.as_deref().is_some_and(|usage| usage != "sig")
        || jwk
            .key_ops
            .as_ref()
            .is_some_and(|ops| !ops.iter().any(|op| op == "verify"))
    {
        return Ok(None);
    }
    match jwk.kty.as_str() {
        "OKP" if jwk.crv.as_deref() == Some("Ed25519") => {
            if jwk.alg.as_deref().is_some_and(|alg| alg != "EdDSA") {
                return Err(Error::InvalidJwk("an Ed25519 key's alg must be EdDSA"));
            }
            if jwk.d.is_some() {
                return Err(Error::InvalidJwk(
                    "a private key in a set of verifying keys: publish only the public part",
                ));
            }
            let x = decode(jwk.x.as_deref()).ok_or(Error::InvalidJwk("bad Ed25519 x"))?;
            ed25519_entry(jwk.kid, &x)
                .map(Some)
                .map_err(|_| Error::InvalidJwk("an Ed25519 key must be 32 bytes"))
        }
        "oct" => match jwk.alg.as_deref() {
            None | Some("HS256") => {
                let k = decode(jwk.k.as_deref()).ok_or(Error::InvalidJwk("bad oct k"))?;
                hs256_entry(jwk.kid, &k)
                    .map(Some)
                    .map_err(|_| Error::InvalidJwk("an HS256 secret must be at least 32 bytes"))
            }
            Some("HS384" | "HS512") => Ok(None),
            Some(_) => Err(Error::InvalidJwk("an oct key's alg must be an HMAC")),
        },
        #[cfg(feature = "ring")]
        "RSA" => super::public_keys::rsa_entry(jwk),
        #[cfg(feature = "ring")]
        "EC" if jwk.crv.as_deref() == Some("P-256") => super::public_keys::p256_entry(jwk),
        _ => Ok(None),
    }
}

fn decode(text: Option<&str>) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text?).ok()
}

fn hs256_entry(kid: Option<String>, secret: &[u8]) -> Result<Entry, Error> {
    if secret.len() < MIN_HS256_SECRET_LEN {
        return Err(Error::InvalidKey);
    }
    let key = DecodingKey::from_secret(secret).map_err(|_| Error::InvalidKey)?;
    Ok(Entry {
        kid,
        algorithm: Algorithm::HS256,
        key: EntryKey::Jose(key),
    })
}

fn ed25519_entry(kid: Option<String>, public_key: &[u8]) -> Result<Entry, Error> {
    // `jsonwebtoken` panics on a shorter key and silently truncates a longer one.
    if public_key.len() != ED25519_PUBLIC_LEN
        || ed25519_dalek::VerifyingKey::try_from(public_key).is_err()
    {
        return Err(Error::InvalidKey);
    }
    Ok(Entry {
        kid,
        algorithm: Algorithm::EdDSA,
        key: EntryKey::Jose(DecodingKey::from_ed_der(public_key)),
    })
}

/// The RFC 7638 thumbprint (SHA-256, base64url) of an Ed25519 public key: the hash of
/// `{"crv":"Ed25519","kty":"OKP","x":"…"}`, its required members in lexicographic order.
pub(crate) fn ed25519_thumbprint(public_key: &[u8; ED25519_PUBLIC_LEN]) -> String {
    let x = URL_SAFE_NO_PAD.encode(public_key);
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// The RFC 7638 thumbprint of an HMAC secret: the hash of `{"k":"…","kty":"oct"}`.
pub(crate) fn oct_thumbprint(secret: &[u8]) -> String {
    let k = URL_SAFE_NO_PAD.encode(secret);
    let canonical = format!(r#"{{"k":"{k}","kty":"oct"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// The public JWK of an Ed25519 key, for `EdDSA` signatures.
pub(crate) fn ed25519_public_jwk(kid: &str, public_key: &[u8; ED25519_PUBLIC_LEN]) -> String {
    serde_json::json!({
        "kty": "OKP",
        "crv": "Ed25519",
        "x": URL_SAFE_NO_PAD.encode(public_key),
        "kid": kid,
        "alg": "EdDSA",
        "use": "sig",
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(keys: &str) -> Result<VerifyingKeys, Error> {
        VerifyingKeys::from_jwk_set(&format!(r#"{{"keys":[{keys}]}}"#))
    }

    const X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    const K: &str =
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";

    #[test]
    fn reads_supported_keys_and_skips_the_others() {
        let keys = set(&format!(
            r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}","kid":"ed","alg":"EdDSA","use":"sig"}},
               {{"kty":"oct","k":"{K}","kid":"hs"}},
               {{"kty":"oct","k":"{K}","kid":"hs512","alg":"HS512"}},
               {{"kty":"OKP","crv":"X25519","x":"{X}","kid":"x"}},
               {{"kty":"OKP","crv":"Ed25519","x":"{X}","kid":"enc","use":"enc"}},
               {{"kty":"OKP","crv":"Ed25519","x":"{X}","kid":"ops","key_ops":["sign"]}},
               {{"kty":"EC","crv":"P-384","x":"a","y":"b","kid":"ec"}},
               {{"kty":"RSA","n":"0vx7","e":"AQAB","kid":"rsa"}},
               {{"kty":"new-type","kid":"n"}}"#
        ))
        .expect("reads");
        assert_eq!(keys.len(), 2);
        assert_eq!(
            keys.find(Some("ed")).expect("ed").algorithm,
            Algorithm::EdDSA
        );
        assert_eq!(
            keys.find(Some("hs")).expect("hs").algorithm,
            Algorithm::HS256
        );
        assert_eq!(keys.find(Some("rsa")).err(), Some(Error::UnknownKey));
        assert_eq!(
            keys.find(None).err(),
            Some(Error::UnknownKey),
            "several keys"
        );
    }

    #[test]
    fn refuses_broken_keys_of_supported_types() {
        let short_x = &X[..42];
        let short_k = &K[..40];
        for bad in [
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{short_x}"}}"#),
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}AAAA"}}"#),
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}","alg":"HS256"}}"#),
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}","d":"{X}"}}"#),
            r#"{"kty":"OKP","crv":"Ed25519"}"#.to_owned(),
            format!(r#"{{"kty":"oct","k":"{short_k}"}}"#),
            format!(r#"{{"kty":"oct","k":"{K}","alg":"EdDSA"}}"#),
            format!(r#"{{"kty":"oct","k":"{K}","kid":"a"}},{{"kty":"oct","k":"{K}","kid":"a"}}"#),
            format!(r#"{{"kty":"oct","k":"{K}"}},{{"kty":"oct","k":"{K}","kid":"a"}}"#),
            format!(r#"{{"kty":"oct","k":"{K}","kid":"a","kid":"b"}}"#),
            r#"{"kty":7}"#.to_owned(),
        ] {
            assert!(
                matches!(set(&bad), Err(Error::InvalidJwk(_))),
                "{bad}: {:?}",
                set(&bad)
            );
        }
        assert!(VerifyingKeys::from_jwk_set("[]").is_err());
    }

    /// RS256 and ES256 keys: a key of the right type that is broken fails the set; an RSA key
    /// under 2048 bits, or for another algorithm, is skipped.
    #[cfg(feature = "ring")]
    #[test]
    fn rsa_and_p256_keys_are_read_strictly() {
        let n = URL_SAFE_NO_PAD.encode([0xc5; 256]);
        let short_n = URL_SAFE_NO_PAD.encode([0xc5; 255]);
        let coordinate = URL_SAFE_NO_PAD.encode([0x17; 32]);
        let short = URL_SAFE_NO_PAD.encode([0x17; 31]);
        let rsa = set(&format!(
            r#"{{"kty":"RSA","n":"{n}","e":"AQAB","kid":"r"}}"#
        ))
        .expect("an RSA key without alg is RS256");
        assert_eq!(rsa.find(Some("r")).expect("r").algorithm, Algorithm::RS256);
        let ec = set(&format!(
            r#"{{"kty":"EC","crv":"P-256","x":"{coordinate}","y":"{coordinate}","kid":"e"}}"#
        ))
        .expect("a P-256 key without alg is ES256");
        assert_eq!(ec.find(Some("e")).expect("e").algorithm, Algorithm::ES256);
        for skipped in [
            format!(r#"{{"kty":"RSA","n":"{short_n}","e":"AQAB"}}"#),
            format!(r#"{{"kty":"RSA","n":"{n}","e":"AQAB","alg":"PS256"}}"#),
            format!(r#"{{"kty":"RSA","n":"{n}","e":"AQAB","alg":"RS512"}}"#),
        ] {
            match set(&skipped) {
                Err(Error::InvalidJwk(why)) => assert!(why.ends_with("found RSA"), "{why}"),
                other => panic!("{skipped}: {other:?}"),
            }
        }
        for broken in [
            format!(r#"{{"kty":"RSA","n":"{n}","e":"AQAB","d":"{n}"}}"#),
            format!(r#"{{"kty":"RSA","n":"{n}","e":"AQAA"}}"#),
            format!(r#"{{"kty":"RSA","n":"{n}","e":"AQ"}}"#),
            format!(r#"{{"kty":"RSA","n":"{n}"}}"#),
            format!(
                r#"{{"kty":"RSA","n":"{}","e":"AQAB"}}"#,
                URL_SAFE_NO_PAD.encode([1u8; 1025])
            ),
            format!(r#"{{"kty":"EC","crv":"P-256","x":"{short}","y":"{coordinate}"}}"#),
            format!(r#"{{"kty":"EC","crv":"P-256","x":"{coordinate}"}}"#),
            format!(
                r#"{{"kty":"EC","crv":"P-256","x":"{coordinate}","y":"{coordinate}","alg":"ES384"}}"#
            ),
            format!(
                r#"{{"kty":"EC","crv":"P-256","x":"{coordinate}","y":"{coordinate}","d":"{coordinate}"}}"#
            ),
        ] {
            assert!(
                matches!(set(&broken), Err(Error::InvalidJwk(_))),
                "{broken}: {:?}",
                set(&broken)
            );
        }
    }

    /// A set that gives no key says what it held instead, for each mix of key types.
    #[test]
    fn a_set_without_a_usable_key_says_what_it_found() {
        const RSA: &str = r#"{"kty":"RSA","n":"0vx7","e":"AQAB"}"#;
        const EC: &str = r#"{"kty":"EC","crv":"P-384","x":"a","y":"b"}"#;
        const OTHER: &str = r#"{"kty":"OKP","crv":"X25519","x":"a"}"#;
        let cases = [
            (String::new(), "the set has no keys"),
            (RSA.to_owned(), "; found RSA"),
            (EC.to_owned(), "; found EC"),
            (format!("{RSA},{EC},{RSA}"), "; found RSA, EC"),
            (
                OTHER.to_owned(),
                "; found keys of other types, curves, algorithms or uses",
            ),
            (format!("{OTHER},{RSA}"), "; found RSA and keys of other"),
            (format!("{EC},{OTHER}"), "; found EC and keys of other"),
            (
                format!("{EC},{OTHER},{RSA}"),
                "; found RSA, EC and keys of other",
            ),
        ];
        for (keys, ending) in cases {
            match set(&keys) {
                Err(Error::InvalidJwk(why)) => assert!(why.contains(ending), "{keys}: {why}"),
                other => panic!("{keys}: {other:?}"),
            }
        }
    }

    #[test]
    fn single_key_without_kid_is_found_without_one() {
        let keys = set(&format!(r#"{{"kty":"oct","k":"{K}"}}"#)).expect("reads");
        assert!(keys.find(None).is_ok());
        assert_eq!(keys.find(Some("x")).err(), Some(Error::UnknownKey));
    }
}
