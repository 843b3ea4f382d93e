//! Two microservices as processes over HTTP on loopback: service A (`examples/jwks_issuer`)
//! issues tokens with keys that rotate every 5 seconds and serves its JWK Set; service B
//! (`examples/jwks_verifier`) verifies them with A's set, fetched and cached. The test plays the
//! client: it takes A's tokens to B, floods B with forged `kid`s, and takes A down; then runs A
//! as a fleet of three, clocks apart, behind one re-pointed URL, restarting one.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// A service started from its example binary; killed when dropped.
struct Service {
    child: Child,
    url: String,
}

impl Service {
    fn start(example: &str, env: &[(&str, String)]) -> Service {
        let exe = std::env::current_exe().expect("the test binary");
        let binary = exe
            .parent()
            .and_then(|deps| deps.parent())
            .expect("target/<profile>/deps")
            .join("examples")
            .join(example);
        assert!(
            binary.exists(),
            "{} is missing: build it with `cargo test --workspace --all-features` (or `cargo build -p sealed-session-examples --examples --features jwks`)",
            binary.display()
        );
        let mut child = Command::new(binary)
            .arg("127.0.0.1:0")
            .envs(env.iter().map(|(name, value)| (name, value)))
            .stdout(Stdio::piped())
            .spawn()
            .expect("the service starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the service says where it listens");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .expect("listening on http://…")
            .to_owned();
        Service { child, url }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.stop();
    }
}

type HttpClient = Client<HttpConnector, Empty<Bytes>>;

