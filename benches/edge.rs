//! The HTTP edge itself: one request through an axum router that reads the session cookie,
//! opens it, changes the state and writes the cookie back — ours through `SessionLayer`, side
//! by side with axum-extra's `PrivateCookieJar` doing the same job — and the cost of a chunked
//! session (2 to 3 cookies) against a single one.
//!
//! Run in `benches/`: `cargo bench --bench edge --features axum`. No server: the router is called
//! as a tower service, on a current-thread tokio runtime, so the figures are the edge's own work.
//! Every request carries the session's CSRF token (`x-csrf-token`), as a page's script would; the
//! jar ignores it. `small/ours-without-csrf` is our layer with the checks off: the difference is
//! what the CSRF checks cost (a keyed tag per key tried).

use std::hint::black_box;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRef, Request, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::response::Response;
use axum::routing::post;
use axum_extra::extract::cookie::{Cookie, Key as JarKey, PrivateCookieJar};
use criterion::Criterion;
use sealed_session::http::{
    CsrfProtection, SessionCookie, SessionHandle, SessionLayer, SessionManager,
};
use sealed_session::{Compression, Key, Sealer};
use serde::{Deserialize, Serialize};
use tower_service::Service as _;

/// A small session (user id, roles, CSRF token, a counter), and a filler to make it chunk.
#[derive(Clone, Serialize, Deserialize)]
struct State0 {
    user_id: u64,
    roles: Vec<String>,
    csrf: String,
    counter: u64,
    filler: String,
}

fn state(filler: usize) -> State0 {
    State0 {
        user_id: 48_213,
        roles: vec!["editor".into(), "billing".into()],
        csrf: "tQ3v9K_fZ8pWm1xR2yL7cN0aHs5JdE4G".into(),
        counter: 0,
        // Incompressible, as filler a real state would be (ids, tokens).
        filler: (0..filler)
            .map(|i| char::from(b"q7Z_x3-kP9wLm2Rv8Ja5"[(i * 7919 + i / 5) % 20]))
            .collect(),
    }
}

async fn ours(session: SessionHandle<State0>) -> &'static str {
    if let Some(mut state) = session.state() {
        state.counter += 1;
        session.update(state).expect("fits");
    }
    "ok"
}

#[derive(Clone)]
struct JarState(JarKey);

impl FromRef<JarState> for JarKey {
    fn from_ref(state: &JarState) -> JarKey {
        state.0.clone()
    }
}

async fn jar(State(_): State<JarState>, jar: PrivateCookieJar) -> (PrivateCookieJar, &'static str) {
    let Some(mut state) = jar
        .get("session")
        .and_then(|cookie| serde_json::from_str::<State0>(cookie.value()).ok())
    else {
        return (jar, "no session");
    };
    state.counter += 1;
    let value = serde_json::to_string(&state).expect("JSON");
    let cookie = Cookie::build(("session", value))
        .http_only(true)
        .secure(true)
        .path("/")
        .build();
    (jar.add(cookie), "ok")
}

/// The `Cookie` header a browser would send back for the `Set-Cookie` headers of `response`.
fn cookie_header(response: &Response) -> String {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter(|value| !value.contains("Max-Age=0"))
        .map(|value| value.split(';').next().unwrap_or("").to_owned())
        .collect::<Vec<_>>()
        .join("; ")
}

fn request(cookies: &str, csrf: &str) -> Request {
    Request::builder()
        .method("POST")
        .uri("/")
        .header(COOKIE, cookies)
        .header("x-csrf-token", csrf)
        .body(Body::empty())
        .expect("request")
}

/// Seeds a private-jar cookie holding `value`, sealed with `key`: what a browser would hold.
async fn seed(
    State(_): State<JarState>,
    jar: PrivateCookieJar,
    body: String,
) -> (PrivateCookieJar, &'static str) {
    (jar.add(Cookie::new("session", body)), "seeded")
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let call = |router: &mut Router, request: Request| -> Response {
        runtime.block_on(router.call(request)).expect("infallible")
    };

    let sealer = Sealer::builder(Key::generate(), "session")
        .with_compression(Compression::Never)
        .with_max_token_len(16 * 1024)
        .build()
        .expect("valid settings");
    let cookie = SessionCookie::new("__Host-session").with_max_cookie_bytes(16 * 1024);
    let mut ours_router = Router::new()
        .route("/", post(ours))
        .layer(SessionLayer::<State0>::new(sealer.clone(), cookie.clone()));
    let mut unchecked_router = Router::new().route("/", post(ours)).layer(
        SessionLayer::<State0>::new(sealer.clone(), cookie.clone())
            .with_csrf(CsrfProtection::dangerous_disabled()),
    );
    let sessions = SessionManager::<State0>::new(sealer.clone(), cookie.clone());
    let jar_key = JarState(JarKey::generate());
    let mut jar_router = Router::new()
        .route("/", post(jar))
        .route("/seed", post(seed))
        .with_state(jar_key);

    let mut criterion = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();

    println!("Cookies and bytes per state (the Cookie header a browser sends back):");
    println!("| state | ours: cookies | ours: bytes | jar: cookies | jar: bytes |");
    println!("|---|---:|---:|---:|---:|");
    let mut group = criterion.benchmark_group("edge");
    for (label, filler) in [("small", 0), ("chunked-2", 3500), ("chunked-3", 6000)] {
        let value = state(filler);
        // What the browser holds after a login: ours, and the jar's.
        let token = sealer.seal("user-48213", &value).expect("seals");
        let expires = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
        let mut seeded = Response::new(Body::empty());
        cookie.append_to(
            seeded.headers_mut(),
            cookie.write(&token, expires).expect("fits"),
        );
        let ours_cookies = cookie_header(&seeded);
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(COOKIE, ours_cookies.parse().expect("ASCII"));
        let csrf = sessions
            .open(&headers)
            .csrf_token()
            .expect("the session opens");
        let json = serde_json::to_string(&value).expect("JSON");
        let seed_request = Request::builder()
            .method("POST")
            .uri("/seed")
            .body(Body::from(json))
            .expect("request");
        let jar_cookies = cookie_header(&call(&mut jar_router, seed_request));

        let answered = call(&mut ours_router, request(&ours_cookies, &csrf));
        assert_eq!(answered.status(), axum::http::StatusCode::OK);
        assert!(!cookie_header(&answered).is_empty());
        assert!(!cookie_header(&call(&mut jar_router, request(&jar_cookies, &csrf))).is_empty());
        println!(
            "| {label} ({} B JSON) | {} | {} | {} | {} |",
            serde_json::to_vec(&value).expect("JSON").len(),
            ours_cookies.matches("__Host-session").count(),
            ours_cookies.len(),
            jar_cookies.matches("session=").count(),
            jar_cookies.len()
        );
        group.bench_function(format!("{label}/ours"), |b| {
            b.iter(|| call(&mut ours_router, request(black_box(&ours_cookies), &csrf)));
        });
        if label == "small" {
            group.bench_function(format!("{label}/ours-without-csrf"), |b| {
                b.iter(|| {
                    call(
                        &mut unchecked_router,
                        request(black_box(&ours_cookies), &csrf),
                    )
                });
            });
        }
        // The jar has no chunking: past 4 KB a browser drops its cookie, so only the small
        // state is a fair comparison.
        if label == "small" {
            group.bench_function(format!("{label}/axum-extra-private-jar"), |b| {
                b.iter(|| call(&mut jar_router, request(black_box(&jar_cookies), &csrf)));
            });
        }
    }
    group.finish();
    criterion.final_summary();
}
