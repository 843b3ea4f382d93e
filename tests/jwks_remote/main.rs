//! `jwt::RemoteKeySet` against real HTTP servers on loopback, started by the test: one that
//! serves a good set (and counts the fetches), and ones that misbehave — too large, not a JWK
//! Set, redirecting elsewhere, hanging. Every refusal is a clear failure of the fetch, and never
//! stalls the verification of tokens whose key is in hand.

mod server;

use std::time::Duration as StdDuration;

use sealed_session::Error;
use sealed_session::jwt::{
    JwsIssuer, JwsSigningKey, JwsVerifier, RemoteKeySet, RemoteKeySetOptions,
};
use serde_json::{Value, json};
use time::Duration;

use server::{Behaviour, TestServer};

fn issuer() -> JwsIssuer {
    JwsIssuer::new(JwsSigningKey::ed25519_from_seed(&[0x31; 32]), "auth").with_kid("a-1")
}

fn options() -> RemoteKeySetOptions {
    RemoteKeySetOptions::default()
        .with_cache_bounds(Duration::seconds(1), Duration::seconds(1))
        .with_refetch_cooldown(Duration::seconds(1))
        .with_stale_bound(Duration::seconds(2))
        .with_timeout(StdDuration::from_millis(700))
        .with_max_document_len(4096)
}

fn token(issuer: &JwsIssuer) -> String {
    issuer.issue("alice", "api", &json!({})).expect("signs")
}

/// A token of `issuer` under another `kid` (forged: its signature is never reached).
fn with_kid(token: &str, kid: &str) -> String {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let rest = token.split_once('.').expect("three parts").1;
    let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"EdDSA","kid":"{kid}"}}"#));
    format!("{header}.{rest}")
}

/// A server of `issuer`'s set, and a verifier that has fetched it.
async fn fetched(issuer: &JwsIssuer) -> (TestServer, RemoteKeySet, JwsVerifier) {
    let server = TestServer::start(Behaviour::Serve(issuer.public_jwk_set())).await;
    let keys = RemoteKeySet::new(&server.url(), options()).expect("a loopback URL");
    let verifier = JwsVerifier::remote(keys.clone(), "auth", "api");
    verifier
        .verify_async::<Value>(&token(issuer))
        .await
        .expect("fetched");
    (server, keys, verifier)
}

/// The first verification fetches the set; tokens of its key verify without another fetch
/// while it is fresh; once stale it is revalidated (`304`) on a task of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetches_once_then_revalidates_with_the_entity_tag() {
    let issuer = issuer();
    let server = TestServer::start(Behaviour::Serve(issuer.public_jwk_set())).await;
    let keys = RemoteKeySet::new(&server.url(), options()).expect("a loopback URL");
    let verifier = JwsVerifier::remote(keys.clone(), "auth", "api");
    for _ in 0..50 {
        verifier
            .verify_async::<Value>(&token(&issuer))
            .await
            .expect("verifies");
    }
    assert_eq!(server.requests(), 1, "one fetch for fifty tokens");
    tokio::time::sleep(StdDuration::from_millis(1100)).await;
    verifier
        .verify_async::<Value>(&token(&issuer))
        .await
        .expect("verified with the stale set, at once");
    // The revalidation runs on its own task: wait for it (a loaded machine may be slow).
    let waited = std::time::Instant::now();
    while server.requests() < 2 && waited.elapsed() < StdDuration::from_secs(5) {
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    tokio::time::sleep(StdDuration::from_millis(100)).await;
    assert_eq!(server.requests(), 2);
    assert_eq!(server.revalidations(), 1, "If-None-Match sent");
    let status = keys.status();
    assert_eq!((status.sets_fetched, status.not_modified), (1, 1));
}

