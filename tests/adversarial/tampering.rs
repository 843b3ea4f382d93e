//! Changing a token by any amount never yields a session: every single change (the tamper
//! contract of test-support: every bit of the decoded bytes among them), every non-canonical
//! spelling of the same bytes, every truncation and extension.

use sealed_session::jwt::{JwsIssuer, JwsSigningKey, JwsVerifier, VerifyingKeys};
use sealed_session::{Compression, Error, Format, Sealer};
use sealed_session_test_support::fixtures::fixed_key;
use sealed_session_test_support::tamper::{BASE64URL, Change, assert_every_change_is_refused};
use serde_json::Value;

use crate::forge::NOW;

fn sealers() -> Vec<(&'static str, Sealer)> {
    let key = || fixed_key(0x11);
    vec![
        ("compact", Sealer::new(key(), "session")),
        (
            "compact-deflate",
            Sealer::builder(key(), "session")
                .with_compression(Compression::Always)
                .build()
                .expect("valid settings"),
        ),
        (
            "jwe",
            Sealer::builder(key(), "session")
                .with_format(Format::Jwe)
                .build()
                .expect("valid settings"),
        ),
        (
            "jwe-zip",
            Sealer::builder(key(), "session")
                .with_format(Format::Jwe)
                .with_compression(Compression::Always)
                .build()
                .expect("valid settings"),
        ),
    ]
}

fn state() -> Value {
    serde_json::json!({"user_id": 42, "roles": ["admin", "editor"], "csrf": "q3Jv9Xz1"})
}

fn verifier() -> (JwsIssuer, JwsVerifier) {
    let key = JwsSigningKey::hs256(&[0x5a; 32]).expect("a 32-byte secret");
    let issuer = JwsIssuer::new(key, "auth");
    let keys = VerifyingKeys::new()
        .with_hs256(&issuer.kid(), &[0x5a; 32])
        .expect("keys");
    (issuer, JwsVerifier::new(keys, "auth", "orders"))
}

/// The tamper contract (test-support) on every format: each character replaced by every other
/// base64url character (so every bit flip of the decoded bytes, and every spelling of a
/// segment's unused low bits) or a foreign one, each removed, one added at either end, every
/// truncation and every cut of the start.
#[test]
fn every_single_change_is_refused() {
    for (name, sealer) in sealers() {
        let token = sealer.seal_at("alice", &state(), NOW).expect("seals");
        let tried = assert_every_change_is_refused(
            &token,
            |changed| sealer.open_at::<Value>(changed, NOW),
            |change, error| match change {
                Change::Truncated { .. } => {
                    matches!(error, Error::Malformed | Error::Invalid | Error::UnknownKey)
                }
                _ => matches!(
                    error,
                    Error::Invalid
                        | Error::Malformed
                        | Error::UnknownKey
                        | Error::UnknownDictionary
                ),
            },
        );
        assert!(tried >= 63 * 62, "{name}: {tried}");
    }
    let (issuer, verifier) = verifier();
    let token = issuer
        .issue_at("alice", "orders", &state(), NOW)
        .expect("signs");
    assert_every_change_is_refused(
        &token,
        |changed| verifier.verify_at::<Value>(changed, NOW),
        |_, _| true,
    );
}

/// Base64url's last character carries unused low bits; a decoder that ignores them accepts
/// several spellings of one token (a token-replay filter keyed on the text is then bypassed).
/// Padding, the standard alphabet, white space and percent-encoding are other spellings.
#[test]
fn non_canonical_base64_is_refused() {
    for (name, sealer) in sealers() {
        let token = sealer.seal_at("alice", &state(), NOW).expect("seals");
        for (variant, spelling) in respellings(&token) {
            let result = sealer.open_at::<Value>(&spelling, NOW);
            assert!(
                matches!(
                    result,
                    Err(Error::Malformed | Error::Invalid | Error::UnknownKey)
                ),
                "{name}, {variant}: {result:?}"
            );
        }
    }
    let (issuer, verifier) = verifier();
    let token = issuer
        .issue_at("alice", "orders", &state(), NOW)
        .expect("signs");
    for (variant, spelling) in respellings(&token) {
        assert!(
            verifier.verify_at::<Value>(&spelling, NOW).is_err(),
            "JWS, {variant}"
        );
    }
}

/// Other spellings of the same bytes, segment by segment.
fn respellings(token: &str) -> Vec<(String, String)> {
    const ALPHABET: &[u8] = BASE64URL.as_bytes();
    let segments: Vec<&str> = token.split('.').collect();
    let mut out = Vec::new();
    for (index, segment) in segments.iter().enumerate() {
        if segment.is_empty() {
            continue;
        }
        let with = |replacement: String| {
            let mut parts: Vec<String> = segments.iter().map(|s| (*s).to_owned()).collect();
            parts[index] = replacement;
            parts.join(".")
        };
        // Unused low bits of the last character set: the same bytes to a lax decoder.
        let unused_bits = match segment.len() % 4 {
            2 => 4,
            3 => 2,
            _ => 0,
        };
        if unused_bits > 0 {
            let last = segment.as_bytes()[segment.len() - 1];
            let value = ALPHABET.iter().position(|&c| c == last).expect("alphabet");
            for low in 1..(1 << unused_bits) {
                let spelled = ALPHABET[(value & !((1 << unused_bits) - 1)) | low];
                let mut respelled = segment[..segment.len() - 1].to_owned();
                respelled.push(char::from(spelled));
                out.push((
                    format!("segment {index}: unused bits {low}"),
                    with(respelled),
                ));
            }
        }
        let padding = "=".repeat((4 - segment.len() % 4) % 4);
        if !padding.is_empty() {
            out.push((
                format!("segment {index}: padded"),
                with(format!("{segment}{padding}")),
            ));
        }
        out.push((
            format!("segment {index}: standard alphabet"),
            with(segment.replace('-', "+").replace('_', "/")),
        ));
        out.push((
            format!("segment {index}: white space"),
            with(format!(" {segment}\n")),
        ));
        let (head, tail) = segment.split_at(segment.len() / 2);
        out.push((
            format!("segment {index}: inner space"),
            with(format!("{head} {tail}")),
        ));
        out.push((
            format!("segment {index}: percent-encoded"),
            with(format!("{head}%41{tail}")),
        ));
    }
    out.retain(|(_, spelled)| spelled != token);
    out
}

/// Longer extensions than the contract's one character, at either end (truncations are the
/// contract's).
#[test]
fn every_extension_is_refused() {
    for (name, sealer) in sealers() {
        let token = sealer.seal_at("alice", &state(), NOW).expect("seals");
        for extra in ["AA", "AAA", "AAAA", "..", ".A", "AQAB".repeat(64).as_str()] {
            let result = sealer.open_at::<Value>(&format!("{token}{extra}"), NOW);
            assert!(
                matches!(
                    result,
                    Err(Error::Malformed | Error::Invalid | Error::UnknownKey)
                ),
                "{name}: extended by {extra:?}: {result:?}"
            );
            let result = sealer.open_at::<Value>(&format!("{extra}{token}"), NOW);
            assert!(result.is_err(), "{name}: prefixed by {extra:?}");
        }
    }
    let (issuer, verifier) = verifier();
    let token = issuer
        .issue_at("alice", "orders", &state(), NOW)
        .expect("signs");
    for extra in [".A", "=="] {
        assert!(
            verifier
                .verify_at::<Value>(&format!("{token}{extra}"), NOW)
                .is_err()
        );
    }
}
