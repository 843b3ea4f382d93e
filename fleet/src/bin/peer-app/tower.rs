//! tower-sessions, the design of the server-side seeds: the cookie holds a session id, the
//! store holds the session (Redis, as `tower-sessions-redis-store` keeps it: one key per
//! session, read on every request that looks at the session, written on every change; or the
//! process's memory, which only one instance can use).

use axum::Form;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sealed_session_fleet::api::env;
use tower_sessions::{MemoryStore, Session, SessionManagerLayer, SessionStore};
use tower_sessions_redis_store::RedisStore;
use tower_sessions_redis_store::fred::prelude::{ClientLike as _, Config, Pool};

use super::Login;

/// The key of the count in the session.
const COUNT: &str = "count";

/// Connections of the Redis pool: one per core of this machine and a spare.
const POOL_SIZE: usize = 4;

pub async fn redis_router() -> Result<Router, Box<dyn std::error::Error>> {
    let url =
        std::env::var(env::REDIS_URL).map_err(|_| format!("{} is not set", env::REDIS_URL))?;
    let pool = Pool::new(Config::from_url(&url)?, None, None, None, POOL_SIZE)?;
    // The connections' tasks run for the life of the process.
    let _connections = pool.connect();
    pool.wait_for_connect().await?;
    Ok(router(RedisStore::new(pool)))
}

pub fn memory_router() -> Router {
    router(MemoryStore::default())
}

fn router<S: SessionStore + Clone>(store: S) -> Router {
    Router::new()
        .route("/login", post(login))
        .route("/read", get(read))
        .route("/write", post(write))
        .layer(SessionManagerLayer::new(store))
}

async fn login(session: Session, Form(login): Form<Login>) -> Response {
    let inserted = async {
        // A new id at login, as the store's documentation asks (no session fixation).
        session.cycle_id().await?;
        session.insert("user", login.user).await?;
        session.insert(COUNT, 0u64).await
    };
    match inserted.await {
        Ok(()) => "".into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

async fn read(session: Session) -> Response {
    match session.get::<u64>(COUNT).await {
        Ok(Some(count)) => count.to_string().into_response(),
        Ok(None) => StatusCode::UNAUTHORIZED.into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

async fn write(session: Session) -> Response {
    let count = match session.get::<u64>(COUNT).await {
        Ok(Some(count)) => count + 1,
        Ok(None) => return StatusCode::UNAUTHORIZED.into_response(),
        Err(error) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response();
        }
    };
    match session.insert(COUNT, count).await {
        Ok(()) => count.to_string().into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}
