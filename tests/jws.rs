//! Signed JWTs: `jwt::JwsIssuer` and `jwt::JwsVerifier`, through the public API, with explicit
//! clocks, and tokens crafted by hand for every attack the verifier must refuse.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signer as _;
use hmac::{KeyInit as _, Mac as _};
use sealed_session::jwt::{JwsIssuer, JwsSigningKey, JwsVerifier, VerifyingKeys};
use sealed_session::{Error, Key, RevocationList, Sealer};
use serde_json::{Value, json};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const T0: OffsetDateTime = datetime!(2030-06-01 12:00 UTC);
const T0_SECONDS: i64 = 1_906_545_600;
const SECRET: [u8; 32] = [0x5a; 32];
const SEED: [u8; 32] = [0x11; 32];

fn ed_issuer() -> JwsIssuer {
    JwsIssuer::new(JwsSigningKey::ed25519_from_seed(&SEED), "auth").with_kid("ed-1")
}

fn hs_issuer() -> JwsIssuer {
    JwsIssuer::new(JwsSigningKey::hs256(&SECRET).expect("32 bytes"), "auth").with_kid("hs-1")
}

fn public_key() -> [u8; 32] {
    JwsSigningKey::ed25519_from_seed(&SEED)
        .ed25519_public_key()
        .expect("Ed25519")
}

/// Both keys: the Ed25519 one from the issuer's published set, the HS256 secret by hand.
fn keys() -> VerifyingKeys {
    VerifyingKeys::from_jwk_set(&ed_issuer().public_jwk_set())
        .expect("the issuer's set")
        .with_hs256("hs-1", &SECRET)
        .expect("secret")
}

fn verifier() -> JwsVerifier {
    JwsVerifier::new(keys(), "auth", "orders").with_leeway(Duration::seconds(30))
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A token signed by hand with HMAC-SHA256 over exactly these header and payload texts.
fn hs256(header: &str, payload: &str, secret: &[u8]) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).expect("any length");
    mac.update(input.as_bytes());
    format!("{input}.{}", b64(mac.finalize().into_bytes()))
}

/// A token signed by hand with the Ed25519 key.
fn eddsa(header: &str, payload: &str) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let signature = ed25519_dalek::SigningKey::from_bytes(&SEED).sign(input.as_bytes());
    format!("{input}.{}", b64(signature.to_bytes()))
}

fn payload(exp: &str) -> String {
    format!(
        r#"{{"iss":"auth","aud":"orders","sub":"alice","iat":{T0_SECONDS},"exp":{exp},"scope":"read"}}"#
    )
}

fn good_exp() -> String {
    (T0_SECONDS + 300).to_string()
}

fn verify(token: &str) -> Result<Value, Error> {
    verifier()
        .verify_at::<Value>(token, T0)
        .map(|verified| verified.into_claims())
}

#[test]
fn round_trip_with_both_algorithms() {
    for issuer in [ed_issuer(), hs_issuer()] {
        let token = issuer
            .issue_at(
                "user-42",
                "orders",
                &json!({"scope": "read", "n": [1, 2]}),
                T0,
            )
            .expect("signs");
        let verified = verifier().verify_at::<Value>(&token, T0).expect("verifies");
        assert_eq!(verified.subject(), "user-42");
        assert_eq!(verified.issued_at(), Some(T0));
        assert_eq!(verified.authenticated_at(), Some(T0));
        assert_eq!(verified.expires_at(), T0 + Duration::minutes(5));
        assert_eq!(verified.claims()["scope"], "read");
        assert_eq!(verified.claims()["iss"], "auth");
        assert_eq!(verified.token_id().map(str::len), Some(22));
        let header: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(token.split('.').next().expect("header"))
                .expect("base64url"),
        )
        .expect("JSON");
        assert_eq!(header["kid"], issuer.kid());
    }
}

#[test]
fn default_kid_is_the_rfc7638_thumbprint() {
    let issuer = JwsIssuer::new(JwsSigningKey::ed25519_from_seed(&SEED), "auth");
    let set: Value = serde_json::from_str(&issuer.public_jwk_set()).expect("JSON");
    let x = set["keys"][0]["x"].as_str().expect("x");
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    use sha2::Digest as _;
    assert_eq!(issuer.kid(), b64(sha2::Sha256::digest(canonical)));
    assert_eq!(set["keys"][0]["kid"], issuer.kid());
    assert!(set["keys"][0].get("d").is_none(), "no private part");
    let hs = JwsIssuer::new(JwsSigningKey::hs256(&SECRET).expect("32 bytes"), "auth");
    assert_eq!(
        hs.public_jwk_set(),
        r#"{"keys":[]}"#,
        "a secret is never published"
    );
}