async fn get(client: &HttpClient, url: &str, bearer: Option<&str>) -> (u16, String) {
    let mut request = http::Request::get(url);
    if let Some(token) = bearer {
        request = request.header(http::header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = client
        .request(request.body(Empty::new()).expect("a request"))
        .await
        .expect("an answer");
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

async fn stats(client: &HttpClient, service: &Service) -> Value {
    let (status, body) = get(client, &format!("{}/stats", service.url), None).await;
    assert_eq!(status, 200);
    serde_json::from_str(&body).expect("JSON")
}

fn count(stats: &Value, names: &[&str]) -> u64 {
    names
        .iter()
        .map(|name| stats[*name].as_u64().expect("a count"))
        .sum()
}

fn kid_of(token: &str) -> String {
    let header = token.split('.').next().expect("a header");
    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).expect("base64")).expect("JSON");
    header["kid"].as_str().expect("a kid").to_owned()
}

/// A token of A with another `kid` in its header (its signature is never reached).
fn forged(token: &str, kid: &str) -> String {
    let rest = token.split_once('.').expect("three parts").1;
    let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"EdDSA","kid":"{kid}"}}"#));
    format!("{header}.{rest}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotates_while_b_verifies_forged_kids_and_an_outage() {
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let mut a = Service::start(
        "jwks_issuer",
        &[
            (
                "JWS_MASTER_KEY",
                URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>()),
            ),
            ("ROTATION_SECONDS", "5".into()),
            ("TOKEN_TTL_SECONDS", "5".into()),
            ("ISSUER", "service-a".into()),
        ],
    );
    let b = Service::start(
        "jwks_verifier",
        &[
            ("JWKS_URL", format!("{}/.well-known/jwks.json", a.url)),
            ("ISSUER", "service-a".into()),
            ("AUDIENCE", "orders".into()),
            ("CACHE_MIN_SECONDS", "1".into()),
            ("CACHE_MAX_SECONDS", "60".into()),
            ("COOLDOWN_SECONDS", "2".into()),
            ("STALE_SECONDS", "5".into()),
        ],
    );
    let token_url = format!("{}/token?sub=alice&aud=orders", a.url);
    let whoami = format!("{}/whoami", b.url);

    // 1. A rotates its key every 5 s; B verifies a stream of A's tokens across rotations.
    let started = Instant::now();
    let mut kids = Vec::new();
    let mut verified = 0;
    while started.elapsed() < Duration::from_secs(12) {
        let (status, token) = get(&client, &token_url, None).await;
        assert_eq!(status, 200);
        let (status, body) = get(&client, &whoami, Some(&token)).await;
        assert_eq!(
            (status, body.as_str()),
            (200, "alice"),
            "token {verified} refused (kid {})",
            kid_of(&token)
        );
        verified += 1;
        if kids.last() != Some(&kid_of(&token)) {
            kids.push(kid_of(&token));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let rotation_seconds = started.elapsed().as_secs_f64();
    assert!(kids.len() >= 3, "two rotations at least: {kids:?}");
    let a_stats = stats(&client, &a).await;
    let b_stats = stats(&client, &b).await;
    let fetches = count(&a_stats, &["key_set_full", "key_set_not_modified"]);
    // The cache rule: at most one fetch per second (A's max-age, B's floor), and the first.
    let allowed = rotation_seconds.ceil() as u64 + 1;
    assert!(
        (1..=allowed).contains(&fetches),
        "{fetches} fetches of the set in {rotation_seconds:.1} s"
    );
    assert_eq!(
        b_stats["unknown_kid_fetches"], 0,
        "the next key was always there in time"
    );
    assert_eq!(b_stats["failures"], 0);
    println!(
        "rotation: {verified} tokens over {} keys in {rotation_seconds:.1} s, none refused; \
         A served the set {fetches} times ({} in full, {} not modified)",
        kids.len(),
        a_stats["key_set_full"],
        a_stats["key_set_not_modified"]
    );

    // 2. Ten thousand tokens with forged `kid`s: refused, at most one fetch per cooldown.
    let (_, good) = get(&client, &token_url, None).await;
    // A refresh the last verification started is over before the count.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = count(
        &stats(&client, &a).await,
        &["key_set_full", "key_set_not_modified"],
    );
    let flood = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..16 {
        let client = client.clone();
        let whoami = whoami.clone();
        let good = good.clone();
        tasks.push(tokio::spawn(async move {
            for round in 0..625 {
                let kid = format!("forged-{worker}-{round}-{:x}", rand::random::<u64>());
                let (status, _) = get(&client, &whoami, Some(&forged(&good, &kid))).await;
                assert_eq!(status, 401);
            }
        }));
    }
    for task in tasks {
        task.await.expect("a flood worker");
    }
    let flood_seconds = flood.elapsed().as_secs_f64();
    let during = count(
        &stats(&client, &a).await,
        &["key_set_full", "key_set_not_modified"],
    ) - before;
    let allowed = (flood_seconds / 2.0).floor() as u64 + 1;
    assert!(
        during <= allowed,
        "{during} fetches during a {flood_seconds:.1} s flood (cooldown 2 s)"
    );
    println!(
        "forged kids: 10000 refused in {flood_seconds:.1} s, {during} fetches of the set \
         (at most {allowed} allowed by the 2 s cooldown)"
    );

    // 3. A goes down: B keeps verifying known `kid`s with its last set, up to the stale bound
    // (fresh 1 s + stale 5 s from its last fetch, which was at most about 2 s before: at least
    // 3.9 s, at most 6 s after A went down), then answers 503.
    let (_, known) = get(&client, &token_url, None).await;
    a.stop();
    let down = Instant::now();
    while down.elapsed() < Duration::from_millis(3000) {
        let (status, _) = get(&client, &whoami, Some(&known)).await;
        assert_eq!(
            status,
            200,
            "a known kid {:?} after A went down",
            down.elapsed()
        );
        let (status, _) = get(&client, &whoami, Some(&forged(&known, "unknown"))).await;
        assert!(matches!(status, 401 | 503), "an unknown kid: {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(6500).saturating_sub(down.elapsed())).await;
    let (status, _) = get(&client, &whoami, Some(&known)).await;
    assert_eq!(
        status, 503,
        "past the stale bound: the keys are unavailable"
    );
    let b_stats = stats(&client, &b).await;
    assert!(b_stats["failures"].as_u64() >= Some(1), "{b_stats}");
}

/// A fleet of service A: three instances with one master secret, their clocks 2 s apart (one
/// ahead, one behind, through libfaketime), behind one URL that a load balancer keeps
/// re-pointing (a TCP proxy, severing its connections at each turn), one instance restarted
/// mid-run (a rolling deploy). B verifies the tokens of all three across two rotations: none is
/// refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_of_issuers_with_clocks_apart_behind_one_url() {
    use sealed_session_test_support::proxy::Proxy;
    use sealed_session_test_support::redis_server::LIBFAKETIME;
    assert!(
        std::path::Path::new(LIBFAKETIME).exists(),
        "{LIBFAKETIME} is missing: run scripts/install-redis.sh (scripts/test.sh does)"
    );
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let master = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let start_a = |clock: &str| {
        Service::start(
            "jwks_issuer",
            &[
                ("JWS_MASTER_KEY", master.clone()),
                ("ROTATION_SECONDS", "10".into()),
                ("TOKEN_TTL_SECONDS", "5".into()),
                ("ISSUER", "service-a".into()),
                ("LD_PRELOAD", LIBFAKETIME.into()),
                ("FAKETIME", clock.into()),
                ("FAKETIME_DONT_FAKE_MONOTONIC", "1".into()),
            ],
        )
    };
    let port = |service: &Service| -> u16 {
        service
            .url
            .rsplit(':')
            .next()
            .and_then(|port| port.parse().ok())
            .expect("a port")
    };
    let clocks = ["+2s", "+0s", "-2s"];
    let mut fleet: Vec<Service> = clocks.iter().map(|clock| start_a(clock)).collect();
    let balancer = Proxy::start(port(&fleet[0]));
    let b = Service::start(
        "jwks_verifier",
        &[
            (
                "JWKS_URL",
                format!("http://127.0.0.1:{}/.well-known/jwks.json", balancer.port),
            ),
            ("ISSUER", "service-a".into()),
            ("AUDIENCE", "orders".into()),
            ("CACHE_MIN_SECONDS", "1".into()),
            ("CACHE_MAX_SECONDS", "60".into()),
            ("COOLDOWN_SECONDS", "2".into()),
        ],
    );
    let whoami = format!("{}/whoami", b.url);
    // The clocks are apart: the first instance's tokens are issued 4 s after the last one's.
    let mut issued = Vec::new();
    for instance in &fleet {
        let (_, token) = get(
            &client,
            &format!("{}/token?sub=alice&aud=orders", instance.url),
            None,
        )
        .await;
        let payload = token.split('.').nth(1).expect("a payload");
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64"))
                .expect("JSON");
        issued.push(claims["iat"].as_i64().expect("iat"));
    }
    assert!((3..=5).contains(&(issued[0] - issued[2])), "iat {issued:?}");

    let started = Instant::now();
    let mut kids = Vec::new();
    let (mut verified, mut turn, mut restarted) = (0, 0, false);
    let mut last_turn = Instant::now();
    while started.elapsed() < Duration::from_secs(25) {
        if last_turn.elapsed() > Duration::from_millis(300) {
            turn += 1;
            balancer.redirect(port(&fleet[turn % fleet.len()]));
            last_turn = Instant::now();
        }
        if !restarted && started.elapsed() > Duration::from_secs(12) {
            // A rolling deploy: the balancer stops sending to the instance, it restarts.
            balancer.redirect(port(&fleet[0]));
            fleet[1].stop();
            fleet[1] = start_a(clocks[1]);
            restarted = true;
        }
        let issuer = &fleet[verified % fleet.len()];
        let (status, token) = get(
            &client,
            &format!("{}/token?sub=alice&aud=orders", issuer.url),
            None,
        )
        .await;
        assert_eq!(status, 200);
        let (status, body) = get(&client, &whoami, Some(&token)).await;
        assert_eq!(
            (status, body.as_str()),
            (200, "alice"),
            "token {verified} of the instance whose clock is {} refused (kid {}) after {:?}",
            clocks[verified % clocks.len()],
            kid_of(&token),
            started.elapsed()
        );
        if !kids.contains(&kid_of(&token)) {
            kids.push(kid_of(&token));
        }
        verified += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(kids.len() >= 3, "two rotations at least: {kids:?}");
    let b_stats = stats(&client, &b).await;
    println!(
        "fleet: {verified} tokens from 3 instances 2 s apart, {} keys, {turn} re-pointings, one \
         restart, none refused; B: {b_stats}",
        kids.len()
    );
}
