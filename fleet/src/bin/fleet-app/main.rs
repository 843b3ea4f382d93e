//! One instance of the fleet's app: sessions sealed into cookies by
//! [`sealed_session::http::SessionLayer`], revocations shared with the other instances through
//! Redis ([`sealed_session::redis::RedisSync`], followed from a background thread).
//!
//! ```sh
//! SESSION_KEYS=$(sealed-session keygen) REVOCATION_KEY=$(sealed-session keygen) \
//! REDIS_URL=redis://127.0.0.1:6379/ cargo run -p sealed-session-fleet --bin fleet-app
//! ```
//!
//! Settings: [`sealed_session_fleet::api::env`]; routes and answers:
//! [`sealed_session_fleet::api`]. Listens on 127.0.0.1 only, and prints
//! `listening on http://127.0.0.1:PORT` on standard output once bound. Starts fail-closed: until
//! the first load from Redis, every session is refused as a condition of this server (the
//! cookie is kept), so an instance that cannot see Redis lets no revoked session in.

#![forbid(unsafe_code)]

mod config;
mod routes;

use std::net::Ipv4Addr;
use std::process::ExitCode;
use std::sync::Arc;

use sealed_session::http::{SessionCookie, SessionLayer};
use sealed_session::redis::{RedisSync, SyncOptions};
use sealed_session::{Compression, Dictionary, RevocationList, Sealer};
use sealed_session_fleet::api::{self, COOKIE_NAME};
use time::Duration;

use config::Config;
use routes::{App, Notes};

/// The absolute lifetime of a session unless `MAX_LIFETIME_SECONDS` says otherwise: above any
/// run of the harness, so that only the idle timeout (`TTL_SECONDS`) and revocations end its
/// sessions.
const MAX_LIFETIME: Duration = Duration::hours(1);

#[tokio::main]
async fn main() -> ExitCode {
    match serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("fleet-app: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::from_env()?;
    let max_lifetime = config.max_lifetime.unwrap_or(MAX_LIFETIME).max(config.ttl);
    let leeway = config.leeway.unwrap_or(Sealer::DEFAULT_LEEWAY);
    // At least what covers every token the sealer can make: lifetime plus leeway.
    let horizon = config.horizon.unwrap_or(max_lifetime + leeway);
    let list = Arc::new(RevocationList::new_shared(horizon, &config.revocation_key));
    let mut options = SyncOptions::new(&config.namespace);
    if let Some(max_backoff) = config.max_backoff {
        options.max_backoff = max_backoff;
    }
    options.replicas = config.replicas;
    let sync =
        Arc::new(RedisSync::connect_async(Arc::clone(&list), &config.redis_url, options).await?);
    // Serverless: no thread between invocations; each request catches up instead.
    let _follower = (!config.serverless).then(|| sync.follow(config.follow));
    // Without dictionaries, no compression: the notes are random, and four take two cookies
    // (tokens up to 16 KiB). The state holds no secret for a compression side channel to
    // reveal, so the dictionary scenario compresses.
    let mut sealer = Sealer::builder(config.keys, "session")
        .with_ttl(config.ttl)
        .with_max_lifetime(max_lifetime)
        .with_leeway(leeway)
        .with_compression(Compression::Never)
        .with_max_token_len(16 * 1024)
        .with_revocations(list);
    if let Some((current, previous)) = config.dictionaries.split_first() {
        let dictionary = |name: &str| Dictionary::new(api::dictionary_sample(name));
        sealer = sealer
            .with_compression(Compression::Auto)
            .with_dictionary(dictionary(current));
        for name in previous {
            sealer = sealer.with_previous_dictionary(dictionary(name));
        }
    }
    let sealer = sealer.build()?;
    let cookie = SessionCookie::new(COOKIE_NAME);
    cookie.validate()?;
    let app = routes::router(
        App {
            sync,
            serverless: config.serverless,
        },
        SessionLayer::<Notes>::new(sealer, cookie),
    );

    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(stopped(config.exit_with_stdin))
        .await?;
    Ok(())
}

/// Resolves on Ctrl-C, or, with `exit_with_stdin`, once standard input ends (the harness that
/// holds its other end has gone, however it went).
async fn stopped(exit_with_stdin: bool) {
    let stdin_ended = async {
        if !exit_with_stdin {
            return std::future::pending().await;
        }
        let (ended, stdin_ended) = tokio::sync::oneshot::channel::<()>();
        // A thread of its own: a blocking read on tokio's pool would hold up the runtime's
        // shutdown until the read returns.
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
