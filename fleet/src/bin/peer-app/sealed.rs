//! This crate's session layer: the session sealed into the cookie, revocations shared through
//! Redis and followed from a background thread, CSRF checked on every POST.

use std::sync::Arc;

use axum::Form;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sealed_session::http::{SessionCookie, SessionHandle, SessionLayer};
use sealed_session::redis::{Follower, RedisSync, SyncOptions};
use sealed_session::{Key, Keyring, RevocationList, Sealer};
use sealed_session_fleet::api::env;
use serde::{Deserialize, Serialize};
use time::Duration;

use super::Login;

/// The session: a count.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Small {
    count: u64,
}

type Handle = SessionHandle<Small>;

/// The routes, and the follower that must live as long as they serve.
pub async fn router() -> Result<(Router, Follower), Box<dyn std::error::Error>> {
    let keys = Keyring::from_env(env::SESSION_KEYS)?;
    let secret = Key::from_env(env::REVOCATION_KEY)?;
    let url =
        std::env::var(env::REDIS_URL).map_err(|_| format!("{} is not set", env::REDIS_URL))?;
    let namespace = std::env::var(env::NAMESPACE).unwrap_or_else(|_| "compare".to_owned());
    let ttl = Duration::hours(8);
    let max_lifetime = Duration::days(1);
    let list = Arc::new(RevocationList::new_shared(
        max_lifetime + Sealer::DEFAULT_LEEWAY,
        &secret,
    ));
    let sync = Arc::new(
        RedisSync::connect_async(Arc::clone(&list), &url, SyncOptions::new(&namespace)).await?,
    );
    let follower = sync.follow(Duration::milliseconds(100));
    let sealer = Sealer::builder(keys, "session")
        .with_ttl(ttl)
        .with_max_lifetime(max_lifetime)
        .with_revocations(list)
        .build()?;
    let cookie = SessionCookie::new("__Host-session");
    cookie.validate()?;
    let router = Router::new()
        .route("/login", post(login))
        .route("/read", get(read))
        .route("/write", post(write))
        .layer(SessionLayer::<Small>::new(sealer, cookie));
    Ok((router, follower))
}

async fn login(session: Handle, Form(login): Form<Login>) -> Response {
    match session.log_in(&login.user, Small::default()) {
        Ok(()) => session.csrf_token().unwrap_or_default().into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

async fn read(session: Handle) -> Response {
    match session.require_login() {
        Ok(user) => user.state().count.to_string().into_response(),
        Err(_) => StatusCode::UNAUTHORIZED.into_response(),
    }
}

async fn write(session: Handle) -> Response {
    let Ok(user) = session.require_login() else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let mut state = user.into_state();
    state.count += 1;
    match session.update(state.clone()) {
        Ok(()) => state.count.to_string().into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}
