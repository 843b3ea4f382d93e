//! Service B of a pair of microservices: it verifies the bearer tokens of service A
//! (`jwks_issuer.rs`) with A's published keys, fetched from A's `/.well-known/jwks.json` and kept
//! fresh — cached as A's `Cache-Control` says, refetched on an unknown `kid` at most once per
//! cooldown, the last good set used while A is down (up to a bound).
//!
//! ```sh
//! JWKS_URL=http://127.0.0.1:4000/.well-known/jwks.json ISSUER=http://127.0.0.1:4000 \
//!   cargo run -p sealed-session-examples --example jwks_verifier --features jwks -- 127.0.0.1:4001
//! curl -H "Authorization: Bearer $(curl -s 'http://127.0.0.1:4000/token?sub=alice&aud=orders')" \
//!   http://127.0.0.1:4001/whoami
//! ```
//!
//! Settings: `JWKS_URL` and `ISSUER` (required), `AUDIENCE` (default `orders`), and the cache's
//! bounds in seconds: `CACHE_MIN_SECONDS`, `CACHE_MAX_SECONDS`, `COOLDOWN_SECONDS`,
//! `STALE_SECONDS` (the defaults of `RemoteKeySetOptions` otherwise). `/stats` shows what the
//! key set has done. A refused token is answered 401 with `WWW-Authenticate`; keys that
//! cannot be had, 503; the reason is logged with `tracing` (add a subscriber to see it).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sealed_session::jwt::{Bearer, JwsVerifier, RemoteKeySet, RemoteKeySetOptions};
use time::Duration;

#[derive(Clone)]
struct App {
    verifier: Arc<JwsVerifier>,
    keys: RemoteKeySet,
}

impl axum::extract::FromRef<App> for Arc<JwsVerifier> {
    fn from_ref(app: &App) -> Arc<JwsVerifier> {
        Arc::clone(&app.verifier)
    }
}

fn seconds(name: &str) -> Result<Option<Duration>, Box<dyn std::error::Error>> {
    Ok(match std::env::var(name) {
        Ok(text) => Some(Duration::seconds(text.trim().parse()?)),
        Err(_) => None,
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let address: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:4001".into())
        .parse()?;
    let url = std::env::var("JWKS_URL")?;
    let issuer = std::env::var("ISSUER")?;
    let audience = std::env::var("AUDIENCE").unwrap_or_else(|_| "orders".into());
    let mut options = RemoteKeySetOptions::default();
    if let (Some(min), Some(max)) = (seconds("CACHE_MIN_SECONDS")?, seconds("CACHE_MAX_SECONDS")?) {
        options = options.with_cache_bounds(min, max);
    }
    if let Some(cooldown) = seconds("COOLDOWN_SECONDS")? {
        options = options.with_refetch_cooldown(cooldown);
    }
    if let Some(stale) = seconds("STALE_SECONDS")? {
        options = options.with_stale_bound(stale);
    }
    let keys = RemoteKeySet::new(&url, options)?;
    let app = App {
        verifier: Arc::new(JwsVerifier::remote(keys.clone(), &issuer, &audience)),
        keys,
    };
    let router = Router::new()
        .route("/whoami", get(whoami))
        .route("/stats", get(stats))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind(address).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, router).await?;
    Ok(())
}

async fn whoami(Bearer(token): Bearer<serde_json::Value>) -> String {
    token.subject().to_owned()
}

async fn stats(State(app): State<App>) -> Response {
    let status = app.keys.status();
    axum::Json(serde_json::json!({
        "sets_fetched": status.sets_fetched,
        "not_modified": status.not_modified,
        "failures": status.failures,
        "unknown_kid_fetches": status.unknown_kid_fetches,
        "unknown_kids_refused": status.unknown_kids_refused,
        "keys": status.keys,
        "last_error": status.last_error,
    }))
    .into_response()
}
