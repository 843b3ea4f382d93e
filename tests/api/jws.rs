//! Signed JWTs: `jwt::JwsIssuer` and `jwt::JwsVerifier`, through the public API, with explicit
//! clocks, and tokens crafted by hand for every attack the verifier must refuse.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signer as _;
use hmac::{KeyInit as _, Mac as _};
use sealed_session::jwt::{JwsIssuer, JwsSigningKey, JwsVerifier, VerifyingKeys};
use sealed_session::{Error, Key, RevocationList, Sealer};
use sealed_session_test_support::tamper::{
    Change, Replacements, assert_changes_are_refused, assert_every_change_is_refused,
};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::common::T0;

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

/// The tamper contract (test-support) on a JWS: every change of one character, separators
/// included, every removal, addition, truncation and cut is refused. In full on an HS256 token;
/// an Ed25519 verification is too slow in a debug build for every character (minutes), so the
/// Ed25519 token gets one replacement at each position (`A`, or `B` for an `A`) and every other
/// change.
#[test]
fn tampering_is_refused() {
    let verifier = verifier();
    let verify = |token: &str| verifier.verify_at::<Value>(token, T0);
    let expected = |_: &Change, error: &Error| {
        matches!(
            error,
            Error::Invalid | Error::Malformed | Error::UnknownKey | Error::AlgorithmMismatch
        )
    };
    let hs = hs_issuer()
        .issue_at("alice", "orders", &json!({}), T0)
        .expect("signs");
    assert_eq!(hs.split('.').count(), 3);
    assert_every_change_is_refused(&hs, verify, expected);
    let ed = ed_issuer()
        .issue_at("alice", "orders", &json!({}), T0)
        .expect("signs");
    assert_changes_are_refused(&ed, Replacements::FirstOf("AB"), verify, expected);
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
    let sealer = Sealer::builder(Key::generate(), "session")
        .with_revocations(list.clone())
        .build()
        .expect("valid settings");
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
    let sealer = Sealer::builder(Key::generate(), "session")
        .with_revocations(list.clone())
        .build()
        .expect("valid settings");
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

/// Keycloak's default realm keys as its JWKS endpoint publishes them: an RS256 signing key
/// (with its certificate) and an RSA-OAEP encryption key. Generated for these tests; the
/// tokens below are signed with the private halves, claims as `payload`'s.
const KEYCLOAK_JWKS: &str = r#"{"keys":[
{"kid":"wYfO8f6bNqUwhU3pxa5Ye-nG7jzmlu8oNwoLkgvF-nE","kty":"RSA","alg":"RS256","use":"sig","n":"wx2OgV5Fbw0vHssIeusHQgP8RNQswjyrIiLQn9yuwuuzVtFF6NixhfAGOYHbh4stB4LXc8IvhTh9Roc-FDEfAA0gKrgii1Ru4F5XYGeIvKfUe1NVJq3HikrP-vwp089RN8jC_t7jiW4zjyd98C1oOKBLE9s6zV4oj98c4h_xnsoADDIkCwH3vpApda_B6D29Yu-TmLDsqipYBZHYMKl08N0DTdAPNxomE_0Y7ojXVDwi3bjO0UB_cpYBlqeWMNgzn-f31Dz2xdX0qrs9-4TSMK9-kQdzNI6jfGUkub1Hzz_6tLA3cCok98BzX9pSDNkawdG7q3rmhif2o4FA-4eywQ","e":"AQAB","x5c":["MIICnTCCAYWgAwIBAgIBATANBgkqhkiG9w0BAQsFADASMRAwDgYDVQQDDAdleGFtcGxlMB4XDTMwMDEwMTAwMDAwMFoXDTQwMDEwMTAwMDAwMFowEjEQMA4GA1UEAwwHZXhhbXBsZTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAMMdjoFeRW8NLx7LCHrrB0ID/ETULMI8qyIi0J/crsLrs1bRRejYsYXwBjmB24eLLQeC13PCL4U4fUaHPhQxHwANICq4IotUbuBeV2BniLyn1HtTVSatx4pKz/r8KdPPUTfIwv7e44luM48nffAtaDigSxPbOs1eKI/fHOIf8Z7KAAwyJAsB976QKXWvweg9vWLvk5iw7KoqWAWR2DCpdPDdA03QDzcaJhP9GO6I11Q8It24ztFAf3KWAZanljDYM5/n99Q89sXV9Kq7PfuE0jCvfpEHczSOo3xlJLm9R88/+rSwN3AqJPfAc1/aUgzZGsHRu6t65oYn9qOBQPuHssECAwEAATANBgkqhkiG9w0BAQsFAAOCAQEADbPSXpS3zcFjAXwrgJ6QZ9VQpC3iHzZn+/gArpuXyyHIhev/vW83/nAEazyUCfpMBJwJTUn1iUuLe7vc24h7V9yj3swVSSvGHK54QFoLC4vE2jL2FZjk6LwU4XdK96Cq7hzx5C2dbMbPghlAgy7lJ5ujqmFVjX8Ermq9HeMxY5owWnATs2dHyrw+xfsQcvwy7XnUDmWAkikHs6QVhIH++ZB9Fty+Wc1RVyG71FuT+aQ4MJPVQRt13ERzhGZ/Jt6zxpqnBMoHW0ryZKKimGLc+2zM4LinYtojyaVo8VpwtlepNCkQ62P8Qd/Rm2YitW4trv5UItD2tg21GD7IcxzR3A=="],"x5t":"q7zON3_NLOjQ_p_rcgTDBJ8Co-Y","x5t#S256":"g-8JaKt9tf1MtsUPbPosfGIn-2N43aWehAlLUPfEmhg"},
{"kid":"3ujH5RMjkdwDyD0y-z2LJSqm20YoBQH4_dyJ6wBEzkQ","kty":"RSA","alg":"RSA-OAEP","use":"enc","n":"6Uxi1nosCXOfVUFX3maBwmghxozMvK7HvkFkWiOa8ki7dWjX-VpiWBYtCU_TZSHNIR4rs62P2YMOON-tqWHlPNuekuIBxo7Wdo7UwXCVqijrXv7sV6hmf1vc1V6pqECihtD2Wt69HtlwXvQMgaz34Nd68v29qQDKqaEZPRAvGDoOkeibQ-S4SE4GobR8tbZlNpM1gXETyji3k0UhQu_fdjjpqmUQ4jXH0CY0ky5-pmY923666e6JNYDuvEzSxy84eFThjzWxk-rtn7bHMJJBD__5ROOjx5Uvuz7VaBP7gbTxdx1_EDdJ3AcZJe2jSt4xzigt_JJhZsQFZ2P2YZrWww","e":"AQAB"}]}"#;
/// A P-256 key for ES256, as Apple, Google Cloud IAP or a custom issuer publishes one.
const EC_JWK: &str = r#"{"kty":"EC","use":"sig","crv":"P-256","kid":"ec-2030-06","x":"O7OeDHc_nEFqmBU1KLL-G24a1My1Iug_zKJg1xV15fE","y":"bdQ3SdztK_j9IeGy09sW58TasEefBG8YadhT1NvLbl0","alg":"ES256"}"#;
/// Signed by `KEYCLOAK_JWKS`'s first key: RS256, and the same key with PS256.
const RS256_TOKEN: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6IndZZk84ZjZiTnFVd2hVM3B4YTVZZS1uRzdqem1sdThvTndvTGtndkYtbkUifQ.eyJpc3MiOiJhdXRoIiwiYXVkIjoib3JkZXJzIiwic3ViIjoiYWxpY2UiLCJpYXQiOjE5MDY1NDU2MDAsImV4cCI6MTkwNjU0NTkwMCwic2NvcGUiOiJyZWFkIn0.UeWzqunQq9VbwNs2g2eMylH2a3cDCOn8RQLKXsIttmY-xXJ5IQ1HAvr8aPrFQ5qnQx6pePOhv6AhSpciyUmTP0lCFzjJ6vCme0RjoMdT7Q6CG-ZK46B-q6odVN-crspM5mDXPGtlWKdkrXA4lUIJD71p0CnQjTZTYr5gGXI55LdenySBHJGBJoKmNJ6zaEAtsxdsAHgD1pu4IAbOC3ralGhyMbXJ2coHETXgSKZ9vCstVKvstr6_LuirHuSAVGJTNw9uA1-N0feNHwoUMgN8PQLqUp08hXzjqEe1DA0aCbywWKvApXfgy6eZv7b9jecKN0DhU-nzc8UTh6TlUxslhw";
const PS256_TOKEN: &str = "eyJhbGciOiJQUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6IndZZk84ZjZiTnFVd2hVM3B4YTVZZS1uRzdqem1sdThvTndvTGtndkYtbkUifQ.eyJpc3MiOiJhdXRoIiwiYXVkIjoib3JkZXJzIiwic3ViIjoiYWxpY2UiLCJpYXQiOjE5MDY1NDU2MDAsImV4cCI6MTkwNjU0NTkwMCwic2NvcGUiOiJyZWFkIn0.PNT91JAC8uyy244RzGxhdQMn3lv3mc_Ftx0E68Osba1hf6SjqNN2AentHdquEkSKqDeuTzRlm4wjvzJbk6YCaDZndomiP_QFLJM_uGR0akMYq7f11MLUCioyN_zvu8a29qiJYG1KJZ-5sRx90Elcix7rIXt4LXNZqZthbi99uKj-FsezfOAw-3EXJZkUM8A_YXGNHpCRXhn_ohK9xAjlork1Qbs-oTv8sCcOZpmgUAePZgqB0UANcd_SoRos9yRaopiJrmxaH9hJKETPs1uFsSb-YXP6jLNwLDjQM_wX4u9XLkG3gHP0CilNtnGUtDzhhlbCDXZYbbpKUqlw2bC5zQ";
/// Signed by `EC_JWK`.
const ES256_TOKEN: &str = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImVjLTIwMzAtMDYifQ.eyJpc3MiOiJhdXRoIiwiYXVkIjoib3JkZXJzIiwic3ViIjoiYWxpY2UiLCJpYXQiOjE5MDY1NDU2MDAsImV4cCI6MTkwNjU0NTkwMCwic2NvcGUiOiJyZWFkIn0.8MZSZqhF-JA5PB7TLssS3m5XJYMv9jiTN3lDBpyOBGkXCcFkF3cFJft3GBA8iVuU-gQOfRKNKmn4LgNSQqT6yg";

