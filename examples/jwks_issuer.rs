//! Service A of a pair of microservices: it issues EdDSA tokens whose keys rotate on a schedule,
//! and serves its public keys at `/.well-known/jwks.json` for the services that verify them
//! (see `jwks_verifier.rs`, service B).
//!
//! ```sh
//! JWS_MASTER_KEY=$(sealed-session keygen) \
//!   cargo run -p sealed-session-examples --example jwks_issuer --features jwks -- 127.0.0.1:4000
//! curl 'http://127.0.0.1:4000/token?sub=alice&aud=orders'
//! curl -i http://127.0.0.1:4000/.well-known/jwks.json
//! ```
//!
//! Every instance given the same `JWS_MASTER_KEY` (32 bytes, base64) and `ROTATION_SECONDS`
//! signs with the same key at the same time and serves the same set: run as many as you like
//! behind one URL. Without `JWS_MASTER_KEY`, a random one is used (one instance only).
//!
//! Settings: `ROTATION_SECONDS` (default a day), `TOKEN_TTL_SECONDS` (default 300), `ISSUER`
//! (default `http://<address>`). `/token` stands for your login flow: here anyone gets a token.
//! `/stats` counts the set's requests: answered in full, and `304 Not Modified`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sealed_session::jwt::{JwsIssuer, KeySchedule, jwks_route};
use serde::Deserialize;
use time::Duration;

/// How often the key set was asked for.
#[derive(Default)]
struct Counts {
    full: AtomicU64,
    not_modified: AtomicU64,
}

#[derive(Clone)]
struct App {
    issuer: Arc<JwsIssuer>,
    counts: Arc<Counts>,
}

#[derive(Deserialize)]
struct TokenRequest {
    sub: String,
    aud: String,
}

fn seconds_from_env(name: &str, default: i64) -> Result<Duration, Box<dyn std::error::Error>> {
    Ok(match std::env::var(name) {
        Ok(text) => Duration::seconds(text.trim().parse()?),
        Err(_) => Duration::seconds(default),
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let address: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:4000".into())
        .parse()?;
    let rotation = seconds_from_env("ROTATION_SECONDS", 86_400)?;
    let ttl = seconds_from_env("TOKEN_TTL_SECONDS", 300)?;
    let schedule = if std::env::var_os("JWS_MASTER_KEY").is_some() {
        KeySchedule::ed25519_from_env("JWS_MASTER_KEY", rotation)?
    } else {
        eprintln!("JWS_MASTER_KEY is not set: a random master key, for this instance alone");
        KeySchedule::ed25519(&rand::random(), rotation)?
    };
    let listener = tokio::net::TcpListener::bind(address).await?;
    let address = listener.local_addr()?;
    let issuer_name = std::env::var("ISSUER").unwrap_or_else(|_| format!("http://{address}"));
    let app = App {
        issuer: Arc::new(JwsIssuer::rotating(schedule, &issuer_name).with_ttl(ttl)),
        counts: Arc::default(),
    };
    let counted = middleware::from_fn_with_state(app.clone(), count_key_set_requests);
    let router = Router::new()
        .route(
            "/.well-known/jwks.json",
            jwks_route(Arc::clone(&app.issuer)).layer(counted),
        )
        .route("/token", get(token))
        .route("/stats", get(stats))
        .with_state(app);
    println!("listening on http://{address}");
    axum::serve(listener, router).await?;
    Ok(())
}

/// Counts each answer of the key set route by its status.
async fn count_key_set_requests(
    State(app): State<App>,
    request: axum::extract::Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    let counter = if response.status() == StatusCode::NOT_MODIFIED {
        &app.counts.not_modified
    } else {
        &app.counts.full
    };
    counter.fetch_add(1, Ordering::SeqCst);
    response
}

/// A token for `sub` to `aud`, signed by the current key.
async fn token(State(app): State<App>, Query(request): Query<TokenRequest>) -> Response {
    match app
        .issuer
        .issue(&request.sub, &request.aud, &serde_json::json!({}))
    {
        Ok(token) => token.into_response(),
        Err(error) => {
            eprintln!("cannot issue: {error}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn stats(State(app): State<App>) -> Response {
    axum::Json(serde_json::json!({
        "key_set_full": app.counts.full.load(Ordering::SeqCst),
        "key_set_not_modified": app.counts.not_modified.load(Ordering::SeqCst),
        "kid": app.issuer.kid(),
    }))
    .into_response()
}
