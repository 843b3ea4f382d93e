//! JWS `verify` never panics, never accepts a forgery, and accepts a correctly signed token only
//! when its claims follow every rule.
//!
//! Half the inputs are raw token text (never authentic). The other half are arbitrary payloads
//! signed by hand with HMAC-SHA256 under the verifier's key, so that the fuzzer reaches the
//! strict claims parser (duplicates, integer times, audience forms).
#![no_main]

use std::collections::HashSet;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use libfuzzer_sys::fuzz_target;
use sealed_session::Error;
use sealed_session::jwt::{JwsSigningKey, JwsVerifier, VerifyingKeys};
use sha2::Sha256;
use time::macros::datetime;

const SECRET: [u8; 32] = [0x42; 32];
const NOW: i64 = 1_893_456_000; // 2030-01-01

/// Whether `json` is an object whose members all have distinct names.
fn unique_members(json: &[u8]) -> bool {
    struct Unique(bool);
    impl<'de> serde::Deserialize<'de> for Unique {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Unique, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = Unique;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<M: serde::de::MapAccess<'de>>(
                    self,
                    mut map: M,
                ) -> Result<Unique, M::Error> {
                    let mut names = HashSet::new();
                    let mut unique = true;
                    while let Some(name) = map.next_key::<String>()? {
                        unique &= names.insert(name);
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                    Ok(Unique(unique))
                }
            }
            d.deserialize_map(V)
        }
    }
    serde_json::from_slice::<Unique>(json).is_ok_and(|unique| unique.0)
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let public = JwsSigningKey::ed25519_from_seed(&[7u8; 32])
        .ed25519_public_key()
        .expect("Ed25519");
    let keys = VerifyingKeys::new()
        .with_hs256("hs", &SECRET)
        .and_then(|keys| keys.with_ed25519("ed", &public))
        .expect("keys");
    let verifier = JwsVerifier::new(keys, "auth", "orders");
    let now = datetime!(2030-01-01 0:00 UTC);
    if mode & 1 == 0 {
        let text = String::from_utf8_lossy(rest);
        let result = verifier.verify_at::<serde_json::Value>(&text, now);
        assert!(result.is_err(), "forged input verified: {text:?}");
        return;
    }
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","kid":"hs"}"#);
    let input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(rest));
    let mut mac = Hmac::<Sha256>::new_from_slice(&SECRET).expect("any length");
    mac.update(input.as_bytes());
    let token = format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    );
    match verifier.verify_at::<serde_json::Value>(&token, now) {
        Ok(verified) => {
            let claims = verified.claims();
            assert!(unique_members(rest), "duplicate claims accepted");
            assert_eq!(claims["iss"], "auth");
            let audience = &claims["aud"];
            assert!(
                audience == "orders"
                    || audience
                        .as_array()
                        .is_some_and(|all| all.iter().any(|one| one == "orders")),
                "wrong audience accepted: {audience}"
            );
            let exp = claims["exp"].as_i64().expect("an integer exp");
            assert!(exp + 60 > NOW, "expired accepted");
            for name in ["iat", "nbf"] {
                if let Some(time) = claims.get(name) {
                    assert!(
                        time.as_i64().is_some_and(|t| t <= NOW + 60),
                        "{name}: {time}"
                    );
                }
            }
        }
        Err(error) => assert!(
            !matches!(
                error,
                Error::Invalid | Error::UnknownKey | Error::AlgorithmMismatch
            ),
            "a correctly signed token refused as {error:?}"
        ),
    }
});
