//! A token is opened only as what it was made as: the format is the sealer's setting and the key
//! the header names, never guessed from the token's shape; a purpose's key opens nothing of
//! another purpose; a rotated keyring seals with its current key.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sealed_session::jwt::{JwsIssuer, JwsSigningKey, JwsVerifier, VerifyingKeys};
use sealed_session::{Error, Format, Key, Keyring, Sealer};
use serde_json::Value;

use crate::forge::{self, NOW};
use sealed_session_test_support::fixtures::fixed_key as key;

fn state() -> Value {
    serde_json::json!({"user_id": 42, "roles": ["admin"]})
}

/// Compact ↔ JWE ↔ JWS, under one shared secret: each refuses the other two kinds.
#[test]
fn a_token_of_one_format_is_refused_by_another() {
    let compact = Sealer::new(key(1), "session");
    let jwe = Sealer::builder(key(1), "session")
        .with_format(Format::Jwe)
        .build()
        .expect("valid settings");
    let issuer = JwsIssuer::new(JwsSigningKey::hs256(&[1; 32]).expect("secret"), "auth");
    let verifier = JwsVerifier::new(
        VerifyingKeys::new()
            .with_hs256(&issuer.kid(), &[1; 32])
            .expect("keys"),
        "auth",
        "orders",
    );
    let compact_token = compact.seal_at("alice", &state(), NOW).expect("seals");
    let jwe_token = jwe.seal_at("alice", &state(), NOW).expect("seals");
    let jws_token = issuer
        .issue_at("alice", "orders", &state(), NOW)
        .expect("signs");

    for (what, token) in [("JWE", &jwe_token), ("JWS", &jws_token)] {
        let result = compact.open_at::<Value>(token, NOW);
        assert_eq!(
            result.err(),
            Some(Error::Malformed),
            "{what} to the compact sealer"
        );
    }
    for (what, token) in [("compact", &compact_token), ("JWS", &jws_token)] {
        let result = jwe.open_at::<Value>(token, NOW);
        assert_eq!(
            result.err(),
            Some(Error::Malformed),
            "{what} to the JWE sealer"
        );
    }
    for (what, token) in [("compact", &compact_token), ("JWE", &jwe_token)] {
        let result = verifier.verify_at::<Value>(token, NOW);
        assert_eq!(
            result.err(),
            Some(Error::Malformed),
            "{what} to the JWS verifier"
        );
    }
    // The right one still opens each.
    assert!(compact.open_at::<Value>(&compact_token, NOW).is_ok());
    assert!(jwe.open_at::<Value>(&jwe_token, NOW).is_ok());
    assert!(verifier.verify_at::<Value>(&jws_token, NOW).is_ok());
}

