//! The sync's async calls on a current-thread runtime, the one thread of a small server or of
//! a serverless function: while a call waits on a Redis that does not answer, the same thread
//! keeps serving other requests; a serverless invocation catches up under its own timeout and
//! then serves as the start policy says.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use sealed_session::redis::{RedisSync, StartPolicy, SyncOptions};
use sealed_session::{Error, RevocationList, Sealer};
use sealed_session_test_support::fixtures::fixed_key;
use sealed_session_test_support::redis_server::{self, RedisServer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const HORIZON: time::Duration = time::Duration::days(8);

/// A server that accepts connections and never answers: Redis stalled, or a black hole.
fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    format!("redis://127.0.0.1:{port}/")
}

fn list() -> Arc<RevocationList> {
    Arc::new(RevocationList::new_shared(HORIZON, &fixed_key(0x31)))
}

fn options(start: StartPolicy) -> SyncOptions {
    let mut options = SyncOptions::new("async");
    options.start = start;
    options.timeout = time::Duration::seconds(1);
    options.min_catch_up_interval = time::Duration::ZERO;
    options
}

fn sealer(list: &Arc<RevocationList>) -> Sealer {
    Sealer::builder(fixed_key(0x32), "session")
        .with_revocations(Arc::clone(list))
        .build()
        .expect("valid settings")
}

/// One HTTP/1.1 request on a new connection; the whole answer.
async fn request(address: std::net::SocketAddr, method: &str, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connects");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nhost: test\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("answered");
    answer
}

#[tokio::test(flavor = "current_thread")]
async fn an_axum_handler_waiting_on_a_silent_redis_leaves_the_thread_serving() {
    let silent = silent_server();
    // The first load waits a command timeout (1 s) on the blocking pool; the thread ticks.
    let ticks = Arc::new(AtomicU32::new(0));
    let ticking = Arc::clone(&ticks);
    let ticker = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(10)).await;
            ticking.fetch_add(1, Ordering::Relaxed);
        }
    });
    let started = Instant::now();
    let sync = RedisSync::connect_async(list(), &silent, options(StartPolicy::FailClosed))
        .await
        .expect("a Redis URL");
    let waited = started.elapsed();
    ticker.abort();
    let ticked = ticks.load(Ordering::Relaxed);
    assert!(waited >= Duration::from_millis(900), "waited {waited:?}");
    assert!(
        ticked >= 30,
        "the thread ticked {ticked} times in {waited:?}: connect blocked it"
    );
    assert!(!sync.status().loaded);

    // A "log out everywhere" handler awaits the durable revocation; pings are served meanwhile.
    let sync = Arc::new(sync);
    let app = Router::new()
        .route("/ping", get(|| async { "pong" }))
        .route(
            "/logout-everywhere",
            post(move || async move {
                match sync.revoke_user_durably_async("alice").await {
                    Ok(_) => (StatusCode::OK, "logged out everywhere".to_owned()),
                    Err(error) => (StatusCode::SERVICE_UNAVAILABLE, error.to_string()),
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let address = listener.local_addr().expect("its address");
    tokio::spawn(async move { axum::serve(listener, app).await });

    let started = Instant::now();
    let logout = tokio::spawn(request(address, "POST", "/logout-everywhere"));
    let mut pings = 0;
    while !logout.is_finished() {
        assert!(request(address, "GET", "/ping").await.ends_with("pong"));
        pings += 1;
    }
    let answer = logout.await.expect("the logout task");
    let waited = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.ends_with("revocation store unavailable"), "{answer}");
    assert!(waited >= Duration::from_millis(900), "waited {waited:?}");
    assert!(
        pings >= 10,
        "{pings} pings answered while the logout waited {waited:?}: the handler blocked the thread"
    );
    println!("{pings} pings answered while a logout waited {waited:?} on a silent Redis");
}

/// The serverless pattern: at the start of each invocation, catch up under a short timeout;
/// then serve as the start policy says.
async fn invoke(sync: &Arc<RedisSync>, sealer: &Sealer, token: &str) -> Result<String, Error> {
    let _ = tokio::time::timeout(Duration::from_millis(200), sync.catch_up_async()).await;
    sealer
        .open::<()>(token)
        .map(|session| session.subject().to_owned())
}

#[tokio::test(flavor = "current_thread")]
async fn a_serverless_invocation_catches_up_within_its_timeout() {
    let server = RedisServer::start();
    // A warm container: loaded at its cold start, no follower.
    let warm_list = list();
    let warm = Arc::new(
        RedisSync::connect_async(
            Arc::clone(&warm_list),
            &server.url(),
            options(StartPolicy::FailClosed),
        )
        .await
        .expect("a Redis URL"),
    );
    let warm_sealer = sealer(&warm_list);
    let alice = warm_sealer.seal("alice", &()).expect("seals");
    assert_eq!(
        invoke(&warm, &warm_sealer, &alice).await,
        Ok("alice".into())
    );

    // Another container logs alice out everywhere, durably.
    let other = Arc::new(
        RedisSync::connect_async(list(), &server.url(), options(StartPolicy::FailClosed))
            .await
            .expect("a Redis URL"),
    );
    tokio::time::sleep(Duration::from_millis(2)).await;
    other
        .revoke_user_durably_async("alice")
        .await
        .expect("published");
    // The warm container's next invocation refuses her token.
    assert_eq!(
        invoke(&warm, &warm_sealer, &alice).await,
        Err(Error::Revoked)
    );

    // A cold start whose Redis is silent: each invocation still answers within its timeout,
    // as its start policy says.
    let silent = silent_server();
    for (start, expected) in [
        (StartPolicy::FailClosed, Err(Error::RevocationsUnavailable)),
        (StartPolicy::ServeStaleDangerously, Ok("alice".to_owned())),
    ] {
        let cold_list = list();
        let cold = Arc::new(
            RedisSync::connect_async(Arc::clone(&cold_list), &silent, options(start))
                .await
                .expect("a Redis URL"),
        );
        let started = Instant::now();
        let answer = invoke(&cold, &sealer(&cold_list), &alice).await;
        let took = started.elapsed();
        assert_eq!(answer, expected, "{start:?}");
        assert!(
            took < Duration::from_millis(600),
            "{start:?}: took {took:?}"
        );
    }
    redis_server::remove_data(server.port);
}
