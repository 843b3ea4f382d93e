//! The app's routes ([`sealed_session_fleet::api`]): JSON answers that tell the load generator
//! which session came in, which one goes out, and the CSRF token of the next POST.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_TYPE, SET_COOKIE};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;
use sealed_session::http::{SessionHandle, SessionLayer};
use sealed_session::redis::RedisSync;
use sealed_session_fleet::api::{
    Answer, MAX_NOTES, NOTE_CHARS, SessionView, Status, SyncView, route,
};
use serde::{Deserialize, Serialize};

/// What a session holds.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Notes {
    count: u64,
    /// Filler that `/grow` adds, so that the session outgrows one cookie.
    notes: Vec<String>,
}

type Handle = SessionHandle<Notes>;

/// What the handlers share: the sync, to publish a logout before answering it.
#[derive(Clone)]
pub struct App {
    pub sync: Arc<RedisSync>,
    /// Serverless mode: each request catches up first ([`catch_up_first`]).
    pub serverless: bool,
}

/// The longest a request waits for the catch-up in serverless mode, as the serverless
/// example's invocations do: past it, the request is served from what the list holds.
const INVOCATION_CATCH_UP: std::time::Duration = std::time::Duration::from_millis(200);

/// The routes, behind the session layer; outside it, the step that keeps the cookie of a
/// logout whose revocation did not reach Redis.
pub fn router(app: App, layer: SessionLayer<Notes>) -> Router {
    Router::new()
        .route(route::INDEX, get(index))
        .route(route::LOGIN, post(login))
        .route(route::COUNT, post(count))
        .route(route::GROW, post(grow))
        .route(route::SHRINK, post(shrink))
        .route(route::LOGOUT, post(logout))
        .route(route::LOGOUT_EVERYWHERE, post(logout_everywhere))
        .route(route::STATUS, get(status))
        .with_state(app.clone())
        .layer(layer)
        .layer(middleware::map_response(keep_cookie_when_asked))
        .layer(middleware::from_fn_with_state(app, catch_up_first))
}

/// In serverless mode, before the session layer opens the cookie: the revocations published
/// since the last request, as an invocation of a thawed function reads them.
async fn catch_up_first(
    State(app): State<App>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> Response {
    if app.serverless && request.uri().path() != route::STATUS {
        match tokio::time::timeout(INVOCATION_CATCH_UP, app.sync.catch_up_async()).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("fleet-app: revocations not caught up: {error}"),
            Err(_) => {
                eprintln!("fleet-app: revocations not caught up within {INVOCATION_CATCH_UP:?}")
            }
        }
    }
    next.run(request).await
}

/// The logged-in session of the handle, as the answers show it.
fn view(session: &Handle) -> Option<SessionView> {
    let session = session.require_login().ok()?;
    let millis = |at: time::OffsetDateTime| {
        i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
    };
    Some(SessionView {
        user: session.subject().to_owned(),
        id: session.session_id().to_string(),
        count: session.state().count,
        notes: session.state().notes.len(),
        issued_ms: millis(session.issued_at()),
        expires_ms: millis(session.expires_at()),
    })
}

fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The answer: the session that came in, the session now, and its CSRF token.
fn answer(
    status: StatusCode,
    came_in: Option<SessionView>,
    session: &Handle,
    error: Option<String>,
) -> Response {
    let answer = Answer {
        came_in,
        now: view(session),
        csrf: session.csrf_token(),
        error,
        refused: session.problem(),
    };
    json(status, &answer)
}

async fn index(session: Handle) -> Response {
    answer(StatusCode::OK, view(&session), &session, None)
}

#[derive(Deserialize)]
struct Login {
    user: String,
}

async fn login(session: Handle, Form(login): Form<Login>) -> Response {
    let came_in = view(&session);
    let user = login.user.trim();
    if user.is_empty() || user.len() > 64 {
        let error = Some("a user name of 1 to 64 characters".to_owned());
        return answer(StatusCode::BAD_REQUEST, came_in, &session, error);
    }
    let result = session.log_in(user, Notes::default());
    done(result, came_in, &session)
}

