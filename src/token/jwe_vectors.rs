//! Published and generated JWE vectors (`tests/vectors/`): the generated `dir` vectors,
//! RFC 7520's JWEs of other algorithms (refused), and did-jwt's `dir` + XC20P vectors.

use serde_json::Value;

use crate::test_vectors::{text, unhex, vector_file};
use crate::{Error, Key, Sealer};

/// The generated `dir` vectors: the XC20P ones decrypt to their plaintext; other `enc` values
/// are not ours; every invalid one is refused, the zip bombs as too large.
#[test]
fn generated_dir_vectors() {
    let file = vector_file("generated/jwe_dir_vectors.json");
    let key = Key::try_from(&unhex(&file["key_hex"])[..]).expect("32 bytes");
    let sealer = Sealer::from_jwe_key(key, "vectors")
        .to_builder()
        .with_max_token_len(1 << 20)
        .build()
        .expect("valid settings");
    let now_ms = 1_700_000_000_000;
    let (mut opened, mut refused) = (0, 0);
    for vector in file["vectors"].as_array().expect("vectors") {
        let name = text(vector, "name");
        let token = text(vector, "jwe");
        let result =
            super::jwe::with_plaintext(&sealer.codec, token, |plaintext| Ok(plaintext.to_vec()));
        match (vector["result"].as_str(), name) {
            (Some("valid"), "XC20P-DEF-kid") => {
                assert_eq!(
                    result.err(),
                    Some(Error::UnknownKey),
                    "{name}: kid not ours"
                );
            }
            (Some("valid"), _) if name.starts_with("XC20P") => {
                assert_eq!(
                    result.expect(name),
                    text(vector, "plaintext").as_bytes(),
                    "{name}"
                );
                opened += 1;
            }
            (Some("valid"), _) => assert_eq!(result.err(), Some(Error::Malformed), "{name}"),
            _ => {
                let opening = sealer.open_at_millis::<Value>(token, now_ms).err();
                let expected = match name {
                    "zip-bomb-10MiB" | "zip-300KiB-ratio" => Some(Error::TooLarge),
                    "tag-bitflip" | "ct-bitflip" | "iv-bitflip" | "header-swapped"
                    | "ct-truncated" | "wrong-key" | "alg-not-dir" | "crit-unknown"
                    | "zip-unknown-GZIP" => {
                        // Refused before or at authentication.
                        opening.clone().filter(|e| {
                            matches!(e, Error::Invalid | Error::Malformed | Error::UnknownKey)
                        })
                    }
                    _ => opening
                        .clone()
                        .filter(|e| matches!(e, Error::Malformed | Error::Invalid)),
                };
                assert!(opening.is_some(), "{name} must be refused");
                assert_eq!(opening, expected, "{name}");
                refused += 1;
            }
        }
    }
    assert_eq!((opened, refused), (3, 27));
}

/// RFC 7520 §5.6 (`dir` + A128GCM) and §5.9 (A128KW + A128GCM, `zip: DEF`): standard JWEs
/// of algorithms this profile does not take. A JWE sealer refuses them as `Malformed` from the
/// header alone, whatever key it holds: the key decides the algorithm, never the token.
#[test]
fn rfc7520_jwes_of_other_algorithms_are_refused() {
    let file = vector_file("rfc/rfc7520_5_6_dir_and_5_9_DEF.json");
    let sealer = Sealer::from_jwe_key(Key::generate(), "vectors")
        .to_builder()
        .with_max_token_len(1 << 16)
        .build()
        .expect("valid settings");
    for vector in file["vectors"].as_array().expect("vectors") {
        let token = text(vector, "jwe_compact");
        assert_eq!(
            super::jwe::with_plaintext(&sealer.codec, token, |_| Ok(())).err(),
            Some(Error::Malformed),
            "{}",
            vector["rfc7520"]
        );
    }
}

/// did-jwt's `dir` + XC20P vectors: three decrypt to the ASCII of their `cleartext`, three fail
/// authentication, three are JSON serializations with missing members (not compact: refused).
#[test]
fn did_jwt_xc20p_dir_vectors() {
    let file = vector_file("did-jwt/xc20p_dir.json");
    let sealer_for = |case: &Value| {
        Sealer::from_jwe_key(
            Key::try_from(&unhex(&case["key_hex"])[..]).expect("32 bytes"),
            "vectors",
        )
    };
    for case in file["valid"].as_array().expect("valid") {
        let plaintext = super::jwe::with_plaintext(
            &sealer_for(case).codec,
            text(case, "jwe_compact"),
            |plaintext| Ok(plaintext.to_vec()),
        )
        .expect("decrypts");
        assert_eq!(
            plaintext,
            text(case, "cleartext").as_bytes(),
            "{}",
            case["name"]
        );
    }
    for case in file["failing"].as_array().expect("failing") {
        let result = super::jwe::with_plaintext(
            &sealer_for(case).codec,
            text(case, "jwe_compact"),
            |plaintext| Ok(plaintext.to_vec()),
        );
        assert_eq!(result.err(), Some(Error::Invalid), "{}", case["name"]);
    }
    let any = sealer_for(&file["valid"][0]);
    for case in file["malformed"].as_array().expect("malformed") {
        let json = case["jwe"].to_string();
        assert_eq!(
            super::jwe::with_plaintext(&any.codec, &json, |_| Ok(())).err(),
            Some(Error::Malformed),
            "{}",
            case["name"]
        );
    }
}