/// Ten thousand tokens with forged `kid`s start at most one fetch per cooldown, and a `kid`
/// that a fresh set lacked is not fetched for again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_kids_fetch_at_most_once_per_cooldown() {
    let issuer = issuer();
    let server = TestServer::start(Behaviour::Serve(issuer.public_jwk_set())).await;
    let options = options()
        .with_cache_bounds(Duration::hours(1), Duration::hours(1))
        .with_refetch_cooldown(Duration::seconds(2));
    let keys = RemoteKeySet::new(&server.url(), options).expect("a loopback URL");
    let verifier = JwsVerifier::remote(keys.clone(), "auth", "api");
    let good = token(&issuer);
    verifier
        .verify_async::<Value>(&good)
        .await
        .expect("first fetch");
    tokio::time::sleep(StdDuration::from_millis(2100)).await;
    let started = std::time::Instant::now();
    let before = server.requests();
    for round in 0..10_000 {
        let forged = with_kid(&good, &format!("forged-{round}-{}", rand::random::<u64>()));
        assert_eq!(
            verifier.verify_async::<Value>(&forged).await.err(),
            Some(Error::UnknownKey)
        );
    }
    let elapsed = started.elapsed().as_secs_f64();
    let fetches = server.requests() - before;
    let allowed = (elapsed / 2.0).floor() as usize + 1;
    assert!(
        (1..=allowed).contains(&fetches),
        "{fetches} fetches in {elapsed:.1} s (cooldown 2 s)"
    );
    assert_eq!(keys.status().unknown_kid_fetches as usize, fetches);
    verifier
        .verify_async::<Value>(&good)
        .await
        .expect("the known key still verifies");
}

/// With the issuer gone, the last good set verifies its `kid`s until the stale bound, unknown
/// `kid`s are refused, and after the bound tokens are refused as `KeysUnavailable` (not as
/// bad tokens).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_if_error_until_the_bound() {
    let issuer = issuer();
    let server = TestServer::start(Behaviour::Serve(issuer.public_jwk_set())).await;
    let keys = RemoteKeySet::new(
        &server.url(),
        options().with_stale_bound(Duration::seconds(4)),
    )
    .expect("a loopback URL");
    let verifier = JwsVerifier::remote(keys.clone(), "auth", "api");
    verifier
        .verify_async::<Value>(&token(&issuer))
        .await
        .expect("fetched");
    let fetched = std::time::Instant::now();
    server.stop().await;
    // Fresh for 1 s, then usable for 4 s more while every refresh fails.
    while fetched.elapsed() < StdDuration::from_millis(3000) {
        verifier
            .verify_async::<Value>(&token(&issuer))
            .await
            .expect("the last good set");
        tokio::time::sleep(StdDuration::from_millis(250)).await;
    }
    assert!(keys.status().failures >= 1, "{:?}", keys.status());
    let unknown = with_kid(&token(&issuer), "unknown");
    assert!(matches!(
        verifier.verify_async::<Value>(&unknown).await.err(),
        Some(Error::UnknownKey)
    ));
    tokio::time::sleep(StdDuration::from_millis(5500).saturating_sub(fetched.elapsed())).await;
    assert_eq!(
        verifier.verify_async::<Value>(&token(&issuer)).await.err(),
        Some(Error::KeysUnavailable)
    );
}