/// Our Ed25519 key, Keycloak's two RSA keys and the P-256 key, in one set.
fn mixed_jwks() -> String {
    let ed_jwk = ed_issuer().public_jwk_set();
    format!(
        "{},{},{EC_JWK}]}}",
        ed_jwk.strip_suffix("]}").expect("a set"),
        KEYCLOAK_JWKS
            .strip_prefix(r#"{"keys":["#)
            .and_then(|keys| keys.strip_suffix("]}"))
            .expect("a set")
    )
}

/// The key set of `EC_JWK` alone.
fn ec_jwks() -> String {
    format!(r#"{{"keys":[{EC_JWK}]}}"#)
}

/// Regression: `from_jwk_set` skipped every key of an identity provider's set (RSA, EC) and
/// returned a verifier with no key, whose every token was then "unknown key". A set without a
/// key this verifier supports is refused, saying what it held.
#[cfg(not(feature = "ring"))]
#[test]
fn a_jwk_set_without_a_usable_key_is_refused_not_read_as_empty() {
    let why = |json: &str| match VerifyingKeys::from_jwk_set(json) {
        Err(Error::InvalidJwk(why)) => why,
        other => panic!("{json}: {other:?}"),
    };
    let supported = "no key this verifier supports (HS256 `oct`, EdDSA `OKP` Ed25519; RS256 and \
                     ES256 need the `ring` feature); found";
    assert_eq!(why(KEYCLOAK_JWKS), format!("{supported} RSA"));
    assert_eq!(why(&ec_jwks()), format!("{supported} EC"));
    let both = format!(
        "{},{EC_JWK}]}}",
        KEYCLOAK_JWKS.strip_suffix("]}").expect("a set")
    );
    assert_eq!(why(&both), format!("{supported} RSA, EC"));
    assert_eq!(
        Error::InvalidJwk(why(&both)).to_string(),
        format!("invalid JWK: {supported} RSA, EC")
    );
    assert_eq!(why(r#"{"keys":[]}"#), "the set has no keys");
    assert_eq!(
        why(&hs_issuer().public_jwk_set()),
        "the set has no keys",
        "an HS256 issuer publishes nothing to verify with"
    );
}

/// Regression: a token signed with RS256, ES256 or PS256 was refused as `UnknownKey`, which
/// says nothing of the real cause. With its key missing, such a token is now a configuration
/// error that names its algorithm; the usable keys of a mixed set keep working, and a key
/// found by `kid` still decides the algorithm.
#[cfg(not(feature = "ring"))]
#[test]
fn a_token_in_an_unsupported_algorithm_is_named_not_an_unknown_key() {
    let mixed = mixed_jwks();
    let keys = VerifyingKeys::from_jwk_set(&mixed).expect("the Ed25519 key is usable");
    assert_eq!(keys.len(), 1, "the RSA and EC keys are skipped");
    let verifier = JwsVerifier::new(keys, "auth", "orders").with_leeway(Duration::seconds(30));
    let ours = ed_issuer()
        .issue_at("alice", "orders", &json!({}), T0)
        .expect("signs");
    assert!(verifier.verify_at::<Value>(&ours, T0).is_ok());
    for (token, alg) in [
        (RS256_TOKEN, "RS256"),
        (ES256_TOKEN, "ES256"),
        (PS256_TOKEN, "PS256"),
    ] {
        let error = verifier.verify_at::<Value>(token, T0).expect_err(alg);
        assert_eq!(
            error.to_string(),
            format!(
                "invalid configuration: the token is signed with {alg}, an algorithm this \
                 verifier does not support (only HS256 and EdDSA; RS256 and ES256 need the \
                 `ring` feature)"
            )
        );
        assert!(matches!(error, Error::Config(_)), "{error:?}");
    }
    // Other algorithms no key can have, and no kid at all.
    let claims = payload(&good_exp());
    for alg in [
        "RS512", "ES384", "ES512", "PS512", "ES256K", "Ed448", "HS512",
    ] {
        let token = format!(
            "{}.{}.{}",
            b64(format!(r#"{{"alg":"{alg}"}}"#)),
            b64(&claims),
            b64([0u8; 64])
        );
        let error = verify(&token).expect_err(alg);
        assert!(error.to_string().contains(alg), "{alg}: {error}");
    }
    // A supported algorithm, or a name that is none, under an unknown kid: unknown key.
    for header in [
        r#"{"alg":"EdDSA","kid":"ed-9"}"#,
        r#"{"alg":"HS256","kid":"hs-9"}"#,
        r#"{"alg":"none","kid":"x"}"#,
        r#"{"alg":"RS999","kid":"x"}"#,
    ] {
        let token = format!("{}.{}.", b64(header), b64(&claims));
        assert_eq!(verify(&token).err(), Some(Error::UnknownKey), "{header}");
    }
    // A key found by its kid decides: RS256 under the Ed25519 key is a mismatch.
    let token = format!(
        "{}.{}.{}",
        b64(r#"{"alg":"RS256","kid":"ed-1"}"#),
        b64(&claims),
        b64([0u8; 256])
    );
    assert_eq!(verify(&token).err(), Some(Error::AlgorithmMismatch));
}

/// With `ring`, an identity provider's keys are read: Keycloak's RS256 signing key (its
/// RSA-OAEP encryption key skipped by its `use`), and a P-256 key for ES256; each verifies its
/// own tokens, and only in its own algorithm. A set of keys no verifier here can use (PS256, a
/// P-384 key) is still refused, saying what it held.
#[cfg(feature = "ring")]
#[test]
fn an_identity_providers_rs256_and_es256_keys_verify_their_tokens() {
    let keycloak = VerifyingKeys::from_jwk_set(KEYCLOAK_JWKS).expect("Keycloak's set");
    assert_eq!(keycloak.len(), 1, "the encryption key is skipped");
    let ec = VerifyingKeys::from_jwk_set(&ec_jwks()).expect("the P-256 set");
    for (keys, token) in [(keycloak, RS256_TOKEN), (ec, ES256_TOKEN)] {
        let verifier = JwsVerifier::new(keys, "auth", "orders").with_leeway(Duration::seconds(30));
        let verified = verifier.verify_at::<Value>(token, T0).expect("verifies");
        assert_eq!(verified.subject(), "alice");
        assert_eq!(verified.claims()["scope"], "read");
        // Every change of the token is refused.
        let mut tampered = token.to_owned();
        let last = tampered.pop().expect("a character");
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        assert_eq!(
            verifier.verify_at::<Value>(&tampered, T0).err(),
            Some(Error::Invalid)
        );
    }
    let unusable = r#"{"keys":[
        {"kty":"RSA","alg":"PS256","kid":"ps","n":"0vx7","e":"AQAB"},
        {"kty":"EC","crv":"P-384","kid":"p384","x":"a","y":"b"}]}"#;
    match VerifyingKeys::from_jwk_set(unusable) {
        Err(Error::InvalidJwk(why)) => assert!(why.ends_with("found RSA, EC"), "{why}"),
        other => panic!("{other:?}"),
    }
}

/// With `ring`, the key still decides: the PS256 token of Keycloak's RS256 key is a mismatch,
/// and RS256 or ES256 under an Ed25519 key (or HS256 under the RSA key) is too; a PS256 token
/// whose key is missing is named as unsupported, an RS256 or ES256 one is an unknown key.
#[cfg(feature = "ring")]
#[test]
fn the_key_decides_the_algorithm_for_rs256_and_es256_too() {
    let mixed = mixed_jwks();
    let keys = VerifyingKeys::from_jwk_set(&mixed).expect("a mixed set");
    assert_eq!(keys.len(), 3);
    let verifier = JwsVerifier::new(keys, "auth", "orders").with_leeway(Duration::seconds(30));
    for token in [RS256_TOKEN, ES256_TOKEN] {
        assert!(verifier.verify_at::<Value>(token, T0).is_ok());
    }
    assert_eq!(
        verifier.verify_at::<Value>(PS256_TOKEN, T0).err(),
        Some(Error::AlgorithmMismatch),
        "the RSA key verifies RS256 only"
    );
    let claims = payload(&good_exp());
    let rsa_kid = "wYfO8f6bNqUwhU3pxa5Ye-nG7jzmlu8oNwoLkgvF-nE";
    for header in [
        r#"{"alg":"RS256","kid":"ed-1"}"#.to_owned(),
        r#"{"alg":"ES256","kid":"ed-1"}"#.to_owned(),
        format!(r#"{{"alg":"HS256","kid":"{rsa_kid}"}}"#),
        format!(r#"{{"alg":"ES256","kid":"{rsa_kid}"}}"#),
        r#"{"alg":"RS256","kid":"ec-2030-06"}"#.to_owned(),
    ] {
        let token = format!("{}.{}.{}", b64(&header), b64(&claims), b64([0u8; 256]));
        assert_eq!(
            verifier.verify_at::<Value>(&token, T0).err(),
            Some(Error::AlgorithmMismatch),
            "{header}"
        );
    }
    let named = |alg: &str| {
        let token = format!(
            "{}.{}.{}",
            b64(format!(r#"{{"alg":"{alg}","kid":"missing"}}"#)),
            b64(&claims),
            b64([0u8; 64])
        );
        verifier.verify_at::<Value>(&token, T0).err()
    };
    assert_eq!(named("RS256"), Some(Error::UnknownKey));
    assert_eq!(named("ES256"), Some(Error::UnknownKey));
    match named("PS256") {
        Some(Error::Config(why)) => assert_eq!(
            why,
            "the token is signed with PS256, an algorithm this verifier does not support \
             (only HS256, EdDSA, RS256 and ES256)"
        ),
        other => panic!("{other:?}"),
    }
}

/// A hand-signed HS256 token of `alice` with this `auth_time`, `iat` if given, and a session
/// id, so that a revocation list can check it.
fn with_auth_time(auth_time: i64, iat: Option<i64>) -> String {
    let iat = iat
        .map(|iat| format!(r#""iat":{iat},"#))
        .unwrap_or_default();
    hs256(
        r#"{"alg":"HS256","kid":"hs-1"}"#,
        &format!(
            r#"{{"iss":"auth","aud":"orders","sub":"alice","jti":"AAAAAAAAAAAAAAAAAAAAAA",{iat}"auth_time":{auth_time},"exp":{}}}"#,
            T0_SECONDS + 300
        ),
        &SECRET,
    )
}

/// Regression: a JWS's `auth_time` was never bounded, so a token whose login lay a year
/// after its issue passed every revocation of its user (and the horizon check, its lifetime
/// being negative). It may now be at most `iat` plus the leeway (30 s here), as in the JWE
/// profile; without `iat`, at most now plus the leeway.
#[test]
fn an_auth_time_after_iat_is_refused() {
    let list = Arc::new(RevocationList::new(Duration::days(8)));
    let verifier = verifier().with_revocations(list.clone());
    let year_ahead = with_auth_time(T0_SECONDS + 365 * 86_400, Some(T0_SECONDS));
    assert_eq!(
        verifier.verify_at::<Value>(&year_ahead, T0).err(),
        Some(Error::Malformed)
    );
    list.revoke_user("alice");
    assert_eq!(
        verifier.verify_at::<Value>(&year_ahead, T0).err(),
        Some(Error::Malformed),
        "not waved past the revocation"
    );

    // The bound is iat plus the leeway, inclusive, whatever the clock says.
    let plain = JwsVerifier::new(keys(), "auth", "orders").with_leeway(Duration::seconds(30));
    for now in [T0, T0 + Duration::seconds(60)] {
        let at_bound = with_auth_time(T0_SECONDS + 30, Some(T0_SECONDS));
        let verified = plain
            .verify_at::<Value>(&at_bound, now)
            .expect("at the bound");
        assert_eq!(
            verified.authenticated_at(),
            Some(T0 + Duration::seconds(30))
        );
        let past_bound = with_auth_time(T0_SECONDS + 31, Some(T0_SECONDS));
        assert_eq!(
            plain.verify_at::<Value>(&past_bound, now).err(),
            Some(Error::Malformed),
            "{now}"
        );
    }

    // Without iat, a login cannot lie in the future beyond the leeway.
    assert!(
        plain
            .verify_at::<Value>(&with_auth_time(T0_SECONDS + 30, None), T0)
            .is_ok()
    );
    assert_eq!(
        plain
            .verify_at::<Value>(&with_auth_time(T0_SECONDS + 31, None), T0)
            .err(),
        Some(Error::NotYetValid)
    );
}