/// The key id names the master key, shared by every purpose: a token of another purpose names
/// a key the sealer holds, and must still be refused (each purpose has its own subkey and AAD).
#[test]
fn a_kid_that_names_another_purposes_key_is_refused() {
    for format in [Format::Compact, Format::Jwe] {
        let reset = Sealer::builder(key(2), "password-reset")
            .with_format(format)
            .build()
            .expect("valid settings");
        let session = Sealer::builder(key(2), "session")
            .with_format(format)
            .build()
            .expect("valid settings");
        let token = reset.seal_at("alice", &state(), NOW).expect("seals");
        assert_eq!(
            session.open_at::<Value>(&token, NOW).err(),
            Some(Error::Invalid),
            "{format:?}"
        );
    }
    // Forged by hand: the session's key id, the reset purpose's subkey.
    let envelope = forge::envelope("alice", 1_906_545_600_000, 3_600_000, b"{}");
    let forged = forge::compact(
        &[2; 32],
        "password-reset",
        0,
        *key(2).id().as_bytes(),
        &envelope,
    );
    let session = Sealer::new(key(2), "session");
    assert_eq!(
        session.open_at::<Value>(&forged, NOW).err(),
        Some(Error::Invalid)
    );
    // And the same forgery under the session purpose opens: the forge is right.
    let genuine = forge::compact(&[2; 32], "session", 0, *key(2).id().as_bytes(), &envelope);
    assert!(session.open_at::<Value>(&genuine, NOW).is_ok());

    // JWS: a verifier holding two services' secrets; a token signed with one but naming the
    // other's kid fails the signature, and one for the other audience fails the audience.
    let orders = JwsIssuer::new(JwsSigningKey::hs256(&[3; 32]).expect("secret"), "auth");
    let billing = JwsIssuer::new(JwsSigningKey::hs256(&[4; 32]).expect("secret"), "auth");
    let keys = VerifyingKeys::new()
        .with_hs256(&orders.kid(), &[3; 32])
        .and_then(|keys| keys.with_hs256(&billing.kid(), &[4; 32]))
        .expect("keys");
    let verifier = JwsVerifier::new(keys, "auth", "orders");
    let header = format!(r#"{{"alg":"HS256","kid":"{}"}}"#, orders.kid());
    let mislabelled = forge::hs256(&[4; 32], &header, &forge::claims_json());
    assert_eq!(
        verifier.verify_at::<Value>(&mislabelled, NOW).err(),
        Some(Error::Invalid)
    );
    let for_billing = billing
        .issue_at("alice", "billing", &state(), NOW)
        .expect("signs");
    assert_eq!(
        verifier.verify_at::<Value>(&for_billing, NOW).err(),
        Some(Error::WrongAudience)
    );
}

/// CVE-2025-47278 (Flask 3.1.0): with fallback keys configured, tokens were signed with the last
/// fallback instead of the current key, so retiring an old key logged everyone out and a
/// leaked old key kept minting sessions. Here the current key seals, always; previous keys
/// only open.
#[test]
fn the_fallback_key_order_bug_the_current_key_seals() {
    let (current, old, older) = (key(5), key(6), key(7));
    let ring = Keyring::new(current.clone())
        .with_previous(old.clone())
        .with_previous(older.clone());
    for format in [Format::Compact, Format::Jwe] {
        let sealer = Sealer::builder(ring.clone(), "session")
            .with_format(format)
            .build()
            .expect("valid settings");
        let token = sealer.seal_at("alice", &state(), NOW).expect("seals");
        let named = match format {
            Format::Compact => URL_SAFE_NO_PAD.decode(&token).expect("base64url")[2..6].to_vec(),
            _ => {
                let header = URL_SAFE_NO_PAD
                    .decode(token.split('.').next().expect("a header"))
                    .expect("base64url");
                let header: Value = serde_json::from_slice(&header).expect("JSON");
                header["kid"].as_str().expect("a kid").as_bytes().to_vec()
            }
        };
        let expected = match format {
            Format::Compact => current.id().as_bytes().to_vec(),
            _ => current.id().to_string().into_bytes(),
        };
        assert_eq!(named, expected, "{format:?}: sealed under another key");
        let only = |key: &Key| {
            Sealer::builder(key.clone(), "session")
                .with_format(format)
                .build()
                .expect("valid settings")
        };
        assert!(only(&current).open_at::<Value>(&token, NOW).is_ok());
        for retired in [&old, &older] {
            assert_eq!(
                only(retired).open_at::<Value>(&token, NOW).err(),
                Some(Error::UnknownKey),
                "{format:?}"
            );
        }
        // Tokens of the previous keys still open under the ring, and reseal under the current.
        let legacy = only(&older).seal_at("bob", &state(), NOW).expect("seals");
        let session = sealer.open_at::<Value>(&legacy, NOW).expect("opens");
        let rolled = sealer
            .reseal_at(&session, session.state(), NOW)
            .expect("reseals");
        assert!(only(&current).open_at::<Value>(&rolled, NOW).is_ok());
        assert!(only(&older).open_at::<Value>(&rolled, NOW).is_err());
    }
}