/// Each misbehaving endpoint fails the fetch with its reason, and a set in hand keeps
/// verifying meanwhile — a hanging endpoint included: the verification does not wait for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misbehaving_endpoints_are_refused_without_stalling_known_keys() {
    let issuer = issuer();
    let cases = [
        (Behaviour::TooLarge { declared: true }, "larger than 4096"),
        (Behaviour::TooLarge { declared: false }, "larger than 4096"),
        (
            Behaviour::Serve("{\"keys\":".to_owned()),
            "not a usable JWK Set",
        ),
        (
            Behaviour::Serve(r#"{"keys":[{"kty":"RSA","n":"0vx7","e":"AQAB"}]}"#.to_owned()),
            "found RSA",
        ),
        (Behaviour::RedirectElsewhere, "another origin"),
        (Behaviour::Status(500), "answered 500"),
        (Behaviour::Hang, "no complete response within 700 ms"),
    ];
    for (behaviour, reason) in cases {
        // A verifier that never had a set: the fetch fails, the token is not called bad.
        let server = TestServer::start(behaviour.clone()).await;
        let keys = RemoteKeySet::new(&server.url(), options()).expect("a loopback URL");
        assert_eq!(keys.refresh().await, Err(Error::KeysUnavailable));
        let why = keys.status().last_error.expect("a reason");
        assert!(why.contains(reason), "{behaviour:?}: {why}");
        let verifier = JwsVerifier::remote(keys.clone(), "auth", "api");
        assert_eq!(
            verifier.verify_async::<Value>(&token(&issuer)).await.err(),
            Some(Error::KeysUnavailable),
            "{behaviour:?}"
        );

        // A verifier with a good set: the issuer turns bad; known keys verify at once.
        let (server, keys, verifier) = fetched(&issuer).await;
        server.behave(behaviour.clone());
        tokio::time::sleep(StdDuration::from_millis(1100)).await;
        let quick = tokio::time::timeout(
            StdDuration::from_millis(300),
            verifier.verify_async::<Value>(&token(&issuer)),
        )
        .await;
        assert!(
            matches!(quick, Ok(Ok(_))),
            "{behaviour:?}: a known key must not wait for the refresh"
        );
        tokio::time::sleep(StdDuration::from_millis(900)).await;
        let status = keys.status();
        assert_eq!(status.failures, 1, "{behaviour:?}: {status:?}");
        assert!(
            status
                .last_error
                .as_deref()
                .is_some_and(|why| why.contains(reason)),
            "{behaviour:?}: {status:?}"
        );
        verifier
            .verify_async::<Value>(&token(&issuer))
            .await
            .expect("still the last good set");
    }
}

/// One fetch at a time: fifty verifications that all need the set (a cold start, then a new
/// `kid`) wait for one fetch each time, and every one gets its result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_verifications_share_one_fetch() {
    let first = issuer();
    let second =
        JwsIssuer::new(JwsSigningKey::ed25519_from_seed(&[0x32; 32]), "auth").with_kid("a-2");
    let server = TestServer::start(Behaviour::Serve(first.public_jwk_set())).await;
    let options = options().with_cache_bounds(Duration::hours(1), Duration::hours(1));
    let keys = RemoteKeySet::new(&server.url(), options).expect("a loopback URL");
    let verifier = std::sync::Arc::new(JwsVerifier::remote(keys.clone(), "auth", "api"));
    let all_at_once = |issuer: &JwsIssuer| {
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let verifier = std::sync::Arc::clone(&verifier);
                let token = token(issuer);
                tokio::spawn(async move { verifier.verify_async::<Value>(&token).await })
            })
            .collect();
        async move {
            for task in tasks {
                task.await.expect("a task").expect("verifies");
            }
        }
    };
    all_at_once(&first).await;
    assert_eq!(server.requests(), 1, "a cold start: one fetch for fifty");

    // The issuer adds a key (after the 1 s cooldown): fifty tokens under it share one refetch.
    tokio::time::sleep(StdDuration::from_millis(1100)).await;
    let both = format!(
        "{},{}",
        first.public_jwk_set().trim_end_matches("]}"),
        second.public_jwk_set().trim_start_matches(r#"{"keys":["#)
    );
    server.behave(Behaviour::Serve(both));
    all_at_once(&second).await;
    assert_eq!(server.requests(), 2, "a new kid: one refetch for fifty");
    assert_eq!(keys.status().unknown_kid_fetches, 1);
}

/// A redirect within the origin is followed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_within_the_origin_is_followed() {
    let issuer = issuer();
    let server = TestServer::start(Behaviour::RedirectHome(issuer.public_jwk_set())).await;
    let keys = RemoteKeySet::new(&server.url(), options()).expect("a loopback URL");
    keys.refresh().await.expect("followed");
    assert_eq!(keys.status().keys, 1);
}
