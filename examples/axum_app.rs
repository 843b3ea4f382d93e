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
//! `Key::generate().to_base64()`) to keep sessions across restarts. No JavaScript: every action
//! is a form.
//!
//! CSRF, twice: every POST whose browser says it comes from another site (`Sec-Fetch-Site`
//! other than `same-origin` or `none`, or an `Origin` that is not this app's) is refused with
//! 403 before any handler runs — the login form too, which has no session to keep a token in
//! (login CSRF: logging the visitor into the attacker's account); and every form of a session
//! carries a CSRF token kept in the session and checked on each POST (`SameSite=Lax` alone
//! leaves same-site attackers and older browsers).
//!
//! Why a session was refused, and what failed, goes to standard error, never to the visitor.
//! "Log out" revokes the session, so that a copy of its cookie no longer opens either; "log out
//! everywhere" revokes every session of the user. The revocation list lives in this process.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;
use sealed_session::http::{SessionCookie, SessionHandle, SessionLayer};
use sealed_session::{Compression, Error, Key, Keyring, RevocationList, Sealer};
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

/// Whether the request's browser says it comes from this app's own pages. Browsers send
/// `Sec-Fetch-Site` (`none`: the user typed the address or used a bookmark) and, with a form
/// post, `Origin`; a request with neither (an older browser, a script) passes here, and the
/// session's CSRF token is what still guards the forms of a session.
fn same_origin(headers: &HeaderMap) -> bool {
    let site_ok = headers
        .get("sec-fetch-site")
        .is_none_or(|site| site == "same-origin" || site == "none");
    let origin_ok = headers.get(header::ORIGIN).is_none_or(|origin| {
        let host = headers
            .get(header::HOST)
            .and_then(|host| host.to_str().ok());
        host.is_some_and(|host| {
            origin == format!("http://{host}").as_str()
                || origin == format!("https://{host}").as_str()
        })
    });
    site_ok && origin_ok
}

/// Refuses every request that may change something (a POST) from another site, before the
/// handler runs.
async fn refuse_cross_site(request: Request, next: Next) -> Response {
    if !request.method().is_safe() && !same_origin(request.headers()) {
        return (
            StatusCode::FORBIDDEN,
            page("<p id=\"problem\">refused: this form was not sent from this site</p>"),
        )
            .into_response();
    }
    next.run(request).await
}

/// Logs why the request's session cookie was refused, on every route. For the log only:
/// telling the visitor which check failed would help whoever forges cookies.
async fn log_refused_session(request: Request, next: Next) -> Response {
    let problem = request
        .extensions()
        .get::<Session>()
        .and_then(SessionHandle::problem);
    if let Some(problem) = problem {
        eprintln!("previous session refused: {problem}");
    }
    next.run(request).await
}

async fn index(session: Session) -> Html<String> {
    let (Some(state), Some(user)) = (session.state(), session.subject()) else {
        return page(
            "<h1 id=\"status\">not logged in</h1>\
             <p>please log in</p>\
             <form method=\"post\" action=\"/login\"><label>user <input name=\"user\" id=\"user\"></label> \
             <button id=\"login\" type=\"submit\">log in</button></form>",
        );
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

/// Why a form of a session was not acted on: each is its own answer.
enum Refused {
    /// No session (logged out meanwhile, or it expired): back to the start page.
    NoSession,
    /// The form's CSRF token is not the session's.
    BadCsrf,
    /// The library refused the change.
    Failed(Error),
}

impl From<Error> for Refused {
    fn from(error: Error) -> Refused {
        Refused::Failed(error)
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::NoSession => Redirect::to("/").into_response(),
            Refused::BadCsrf => (
                StatusCode::FORBIDDEN,
                page("<p id=\"problem\">bad CSRF token</p>"),
            )
                .into_response(),
            Refused::Failed(error) => failed(error),
        }
    }
}

/// The session's state, once the form's CSRF token is the session's.
fn checked(session: &Session, csrf: &Csrf) -> Result<AppState, Refused> {
    let state = session.state().ok_or(Refused::NoSession)?;
    if !bool::from(state.csrf.as_bytes().ct_eq(csrf.csrf.as_bytes())) {
        return Err(Refused::BadCsrf);
    }
    Ok(state)
}

/// Runs `change` on the session's state after checking the form's CSRF token.
fn change(
    session: &Session,
    csrf: &Csrf,
    change: impl FnOnce(&mut AppState),
) -> Result<Redirect, Refused> {
    let mut state = checked(session, csrf)?;
    change(&mut state);
    session.update(state)?;
    Ok(Redirect::to("/"))
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

async fn count(session: Session, Form(csrf): Form<Csrf>) -> Result<Redirect, Refused> {
    change(&session, &csrf, |state| state.counter += 1)
}

async fn grow(session: Session, Form(csrf): Form<Csrf>) -> Result<Redirect, Refused> {
    change(&session, &csrf, |state| state.notes.push(random_text(1200)))
}

async fn shrink(session: Session, Form(csrf): Form<Csrf>) -> Result<Redirect, Refused> {
    change(&session, &csrf, |state| state.notes.clear())
}

/// Revokes this session (the sealer has the list) and removes its cookie.
async fn logout(session: Session, Form(csrf): Form<Csrf>) -> Result<Redirect, Refused> {
    checked(&session, &csrf)?;
    session.log_out();
    Ok(Redirect::to("/"))
}

/// Revokes every session of the user that began until now, and removes the cookie here.
async fn logout_everywhere(session: Session, Form(csrf): Form<Csrf>) -> Result<Redirect, Refused> {
    checked(&session, &csrf)?;
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
    // The user name (chosen by the visitor) sits next to the CSRF token: no compression, so
    // the token's length tells nothing about the secret (CRIME/BREACH).
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
        .layer(SessionLayer::<AppState>::new(sealer, cookie))
        // Outermost: a cross-site request is refused before its session is even opened.
        .layer(middleware::from_fn(refuse_cross_site));
    let listener = tokio::net::TcpListener::bind(address).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
