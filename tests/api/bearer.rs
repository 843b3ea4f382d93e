//! The `jwt::Bearer` extractor in an axum router, and the JWK Set route beside it: RFC 6750's
//! answers (401 with a challenge, 400 for a malformed header, 503 for a fault of the server),
//! revocation reaching bearer tokens, and the set served with its caching headers.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, ETAG, IF_NONE_MATCH, WWW_AUTHENTICATE};
use axum::response::Response;
use axum::routing::get;
use sealed_session::jwt::{Bearer, JwsIssuer, JwsVerifier, KeySchedule, VerifyingKeys, jwks_route};
use sealed_session::{Key, RevocationList, Sealer};
use serde_json::{Value, json};
use time::Duration;
use tower_service::Service as _;

async fn whoami(Bearer(token): Bearer<Value>) -> String {
    format!("{} {}", token.subject(), token.claims()["scope"])
}

fn issuer() -> Arc<JwsIssuer> {
    let schedule = KeySchedule::ed25519(&[0x19; 32], Duration::hours(1)).expect("a period");
    Arc::new(JwsIssuer::rotating(schedule, "https://auth.example"))
}

async fn get_with(router: &mut Router, path: &str, headers: &[(&str, String)]) -> Response {
    let mut request = Request::builder().uri(path);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    router
        .call(request.body(Body::empty()).expect("request"))
        .await
        .expect("infallible")
}

async fn body(response: Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .expect("body");
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

fn challenge(response: &Response) -> Option<&str> {
    response
        .headers()
        .get(WWW_AUTHENTICATE)
        .and_then(|value| value.to_str().ok())
}

#[tokio::test]
async fn bearer_tokens_are_verified_and_refused_as_rfc_6750_says() {
    let issuer = issuer();
    let revocations = Arc::new(RevocationList::new(Duration::days(1)));
    let keys = VerifyingKeys::from_jwk_set(&issuer.public_jwk_set()).expect("the set");
    let verifier = Arc::new(
        JwsVerifier::new(keys, "https://auth.example", "orders")
            .with_revocations(Arc::clone(&revocations)),
    );
    let mut app = Router::new()
        .route("/whoami", get(whoami))
        .with_state(verifier);
    let bearer = |token: &str| vec![(AUTHORIZATION.as_str(), format!("Bearer {token}"))];

    let token = issuer
        .issue("alice", "orders", &json!({"scope": "read"}))
        .expect("signs");
    let ok = get_with(&mut app, "/whoami", &bearer(&token)).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(body(ok).await, "alice \"read\"");

    let missing = get_with(&mut app, "/whoami", &[]).await;
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        challenge(&missing),
        Some("Bearer"),
        "no error code without a token"
    );

    let malformed = get_with(&mut app, "/whoami", &bearer("a b")).await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        challenge(&malformed),
        Some("Bearer error=\"invalid_request\"")
    );

    let elsewhere = issuer
        .issue("alice", "billing", &json!({"scope": "read"}))
        .expect("signs");
    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    for refused in [elsewhere, tampered, "e30.e30.e30".to_owned()] {
        let response = get_with(&mut app, "/whoami", &bearer(&refused)).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{refused}");
        assert_eq!(challenge(&response), Some("Bearer error=\"invalid_token\""));
        assert!(body(response).await.is_empty(), "the reason is never sent");
    }

    // A token issued for a session dies with the session's user.
    let sealer = Sealer::new(Key::generate(), "session");
    let session = sealer
        .open::<()>(&sealer.seal("bob", &()).expect("seals"))
        .expect("opens");
    let for_session = issuer
        .issue_for_session(&session, "orders", &json!({"scope": "write"}))
        .expect("signs");
    assert_eq!(
        get_with(&mut app, "/whoami", &bearer(&for_session))
            .await
            .status(),
        StatusCode::OK
    );
    revocations.revoke_user("bob");
    let revoked = get_with(&mut app, "/whoami", &bearer(&for_session)).await;
    assert_eq!(revoked.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(challenge(&revoked), Some("Bearer error=\"invalid_token\""));
}

/// Keys that cannot be had are the server's fault: 503, no challenge, so that the client keeps
/// its token.
#[cfg(feature = "jwks-remote")]
#[tokio::test]
async fn unavailable_keys_answer_503() {
    use sealed_session::jwt::{RemoteKeySet, RemoteKeySetOptions};
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let url = format!("http://{}/jwks", closed.local_addr().expect("an address"));
    drop(closed);
    let keys = RemoteKeySet::new(&url, RemoteKeySetOptions::default()).expect("a URL");
    let verifier = Arc::new(JwsVerifier::remote(keys, "https://auth.example", "orders"));
    let mut app = Router::new()
        .route("/whoami", get(whoami))
        .with_state(verifier);
    let token = issuer()
        .issue("alice", "orders", &json!({"scope": "read"}))
        .expect("signs");
    let response = get_with(
        &mut app,
        "/whoami",
        &[(AUTHORIZATION.as_str(), format!("Bearer {token}"))],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(challenge(&response), None);
}

#[tokio::test]
async fn the_jwks_route_serves_the_set_with_its_caching_headers() {
    let issuer = issuer();
    let mut app: Router =
        Router::new().route("/.well-known/jwks.json", jwks_route(Arc::clone(&issuer)));
    let first = get_with(&mut app, "/.well-known/jwks.json", &[]).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()[CACHE_CONTROL], "public, max-age=900");
    let etag = first.headers()[ETAG].to_str().expect("ASCII").to_owned();
    let set = body(first).await;
    assert!(VerifyingKeys::from_jwk_set(&set).is_ok());
    let again = get_with(
        &mut app,
        "/.well-known/jwks.json",
        &[(IF_NONE_MATCH.as_str(), etag)],
    )
    .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
}
