//! Published JWS vectors (`tests/vectors/`): RFC 7515 A.1, RFC 7519 §6.1, RFC 8037, and
//! Wycheproof's HS256 JWS, Ed25519 and HMAC-SHA256 cases. The JWE vectors are the sealer's
//! (`src/token/jwe_vectors.rs`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;
use time::macros::datetime;

use super::{JwsIssuer, JwsSigningKey, JwsVerifier, VerifyingKeys, provider};
use crate::Error;
use crate::test_vectors::{hex, text, unhex, vector_file};

fn set_of(jwk: &Value) -> String {
    serde_json::json!({ "keys": [jwk] }).to_string()
}

/// Flips the lowest bit of the character at `index`, keeping it in the base64url alphabet.
fn flip(token: &str, index: usize) -> String {
    let mut bytes = token.as_bytes().to_vec();
    bytes[index] = if bytes[index] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).expect("ASCII")
}

#[test]
fn rfc7515_a1_hs256() {
    let file = vector_file("rfc/rfc7515_A1_rfc7519_3_1_hs256.json");
    let keys = VerifyingKeys::from_jwk_set(&set_of(&file["jwk"])).expect("the A.1 key");
    let verifier = JwsVerifier::new(keys, "joe", "any");
    let token = text(&file, "jws_compact");
    let payload = verifier
        .authentic_payload(token)
        .expect("the signature verifies");
    assert_eq!(payload, text(&file, "payload_utf8").as_bytes());
    // The claims layer: "joe" issued it, but for no audience, and it expired in 2011.
    let before = datetime!(2011-03-22 18:00 UTC);
    assert_eq!(
        verifier.verify_at::<Value>(token, before).err(),
        Some(Error::WrongAudience)
    );
    let signature_start = token.rfind('.').expect("3 segments") + 1;
    assert_eq!(
        verifier
            .authentic_payload(&flip(token, signature_start))
            .err(),
        Some(Error::Invalid)
    );
    let unsecured = text(&file["rfc7519_6_1_unsecured_jwt"], "jwt");
    assert_eq!(
        verifier.verify_at::<Value>(unsecured, before).err(),
        Some(Error::AlgorithmMismatch)
    );
}

#[test]
fn rfc8037_ed25519() {
    let file = vector_file("rfc/rfc8037_A_ed25519.json");
    let seed: [u8; 32] = unhex(&file["seed_hex"]).try_into().expect("32 bytes");
    let signing = JwsSigningKey::ed25519_from_seed(&seed);
    assert_eq!(
        signing.to_base64(),
        text(&file["A1_private_jwk"], "d"),
        "A.1 d"
    );
    let public = signing.ed25519_public_key().expect("Ed25519");
    assert_eq!(hex(&public), text(&file, "public_hex"), "A.2 x from d");
    let issuer = JwsIssuer::new(signing, "any");
    assert_eq!(
        issuer.kid(),
        text(&file, "A3_thumbprint_sha256_b64u"),
        "A.3 thumbprint"
    );
    let keys = VerifyingKeys::from_jwk_set(&set_of(&file["A2_public_jwk"])).expect("A.2");
    let verifier = JwsVerifier::new(keys, "any", "any");
    let token = text(&file, "A4_jws_compact");
    assert_eq!(
        verifier.authentic_payload(token).expect("A.4 verifies"),
        text(&file, "A4_payload_utf8").as_bytes()
    );
    // Its payload is not JSON: no JWT.
    assert_eq!(
        verifier.verify::<Value>(token).err(),
        Some(Error::Malformed)
    );
    let signature_start = token.rfind('.').expect("3 segments") + 1;
    assert_eq!(
        verifier
            .authentic_payload(&flip(token, signature_start + 3))
            .err(),
        Some(Error::Invalid)
    );
}

/// Wycheproof's HS256 JWS groups. Two quirks of the file (see tests/vectors/README.md): tcIds
/// 367 and 370 lost their padding upstream and equal the valid tcId 357, and tcIds 372 and
/// 373, labelled valid, carry a `?` that strict base64url refuses.
#[test]
fn wycheproof_hs256_signatures() {
    let file = vector_file("wycheproof/json_web_signature_test.json");
    let (mut valid, mut invalid) = (0, 0);
    for group in file["testGroups"].as_array().expect("groups") {
        let jwk = &group["private"];
        if jwk["kty"] != "oct" || jwk["alg"] != "HS256" {
            continue;
        }
        let keys = VerifyingKeys::from_jwk_set(&set_of(jwk)).expect("the group's key");
        let verifier = JwsVerifier::new(keys, "any", "any");
        for case in group["tests"].as_array().expect("tests") {
            let id = case["tcId"].as_i64().expect("tcId");
            if [367, 370].contains(&id) {
                continue;
            }
            let expect_valid = case["result"] == "valid" && ![372, 373].contains(&id);
            let result = verifier.authentic_payload(text(case, "jws"));
            assert_eq!(result.is_ok(), expect_valid, "tcId {id}: {result:?}");
            if expect_valid {
                valid += 1;
            } else {
                invalid += 1;
            }
        }
    }
    assert!(
        valid >= 7 && invalid >= 25,
        "{valid} valid, {invalid} invalid"
    );
}

