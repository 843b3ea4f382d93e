//! The axum layer without a server: the router called as a tower service. What it writes for
//! each case of the decision table, and the clear error when the layer is missing.
#![cfg(feature = "axum")]

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::response::Response;
use axum::routing::{get, post};
use sealed_session::http::{SessionCookie, SessionHandle, SessionLayer};
use sealed_session::{Key, Sealer};
use time::{Duration, OffsetDateTime};
use tower_service::Service as _;

type Handle = SessionHandle<u32>;

async fn show(session: Handle) -> String {
    match (session.subject(), session.state()) {
        (Some(user), Some(count)) => format!("{user} {count}"),
        _ => format!("none {}", session.problem().unwrap_or_default()),
    }
}

async fn since(session: Handle) -> String {
    session
        .authenticated_at()
        .map_or_else(|| "never".to_owned(), |at| at.unix_timestamp().to_string())
}

async fn bump(session: Handle) -> StatusCode {
    match session.state() {
        Some(count) => match session.update(count + 1) {
            Ok(()) => StatusCode::OK,
            Err(_) => StatusCode::PAYLOAD_TOO_LARGE,
        },
        None => StatusCode::UNAUTHORIZED,
    }
}

async fn login(session: Handle) -> StatusCode {
    match session.log_in("ada", 0) {
        Ok(()) => StatusCode::OK,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

async fn logout(session: Handle) -> StatusCode {
    session.log_out();
    StatusCode::OK
}

fn sealer() -> Sealer {
    Sealer::new(Key::try_from(&[6u8; 32][..]).expect("32 bytes"), "session")
}

fn app() -> Router {
    Router::new()
        .route("/", get(show))
        .route("/since", get(since))
        .route("/bump", post(bump))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .layer(SessionLayer::<u32>::new(
            sealer(),
            SessionCookie::new("__Host-session"),
        ))
}

async fn call(router: &mut Router, method: &str, path: &str, cookie: Option<&str>) -> Response {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    router
        .call(request.body(Body::empty()).expect("request"))
        .await
        .expect("infallible")
}

fn set_cookies(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|value| value.to_str().expect("ASCII").to_owned())
        .collect()
}

/// The `Cookie` header a browser would send next.
fn stored(response: &Response) -> String {
    set_cookies(response)
        .iter()
        .filter(|value| !value.contains("Max-Age=0"))
        .map(|value| value.split(';').next().expect("pair").to_owned())
        .collect::<Vec<_>>()
        .join("; ")
}

async fn body(response: Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .expect("body");
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

#[tokio::test]
async fn log_in_update_read_and_log_out() {
    let mut app = app();
    let login = call(&mut app, "POST", "/login", None).await;
    assert_eq!(login.status(), StatusCode::OK);
    let cookie = stored(&login);
    assert!(cookie.starts_with("__Host-session="), "{cookie}");
    let bumped = call(&mut app, "POST", "/bump", Some(&cookie)).await;
    let cookie = stored(&bumped);
    assert_eq!(
        body(call(&mut app, "GET", "/", Some(&cookie)).await).await,
        "ada 1"
    );
    let since: i64 = body(call(&mut app, "GET", "/since", Some(&cookie)).await)
        .await
        .parse()
        .expect("a login time");
    let now = OffsetDateTime::now_utc().unix_timestamp();
    assert!((now - 60..=now).contains(&since), "{since} vs {now}");
    assert_eq!(
        body(call(&mut app, "GET", "/since", None).await).await,
        "never"
    );
    let out = call(&mut app, "POST", "/logout", Some(&cookie)).await;
    assert!(
        set_cookies(&out)
            .iter()
            .all(|value| value.contains("Max-Age=0"))
    );
    assert_eq!(
        set_cookies(&out).len(),
        4,
        "the cookie and every chunk index removed"
    );
}

#[tokio::test]
async fn nothing_changed_writes_nothing_and_past_half_life_rolls() {
    let mut app = app();
    let fresh = sealer().seal("ada", &7u32).expect("seals");
    let cookie = format!("__Host-session={fresh}");
    let read = call(&mut app, "GET", "/", Some(&cookie)).await;
    assert!(
        set_cookies(&read).is_empty(),
        "no rewrite when nothing changed"
    );
    assert_eq!(body(read).await, "ada 7");

    // Sealed 13 hours ago with the 24-hour TTL: past half its life, so the layer reseals it.
    let old_time = OffsetDateTime::now_utc() - Duration::hours(13);
    let old = sealer().seal_at("ada", &7u32, old_time).expect("seals");
    let before = sealer().open_at::<u32>(&old, old_time).expect("opens");
    let rolled = call(&mut app, "GET", "/", Some(&format!("__Host-session={old}"))).await;
    let next = stored(&rolled);
    let token = next.strip_prefix("__Host-session=").expect("rolled cookie");
    let after = sealer().open::<u32>(token).expect("opens");
    assert_eq!(after.session_id(), before.session_id(), "same session");
    assert_eq!(after.authenticated_at(), before.authenticated_at());
    assert!(after.expires_at() > before.expires_at());
}

#[tokio::test]
async fn a_broken_cookie_reads_as_no_session_and_is_cleared() {
    let mut app = app();
    for cookie in [
        "__Host-session=garbage".to_owned(),
        format!(
            "__Host-session={}",
            Sealer::new(Key::generate(), "session")
                .seal("x", &1u32)
                .expect("seals")
        ),
        "__Host-session=AQAB; __Host-session.0=AQAB".to_owned(),
    ] {
        let response = call(&mut app, "GET", "/", Some(&cookie)).await;
        let cleared = set_cookies(&response);
        assert_eq!(cleared.len(), 4, "{cookie}");
        assert!(cleared.iter().all(|value| value.contains("Max-Age=0")));
        let text = body(response).await;
        assert!(text.starts_with("none "), "{text}");
        assert!(
            text.len() > "none ".len(),
            "the reason is there for logs: {text}"
        );
    }
    // No cookie at all: nothing to clear, and no problem to tell.
    let response = call(&mut app, "GET", "/", None).await;
    assert!(set_cookies(&response).is_empty());
    assert_eq!(body(response).await, "none ");
}

#[tokio::test]
async fn a_handler_without_the_layer_gets_a_clear_500() {
    let mut app = Router::new().route("/", get(show));
    let response = call(&mut app, "GET", "/", None).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body(response).await.contains("SessionLayer"));
}
