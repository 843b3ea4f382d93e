//! axum-extra's `PrivateCookieJar`: the session as JSON in one encrypted cookie (AES-GCM,
//! through the `cookie` crate), no revocation, no rolling, no CSRF.

use axum::Form;
use axum::Router;
use axum::extract::FromRef;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, Key, PrivateCookieJar, SameSite};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::Login;

/// The variable with the jar's key: base64 of 64 bytes, the same on every instance.
const JAR_KEY: &str = "JAR_KEY";

/// The cookie's name.
const NAME: &str = "session";

#[derive(Clone)]
struct Keys {
    key: Key,
}

impl FromRef<Keys> for Key {
    fn from_ref(keys: &Keys) -> Key {
        keys.key.clone()
    }
}

/// What the cookie holds.
#[derive(Serialize, Deserialize)]
struct Small {
    user: String,
    count: u64,
}

pub fn router() -> Result<Router, Box<dyn std::error::Error>> {
    let text = std::env::var(JAR_KEY).map_err(|_| format!("{JAR_KEY} is not set"))?;
    let bytes = STANDARD.decode(text.trim())?;
    if bytes.len() < 64 {
        return Err(format!("{JAR_KEY} must hold 64 bytes").into());
    }
    Ok(Router::new()
        .route("/login", post(login))
        .route("/read", get(read))
        .route("/write", post(write))
        .with_state(Keys {
            key: Key::from(&bytes),
        }))
}

fn cookie(session: &Small) -> Option<Cookie<'static>> {
    let value = serde_json::to_string(session).ok()?;
    Some(
        Cookie::build((NAME, value))
            .path("/")
            .http_only(true)
            .secure(true)
            .same_site(SameSite::Lax)
            .build(),
    )
}

fn session(jar: &PrivateCookieJar) -> Option<Small> {
    serde_json::from_str(jar.get(NAME)?.value()).ok()
}

async fn login(jar: PrivateCookieJar, Form(login): Form<Login>) -> Response {
    let small = Small {
        user: login.user,
        count: 0,
    };
    match cookie(&small) {
        Some(cookie) => (jar.add(cookie), "").into_response(),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn read(jar: PrivateCookieJar) -> Response {
    match session(&jar) {
        Some(small) => small.count.to_string().into_response(),
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}

async fn write(jar: PrivateCookieJar) -> Response {
    let Some(mut small) = session(&jar) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    small.count += 1;
    match cookie(&small) {
        Some(cookie) => (jar.add(cookie), small.count.to_string()).into_response(),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