/// Wycheproof's RS256 and ES256 JWS groups (feature `ring`): every valid token verifies under
/// its group's public key and every invalid one is refused — modified signatures, payloads
/// and headers, malformed DER inside RSA signatures, `alg` swapped to HS256 under the public
/// key's bytes, a key embedded in the header.
#[cfg(feature = "ring")]
#[test]
fn wycheproof_rs256_and_es256_signatures() {
    let file = vector_file("wycheproof/json_web_signature_test.json");
    let (mut rs256, mut es256, mut invalid) = (0, 0, 0);
    for group in file["testGroups"].as_array().expect("groups") {
        let jwk = &group["public"];
        let algorithm = match (jwk["kty"].as_str(), jwk["alg"].as_str()) {
            (Some("RSA"), Some("RS256")) => "RS256",
            (Some("EC"), Some("ES256")) => "ES256",
            _ => continue,
        };
        let keys = VerifyingKeys::from_jwk_set(&set_of(jwk)).expect("the group's key");
        assert_eq!(keys.len(), 1);
        let verifier = JwsVerifier::new(keys, "any", "any");
        for case in group["tests"].as_array().expect("tests") {
            let id = case["tcId"].as_i64().expect("tcId");
            let expect_valid = case["result"] == "valid";
            let result = verifier.authentic_payload(text(case, "jws"));
            assert_eq!(result.is_ok(), expect_valid, "tcId {id}: {result:?}");
            match (expect_valid, algorithm) {
                (false, _) => invalid += 1,
                (true, "RS256") => rs256 += 1,
                (true, _) => es256 += 1,
            }
        }
    }
    assert!(
        rs256 + es256 == 10 && rs256 >= 7 && invalid == 262,
        "{rs256} RS256 valid, {es256} ES256 valid, {invalid} invalid"
    );
}

/// Wycheproof's Ed25519 cases through the crypto provider this crate installs, which verifies
/// strictly (malleable signatures, non-canonical encodings and small-order keys refused).
#[test]
fn wycheproof_ed25519_through_our_provider() {
    provider::ensure_installed().expect("a provider");
    let file = vector_file("wycheproof/ed25519_test.json");
    let mut checked = 0;
    for group in file["testGroups"].as_array().expect("groups") {
        let public = unhex(&group["publicKey"]["pk"]);
        let key = DecodingKey::from_ed_der(&public);
        for case in group["tests"].as_array().expect("tests") {
            let id = &case["tcId"];
            let signature = URL_SAFE_NO_PAD.encode(unhex(&case["sig"]));
            let verified = jsonwebtoken::crypto::verify(
                &signature,
                &unhex(&case["msg"]),
                &key,
                Algorithm::EdDSA,
            )
            .unwrap_or(false);
            assert_eq!(verified, case["result"] == "valid", "tcId {id}");
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked}");
}

/// Wycheproof's HMAC-SHA256 cases with full-length tags (a JWS never truncates its MAC;
/// truncated tags must fail).
#[test]
fn wycheproof_hmac_sha256_through_our_provider() {
    provider::ensure_installed().expect("a provider");
    let file = vector_file("wycheproof/hmac_sha256_test.json");
    let mut checked = 0;
    for group in file["testGroups"].as_array().expect("groups") {
        let full = group["tagSize"] == 256;
        for case in group["tests"].as_array().expect("tests") {
            let id = &case["tcId"];
            let key = DecodingKey::from_secret(&unhex(&case["key"])).expect("a key");
            let tag = URL_SAFE_NO_PAD.encode(unhex(&case["tag"]));
            let verified =
                jsonwebtoken::crypto::verify(&tag, &unhex(&case["msg"]), &key, Algorithm::HS256)
                    .unwrap_or(false);
            assert_eq!(verified, full && case["result"] == "valid", "tcId {id}");
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked}");
}
