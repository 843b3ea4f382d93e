//! The README's axum snippet, whole (between the two `README` lines): built with the other
//! examples, and a test of the library checks that the README shows it as it is here.
//!
//! ```sh
//! SESSION_KEY=$(sealed-session keygen) cargo run -p sealed-session-examples --example readme_axum --features axum
//! ```

// README: begin
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use sealed_session::http::{SessionCookie, SessionHandle, SessionLayer};
use sealed_session::{Error, Keyring, Sealer, Session};
use serde::{Deserialize, Serialize};

/// What a session holds: a cart, before and after the login.
#[derive(Clone, Default, Serialize, Deserialize)]
struct Cart {
    items: Vec<String>,
}

/// A logged-in user only: anyone else is sent to `/` before the handler runs.
async fn account(user: Session<Cart>) -> String {
    format!("{} has {} items", user.subject(), user.state().items.len())
}

/// Anyone: a user, an anonymous cart, or nobody yet. Every form carries the CSRF field.
async fn home(user: Option<Session<Cart>>, session: SessionHandle<Cart>) -> Html<String> {
    let who = user.map_or_else(|| "visitor".to_owned(), |user| user.subject().to_owned());
    let news = session.take_flashes().join(", ");
    let csrf = session.csrf_field(); // empty without a session: the origin check guards that
    Html(format!(
        "<p>hello {who} {news}</p><form method=post action=/login>{csrf}<input name=user><button>log in</button></form>"
    ))
}

#[derive(Deserialize)]
struct Login {
    user: String,
}

/// A POST reaches a handler only past the layer's CSRF checks (its origin; its session's token).
async fn log_in(session: SessionHandle<Cart>, Form(login): Form<Login>) -> Result<Redirect, Error> {
    // Check the password here. Then: a new session (new id, new CSRF token), the cart kept.
    let cart = session.state().unwrap_or_default();
    session.log_in(&login.user, cart)?;
    session.flash("welcome back")?;
    Ok(Redirect::to("/account"))
}

async fn log_out(session: SessionHandle<Cart>) -> Redirect {
    session.log_out();
    Redirect::to("/")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // SESSION_KEY="NEW,OLD" rotates; a key printed in any doc or example is refused.
    let sealer = Sealer::builder(Keyring::from_env("SESSION_KEY")?, "session").build()?;
    let sessions = SessionLayer::<Cart>::new(sealer, SessionCookie::new("__Host-session"))
        .with_login_redirect("/");
    let app = Router::new()
        .route("/", get(home))
        .route("/account", get(account))
        .route("/login", post(log_in))
        .route("/logout", post(log_out))
        .layer(sessions);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, app).await?;
    Ok(())
}
// README: end
