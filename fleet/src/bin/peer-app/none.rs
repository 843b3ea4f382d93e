//! The same routes without a session: what the app costs by itself, the ceiling the others are
//! measured against.

use axum::Router;
use axum::routing::{get, post};

pub fn router() -> Router {
    Router::new()
        .route("/login", post(|| async { "" }))
        .route("/read", get(|| async { "0" }))
        .route("/write", post(|| async { "1" }))
}
