//! A rotating issuer (`JwsIssuer::rotating` with a `KeySchedule`), through the public API:
//! the current key signs, and a verifier that caches the published set as the endpoint allows
//! has every key it needs across rotations.

use http::HeaderMap;
use http::header::CACHE_CONTROL;
use sealed_session::Error;
use sealed_session::jwt::{JwsIssuer, JwsVerifier, KeySchedule, VerifyingKeys};
use serde_json::{Value, json};
use time::Duration;

use crate::common::T0;

fn rotating(period: Duration, ttl: Duration) -> JwsIssuer {
    let schedule = KeySchedule::ed25519(&[0x77; 32], period).expect("a period");
    JwsIssuer::rotating(schedule, "auth").with_ttl(ttl)
}

fn kid_of(token: &str) -> String {
    let header = token.split('.').next().expect("a header");
    let header: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, header)
            .expect("base64"),
    )
    .expect("JSON");
    header["kid"].as_str().expect("a kid").to_owned()
}

/// Every token is signed by the current period's key: not the previous one (a fallback key
/// that kept signing let tokens outlive its retirement, CVE-2025-47278's lesson), not the
/// next one (verifiers may not have it yet).
#[test]
fn the_current_key_signs_never_the_previous_or_the_next() {
    let period = Duration::hours(1);
    let issuer = rotating(period, Duration::minutes(5));
    for minute in (0..300).step_by(7) {
        let now = T0 + Duration::minutes(minute);
        let token = issuer
            .issue_at("alice", "api", &json!({}), now)
            .expect("signs");
        let kid = kid_of(&token);
        assert_eq!(kid, issuer.kid_at(now));
        assert_ne!(kid, issuer.kid_at(now - period), "not the previous key");
        assert_ne!(kid, issuer.kid_at(now + period), "not the next key");
        let published: Value = serde_json::from_str(&issuer.public_jwk_set_at(now)).expect("JSON");
        assert_eq!(
            published["keys"][1]["kid"], kid,
            "the current key comes second, after the next one"
        );
    }
}

/// A verifier that fetched the set at any time up to the endpoint's `max-age` before a token
/// was signed, or at any time while the token is valid, holds the token's key: no token is
/// refused across rotations, with no refetch on an unknown `kid`.
#[test]
fn a_verifier_that_caches_as_allowed_has_every_key_it_needs() {
    let period = Duration::minutes(40);
    let ttl = Duration::minutes(5);
    let issuer = rotating(period, ttl);
    let response = issuer.jwks_response_at(&HeaderMap::new(), T0);
    let max_age: i64 = response.headers()[CACHE_CONTROL]
        .to_str()
        .expect("ASCII")
        .trim_start_matches("public, max-age=")
        .parse()
        .expect("seconds");
    assert_eq!(max_age, 600, "a quarter of the period");
    for signed in (0..240).step_by(11).chain([39, 40, 79, 80]) {
        let signed_at = T0 + Duration::minutes(signed);
        let token = issuer
            .issue_at("alice", "api", &json!({}), signed_at)
            .expect("signs");
        // Fetched up to max-age before the signing (the cache at its oldest), up to the
        // token's expiry plus the minute of leeway after it.
        for fetched in (-max_age..(ttl.whole_seconds() + 60)).step_by(45) {
            let fetched_at = signed_at + Duration::seconds(fetched);
            let keys =
                VerifyingKeys::from_jwk_set(&issuer.public_jwk_set_at(fetched_at)).expect("a set");
            let verifier = JwsVerifier::new(keys, "auth", "api");
            let verified_at = signed_at + Duration::seconds(fetched.max(0));
            verifier
                .verify_at::<Value>(&token, verified_at)
                .unwrap_or_else(|error| {
                    panic!("signed at +{signed} min, set fetched at {fetched:+} s: {error:?}")
                });
        }
    }
}

/// A key leaves the set once its last token has expired (TTL plus the leeway): a set fetched
/// after that no longer verifies it.
#[test]
fn a_retired_key_leaves_the_set_after_its_last_token_expired() {
    let period = Duration::hours(1);
    let ttl = Duration::minutes(5);
    let issuer = rotating(period, ttl);
    let last_second = T0 + period - Duration::seconds(1);
    let first_period_ends = T0 + period;
    let token = issuer
        .issue_at("alice", "api", &json!({}), last_second)
        .expect("signs");
    let retired = first_period_ends + ttl + Duration::minutes(1) + Duration::seconds(1);
    let keys = VerifyingKeys::from_jwk_set(&issuer.public_jwk_set_at(retired)).expect("a set");
    let verifier = JwsVerifier::new(keys, "auth", "api");
    assert_eq!(
        verifier.verify_at::<Value>(&token, last_second).err(),
        Some(Error::UnknownKey)
    );
}

/// A TTL that would keep more keys published than a set holds is refused at signing.
#[test]
fn a_ttl_of_many_periods_is_refused() {
    let issuer = rotating(Duration::minutes(1), Duration::hours(1));
    assert!(matches!(
        issuer.issue_at("alice", "api", &json!({}), T0),
        Err(Error::Config(_))
    ));
}
