//! A small server-rendered app on the session layer: log in with any name, count, grow the
//! session until it is chunked over several cookies (and shrink it), log out here, or log out
//! everywhere.
//!
//! ```sh
//! cargo run -p sealed-session-examples --example axum_app --features axum -- 127.0.0.1:8080
//! ```
//!
//! It listens on the address given as its first argument (default `127.0.0.1:3000`; port 0
//! picks a free one) and prints `listening on http://ADDRESS`. Set `SESSION_KEY` (from
//! `sealed-session keygen`) to keep sessions across restarts. No JavaScript: every action is a
//! form.
//!
//! CSRF is the layer's: every POST whose browser says it comes from another site
//! (`Sec-Fetch-Site`, else `Origin`) is refused with 403 before any handler runs — the login
//! form too (login CSRF) — and every POST of a session must carry that session's token, which
//! each form holds (`session.csrf_field()`).
//!
//! Why a session was refused, and what failed, goes to standard error, never to the visitor.
//! "Log out" revokes the session, so that a copy of its cookie no longer opens either; "log out
//! everywhere" revokes every session of the user. The revocation list lives in this process.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, Request};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;
use sealed_session::http::{LoginRequired, SessionCookie, SessionHandle, SessionLayer};
use sealed_session::{Compression, Error, Key, Keyring, RevocationList, Sealer, Session};
use serde::{Deserialize, Serialize};
use time::Duration;

/// What the session holds.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct AppState {
    counter: u64,
    /// Filler that `/grow` adds, so the session outgrows one cookie.
    notes: Vec<String>,
}

type Handle = SessionHandle<AppState>;

#[derive(Deserialize)]
struct Login {
    user: String,
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

/// A form of the session that posts to `action`, with the session's CSRF token in it.
fn form(action: &str, session: &Handle, label: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{action}\" style=\"display:inline\">{}\
         <button id=\"{}\" type=\"submit\">{label}</button></form> ",
        session.csrf_field(),
        action.trim_start_matches('/')
    )
}

/// Logs why the request's session cookie was refused, on every route. For the log only:
/// telling the visitor which check failed would help whoever forges cookies.
async fn log_refused_session(request: Request, next: Next) -> Response {
    let problem = request
        .extensions()
        .get::<Handle>()
        .and_then(SessionHandle::problem);
    if let Some(problem) = problem {
        eprintln!("previous session refused: {problem}");
    }
    next.run(request).await
}

async fn index(user: Option<Session<AppState>>, session: Handle) -> Html<String> {
    let Some(user) = user else {
        return page(
            "<h1 id=\"status\">not logged in</h1>\
             <p>please log in</p>\
             <form method=\"post\" action=\"/login\"><label>user <input name=\"user\" id=\"user\"></label> \
             <button id=\"login\" type=\"submit\">log in</button></form>",
        );
    };
    let notes: usize = user.state().notes.iter().map(String::len).sum();
    page(&format!(
        "<h1 id=\"status\">logged in as <span id=\"who\">{}</span></h1>\
         <p>since {}</p>\
         <p>counter: <span id=\"counter\">{}</span></p>\
         <p>filler in the session: <span id=\"filler\">{notes}</span> bytes</p>\
         <p>{}{}{}</p><p>{}{}</p>",
        escape(user.subject()),
        user.authenticated_at(),
        user.state().counter,
        form("/count", &session, "count"),
        form("/grow", &session, "grow"),
        form("/shrink", &session, "shrink"),
        form("/logout", &session, "log out"),
        form("/logout-everywhere", &session, "log out everywhere"),
    ))
}

async fn login(session: Handle, Form(login): Form<Login>) -> Result<Redirect, Refused> {
    let user = login.user.trim();
    if user.is_empty() || user.len() > 64 {
        return Err(Refused::BadName);
    }
    session.log_in(user, AppState::default())?;
    Ok(Redirect::to("/"))
}

/// Why a form was not acted on: each is its own answer.
enum Refused {
    /// No one is logged in (logged out meanwhile, or the session expired): back to the start.
    NotLoggedIn(LoginRequired),
    BadName,
    /// The library refused the change.
    Failed(Error),
}

impl From<Error> for Refused {
    fn from(error: Error) -> Refused {
        Refused::Failed(error)
    }
}

impl From<LoginRequired> for Refused {
    fn from(refused: LoginRequired) -> Refused {
        Refused::NotLoggedIn(refused)
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::NotLoggedIn(refused) => refused.into_response(),
            Refused::BadName => (
                StatusCode::BAD_REQUEST,
                page("<p>a user name of 1 to 64 characters</p>"),
            )
                .into_response(),
            Refused::Failed(error) => failed(error),
        }
    }
}

/// The error goes to the log; the visitor gets a text that tells nothing about our insides.
fn failed(error: Error) -> Response {
    eprintln!("request failed: {error}");
    let (status, text) = match error {
        Error::CookieBudget => (StatusCode::PAYLOAD_TOO_LARGE, "the session is full"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "that did not work"),
    };
    (
        status,
        page(&format!(
            "<p id=\"problem\">{text}</p><p><a href=\"/\">back</a></p>"
        )),
    )
        .into_response()
}

/// Runs `change` on the logged-in user's state and saves it.
fn change(session: &Handle, change: impl FnOnce(&mut AppState)) -> Result<Redirect, Refused> {
    let mut state = session.require_login()?.into_state();
    change(&mut state);
    session.update(state)?;
    Ok(Redirect::to("/"))
}

async fn count(session: Handle) -> Result<Redirect, Refused> {
    change(&session, |state| state.counter += 1)
}

async fn grow(session: Handle) -> Result<Redirect, Refused> {
    change(&session, |state| state.notes.push(random_text(1200)))
}

async fn shrink(session: Handle) -> Result<Redirect, Refused> {
    change(&session, |state| state.notes.clear())
}

/// Revokes this session (the sealer has the list) and removes its cookie.
async fn logout(session: Handle) -> Redirect {
    session.log_out();
    Redirect::to("/")
}

/// Revokes every session of the user that began until now, and removes the cookie here.
async fn logout_everywhere(session: Handle) -> Result<Redirect, Refused> {
    session.log_out_everywhere()?;
    Ok(Redirect::to("/"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let address: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".to_owned())
        .parse()?;
    // SESSION_KEY="NEW,OLD" (from `sealed-session keygen`); unset: a fresh key for this run.
    let key = match std::env::var_os("SESSION_KEY") {
        Some(_) => Keyring::from_env("SESSION_KEY")?,
        None => Keyring::new(Key::generate()),
    };
    let (ttl, max_lifetime) = (Duration::hours(8), Duration::days(1));
    // Kept by the sealer: `log_out` and `log_out_everywhere` revoke through it.
    let revocations = Arc::new(RevocationList::new(max_lifetime + Duration::minutes(5)));
    // The user name is chosen by the visitor: no compression, so that a token's length tells
    // nothing about the rest of the state (CRIME/BREACH).
    let sealer = Sealer::builder(key, "session")
        .with_ttl(ttl)
        .with_max_lifetime(max_lifetime)
        .with_compression(Compression::Never)
        .with_max_token_len(16 * 1024)
        .with_revocations(revocations)
        .build()?;
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
        .layer(middleware::from_fn(log_refused_session))
        // CSRF protection on; a visitor who must log in is sent to the start page.
        .layer(SessionLayer::<AppState>::new(sealer, cookie).with_login_redirect("/"));
    let listener = tokio::net::TcpListener::bind(address).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
