//! A small server-rendered app on the session layer: log in with any name, count, grow the
//! session until it is chunked over several cookies (and shrink it), log out here, or log out
//! everywhere.
//!
//! ```sh
//! cargo run --example axum_app --features axum -- 127.0.0.1:8080
//! ```
//!
//! It listens on the address given as its first argument (default `127.0.0.1:3000`; port 0
//! picks a free one) and prints `listening on http://ADDRESS`. Set `SESSION_KEY` (from
//! `Key::generate().to_base64()`) to keep sessions across restarts. No JavaScript: every action
//! is a form. Every form carries a CSRF token kept in the session and checked on each POST
//! (`SameSite=Lax` alone leaves same-site attackers and older browsers).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;
use sealed_session::http::{SessionCookie, SessionHandle, SessionLayer};
use sealed_session::{Compression, Error, Key, RevocationList, Sealer};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq as _;
use time::Duration;

/// What the session holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct AppState {
    counter: u64,
    /// Kept in the session, sent in every form, checked on every POST.
    csrf: String,
    /// Filler that `/grow` adds, so the session outgrows one cookie.
    notes: Vec<String>,
}

type Session = SessionHandle<AppState>;

#[derive(Clone)]
struct App {
    revocations: Arc<RevocationList>,
}

#[derive(Deserialize)]
struct Login {
    user: String,
}

#[derive(Deserialize)]
struct Csrf {
    csrf: String,
}

fn random_text(bytes: usize) -> String {
    let mut raw = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut raw);
    URL_SAFE_NO_PAD.encode(raw)
}

fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

fn page(body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>sealed-session</title></head>\
         <body style=\"font-family: sans-serif; max-width: 40em; margin: 2em auto\">{body}</body></html>"
    ))
}

fn form(action: &str, csrf: &str, label: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{action}\" style=\"display:inline\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <button id=\"{}\" type=\"submit\">{label}</button></form> ",
        escape(csrf),
        action.trim_start_matches('/')
    )
}

async fn index(session: Session) -> Html<String> {
    let (Some(state), Some(user)) = (session.state(), session.subject()) else {
        let why = session
            .problem()
            .map(|problem| {
                format!(
                    "<p id=\"problem\">previous session refused: {}</p>",
                    escape(&problem)
                )
            })
            .unwrap_or_default();
        return page(&format!(
            "<h1 id=\"status\">not logged in</h1>{why}\
             <form method=\"post\" action=\"/login\"><label>user <input name=\"user\" id=\"user\"></label> \
             <button id=\"login\" type=\"submit\">log in</button></form>"
        ));
    };
    let since = session
        .authenticated_at()
        .map(|t| t.to_string())
        .unwrap_or_default();
    let notes: usize = state.notes.iter().map(String::len).sum();
    page(&format!(
        "<h1 id=\"status\">logged in as <span id=\"who\">{}</span></h1>\
         <p>since {since}</p>\
         <p>counter: <span id=\"counter\">{}</span></p>\
         <p>filler in the session: <span id=\"filler\">{notes}</span> bytes</p>\
         <p>{}{}{}</p><p>{}{}</p>",
        escape(&user),
        state.counter,
        form("/count", &state.csrf, "count"),
        form("/grow", &state.csrf, "grow"),
        form("/shrink", &state.csrf, "shrink"),
        form("/logout", &state.csrf, "log out"),
        form("/logout-everywhere", &state.csrf, "log out everywhere"),
    ))
}

async fn login(session: Session, Form(login): Form<Login>) -> Response {
    let user = login.user.trim();
    if user.is_empty() || user.len() > 64 {
        return (
            StatusCode::BAD_REQUEST,
            page("<p>a user name of 1 to 64 characters</p>"),
        )
            .into_response();
    }
    let state = AppState {
        counter: 0,
        csrf: random_text(24),
        notes: Vec::new(),
    };
    match session.log_in(user, state) {
        Ok(()) => Redirect::to("/").into_response(),
        Err(error) => failed(error),
    }
}

/// Runs `change` on the session's state after checking the form's CSRF token.
fn change(session: &Session, csrf: &Csrf, change: impl FnOnce(&mut AppState)) -> Response {
    let Some(mut state) = session.state() else {
        return Redirect::to("/").into_response();
    };
    if !bool::from(state.csrf.as_bytes().ct_eq(csrf.csrf.as_bytes())) {
        return (
            StatusCode::FORBIDDEN,
            page("<p id=\"problem\">bad CSRF token</p>"),
        )
            .into_response();
    }
    change(&mut state);
    match session.update(state) {
        Ok(()) => Redirect::to("/").into_response(),
        Err(error) => failed(error),
    }
}

fn failed(error: Error) -> Response {
    let status = match error {
        Error::CookieBudget => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (
        status,
        page(&format!(
            "<p id=\"problem\">{}</p><p><a href=\"/\">back</a></p>",
            escape(&error.to_string())
        )),
    )
        .into_response()
}

async fn count(session: Session, Form(csrf): Form<Csrf>) -> Response {
    change(&session, &csrf, |state| state.counter += 1)
}

async fn grow(session: Session, Form(csrf): Form<Csrf>) -> Response {
    change(&session, &csrf, |state| state.notes.push(random_text(1200)))
}

async fn shrink(session: Session, Form(csrf): Form<Csrf>) -> Response {
    change(&session, &csrf, |state| state.notes.clear())
}

async fn logout(session: Session, Form(csrf): Form<Csrf>) -> Response {
    if session
        .state()
        .is_some_and(|state| bool::from(state.csrf.as_bytes().ct_eq(csrf.csrf.as_bytes())))
    {
        session.log_out();
    }
    Redirect::to("/").into_response()
}

async fn logout_everywhere(
    State(app): State<App>,
    session: Session,
    Form(csrf): Form<Csrf>,
) -> Response {
    let user = session.subject();
    let valid = session
        .state()
        .is_some_and(|state| bool::from(state.csrf.as_bytes().ct_eq(csrf.csrf.as_bytes())));
    if let (Some(user), true) = (user, valid) {
        app.revocations.revoke_user(&user);
        session.log_out();
    }
    Redirect::to("/").into_response()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let address: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".to_owned())
        .parse()?;
    let key = match std::env::var("SESSION_KEY") {
        Ok(text) => Key::from_base64(&text)?,
        Err(_) => Key::generate(),
    };
    let (ttl, max_lifetime) = (Duration::hours(8), Duration::days(1));
    let revocations = Arc::new(RevocationList::new(max_lifetime + Duration::minutes(5)));
    // The user name (chosen by the visitor) sits next to the CSRF token: no compression, so
    // the token's length tells nothing about the secret (CRIME/BREACH).
    let sealer = Sealer::new(key, "session")
        .with_ttl(ttl)
        .with_max_lifetime(max_lifetime)
        .with_compression(Compression::Never)
        .with_max_token_len(16 * 1024)
        .with_revocations(Arc::clone(&revocations));
    sealer.validate()?;
    let cookie = SessionCookie::new("__Host-session");
    cookie.validate()?;

    let app = Router::new()
        .route("/", get(index))
        .route("/login", post(login))
        .route("/count", post(count))
        .route("/grow", post(grow))
        .route("/shrink", post(shrink))
        .route("/logout", post(logout))
        .route("/logout-everywhere", post(logout_everywhere))
        .layer(SessionLayer::<AppState>::new(sealer, cookie))
        .with_state(App { revocations });
    let listener = tokio::net::TcpListener::bind(address).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
