//! What an issuer's endpoint sends a remote key set never makes it panic, and never gives it a
//! key it should not have: the JWK Set document (`VerifyingKeys::from_jwk_set`), and the
//! caching headers that decide how long the set is used (`Cache-Control`, `Age`, `ETag`).
//!
//! Properties: a set that reads holds at least one key, reads the same twice, and verifies a
//! token only under a key it holds (never under one of another algorithm); whatever the headers
//! say, the set's lifetime stays within the verifier's floor and ceiling, and a kept `ETag` is
//! a quoted tag of visible ASCII of at most 256 characters (safe to send back).
//!
//! Input: the document, then `\0\0`, then header lines (`name: value`, one per line).
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use sealed_session::Error;
use sealed_session::jwt::fuzzing::read_caching_headers;
use sealed_session::jwt::{JwsIssuer, JwsSigningKey, JwsVerifier, VerifyingKeys};
use time::Duration;

/// Tokens under the `kid`s the dictionary and seeds use, by an Ed25519 key and an HMAC secret.
static TOKENS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let ed = JwsSigningKey::ed25519_from_seed(&[0x11; 32]);
    let hs = JwsSigningKey::hs256(&[0x42; 32]).expect("32 bytes");
    let mut tokens = Vec::new();
    for kid in ["a", "k1", "ed", "hs"] {
        for key in [&ed, &hs] {
            let issuer = JwsIssuer::new(key.clone(), "auth").with_kid(kid);
            tokens.push(issuer.issue("alice", "api", &serde_json::json!({})).expect("signs"));
        }
    }
    tokens
});

fuzz_target!(|data: &[u8]| {
    let (document, headers) = match data.windows(2).position(|pair| pair == b"\0\0") {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => (data, &[][..]),
    };

    if let Ok(text) = std::str::from_utf8(document) {
        match VerifyingKeys::from_jwk_set(text) {
            Ok(keys) => {
                assert!(!keys.is_empty(), "a set that reads holds a key");
                let again = VerifyingKeys::from_jwk_set(text).expect("reads twice");
                assert_eq!(again.len(), keys.len());
                let verifier = JwsVerifier::new(keys, "auth", "api");
                for token in TOKENS.iter() {
                    match verifier.verify::<serde_json::Value>(token) {
                        // Only a key that is the signer's own can verify it: the seeds'
                        // public key or the shared secret, under the token's `kid`.
                        Ok(verified) => assert_eq!(verified.subject(), "alice"),
                        Err(
                            Error::UnknownKey
                            | Error::Invalid
                            | Error::AlgorithmMismatch
                            | Error::Expired
                            | Error::NotYetValid,
                        ) => {}
                        Err(other) => panic!("unexpected refusal: {other:?}"),
                    }
                }
            }
            Err(Error::InvalidJwk(_)) => {}
            Err(other) => panic!("a set fails only as InvalidJwk: {other:?}"),
        }
    }

    let mut map = http::HeaderMap::new();
    for line in headers.split(|&byte| byte == b'\n') {
        let Some(colon) = line.iter().position(|&byte| byte == b':') else {
            continue;
        };
        let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(&line[..colon]),
            http::HeaderValue::from_bytes(line[colon + 1..].trim_ascii()),
        ) else {
            continue;
        };
        map.append(name, value);
    }
    let floor = Duration::minutes(1);
    let ceiling = Duration::days(1);
    let (lifetime, etag) = read_caching_headers(&map, floor, ceiling);
    assert!(floor <= lifetime && lifetime <= ceiling, "{lifetime}");
    if let Some(etag) = etag {
        assert!(etag.len() <= 256);
        let opaque = etag.strip_prefix("W/").unwrap_or(&etag);
        assert!(opaque.len() >= 2 && opaque.starts_with('"') && opaque.ends_with('"'));
        assert!(
            opaque[1..opaque.len() - 1]
                .bytes()
                .all(|byte| (0x21..=0x7e).contains(&byte) && byte != b'"')
        );
        assert!(http::HeaderValue::from_str(&etag).is_ok(), "sent back as it is");
    }
});
