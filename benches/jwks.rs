//! Verifying with a warm remote key set costs what verifying with static keys costs: the same
//! EdDSA token, the same verifier settings, one verifier whose keys were given
//! (`VerifyingKeys`) and one whose keys were fetched from a JWK Set endpoint on loopback
//! (`RemoteKeySet`, fresh for an hour, so no fetch during the measurement). Both are called
//! through `verify_async` on one current-thread runtime, so that the runtime's cost is the same
//! on both sides. Also: the cold first fetch (the first verification of a new `RemoteKeySet`:
//! connect, GET, parse, verify; making the set is left out).
//!
//! Run in `benches/`: `cargo bench --bench jwks --features jwks`. Group `jwks/verify`, ids
//! `static` and `remote-warm`; group `jwks/first-fetch`, id `cold`.

use std::io::{BufRead as _, BufReader, Write as _};

use criterion::Criterion;
use sealed_session::jwt::{
    JwsIssuer, JwsSigningKey, JwsVerifier, RemoteKeySet, RemoteKeySetOptions, VerifyingKeys,
};
use time::Duration;

/// Serves `set` with `Cache-Control: max-age=3600` to every request, on a thread of its own.
fn serve(set: String) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let url = format!(
        "http://{}/jwks.json",
        listener.local_addr().expect("an address")
    );
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let set = set.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("a clone"));
                loop {
                    let mut line = String::new();
                    // The request line and headers, up to the blank line.
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line.trim().is_empty() {
                            break;
                        }
                    }
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncache-control: max-age=3600\r\ncontent-length: {}\r\n\r\n",
                        set.len()
                    );
                    if stream.write_all(head.as_bytes()).is_err()
                        || stream.write_all(set.as_bytes()).is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    url
}

/// Both groups, in one run.
fn bench_jwks(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let issuer = JwsIssuer::new(JwsSigningKey::ed25519_from_seed(&[0x5e; 32]), "auth")
        .with_ttl(Duration::hours(2));
    let token = issuer
        .issue("alice", "api", &serde_json::json!({"scope": "read"}))
        .expect("signs");
    let verifier = JwsVerifier::new(
        VerifyingKeys::from_jwk_set(&issuer.public_jwk_set()).expect("a set"),
        "auth",
        "api",
    );
    let url = serve(issuer.public_jwk_set());
    let options =
        RemoteKeySetOptions::default().with_cache_bounds(Duration::hours(1), Duration::hours(1));
    let remote = JwsVerifier::remote(
        RemoteKeySet::new(&url, options.clone()).expect("a loopback URL"),
        "auth",
        "api",
    );
    // The first verification fetches the set: the measurement starts warm.
    runtime
        .block_on(remote.verify_async::<serde_json::Value>(&token))
        .expect("fetches and verifies");

    let mut group = c.benchmark_group("jwks/verify");
    group.bench_function("static", |b| {
        b.iter(|| {
            runtime.block_on(async {
                verifier
                    .verify_async::<serde_json::Value>(&token)
                    .await
                    .expect("verifies")
            })
        });
    });
    group.bench_function("remote-warm", |b| {
        b.iter(|| {
            runtime.block_on(async {
                remote
                    .verify_async::<serde_json::Value>(&token)
                    .await
                    .expect("verifies")
            })
        });
    });
    group.finish();

    let mut group = c.benchmark_group("jwks/first-fetch");
    group.sample_size(30);
    group.bench_function("cold", |b| {
        b.iter_batched(
            || {
                let keys = RemoteKeySet::new(&url, options.clone()).expect("a loopback URL");
                JwsVerifier::remote(keys, "auth", "api")
            },
            |verifier| {
                runtime
                    .block_on(verifier.verify_async::<serde_json::Value>(&token))
                    .expect("fetches and verifies")
            },
            criterion::BatchSize::SmallInput,
        );
    });
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    bench_jwks(&mut criterion);
    criterion.final_summary();
}
