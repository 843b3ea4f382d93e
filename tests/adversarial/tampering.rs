//! Changing a token by any amount never yields a session: every bit of the decoded bytes, every
//! non-canonical spelling of the same bytes, every truncation and extension.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sealed_session::jwt::{JwsIssuer, JwsSigningKey, JwsVerifier, VerifyingKeys};
use sealed_session::{Compression, Error, Format, Key, Sealer};
use serde_json::Value;

use crate::forge::NOW;

fn sealers() -> Vec<(&'static str, Sealer)> {
    let key = || Key::try_from(&[0x11; 32][..]).expect("32 bytes");
    vec![
        ("compact", Sealer::new(key(), "session")),
        (
            "compact-deflate",
            Sealer::new(key(), "session").with_compression(Compression::Always),
        ),
        (
            "jwe",
            Sealer::new(key(), "session").with_format(Format::Jwe),
        ),
        (
            "jwe-zip",
            Sealer::new(key(), "session")
                .with_format(Format::Jwe)
                .with_compression(Compression::Always),
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
        .with_hs256(issuer.kid(), &[0x5a; 32])
        .expect("keys");
    (issuer, JwsVerifier::new(keys, "auth", "orders"))
}

/// Decodes each base64url segment, flips one bit, encodes it again.
fn each_bit_flip(token: &str) -> Vec<String> {
    let segments: Vec<&str> = token.split('.').collect();
    let mut out = Vec::new();
    for (index, segment) in segments.iter().enumerate() {
        let bytes = URL_SAFE_NO_PAD.decode(segment).expect("base64url");
        for bit in 0..bytes.len() * 8 {
            let mut flipped = bytes.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            let mut parts: Vec<String> = segments.iter().map(|s| (*s).to_owned()).collect();
            parts[index] = URL_SAFE_NO_PAD.encode(&flipped);
            out.push(parts.join("."));
        }
    }
    out
}

#[test]
fn every_bit_flip_of_the_decoded_bytes_is_refused() {
    for (name, sealer) in sealers() {
        let token = sealer.seal_at("alice", &state(), NOW).expect("seals");
        let flips = each_bit_flip(&token);
        assert!(flips.len() >= 8 * 46, "{name}");
        for flipped in flips {
            let result = sealer.open_at::<Value>(&flipped, NOW);
            assert!(
                matches!(
                    result,
                    Err(Error::Invalid
                        | Error::Malformed
                        | Error::UnknownKey
                        | Error::UnknownDictionary)
                ),
                "{name}: a flipped token gave {result:?}"
            );
        }
    }
    let (issuer, verifier) = verifier();
    let token = issuer
        .issue_at("alice", "orders", &state(), NOW)
        .expect("signs");
    for flipped in each_bit_flip(&token) {
        let result = verifier.verify_at::<Value>(&flipped, NOW);
        assert!(result.is_err(), "JWS: a flipped token verified");
    }
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
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
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

#[test]
fn every_truncation_and_extension_is_refused() {
    for (name, sealer) in sealers() {
        let token = sealer.seal_at("alice", &state(), NOW).expect("seals");
        for end in 0..token.len() {
            let result = sealer.open_at::<Value>(&token[..end], NOW);
            assert!(
                matches!(
                    result,
                    Err(Error::Malformed | Error::Invalid | Error::UnknownKey)
                ),
                "{name}: truncated to {end}: {result:?}"
            );
        }
        for extra in [
            "A",
            "AA",
            "AAA",
            "AAAA",
            ".",
            "..",
            ".A",
            "=",
            "\0",
            "AQAB".repeat(64).as_str(),
        ] {
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
    for end in 0..token.len() {
        assert!(
            verifier.verify_at::<Value>(&token[..end], NOW).is_err(),
            "{end}"
        );
    }
    for extra in ["A", ".", ".A", "=="] {
        assert!(
            verifier
                .verify_at::<Value>(&format!("{token}{extra}"), NOW)
                .is_err()
        );
    }
}
