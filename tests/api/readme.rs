//! The README's snippets are code that builds: the axum one is examples/readme_axum.rs, and the
//! `http` and Redis ones are the bodies of `readme_http_snippet` and `readme_redis_snippet`
//! below (compiled, not run: they read keys from the environment, which a test cannot set
//! without `unsafe`, and the Redis one connects to servers).
#![cfg(feature = "http")]

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README")
}

/// The README's Rust block that follows `heading`.
fn block_after(readme: &str, heading: &str) -> String {
    let (_, after) = readme
        .split_once(heading)
        .unwrap_or_else(|| panic!("{heading} in the README"));
    let (_, code) = after.split_once("```rust\n").expect("a Rust block");
    code.split_once("```").expect("its end").0.to_owned()
}

#[test]
fn the_readme_axum_snippet_is_the_example() {
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/readme_axum.rs"
    ))
    .expect("the example");
    let (_, begun) = example.split_once("// README: begin\n").expect("begin");
    let (snippet, _) = begun.split_once("// README: end").expect("end");
    assert_eq!(block_after(&readme(), "### axum\n"), snippet);
}

/// The body of the function of this file whose signature ends with `signature`, unindented.
fn body_after(signature: &str) -> String {
    let this = include_str!("readme.rs");
    let (_, begun) = this.split_once(signature).expect("begin");
    let (body, _) = begun.split_once("    Ok(())\n}").expect("end");
    body.lines()
        .map(|line| line.strip_prefix("    ").unwrap_or(line))
        .map(|line| format!("{line}\n"))
        .collect()
}

#[test]
fn the_readme_http_snippet_is_this_file() {
    assert_eq!(
        block_after(
            &readme(),
            "### A serverless handler, or any `http` framework"
        ),
        body_after("-> Result<(), sealed_session::Error> {\n")
    );
}

#[cfg(feature = "redis")]
#[test]
fn the_readme_redis_snippet_is_this_file() {
    assert_eq!(
        block_after(&readme(), "## Running Redis in production"),
        body_after("-> Result<(), Box<dyn std::error::Error>> {\n")
    );
}

#[cfg(all(feature = "jwks-remote", feature = "axum"))]
#[test]
fn the_readme_two_services_snippet_is_this_file() {
    assert_eq!(
        block_after(&readme(), "### Two services"),
        body_after("fn readme_two_services_snippet() -> Result<(), sealed_session::Error> {\n")
    );
}

#[allow(dead_code, unused_variables)]
fn readme_http_snippet() -> Result<(), sealed_session::Error> {
    use sealed_session::http::{SessionCookie, SessionManager};
    use sealed_session::{Keyring, Sealer};

    let sessions = SessionManager::<u32>::new(
        Sealer::builder(Keyring::from_env("SESSION_KEY")?, "session").build()?,
        SessionCookie::new("__Host-session"),
    );
    let handle = |request: http::Request<Vec<u8>>| -> http::Response<String> {
        let session = match sessions.open_request(&request) {
            Ok(session) => session,
            Err(forged) => {
                let mut refused = http::Response::new(forged.to_string());
                *refused.status_mut() = forged.status(); // 403
                return refused;
            }
        };
        let count = session.state().unwrap_or(0) + 1;
        let _ = match session.subject() {
            Some(_) => session.update(count),
            None => session.log_in("ada", count),
        };
        let mut response = http::Response::new(format!("count {count}"));
        session.write_to(response.headers_mut()); // the token, a roll, a removal, or nothing
        response
    };
    Ok(())
}

#[cfg(feature = "redis")]
#[allow(dead_code, unused_variables)]
#[rustfmt::skip]
fn readme_redis_snippet() -> Result<(), Box<dyn std::error::Error>> {
    use std::sync::Arc;
    use sealed_session::redis::{RedisSync, SyncOptions};
    use sealed_session::{Duration, Key, RevocationList};

    let list = Arc::new(RevocationList::new_shared(Duration::days(8), &Key::from_env("REVOCATION_KEY")?));
    let mut options = SyncOptions::new("shop");
    options.replicas = 1; // a publication is done once a replica has it (WAIT)
    // TLS: the server's certificate is checked against the system's roots, or a private CA.
    options.tls_ca_pem = Some(std::fs::read("/etc/redis/ca.pem")?);
    let sync = RedisSync::connect(list.clone(), "rediss://revocations:PASSWORD@redis.internal:6380/", options.clone())?;
    // A Cluster: some of its nodes; the client learns the rest and follows MOVED and ASK.
    let sync = RedisSync::connect_cluster(list.clone(), &["redis://10.0.0.1:6379/", "redis://10.0.0.2:6379/"], options)?;

    // "Log out everywhere", and the truth about it:
    match sync.revoke_user_durably("user-42") {
        Ok(_) => { /* in Redis, and on a replica: every instance refuses the sessions */ }
        Err(error) => { /* refused here already; published (again) by the next exchange */ }
    }
    Ok(())
}

#[cfg(all(feature = "jwks-remote", feature = "axum"))]
#[allow(dead_code, unused_variables)]
fn readme_two_services_snippet() -> Result<(), sealed_session::Error> {
    use axum::{Router, routing::get};
    use sealed_session::jwt::{
        Bearer, JwsIssuer, JwsVerifier, KeySchedule, RemoteKeySet, RemoteKeySetOptions, jwks_route,
    };
    use std::sync::Arc;

    // Service A: a new key each day, the next one published a day ahead.
    let schedule = KeySchedule::ed25519_from_env("JWS_MASTER_KEY", time::Duration::days(1))?;
    let issuer = Arc::new(JwsIssuer::rotating(schedule, "https://auth.example"));
    let token = issuer.issue("user-42", "orders", &serde_json::json!({"scope": "read"}))?;
    let service_a: Router = Router::new().route("/.well-known/jwks.json", jwks_route(issuer));

    // Service B: A's set fetched, cached and refreshed; 401 with `WWW-Authenticate` for a bad token.
    let keys = RemoteKeySet::new(
        "https://auth.example/.well-known/jwks.json",
        RemoteKeySetOptions::default(),
    )?;
    let verifier = Arc::new(JwsVerifier::remote(keys, "https://auth.example", "orders"));
    async fn orders(Bearer(token): Bearer<serde_json::Value>) -> String {
        format!("orders of {}", token.subject())
    }
    let service_b: Router = Router::new()
        .route("/orders", get(orders))
        .with_state(verifier);
    Ok(())
}
