//! One instance of the side-by-side comparison (`fleet --compare`): the same three routes on
//! each way of keeping a session, so that the same load measures what each costs.
//!
//! - `POST /login` (form `user`): starts a session `{user, count: 0}`; answers the CSRF token,
//!   if the store has one.
//! - `GET /read`: the session's count (401 without a session).
//! - `POST /write`: adds one to the count and writes the session (401 without one).
//!
//! `STORE` picks the way: `sealed` (this crate's layer, revocations shared through Redis and
//! followed from a background thread), `tower-redis` (tower-sessions with its Redis store: a
//! session row per user), `tower-memory` (tower-sessions in memory: one instance only),
//! `private-jar` (axum-extra's `PrivateCookieJar`: encrypted cookie, no revocation), `none`
//! (the same app without sessions: the ceiling). The other settings are `fleet-app`'s
//! ([`sealed_session_fleet::api::env`]), and `JAR_KEY` (base64 of 64 bytes) for the jar.
//! Listens on 127.0.0.1 only and prints `listening on http://127.0.0.1:PORT` once bound.

#![forbid(unsafe_code)]

mod jar;
mod none;
mod sealed;
mod tower;

use std::net::Ipv4Addr;
use std::process::ExitCode;

use sealed_session_fleet::api::env;

#[tokio::main]
async fn main() -> ExitCode {
    match serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("peer-app: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    let store = std::env::var(env::STORE).map_err(|_| format!("{} is not set", env::STORE))?;
    // The sealed store's follower thread lives as long as the server.
    let (app, _follower) = match store.as_str() {
        "sealed" => {
            let (app, follower) = sealed::router().await?;
            (app, Some(follower))
        }
        "tower-redis" => (tower::redis_router().await?, None),
        "tower-memory" => (tower::memory_router(), None),
        "private-jar" => (jar::router()?, None),
        "none" => (none::router(), None),
        other => return Err(format!("{}: no store {other:?}", env::STORE).into()),
    };
    let port: u16 = std::env::var(env::PORT)
        .unwrap_or_else(|_| "0".to_owned())
        .parse()
        .map_err(|_| format!("{} is not a port", env::PORT))?;
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let exit_with_stdin = std::env::var(env::EXIT_WITH_STDIN).is_ok_and(|value| value == "1");
    axum::serve(listener, app)
        .with_graceful_shutdown(stopped(exit_with_stdin))
        .await?;
    Ok(())
}

/// Resolves once standard input ends (the harness that holds its other end has gone), or on
/// Ctrl-C.
async fn stopped(exit_with_stdin: bool) {
    let stdin_ended = async {
        if !exit_with_stdin {
            return std::future::pending().await;
        }
        let (ended, stdin_ended) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
            let _ = ended.send(());
        });
        let _ = stdin_ended.await;
    };
    tokio::select! {
        () = stdin_ended => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

/// The login form.
#[derive(serde::Deserialize)]
struct Login {
    user: String,
}
