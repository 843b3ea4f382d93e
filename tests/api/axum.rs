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

use crate::common::{fixed_key, fixed_sealer};
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

/// The session's CSRF token, for the unsafe requests of these tests (empty without a session).
async fn csrf(session: Handle) -> String {
    session.csrf_token().unwrap_or_default()
}

fn sealer() -> Sealer {
    fixed_sealer(6)
}

fn app() -> Router {
    Router::new()
        .route("/", get(show))
        .route("/csrf", get(csrf))
        .route("/since", get(since))
        .route("/bump", post(bump))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .layer(SessionLayer::<u32>::new(
            sealer(),
            SessionCookie::new("__Host-session"),
        ))
}

/// A request as the app's own page would send it: an unsafe one with a session carries the
/// session's CSRF token (asked of the app first), as its forms do.
async fn call(router: &mut Router, method: &str, path: &str, cookie: Option<&str>) -> Response {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(cookie) = cookie {
        if method != "GET" {
            let token = body(send(router, "GET", "/csrf", Some(cookie)).await).await;
            request = request.header("x-csrf-token", token);
        }
        request = request.header(COOKIE, cookie);
    }
    router
        .call(request.body(Body::empty()).expect("request"))
        .await
        .expect("infallible")
}

/// A request with no CSRF token: what another site's form, or a careless script, sends.
async fn send(router: &mut Router, method: &str, path: &str, cookie: Option<&str>) -> Response {
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
        format!("__Host-session={}", tampered()),
        format!(
            "__Host-session={}",
            sealer()
                .seal_at("x", &1u32, OffsetDateTime::now_utc() - Duration::days(2))
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

/// A token of ours with one character changed: authentic no more.
fn tampered() -> String {
    let token = sealer().seal("x", &1u32).expect("seals");
    let mut bytes = token.into_bytes();
    let last = bytes.len() - 2;
    bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).expect("ASCII")
}

/// Regression: the layer cleared a valid cookie when the refusal was the server's condition —
/// a key or a dictionary not deployed on this instance yet (a rolling deploy), or revocations
/// not loaded (Redis down at start, fail-closed) — logging every user out for good. Such a
/// request reads as "no session", and the cookie is kept.
#[tokio::test]
async fn the_axum_layer_deletes_a_valid_cookie_when_the_fault_is_the_servers() {
    let mut app = app();
    // Sealed by an instance that already has the new key, or the new dictionary.
    let new_key = fixed_key(7);
    let with_new_key = Sealer::new(new_key, "session")
        .seal("ada", &1u32)
        .expect("seals");
    let dictionary = sealed_session::Dictionary::new(b"{\"count\":".repeat(8));
    let with_new_dictionary = sealer()
        .to_builder()
        .with_dictionary(dictionary)
        .with_compression(sealed_session::Compression::Always)
        .build()
        .expect("valid settings")
        .seal("ada", &1u32)
        .expect("seals");
    for (token, why) in [
        (with_new_key, "unknown key id"),
        (with_new_dictionary, "unknown compression dictionary"),
    ] {
        let cookie = format!("__Host-session={token}");
        let response = call(&mut app, "GET", "/", Some(&cookie)).await;
        assert!(set_cookies(&response).is_empty(), "kept: {why}");
        assert_eq!(body(response).await, format!("none {why}"));
    }
}

/// The same with revocations that cannot load: Redis unreachable at start, fail-closed.
#[cfg(feature = "redis")]
#[tokio::test]
async fn a_cookie_is_kept_while_revocations_are_unavailable() {
    use sealed_session::RevocationList;
    use sealed_session::redis::{RedisSync, SyncOptions};
    use std::sync::Arc;

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let list = Arc::new(RevocationList::new_shared(
        Duration::days(8),
        &Key::generate(),
    ));
    let url = format!("redis://127.0.0.1:{port}/");
    let _sync =
        RedisSync::connect(Arc::clone(&list), &url, SyncOptions::new("down")).expect("a Redis URL");
    let mut app = Router::new()
        .route("/", get(show))
        .route("/csrf", get(csrf))
        .layer(SessionLayer::<u32>::new(
            sealer()
                .to_builder()
                .with_revocations(list)
                .build()
                .expect("valid settings"),
            SessionCookie::new("__Host-session"),
        ));
    let token = sealer().seal("ada", &1u32).expect("seals");
    let response = call(
        &mut app,
        "GET",
        "/",
        Some(&format!("__Host-session={token}")),
    )
    .await;
    assert!(set_cookies(&response).is_empty(), "kept during the outage");
    assert_eq!(body(response).await, "none revocation list not loaded yet");
}

/// An app whose sealer checks a revocation list, with the log-out variants.
fn app_with_revocations() -> (Router, std::sync::Arc<sealed_session::RevocationList>) {
    async fn everywhere(session: Handle) -> StatusCode {
        match session.log_out_everywhere() {
            Ok(()) => StatusCode::OK,
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    async fn others(session: Handle) -> StatusCode {
        let state = session.state().unwrap_or_default();
        match session.log_out_other_sessions(state) {
            Ok(()) => StatusCode::OK,
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    let list = std::sync::Arc::new(sealed_session::RevocationList::new(Duration::days(8)));
    let router = Router::new()
        .route("/", get(show))
        .route("/csrf", get(csrf))
        .route("/bump", post(bump))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/everywhere", post(everywhere))
        .route("/others", post(others))
        .layer(SessionLayer::<u32>::new(
            sealer()
                .to_builder()
                .with_revocations(list.clone())
                .build()
                .expect("valid settings"),
            SessionCookie::new("__Host-session"),
        ));
    (router, list)
}

/// Regression: `log_out` only deleted the cookie, so a copy of it (or a request under way
/// that rolled it after the logout) kept the session alive. With a revocation list, it
/// revokes the session: every copy is refused.
#[tokio::test]
async fn log_out_on_the_axum_path_only_deletes_the_cookie() {
    let (mut app, _list) = app_with_revocations();
    let login = call(&mut app, "POST", "/login", None).await;
    let copy = stored(&login);
    let other_device = stored(&call(&mut app, "POST", "/login", None).await);
    let out = call(&mut app, "POST", "/logout", Some(&copy)).await;
    assert!(
        set_cookies(&out)
            .iter()
            .all(|value| value.contains("Max-Age=0"))
    );
    let again = call(&mut app, "GET", "/", Some(&copy)).await;
    assert_eq!(body(again).await, "none token revoked");
    let bumped = call(&mut app, "POST", "/bump", Some(&copy)).await;
    assert_eq!(bumped.status(), StatusCode::UNAUTHORIZED);
    assert!(stored(&bumped).is_empty(), "no session comes back");
    // Only that session: the user's other device stays logged in.
    let other = call(&mut app, "GET", "/", Some(&other_device)).await;
    assert_eq!(body(other).await, "ada 0");
}

/// `log_out_everywhere` ends every session of the user; `log_out_other_sessions` every one
/// but a new one here.
#[tokio::test]
async fn log_out_everywhere_and_everywhere_but_here() {
    let (mut app, _list) = app_with_revocations();
    let phone = stored(&call(&mut app, "POST", "/login", None).await);
    let laptop = stored(&call(&mut app, "POST", "/login", None).await);
    let out = call(&mut app, "POST", "/everywhere", Some(&phone)).await;
    assert_eq!(out.status(), StatusCode::OK);
    for cookie in [&phone, &laptop] {
        let response = call(&mut app, "GET", "/", Some(cookie)).await;
        assert_eq!(body(response).await, "none token revoked");
    }

    let phone = stored(&call(&mut app, "POST", "/login", None).await);
    let laptop = stored(&call(&mut app, "POST", "/login", None).await);
    let kept = call(&mut app, "POST", "/others", Some(&laptop)).await;
    assert_eq!(kept.status(), StatusCode::OK);
    let here = stored(&kept);
    assert!(here.starts_with("__Host-session="), "{here}");
    assert_eq!(
        body(call(&mut app, "GET", "/", Some(&here)).await).await,
        "ada 0"
    );
    for cookie in [&phone, &laptop] {
        let response = call(&mut app, "GET", "/", Some(cookie)).await;
        assert_eq!(body(response).await, "none token revoked");
    }
}

/// Regression: with `with_max_chunks(1)` every write sent a removal of chunk 0 too, and a
/// login sent four headers (removals of chunks that never existed). Removals now go only to
/// forms that came in (and, for a write in chunks, to every other form).
#[tokio::test]
async fn a_write_in_one_cookie_sends_one_set_cookie_header() {
    let mut one = Router::new()
        .route("/", get(show))
        .route("/csrf", get(csrf))
        .route("/bump", post(bump))
        .route("/login", post(login))
        .layer(SessionLayer::<u32>::new(
            sealer(),
            SessionCookie::new("__Host-session").with_max_chunks(1),
        ));
    let login = call(&mut one, "POST", "/login", None).await;
    assert_eq!(set_cookies(&login).len(), 1, "{:?}", set_cookies(&login));
    let bumped = call(&mut one, "POST", "/bump", Some(&stored(&login))).await;
    assert_eq!(set_cookies(&bumped).len(), 1, "{:?}", set_cookies(&bumped));
    assert_eq!(
        body(call(&mut one, "GET", "/", Some(&stored(&bumped))).await).await,
        "ada 1"
    );

    // With chunks allowed, a first login has nothing to remove either, and a write of a
    // session that came in as one cookie is one header: chunks another tab may have written
    // meanwhile are left to the reader, which keeps the newer.
    let mut app = app();
    let login = call(&mut app, "POST", "/login", None).await;
    assert_eq!(set_cookies(&login).len(), 1, "{:?}", set_cookies(&login));
    let bumped = call(&mut app, "POST", "/bump", Some(&stored(&login))).await;
    assert_eq!(set_cookies(&bumped).len(), 1, "{:?}", set_cookies(&bumped));
    assert_eq!(
        body(call(&mut app, "GET", "/", Some(&stored(&bumped))).await).await,
        "ada 1"
    );
    // A chunk left by an earlier deploy with more chunks is removed when it comes in.
    let cookie = format!("{}; __Host-session.7=AQAB", stored(&login));
    let response = call(&mut one, "POST", "/bump", Some(&cookie)).await;
    let written = set_cookies(&response);
    assert!(
        written
            .iter()
            .any(|value| value.starts_with("__Host-session.7=;")),
        "{written:?}"
    );
}

#[tokio::test]
async fn a_handler_without_the_layer_gets_a_clear_500() {
    let mut app = Router::new().route("/", get(show));
    let response = call(&mut app, "GET", "/", None).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body(response).await.contains("SessionLayer"));
}

/// `Session<T>` in a handler's arguments means "logged in": anyone else gets 401 (or the
/// layer's login page) before the handler runs; `Option<Session<T>>` is the user, if any. An
/// anonymous session is not a login.
#[tokio::test]
async fn the_session_extractor_requires_a_login_and_the_option_allows_none() {
    async fn me(user: sealed_session::Session<u32>) -> String {
        format!("{} {}", user.subject(), user.state())
    }
    async fn home(user: Option<sealed_session::Session<u32>>) -> String {
        user.map_or_else(|| "visitor".to_owned(), |user| user.subject().to_owned())
    }
    async fn anonymous(session: Handle) -> StatusCode {
        match session.start_anonymous(5) {
            Ok(()) => StatusCode::OK,
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    let routes = || {
        Router::new()
            .route("/me", get(me))
            .route("/home", get(home))
            .route("/login", post(login))
            .route("/anonymous", post(anonymous))
    };
    let layer = || SessionLayer::<u32>::new(sealer(), SessionCookie::new("__Host-session"));
    let mut app = routes().layer(layer());
    let mut redirecting = routes().layer(layer().with_login_redirect("/login"));

    let nobody = call(&mut app, "GET", "/me", None).await;
    assert_eq!(nobody.status(), StatusCode::UNAUTHORIZED);
    let sent = call(&mut redirecting, "GET", "/me", None).await;
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    assert_eq!(sent.headers()["location"], "/login");
    assert_eq!(
        body(call(&mut app, "GET", "/home", None).await).await,
        "visitor"
    );

    let cart = stored(&call(&mut app, "POST", "/anonymous", None).await);
    assert!(!cart.is_empty());
    let me_anonymous = call(&mut app, "GET", "/me", Some(&cart)).await;
    assert_eq!(me_anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        body(call(&mut app, "GET", "/home", Some(&cart)).await).await,
        "visitor"
    );

    let ada = stored(&call(&mut app, "POST", "/login", None).await);
    assert_eq!(
        body(call(&mut app, "GET", "/me", Some(&ada)).await).await,
        "ada 0"
    );
    assert_eq!(
        body(call(&mut app, "GET", "/home", Some(&ada)).await).await,
        "ada"
    );
}

/// A handler that asks for another state type than the layer's: the 500 names both, instead
/// of a silent "no session".
#[tokio::test]
async fn a_layer_of_another_state_type_is_named_in_the_500() {
    async fn wrong(session: SessionHandle<String>) -> String {
        session.state().unwrap_or_default()
    }
    let mut app = Router::new()
        .route("/", get(wrong))
        .layer(SessionLayer::<u32>::new(
            sealer(),
            SessionCookie::new("__Host-session"),
        ));
    let response = call(&mut app, "GET", "/", None).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let text = body(response).await;
    assert!(
        text.contains("`alloc::string::String`") && text.contains("`u32`"),
        "{text}"
    );
}

/// CSRF in the layer: an unsafe request with a session but without its token, or from another
/// site, is answered 403 before the handler runs, and nothing is written; the token in a form
/// field passes, and the handler still reads the whole form.
#[tokio::test]
async fn the_layer_refuses_forged_requests_before_the_handler() {
    async fn note(session: Handle, form: String) -> String {
        let count = session.state().unwrap_or_default();
        session.update(count + 1).expect("fits");
        form
    }
    let mut app = Router::new()
        .route("/", get(show))
        .route("/csrf", get(csrf))
        .route("/login", post(login))
        .route("/note", post(note))
        .layer(SessionLayer::<u32>::new(
            sealer(),
            SessionCookie::new("__Host-session"),
        ));
    let cookie = stored(&call(&mut app, "POST", "/login", None).await);
    let token = body(call(&mut app, "GET", "/csrf", Some(&cookie)).await).await;
    let form = |body: String, extra: Option<(&'static str, &'static str)>| {
        let mut request = Request::post("/note")
            .header(COOKIE, &cookie)
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some((name, value)) = extra {
            request = request.header(name, value);
        }
        request.body(Body::from(body)).expect("request")
    };

    let forged = app
        .call(form("note=hi".into(), None))
        .await
        .expect("infallible");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(set_cookies(&forged).is_empty());
    let cross_site = app
        .call(form(
            format!("note=hi&csrf_token={token}"),
            Some(("sec-fetch-site", "cross-site")),
        ))
        .await
        .expect("infallible");
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        body(call(&mut app, "GET", "/", Some(&cookie)).await).await,
        "ada 0",
        "no handler ran"
    );

    let own = app
        .call(form(format!("note=hello+there&csrf_token={token}"), None))
        .await
        .expect("infallible");
    assert_eq!(own.status(), StatusCode::OK);
    let after = stored(&own);
    assert_eq!(
        body(own).await,
        format!("note=hello+there&csrf_token={token}"),
        "the handler reads the whole form"
    );
    assert_eq!(
        body(call(&mut app, "GET", "/", Some(&after)).await).await,
        "ada 1"
    );

    // A login form posted from another site, with no session at all: login CSRF.
    let login_csrf = app
        .call(
            Request::post("/login")
                .header("sec-fetch-site", "cross-site")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("infallible");
    assert_eq!(login_csrf.status(), StatusCode::FORBIDDEN);
    assert!(set_cookies(&login_csrf).is_empty());
}

/// A handler that returns the crate's error: 413 for a session over the cookie budget, 500
/// otherwise, and the error's text never reaches the client.
#[tokio::test]
async fn a_handlers_error_answers_with_its_status_only() {
    async fn too_big() -> Result<(), sealed_session::Error> {
        Err(sealed_session::Error::CookieBudget)
    }
    async fn broken() -> Result<(), sealed_session::Error> {
        Err(sealed_session::Error::Config("the secret detail"))
    }
    let mut app = Router::new()
        .route("/big", get(too_big))
        .route("/broken", get(broken))
        .layer(SessionLayer::<u32>::new(
            sealer(),
            SessionCookie::new("__Host-session"),
        ));
    let big = call(&mut app, "GET", "/big", None).await;
    assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body(big).await, "Payload Too Large");
    let broken = call(&mut app, "GET", "/broken", None).await;
    assert_eq!(broken.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body(broken).await, "Internal Server Error");
}

/// The layer reads a form of up to 2 MiB for its token (a form with a large text field still
/// works), and answers 413 past that.
#[tokio::test]
async fn the_layer_reads_forms_up_to_2_mib() {
    async fn length(session: Handle, form: String) -> String {
        let _ = session.state();
        form.len().to_string()
    }
    let mut app = Router::new()
        .route("/csrf", get(csrf))
        .route("/login", post(login))
        .route("/note", post(length))
        .layer(SessionLayer::<u32>::new(
            sealer(),
            SessionCookie::new("__Host-session"),
        ));
    let cookie = stored(&call(&mut app, "POST", "/login", None).await);
    let token = body(call(&mut app, "GET", "/csrf", Some(&cookie)).await).await;
    let post_form = |text: usize| {
        Request::post("/note")
            .header(COOKIE, &cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "note={}&csrf_token={token}",
                "a".repeat(text)
            )))
            .expect("request")
    };
    let large = 3 * 1024 * 1024 / 2;
    let read = app.call(post_form(large)).await.expect("infallible");
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(
        body(read).await,
        (large + "note=&csrf_token=".len() + token.len()).to_string()
    );
    let over = app
        .call(post_form(2 * 1024 * 1024))
        .await
        .expect("infallible");
    assert_eq!(over.status(), StatusCode::PAYLOAD_TOO_LARGE);
}