/// 200 when the session was written; 413 for a session over the cookie budget, 500 otherwise.
fn done(
    result: Result<(), sealed_session::Error>,
    came_in: Option<SessionView>,
    session: &Handle,
) -> Response {
    match result {
        Ok(()) => answer(StatusCode::OK, came_in, session, None),
        Err(error) => {
            let status = match error {
                sealed_session::Error::CookieBudget => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            answer(status, came_in, session, Some(error.to_string()))
        }
    }
}

/// Runs `change` on the logged-in session's state and writes it: 401 without one, 409 when
/// `change` refuses.
fn change(session: &Handle, change: impl FnOnce(&mut Notes) -> Result<(), String>) -> Response {
    let came_in = view(session);
    let Ok(user) = session.require_login() else {
        let error = Some("log in first".to_owned());
        return answer(StatusCode::UNAUTHORIZED, came_in, session, error);
    };
    let mut state = user.into_state();
    if let Err(refused) = change(&mut state) {
        return answer(StatusCode::CONFLICT, came_in, session, Some(refused));
    }
    done(session.update(state), came_in, session)
}

async fn count(session: Handle) -> Response {
    change(&session, |state| {
        state.count += 1;
        Ok(())
    })
}

async fn grow(session: Handle) -> Response {
    change(&session, |state| {
        if state.notes.len() >= MAX_NOTES {
            return Err(format!("{MAX_NOTES} notes at most"));
        }
        state.notes.push(note());
        Ok(())
    })
}

async fn shrink(session: Handle) -> Response {
    change(&session, |state| {
        state
            .notes
            .pop()
            .map(|_| ())
            .ok_or_else(|| "no note".to_owned())
    })
}

/// [`NOTE_CHARS`] characters of random text (incompressible, like most of a real session).
fn note() -> String {
    let mut raw = [0u8; NOTE_CHARS / 4 * 3];
    rand::rng().fill_bytes(&mut raw);
    URL_SAFE_NO_PAD.encode(raw)
}

const _: () = assert!(
    NOTE_CHARS.is_multiple_of(4),
    "base64 of whole 3-byte groups"
);

/// Revokes this session, and answers once Redis has the revocation.
async fn logout(State(app): State<App>, session: Handle) -> Response {
    let came_in = view(&session);
    session.log_out();
    published(&app, came_in, &session).await
}

/// Revokes every session of the user that began until now, and answers once Redis has it.
async fn logout_everywhere(State(app): State<App>, session: Handle) -> Response {
    let came_in = view(&session);
    if let Err(error) = session.log_out_everywhere() {
        let error = Some(error.to_string());
        return answer(StatusCode::INTERNAL_SERVER_ERROR, came_in, &session, error);
    }
    published(&app, came_in, &session).await
}

/// Marks a response whose `Set-Cookie` headers are dropped on the way out.
#[derive(Clone, Copy)]
struct KeepCookie;

/// Publishes the revocation just made: 200 once Redis has it. Otherwise 503, and the cookie is
/// kept (the layer's removal is dropped), so that the client can try again: the revocation is
/// in force on this instance already, and the sync publishes it once Redis is back.
async fn published(app: &App, came_in: Option<SessionView>, session: &Handle) -> Response {
    match app.sync.flush_async().await {
        Ok(()) => answer(StatusCode::OK, came_in, session, None),
        Err(error) => {
            let error = format!("logged out on this instance, not yet everywhere: {error}");
            let mut response = answer(
                StatusCode::SERVICE_UNAVAILABLE,
                came_in,
                session,
                Some(error),
            );
            response.extensions_mut().insert(KeepCookie);
            response
        }
    }
}

async fn keep_cookie_when_asked(mut response: Response) -> Response {
    if response.extensions().get::<KeepCookie>().is_some() {
        response.headers_mut().remove(SET_COOKIE);
    }
    response
}

async fn status(State(app): State<App>) -> Response {
    // The status takes the sync's lock, which an exchange may hold for its timeout.
    let sync = Arc::clone(&app.sync);
    let Ok(sync) = tokio::task::spawn_blocking(move || sync.status()).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let status = Status {
        clock_ms: i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
            .unwrap_or(i64::MAX),
        rss_kib: resident_kib(),
        revocations: app.sync.list().len(),
        sync: SyncView {
            loaded: sync.loaded,
            connected: sync.connected,
            lag_ms: sync
                .lag
                .and_then(|lag| i64::try_from(lag.whole_milliseconds()).ok()),
            pending: sync.pending,
            applied: sync.applied,
            loads: sync.loads,
            clock_offset_ms: sync
                .clock_offset
                .and_then(|offset| i64::try_from(offset.whole_milliseconds()).ok()),
            last_error: sync.last_error,
        },
    };
    json(StatusCode::OK, &status)
}

/// `VmRSS` of `/proc/self/status`, in KiB (Linux).
fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
