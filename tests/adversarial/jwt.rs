//! The classic JWT attacks, against the JWS verifier and the JWE opener.

use sealed_session::jwt::{JwsSigningKey, JwsVerifier, VerifyingKeys};
use sealed_session::{Error, Key, Sealer};
use serde_json::Value;

use crate::forge::{self, NOW, NOW_SECONDS};

const SECRET: [u8; 32] = [0x42; 32];
const JWE_KEY: [u8; 32] = [0x43; 32];

fn verifier() -> JwsVerifier {
    let public = JwsSigningKey::ed25519_from_seed(&[9; 32])
        .ed25519_public_key()
        .expect("Ed25519");
    let keys = VerifyingKeys::new()
        .with_hs256("hs", &SECRET)
        .and_then(|keys| keys.with_ed25519("ed", &public))
        .expect("keys");
    JwsVerifier::new(keys, "auth", "orders")
}

fn jwe_sealer() -> Sealer {
    Sealer::from_jwe_key(Key::try_from(&JWE_KEY[..]).expect("32 bytes"), "session")
}

/// Every upper/lower-case spelling of "none".
fn every_casing_of_none() -> Vec<String> {
    (0..16u8)
        .map(|mask| {
            "none"
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if mask & (1 << i) != 0 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect()
        })
        .collect()
}

#[test]
fn alg_none_in_every_casing_is_refused() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let verifier = verifier();
    let casings = every_casing_of_none();
    assert_eq!(casings.len(), 16);
    for alg in casings {
        for kid in [None, Some("hs"), Some("ed")] {
            let header = match kid {
                Some(kid) => format!(r#"{{"alg":"{alg}","kid":"{kid}"}}"#),
                None => format!(r#"{{"alg":"{alg}"}}"#),
            };
            let input = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(&header),
                URL_SAFE_NO_PAD.encode(forge::claims_json())
            );
            // Unsigned (RFC 7519 §6.1), and with a signature of the secret anyway.
            for token in [
                format!("{input}."),
                forge::hs256(&SECRET, &header, &forge::claims_json()),
            ] {
                let result = verifier.verify_at::<Value>(&token, NOW);
                assert!(
                    matches!(result, Err(Error::AlgorithmMismatch | Error::UnknownKey)),
                    "{header}: {result:?}"
                );
            }
        }
    }
    // A JWE whose header says "none" is not the profile either.
    for alg in every_casing_of_none() {
        let token = forge::jwe(
            &JWE_KEY,
            &format!(r#"{{"alg":"{alg}","enc":"XC20P"}}"#),
            b"{}",
        );
        assert_eq!(
            jwe_sealer().open_at::<Value>(&token, NOW).err(),
            Some(Error::Malformed)
        );
    }
}

/// The verifier of an Ed25519 key is handed an HS256 token whose HMAC secret is the public key
/// (which the attacker knows): a library that lets the token pick the algorithm accepts it.
#[test]
fn a_jws_signed_with_the_public_key_as_hmac_secret_is_refused() {
    let verifier = verifier();
    let public = JwsSigningKey::ed25519_from_seed(&[9; 32])
        .ed25519_public_key()
        .expect("Ed25519");
    let public_jwk_x = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(public)
    };
    for secret in [public.to_vec(), public_jwk_x.into_bytes()] {
        for header in [
            r#"{"alg":"HS256","kid":"ed"}"#,
            r#"{"alg":"HS512","kid":"ed"}"#,
        ] {
            let token = forge::hs256(&secret, header, &forge::claims_json());
            assert_eq!(
                verifier.verify_at::<Value>(&token, NOW).err(),
                Some(Error::AlgorithmMismatch),
                "{header}"
            );
        }
    }
    // And the converse: EdDSA claimed under the HMAC key.
    let token = forge::hs256(
        &SECRET,
        r#"{"alg":"EdDSA","kid":"hs"}"#,
        &forge::claims_json(),
    );
    assert_eq!(
        verifier.verify_at::<Value>(&token, NOW).err(),
        Some(Error::AlgorithmMismatch)
    );
}

