//! One instance of a service that shares its revocation list through Redis: the other process
//! of the two-process tests in `examples/tests/redis_sync.rs`, and a way to watch two instances
//! agree by hand (start two, type into both).
//!
//! Reads commands on stdin, one per line, and answers one line each:
//!
//! ```text
//! seal <user>            → the token of a new session
//! open <token>           → "ok <user>" or "error <what>"
//! revoke-user <user>     → "done" (revoked here at once, published now or after an outage)
//! revoke-user-durably <user> → "done" once Redis (and the required replicas) has it, or
//!                          "error <what>" (revoked here either way, published later)
//! revoke-session <token> → "done" or "error <what>"
//! sync                   → "ok" or "error <what>" (one catch-up now)
//! status                 → the sync's status
//! ```
//!
//! Settings from the environment: `REDIS_URL`, `SESSION_KEY` and `REVOCATION_KEY` (base64 keys,
//! the same on every instance), `NAMESPACE` (default `sync-peer`), `FOLLOW_MS` (the follower's interval; 0 = no follower: only
//! `sync` catches up, as a serverless function would), `REPLICAS` (replicas that must
//! acknowledge a publication, default 0).
//!
//! `cargo run -p sealed-session-examples --example sync_peer --features redis`

use std::io::BufRead as _;
use std::sync::Arc;

use sealed_session::redis::{RedisSync, SyncOptions};
use sealed_session::{Key, RevocationList, Sealer};
use time::Duration;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
    let key = |name: &str| -> Result<Key, Box<dyn std::error::Error>> {
        Ok(match std::env::var(name) {
            Ok(text) => Key::from_base64(&text)?,
            Err(_) => Key::generate(),
        })
    };
    let follow_ms: u64 = std::env::var("FOLLOW_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(100);
    let list = Arc::new(RevocationList::new_shared(
        Duration::days(8),
        &key("REVOCATION_KEY")?,
    ));
    let sealer = Sealer::builder(key("SESSION_KEY")?, "session")
        .with_revocations(Arc::clone(&list))
        .build()?;
    let namespace = std::env::var("NAMESPACE").unwrap_or_else(|_| "sync-peer".into());
    let mut options = SyncOptions::new(&namespace);
    options.max_backoff = time::Duration::milliseconds(200);
    // FOLLOW_REDIS_CLOCK=0: keep this host's clock (to show what following it saves).
    options.follow_redis_clock =
        std::env::var("FOLLOW_REDIS_CLOCK").map_or(true, |value| value != "0");
    options.replicas = std::env::var("REPLICAS")
        .ok()
        .and_then(|replicas| replicas.parse().ok())
        .unwrap_or(0);
    let sync = Arc::new(RedisSync::connect(Arc::clone(&list), &url, options)?);
    let _follower =
        (follow_ms > 0).then(|| sync.follow(time::Duration::milliseconds(follow_ms as i64)));

    println!("ready");
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let (command, argument) = line.split_once(' ').unwrap_or((line.as_str(), ""));
        let answer = match command {
            "seal" => sealer
                .seal(argument, &())
                .unwrap_or_else(|error| format!("error {error}")),
            "open" => match sealer.open::<()>(argument) {
                Ok(session) => format!("ok {}", session.subject()),
                Err(error) => format!("error {error}"),
            },
            "revoke-user" => {
                list.revoke_user(argument);
                let _ = sync.sync_now();
                "done".to_owned()
            }
            "revoke-user-durably" => match sync.revoke_user_durably(argument) {
                Ok(_) => "done".to_owned(),
                Err(error) => format!("error {error}"),
            },
            "revoke-session" => match sealer.open::<()>(argument) {
                Ok(session) => {
                    list.revoke_session(&session);
                    let _ = sync.sync_now();
                    "done".to_owned()
                }
                Err(error) => format!("error {error}"),
            },
            "sync" => match sync.sync_now() {
                Ok(()) => "ok".to_owned(),
                Err(error) => format!("error {error}"),
            },
            "status" => format!("{:?}, {} entries", sync.status(), list.len()),
            _ => format!("error unknown command {command:?}"),
        };
        println!("{answer}");
    }
    Ok(())
}