#[test]
fn tampering_is_refused() {
    let token = ed_issuer()
        .issue_at("alice", "orders", &json!({}), T0)
        .expect("signs");
    let bytes = token.as_bytes();
    for index in 0..bytes.len() {
        if bytes[index] == b'.' {
            continue;
        }
        let mut changed = bytes.to_vec();
        changed[index] = if changed[index] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(changed).expect("ASCII");
        let result = verify(&changed);
        assert!(
            matches!(
                result,
                Err(Error::Invalid
                    | Error::Malformed
                    | Error::UnknownKey
                    | Error::AlgorithmMismatch)
            ),
            "byte {index}: {result:?}"
        );
    }
}

#[test]
fn expiry_and_future_iat_with_an_explicit_clock() {
    let token = hs_issuer()
        .issue_at("alice", "orders", &json!({}), T0)
        .expect("signs");
    let expiry = T0 + Duration::minutes(5);
    let verifier = verifier();
    assert!(
        verifier
            .verify_at::<Value>(&token, expiry + Duration::seconds(29))
            .is_ok()
    );
    assert_eq!(
        verifier
            .verify_at::<Value>(&token, expiry + Duration::seconds(30))
            .err(),
        Some(Error::Expired)
    );
    assert!(
        verifier
            .verify_at::<Value>(&token, T0 - Duration::seconds(30))
            .is_ok()
    );
    assert_eq!(
        verifier
            .verify_at::<Value>(&token, T0 - Duration::seconds(31))
            .err(),
        Some(Error::NotYetValid),
        "iat in the future beyond the leeway"
    );
    let nbf = format!(
        r#"{{"iss":"auth","aud":"orders","exp":{},"nbf":{}}}"#,
        T0_SECONDS + 300,
        T0_SECONDS + 31
    );
    assert_eq!(
        verify(&hs256(r#"{"alg":"HS256","kid":"hs-1"}"#, &nbf, &SECRET)).err(),
        Some(Error::NotYetValid)
    );
}

#[test]
fn issuer_and_audience_are_required_and_checked() {
    let header = r#"{"alg":"HS256","kid":"hs-1"}"#;
    let exp = T0_SECONDS + 300;
    let cases = [
        (
            format!(r#"{{"iss":"evil","aud":"orders","exp":{exp}}}"#),
            Error::WrongIssuer,
        ),
        (
            format!(r#"{{"aud":"orders","exp":{exp}}}"#),
            Error::WrongIssuer,
        ),
        (
            format!(r#"{{"iss":"auth","aud":"billing","exp":{exp}}}"#),
            Error::WrongAudience,
        ),
        (
            format!(r#"{{"iss":"auth","aud":["billing","web"],"exp":{exp}}}"#),
            Error::WrongAudience,
        ),
        (
            format!(r#"{{"iss":"auth","exp":{exp}}}"#),
            Error::WrongAudience,
        ),
        (
            r#"{"iss":"auth","aud":"orders"}"#.to_owned(),
            Error::Malformed,
        ),
    ];
    for (claims, expected) in cases {
        assert_eq!(
            verify(&hs256(header, &claims, &SECRET)).err(),
            Some(expected),
            "{claims}"
        );
    }
    let many = format!(r#"{{"iss":"auth","aud":["billing","orders"],"exp":{exp}}}"#);
    assert!(verify(&hs256(header, &many, &SECRET)).is_ok());
}

#[test]
fn alg_none_and_algorithm_confusion_are_refused() {
    let claims = payload(&good_exp());
    for alg in ["none", "None", "NONE", "nOnE"] {
        let token = format!(
            "{}.{}.",
            b64(format!(r#"{{"alg":"{alg}","kid":"hs-1"}}"#)),
            b64(&claims)
        );
        assert_eq!(
            verify(&token).err(),
            Some(Error::AlgorithmMismatch),
            "{alg}"
        );
    }
    let unsigned = format!("{}.{}.", b64(r#"{"alg":"none"}"#), b64(&claims));
    assert_eq!(
        verify(&unsigned).err(),
        Some(Error::UnknownKey),
        "two keys, no kid"
    );
    // The Ed25519 public key used as an HMAC secret, under the Ed25519 key's kid.
    let confused = hs256(r#"{"alg":"HS256","kid":"ed-1"}"#, &claims, &public_key());
    assert_eq!(verify(&confused).err(), Some(Error::AlgorithmMismatch));
    // And the JWK text of it, as some libraries take it.
    let jwk_text = ed_issuer().public_jwk_set();
    let confused = hs256(
        r#"{"alg":"HS256","kid":"ed-1"}"#,
        &claims,
        jwk_text.as_bytes(),
    );
    assert_eq!(verify(&confused).err(), Some(Error::AlgorithmMismatch));
    // An EdDSA header on the HMAC key.
    let token = eddsa(r#"{"alg":"EdDSA","kid":"hs-1"}"#, &claims);
    assert_eq!(verify(&token).err(), Some(Error::AlgorithmMismatch));
    // Another HMAC than the key's.
    let token = hs256(r#"{"alg":"HS512","kid":"hs-1"}"#, &claims, &SECRET);
    assert_eq!(verify(&token).err(), Some(Error::AlgorithmMismatch));
}

#[test]
fn unknown_and_missing_kid() {
    let claims = payload(&good_exp());
    let unknown = hs256(r#"{"alg":"HS256","kid":"hs-9"}"#, &claims, &SECRET);
    assert_eq!(verify(&unknown).err(), Some(Error::UnknownKey));
    let missing = hs256(r#"{"alg":"HS256"}"#, &claims, &SECRET);
    assert_eq!(
        verify(&missing).err(),
        Some(Error::UnknownKey),
        "several keys: no guess"
    );
    let single = JwsVerifier::new(
        VerifyingKeys::new()
            .with_hs256("only", &SECRET)
            .expect("secret"),
        "auth",
        "orders",
    );
    assert!(
        single.verify_at::<Value>(&missing, T0).is_ok(),
        "one key: that one"
    );
}

#[test]
fn loose_times_and_duplicate_claims_are_malformed() {
    let header = r#"{"alg":"HS256","kid":"hs-1"}"#;
    let exp = T0_SECONDS + 300;
    for claims in [
        payload(&format!("\"{exp}\"")),
        payload(&format!("{exp}.0")),
        payload(&format!("{exp}.7")),
        payload("1e12"),
        payload("99999999999999999999999"),
        payload("253402300800"),
        payload("-1"),
        payload("null"),
        format!(r#"{{"iss":"auth","aud":"orders","exp":{exp},"iat":"{T0_SECONDS}"}}"#),
        format!(r#"{{"iss":"auth","aud":"orders","exp":{exp},"nbf":1.5}}"#),
        format!(
            r#"{{"iss":"auth","aud":"orders","exp":{exp},"exp":{}}}"#,
            exp + 100_000
        ),
        format!(
            r#"{{"iss":"auth","aud":"orders","exp":{},"exp":{exp}}}"#,
            T0_SECONDS - 100
        ),
        format!(r#"{{"iss":"auth","aud":"orders","exp":{exp},"iss":"auth"}}"#),
        format!(r#"{{"iss":"auth","aud":"orders","exp":{exp},"role":"user","role":"admin"}}"#),
        "[1,2]".to_owned(),
        "not json".to_owned(),
    ] {
        assert_eq!(
            verify(&hs256(header, &claims, &SECRET)).err(),
            Some(Error::Malformed),
            "{claims}"
        );
    }
}

#[test]
fn shape_header_and_size_rules() {
    let claims = payload(&good_exp());
    let good = hs256(r#"{"alg":"HS256","kid":"hs-1"}"#, &claims, &SECRET);
    assert!(verify(&good).is_ok());
    for bad in [
        format!("{good}."),
        good.rsplit_once('.').expect("3 parts").0.to_owned(),
        format!("{good}="),
        good.replacen('.', "=.", 1),
        "".to_owned(),
        "..".to_owned(),
    ] {
        assert!(
            matches!(verify(&bad), Err(Error::Malformed | Error::Invalid)),
            "{bad}"
        );
    }
    let crit = hs256(
        r#"{"alg":"HS256","kid":"hs-1","crit":["exp"],"exp":1}"#,
        &claims,
        &SECRET,
    );
    assert_eq!(verify(&crit).err(), Some(Error::Malformed));
    let unencoded = hs256(
        r#"{"alg":"HS256","kid":"hs-1","b64":false,"crit":["b64"]}"#,
        &claims,
        &SECRET,
    );
    assert_eq!(verify(&unencoded).err(), Some(Error::Malformed));
    // A key in the header is never trusted: the signature must match the verifier's key.
    let jwk = format!(
        r#"{{"alg":"HS256","kid":"hs-1","jwk":{{"kty":"oct","k":"{}"}}}}"#,
        b64([1u8; 32])
    );
    assert_eq!(
        verify(&hs256(&jwk, &claims, &[1u8; 32])).err(),
        Some(Error::Invalid)
    );
    let long = format!(
        r#"{{"iss":"auth","aud":"orders","exp":{},"pad":"{}"}}"#,
        good_exp(),
        "x".repeat(9000)
    );
    assert_eq!(
        verify(&hs256(r#"{"alg":"HS256","kid":"hs-1"}"#, &long, &SECRET)).err(),
        Some(Error::TooLarge)
    );
    let short_signature = format!(
        "{}.{}",
        good.rsplit_once('.').expect("3 parts").0,
        b64([0u8; 16])
    );
    assert_eq!(verify(&short_signature).err(), Some(Error::Invalid));
}

#[test]
fn custom_claims_may_not_shadow_registered_ones() {
    for claims in [
        json!({"exp": 1}),
        json!({"sub": "admin"}),
        json!({"auth_time": 0}),
    ] {
        assert!(matches!(
            hs_issuer().issue_at("a", "orders", &claims, T0),
            Err(Error::Config(_))
        ));
    }
    assert_eq!(
        hs_issuer().issue_at("a", "orders", &[1, 2], T0).err(),
        Some(Error::Serialize)
    );
}

#[test]
fn revocation_reaches_signed_tokens() {
    let list = Arc::new(RevocationList::new(Duration::days(8)));
    let verifier = verifier().with_revocations(list.clone());
    let sealer = Sealer::new(Key::generate(), "session").with_revocations(list.clone());
    let now = OffsetDateTime::now_utc();
    let session = sealer
        .open_at::<()>(&sealer.seal_at("alice", &(), now).expect("seals"), now)
        .expect("opens");
    let carried = ed_issuer()
        .issue_for_session(&session, "orders", &json!({}))
        .expect("signs");
    let other = ed_issuer()
        .issue_at("bob", "orders", &json!({}), now)
        .expect("signs");
    assert!(verifier.verify_at::<Value>(&carried, now).is_ok());
    list.revoke_session(&session);
    assert_eq!(
        verifier.verify_at::<Value>(&carried, now).err(),
        Some(Error::Revoked)
    );
    assert!(verifier.verify_at::<Value>(&other, now).is_ok());
    list.revoke_user("bob");
    assert_eq!(
        verifier.verify_at::<Value>(&other, now).err(),
        Some(Error::Revoked)
    );

    // Tokens the list cannot check are refused, not waved through.
    let no_jti = hs256(
        r#"{"alg":"HS256","kid":"hs-1"}"#,
        &format!(
            r#"{{"iss":"auth","aud":"orders","sub":"carol","iat":{0},"exp":{1}}}"#,
            now.unix_timestamp(),
            now.unix_timestamp() + 60
        ),
        &SECRET,
    );
    assert_eq!(
        verifier.verify_at::<Value>(&no_jti, now).err(),
        Some(Error::Malformed)
    );
    let long_lived = JwsIssuer::new(JwsSigningKey::hs256(&SECRET).expect("32"), "auth")
        .with_kid("hs-1")
        .with_ttl(Duration::days(30))
        .issue_at("carol", "orders", &json!({}), now)
        .expect("signs");
    assert!(matches!(
        verifier.verify_at::<Value>(&long_lived, now),
        Err(Error::Config(_))
    ));
}

/// Regression: a session begun in the same second as a revocation of its user (as after "log
/// out other sessions") carries an `auth_time` in whole seconds that is still after the
/// revocation, so its JWTs verify; a later revocation reaches them.
#[test]
fn jwts_of_a_session_begun_right_after_a_revocation_verify() {
    let list = Arc::new(RevocationList::new(Duration::days(8)));
    let verifier = verifier().with_revocations(list.clone());
    let sealer = Sealer::new(Key::generate(), "session").with_revocations(list.clone());
    for round in 0..5 {
        let old = sealer
            .open::<()>(&sealer.seal("erin", &()).expect("seals"))
            .expect("opens");
        let fresh = sealer.log_out_other_sessions(&old, &()).expect("seals");
        let fresh = sealer.open::<()>(&fresh).expect("the new session opens");
        let issued_at = fresh.authenticated_at();
        let carried = ed_issuer()
            .issue_for_session_at(&fresh, "orders", &json!({}), issued_at)
            .expect("signs");
        let stale = ed_issuer()
            .issue_for_session_at(&old, "orders", &json!({}), issued_at)
            .expect("signs");
        assert!(
            verifier.verify_at::<Value>(&carried, issued_at).is_ok(),
            "round {round}"
        );
        assert_eq!(
            verifier.verify_at::<Value>(&stale, issued_at).err(),
            Some(Error::Revoked),
            "round {round}"
        );
    }
}

#[test]
fn keys_rotate_while_running() {
    let old = ed_issuer();
    let new =
        JwsIssuer::new(JwsSigningKey::ed25519_from_seed(&[0x22; 32]), "auth").with_kid("ed-2");
    let verifier = JwsVerifier::new(
        VerifyingKeys::from_jwk_set(&old.public_jwk_set()).expect("set"),
        "auth",
        "orders",
    );
    let old_token = old.issue_at("a", "orders", &json!({}), T0).expect("signs");
    let new_token = new.issue_at("a", "orders", &json!({}), T0).expect("signs");
    assert!(verifier.verify_at::<Value>(&old_token, T0).is_ok());
    assert_eq!(
        verifier.verify_at::<Value>(&new_token, T0).err(),
        Some(Error::UnknownKey)
    );
    // Publish both while the old tokens live, then the new one alone.
    let both = format!(
        r#"{{"keys":[{},{}]}}"#,
        &old.public_jwk_set()[9..old.public_jwk_set().len() - 2],
        &new.public_jwk_set()[9..new.public_jwk_set().len() - 2]
    );
    verifier.replace_keys(VerifyingKeys::from_jwk_set(&both).expect("set"));
    assert!(verifier.verify_at::<Value>(&old_token, T0).is_ok());
    assert!(verifier.verify_at::<Value>(&new_token, T0).is_ok());
    verifier.replace_keys(VerifyingKeys::from_jwk_set(&new.public_jwk_set()).expect("set"));
    assert_eq!(
        verifier.verify_at::<Value>(&old_token, T0).err(),
        Some(Error::UnknownKey)
    );
    assert!(verifier.verify_at::<Value>(&new_token, T0).is_ok());
}

#[test]
fn short_secrets_and_bad_public_keys_are_refused() {
    assert_eq!(
        JwsSigningKey::hs256(&[1u8; 31]).err(),
        Some(Error::InvalidKey)
    );
    assert_eq!(
        VerifyingKeys::new().with_hs256("k", &[1u8; 31]).err(),
        Some(Error::InvalidKey)
    );
    for bad in [&[1u8; 31][..], &[1u8; 33][..], &[][..]] {
        assert_eq!(
            VerifyingKeys::new().with_ed25519("k", bad).err(),
            Some(Error::InvalidKey)
        );
    }
}

/// The default cap is 8 KiB of token, inclusive, checked before anything is decoded.
#[test]
fn the_default_cap_is_8_kib_inclusive() {
    let verifier = verifier();
    let at = |len: usize| verifier.verify_at::<Value>(&"a".repeat(len), T0).err();
    assert_eq!(at(8 * 1024), Some(Error::Malformed));
    assert_eq!(at(8 * 1024 + 1), Some(Error::TooLarge));
}

/// 32 bytes that are not a point of the curve are no public key, whatever their length says.
#[test]
fn a_public_key_must_be_a_point() {
    let refused = (0..=255u8)
        .filter(|&byte| VerifyingKeys::new().with_ed25519("k", &[byte; 32]).is_err())
        .count();
    assert!(refused > 0, "some of the 256 strings are not points");
    assert!(
        VerifyingKeys::new()
            .with_ed25519("k", &public_key())
            .is_ok()
    );
}

/// The key set tells how many keys it has, and its `Debug` names them without their bytes;
/// a signing key's `Debug` names its algorithm only.
#[test]
fn key_sets_count_and_show_ids_never_bytes() {
    let empty = VerifyingKeys::new();
    assert!(empty.is_empty());
    assert_eq!(empty.len(), 0);
    let keys = keys();
    assert!(!keys.is_empty());
    assert_eq!(keys.len(), 2);
    let shown = format!("{keys:?}");
    assert!(shown.contains("ed-1") && shown.contains("hs-1"), "{shown}");
    assert!(
        shown.contains("EdDSA") && shown.contains("HS256"),
        "{shown}"
    );
    assert!(
        !shown.contains("90") && !shown.contains("Wl"),
        "no secret: {shown}"
    );
    let verifying = format!("{:?}", verifier());
    for part in ["auth", "orders", "ed-1", "hs-1", "leeway"] {
        assert!(verifying.contains(part), "{part}: {verifying}");
    }
    assert!(
        !verifying.contains("90") && !verifying.contains("Wl"),
        "{verifying}"
    );
    let signing = format!("{:?}", JwsSigningKey::hs256(&SECRET).expect("32 bytes"));
    assert!(signing.starts_with("JwsSigningKey(HS256"), "{signing}");
    assert!(
        !signing.contains("90") && !signing.contains("Wl"),
        "{signing}"
    );
}

/// The shortest TTL is one second (a shorter one is a configuration error); `issue` and
/// `verify` go by the system clock; an issuer's `Debug` names its key, never its bytes.
#[test]
fn a_second_is_the_shortest_ttl_and_the_clock_forms_agree() {
    let token = hs_issuer()
        .with_ttl(Duration::seconds(1))
        .issue_at("a", "orders", &json!({}), T0)
        .expect("signs");
    let verified = verifier().verify_at::<Value>(&token, T0).expect("verifies");
    assert_eq!(verified.expires_at(), T0 + Duration::seconds(1));
    assert!(matches!(
        hs_issuer()
            .with_ttl(Duration::milliseconds(999))
            .issue_at("a", "orders", &json!({}), T0),
        Err(Error::Config(_))
    ));

    let token = hs_issuer()
        .issue("a", "orders", &json!({"n": 1}))
        .expect("signs");
    let verified = verifier().verify::<Value>(&token).expect("verifies");
    assert_eq!(
        (verified.subject(), &verified.claims()["n"]),
        ("a", &json!(1))
    );

    let shown = format!("{:?}", hs_issuer());
    assert!(
        shown.contains("HS256") && shown.contains("hs-1") && shown.contains("auth"),
        "{shown}"
    );
    assert!(
        !shown.contains("90") && !shown.contains("Wl"),
        "no secret: {shown}"
    );
}

/// A protected header of up to 1,024 characters is read; a longer one is refused before it is
/// decoded. (An unknown member pads the header here; it is ignored.)
#[test]
fn the_header_bound_is_exact_and_inclusive() {
    let claims = payload(&good_exp());
    let header_of_chars = |chars: usize| {
        let bytes = chars / 4 * 3;
        let head = r#"{"alg":"HS256","kid":"hs-1","pad":""}"#;
        let header = format!(
            r#"{{"alg":"HS256","kid":"hs-1","pad":"{}"}}"#,
            "p".repeat(bytes - head.len())
        );
        assert_eq!(b64(&header).len(), chars);
        hs256(&header, &claims, &SECRET)
    };
    assert!(verify(&header_of_chars(1024)).is_ok());
    assert_eq!(verify(&header_of_chars(1028)).err(), Some(Error::Malformed));
}

/// With a revocation list, a token may live (plus the leeway) up to the list's horizon,
/// inclusive: a revocation must outlive every token it could reject.
#[test]
fn a_token_may_live_up_to_the_revocation_horizon() {
    let list = Arc::new(RevocationList::new(Duration::hours(1)));
    let verifier = verifier().with_revocations(list);
    let lasting = |ttl: i64| {
        let token = hs_issuer()
            .with_ttl(Duration::seconds(ttl))
            .issue_at("a", "orders", &json!({}), T0)
            .expect("signs");
        verifier.verify_at::<Value>(&token, T0)
    };
    assert!(
        lasting(3600 - 30).is_ok(),
        "the TTL and the 30 s leeway make the horizon"
    );
    assert!(matches!(lasting(3600 - 29), Err(Error::Config(_))));
}