/// JSON parsers differ on duplicate members (first wins, last wins, refused): a second `exp`
/// or `sub` that one service reads and another ignores is a confused deputy.
#[test]
fn duplicate_claims_do_not_win_silently() {
    let verifier = verifier();
    let header = r#"{"alg":"HS256","kid":"hs"}"#;
    let exp = NOW_SECONDS + 600;
    for claims in [
        format!(r#"{{"iss":"auth","aud":"orders","sub":"alice","exp":{exp},"exp":99999999999}}"#),
        format!(r#"{{"iss":"auth","aud":"orders","sub":"alice","sub":"admin","exp":{exp}}}"#),
        format!(r#"{{"iss":"auth","iss":"evil","aud":"orders","sub":"alice","exp":{exp}}}"#),
        format!(r#"{{"iss":"auth","aud":"orders","aud":"billing","sub":"alice","exp":{exp}}}"#),
        format!(
            r#"{{"iss":"auth","aud":"orders","sub":"alice","exp":{exp},"role":"user","role":"admin"}}"#
        ),
    ] {
        let token = forge::hs256(&SECRET, header, &claims);
        assert_eq!(
            verifier.verify_at::<Value>(&token, NOW).err(),
            Some(Error::Malformed),
            "{claims}"
        );
    }
    let sealer = jwe_sealer();
    let good = jwe_claims(r#""sub":"alice""#, &format!(r#""exp":{exp}"#));
    assert!(
        sealer.open_at::<Value>(&good, NOW).is_ok(),
        "the forge is right"
    );
    for (sub, exp_member) in [
        (
            r#""sub":"alice","sub":"admin""#.to_owned(),
            format!(r#""exp":{exp}"#),
        ),
        (
            r#""sub":"alice""#.to_owned(),
            format!(r#""exp":{exp},"exp":99999999999"#),
        ),
    ] {
        let token = jwe_claims(&sub, &exp_member);
        assert_eq!(
            sealer.open_at::<Value>(&token, NOW).err(),
            Some(Error::Malformed),
            "{sub} {exp_member}"
        );
    }
}

/// A JWE of the profile with the given `sub` and `exp` members (and valid others).
fn jwe_claims(sub: &str, exp: &str) -> String {
    let claims = format!(
        r#"{{{sub},"jti":"Z7X04J49e3ZV8btTW0aPwA","auth_time":{NOW_SECONDS},"iat":{NOW_SECONDS},{exp},"state":{{}}}}"#
    );
    let kid = Key::try_from(&JWE_KEY[..])
        .expect("32 bytes")
        .id()
        .to_string();
    forge::jwe(
        &JWE_KEY,
        &format!(r#"{{"alg":"dir","enc":"XC20P","kid":"{kid}"}}"#),
        claims.as_bytes(),
    )
}

/// Times as strings, fractions, exponents, negatives, past the year 9999 and past 2^63: a
/// parser that coerces or saturates them can be made to accept a token forever.
#[test]
fn hostile_time_claims_are_refused() {
    let verifier = verifier();
    let header = r#"{"alg":"HS256","kid":"hs"}"#;
    let sealer = jwe_sealer();
    let hostile = [
        format!(r#""{}""#, NOW_SECONDS + 600),
        format!("{}.5", NOW_SECONDS + 600),
        format!("{}.0", NOW_SECONDS + 600),
        "1.9e9".to_owned(),
        "1e12".to_owned(),
        "-1".to_owned(),
        "-9223372036854775808".to_owned(),
        "253402300800".to_owned(),
        "9223372036854775807".to_owned(),
        "18446744073709551616".to_owned(),
        "1e400".to_owned(),
        "null".to_owned(),
        "true".to_owned(),
        "[]".to_owned(),
        "{}".to_owned(),
    ];
    for time in &hostile {
        for member in ["exp", "iat", "nbf", "auth_time"] {
            let mut claims: Value = serde_json::from_str(&forge::claims_json()).expect("JSON");
            claims.as_object_mut().expect("object").remove(member);
            let text = claims.to_string();
            let text = format!(r#"{},"{member}":{time}}}"#, &text[..text.len() - 1]);
            let token = forge::hs256(&SECRET, header, &text);
            assert_eq!(
                verifier.verify_at::<Value>(&token, NOW).err(),
                Some(Error::Malformed),
                "JWS {member}: {time}"
            );
        }
        let token = jwe_claims(r#""sub":"alice""#, &format!(r#""exp":{time}"#));
        assert_eq!(
            sealer.open_at::<Value>(&token, NOW).err(),
            Some(Error::Malformed),
            "JWE exp: {time}"
        );
    }
}
