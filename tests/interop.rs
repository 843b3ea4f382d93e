//! Interop with independent JOSE implementations, both directions: joserfc and Authlib for
//! the JWE profile, PyJWT for signed tokens (`tests/interop/peer.py`, pinned in
//! `tests/interop/requirements.txt`).
//!
//! Not part of plain `cargo test` (it needs Python): `scripts/test.sh` builds the virtualenv
//! with `scripts/interop-venv.sh` and runs `cargo test --test interop`, always. Without the
//! virtualenv every test here fails, saying how to make it.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sealed_session::jwt::{JwsIssuer, JwsSigningKey, JwsVerifier, KeySchedule, VerifyingKeys};
use sealed_session::{Compression, Error, Format, Key, RevocationList, Sealer};
use serde_json::{Value, json};
use time::OffsetDateTime;

/// The virtualenv's Python: `$INTEROP_PYTHON`, or the one `scripts/interop-venv.sh` makes.
fn python() -> String {
    let python = std::env::var("INTEROP_PYTHON").unwrap_or_else(|_| {
        format!(
            "{}/target/interop-venv/bin/python",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    assert!(
        std::path::Path::new(&python).exists(),
        "no interop Python at {python}: run scripts/interop-venv.sh (scripts/test.sh does)"
    );
    python
}

/// Runs one command of the peer with `request` on stdin; returns its JSON answer.
fn peer(command: &str, request: &Value) -> Value {
    let script = format!("{}/tests/interop/peer.py", env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(python())
        .args([script.as_str(), command])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the peer starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(request.to_string().as_bytes())
        .expect("request written");
    let output = child.wait_with_output().expect("the peer ends");
    assert!(
        output.status.success(),
        "peer {command} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the peer answers JSON")
}

fn sealer() -> Sealer {
    Sealer::builder(Key::generate(), "session")
        .with_format(Format::Jwe)
        .build()
        .expect("valid settings")
}

/// The JWE key of `sealer`, as exported for other implementations.
fn exported_jwk(sealer: &Sealer) -> Value {
    let set: Value = serde_json::from_str(&sealer.export_jwe_secret_keys()).expect("JSON");
    set["keys"][0].clone()
}

/// Flips one bit in the middle of the ciphertext segment.
fn flip_ciphertext(token: &str) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let mut ciphertext = URL_SAFE_NO_PAD.decode(parts[3]).expect("base64url");
    let middle = ciphertext.len() / 2;
    ciphertext[middle] ^= 0x04;
    format!(
        "{}..{}.{}.{}",
        parts[0],
        parts[2],
        URL_SAFE_NO_PAD.encode(ciphertext),
        parts[4]
    )
}

fn big_state() -> Value {
    json!({"cart": (0..40).map(|i| json!({"sku": format!("item-{i}"), "qty": 1})).collect::<Vec<_>>()})
}

#[test]
fn versions_of_the_independent_implementations() {
    let versions = peer("versions", &json!({}));
    println!("interop peers: {versions}");
    assert_eq!(versions["joserfc"], "1.8.0");
    assert_eq!(versions["authlib"], "1.9.10");
}

#[test]
fn our_jwes_decrypt_in_joserfc_and_authlib_with_the_exported_key() {
    let sealer = sealer();
    let small = sealer.seal("alice", &json!({"n": 1})).expect("seals");
    let big = sealer.seal("alice", &big_state()).expect("seals");
    let plain_big = sealer
        .clone()
        .with_compression(Compression::Never)
        .seal("alice", &big_state())
        .expect("seals");
    let tokens = [&small, &big, &plain_big];
    let answer = peer(
        "jwe-decrypt",
        &json!({"jwk": exported_jwk(&sealer), "tokens": tokens}),
    );
    for library in ["joserfc", "authlib"] {
        let results = answer[library].as_array().expect("results");
        for (result, zip) in results.iter().zip([false, true, false]) {
            assert_eq!(result["ok"], true, "{library}: {result}");
            assert_eq!(
                result["header"].get("zip").is_some(),
                zip,
                "{library}: {result}"
            );
            let claims: Value =
                serde_json::from_str(result["plaintext"].as_str().expect("text")).expect("JSON");
            assert_eq!(claims["sub"], "alice");
            assert!(
                claims["exp"].is_i64() && claims["iat"].is_i64() && claims["auth_time"].is_i64()
            );
        }
        let first: Value =
            serde_json::from_str(results[0]["plaintext"].as_str().expect("text")).expect("JSON");
        assert_eq!(first["state"], json!({"n": 1}));
    }
    // A bit flipped on our side is refused on theirs.
    let flipped = [flip_ciphertext(&small), flip_ciphertext(&big)];
    let answer = peer(
        "jwe-decrypt",
        &json!({"jwk": exported_jwk(&sealer), "tokens": flipped}),
    );
    for library in ["joserfc", "authlib"] {
        for result in answer[library].as_array().expect("results") {
            assert_eq!(result["ok"], false, "{library}: {result}");
        }
    }
    // Another purpose's key opens nothing.
    let other = Sealer::builder(Key::generate(), "remember_me")
        .with_format(Format::Jwe)
        .build()
        .expect("valid settings");
    let answer = peer(
        "jwe-decrypt",
        &json!({"jwk": exported_jwk(&other), "tokens": [&small]}),
    );
    assert_eq!(answer["joserfc"][0]["ok"], false);
    assert_eq!(answer["authlib"][0]["ok"], false);
}

#[test]
fn their_jwes_open_in_ours() {
    let sealer = sealer();
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let claims = |state: &Value| {
        json!({
            "sub": "bob", "jti": "AAAAAAAAAAAAAAAAAAAAAA", "auth_time": now, "iat": now,
            "exp": now + 600, "state": state,
        })
        .to_string()
    };
    let items = json!([
        {"plaintext": claims(&json!({"n": 2})), "zip": false},
        {"plaintext": claims(&big_state()), "zip": true},
    ]);
    let answer = peer(
        "jwe-encrypt",
        &json!({"jwk": exported_jwk(&sealer), "items": items}),
    );
    for library in ["joserfc", "authlib"] {
        let tokens = answer[library].as_array().expect("tokens");
        let small = tokens[0].as_str().expect("token");
        let big = tokens[1].as_str().expect("token");
        let session = sealer.open::<Value>(small).expect(library);
        assert_eq!(session.subject(), "bob");
        assert_eq!(session.state(), &json!({"n": 2}));
        assert_eq!(
            sealer.open::<Value>(big).expect(library).state(),
            &big_state()
        );
        // A bit flipped on their side is refused on ours.
        for token in [small, big] {
            assert_eq!(
                sealer.open::<Value>(&flip_ciphertext(token)).err(),
                Some(Error::Invalid),
                "{library}"
            );
        }
    }
}

#[test]
fn a_zip_bomb_from_joserfc_is_too_large() {
    let sealer = sealer().with_max_token_len(64 * 1024);
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let bomb = json!({
        "sub": "bob", "jti": "AAAAAAAAAAAAAAAAAAAAAA", "auth_time": now, "iat": now,
        "exp": now + 600, "state": "A".repeat(2 << 20),
    })
    .to_string();
    let answer = peer(
        "jwe-encrypt",
        &json!({"jwk": exported_jwk(&sealer), "items": [{"plaintext": bomb, "zip": true}]}),
    );
    for library in ["joserfc", "authlib"] {
        let token = answer[library][0].as_str().expect("token");
        assert!(
            token.len() < 16 * 1024,
            "{library}: {} characters",
            token.len()
        );
        assert_eq!(
            sealer.open::<Value>(token).err(),
            Some(Error::TooLarge),
            "{library}"
        );
    }
}

const SECRET: [u8; 32] = [0x42; 32];

fn ed_key() -> JwsSigningKey {
    JwsSigningKey::ed25519_from_seed(&[0x33; 32])
}

/// Our Ed25519 key as a private JWK, for PyJWT to sign with.
fn private_jwk(key: &JwsSigningKey) -> Value {
    json!({
        "kty": "OKP", "crv": "Ed25519", "kid": "ed-1",
        "d": key.to_base64(),
        "x": URL_SAFE_NO_PAD.encode(key.ed25519_public_key().expect("Ed25519")),
    })
}

fn verifier() -> JwsVerifier {
    let issuer = JwsIssuer::new(ed_key(), "auth").with_kid("ed-1");
    let keys = VerifyingKeys::from_jwk_set(&issuer.public_jwk_set())
        .expect("set")
        .with_hs256("hs-1", &SECRET)
        .expect("secret");
    JwsVerifier::new(keys, "auth", "orders")
}

#[test]
fn pyjwt_tokens_verify_with_ours_and_forbidden_algorithms_do_not() {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let claims = json!({"iss": "auth", "aud": "orders", "sub": "carol", "iat": now, "exp": now + 300, "scope": "read"});
    let keys = json!({
        "hs-1": {"alg": "HS256", "secret": URL_SAFE_NO_PAD.encode(SECRET)},
        "ed-1": {"alg": "EdDSA", "jwk": private_jwk(&ed_key())},
    });
    let public = URL_SAFE_NO_PAD.encode(ed_key().ed25519_public_key().expect("Ed25519"));
    let items = json!([
        {"kid": "hs-1", "alg": "HS256", "claims": claims},
        {"kid": "ed-1", "alg": "EdDSA", "claims": claims},
        // PyJWT signs these gladly; our key entries forbid them.
        {"kid": "hs-1", "alg": "HS512", "claims": claims},
        {"kid": "hs-1", "alg": "HS384", "claims": claims},
        {"kid": "ed-1", "alg": "HS256", "claims": claims, "hmac_secret_b64": public},
        {"kid": "hs-1", "alg": "none", "claims": claims},
    ]);
    let answer = peer("jws-sign", &json!({"keys": keys, "items": items}));
    let tokens: Vec<&str> = answer["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .map(|token| token.as_str().expect("token"))
        .collect();
    let verifier = verifier();
    for token in &tokens[..2] {
        let verified = verifier.verify::<Value>(token).expect("verifies");
        assert_eq!(verified.subject(), "carol");
        assert_eq!(verified.claims()["scope"], "read");
    }
    for token in &tokens[2..] {
        assert_eq!(
            verifier.verify::<Value>(token).err(),
            Some(Error::AlgorithmMismatch),
            "{token}"
        );
    }
}

#[test]
fn our_tokens_verify_with_pyjwt_from_the_exported_jwk_set() {
    let issuer = JwsIssuer::new(JwsSigningKey::generate_ed25519().expect("key"), "auth");
    let list = Arc::new(RevocationList::new(time::Duration::days(8)));
    let tokens = [
        issuer
            .issue("dave", "orders", &json!({"scope": "write"}))
            .expect("signs"),
        issuer.issue("dave", "billing", &json!({})).expect("signs"),
    ];
    let mut jwks: Value = serde_json::from_str(&issuer.public_jwk_set()).expect("JSON");
    let answer = peer(
        "jws-verify",
        &json!({"jwks": jwks, "issuer": "auth", "audience": "orders", "tokens": tokens}),
    );
    let results = answer["results"].as_array().expect("results");
    assert_eq!(results[0]["ok"], true, "{}", results[0]);
    assert_eq!(results[0]["claims"]["sub"], "dave");
    assert_eq!(results[0]["claims"]["scope"], "write");
    assert_eq!(results[0]["header"]["kid"], issuer.kid());
    assert_eq!(results[1]["ok"], false, "wrong audience: {}", results[1]);
    // And ours agrees, revocation included.
    let verifier = JwsVerifier::new(
        VerifyingKeys::from_jwk_set(&issuer.public_jwk_set()).expect("set"),
        "auth",
        "orders",
    )
    .with_revocations(list.clone());
    assert!(verifier.verify::<Value>(&tokens[0]).is_ok());
    list.revoke_user("dave");
    assert_eq!(
        verifier.verify::<Value>(&tokens[0]).err(),
        Some(Error::Revoked)
    );
    // A flipped signature is refused by PyJWT too.
    let middle = tokens[0].len() - 40;
    let mut bad = tokens[0].as_bytes().to_vec();
    bad[middle] = if bad[middle] == b'A' { b'B' } else { b'A' };
    let bad = String::from_utf8(bad).expect("ASCII");
    jwks["keys"][0]["kid"] = json!(issuer.kid());
    let answer = peer(
        "jws-verify",
        &json!({"jwks": jwks, "issuer": "auth", "audience": "orders", "tokens": [bad]}),
    );
    assert_eq!(answer["results"][0]["ok"], false);
}

/// Serves `issuer.jwks_response` over HTTP/1.1 on 127.0.0.1, one connection at a time, on a
/// thread of its own; returns the URL and the count of requests answered.
fn serve_jwks(issuer: Arc<JwsIssuer>) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead as _, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let url = format!(
        "http://{}/.well-known/jwks.json",
        listener.local_addr().expect("an address")
    );
    let served = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = Arc::clone(&served);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("a clone"));
            let mut headers = http::HeaderMap::new();
            let mut line = String::new();
            let _ = reader.read_line(&mut line); // the request line
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = line.trim_end().split_once(':')
                    && let (Ok(name), Ok(value)) = (
                        http::HeaderName::from_bytes(name.trim().as_bytes()),
                        http::HeaderValue::from_str(value.trim()),
                    )
                {
                    headers.append(name, value);
                }
            }
            let response = issuer.jwks_response(&headers);
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut head = format!("HTTP/1.1 {}\r\n", response.status());
            for (name, value) in response.headers() {
                head.push_str(&format!("{name}: {}\r\n", value.to_str().expect("ASCII")));
            }
            head.push_str(&format!(
                "content-length: {}\r\nconnection: close\r\n\r\n",
                response.body().len()
            ));
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(response.body().as_bytes());
        }
    });
    (url, served)
}

/// PyJWT's `PyJWKClient` fetches the JWK Set endpoint of a rotating issuer over HTTP and
/// verifies its tokens: one signed by the current key, one by the previous key (still
/// published while its tokens live); a token for another audience is refused.
#[test]
fn pyjwk_client_fetches_our_endpoint_and_verifies_our_tokens() {
    let schedule =
        KeySchedule::ed25519(&rand::random(), time::Duration::seconds(10)).expect("a period");
    let issuer =
        Arc::new(JwsIssuer::rotating(schedule, "auth").with_ttl(time::Duration::seconds(30)));
    let (url, served) = serve_jwks(Arc::clone(&issuer));
    let now = OffsetDateTime::now_utc();
    let earlier = now - time::Duration::seconds(10);
    let tokens = [
        issuer
            .issue_at("frank", "orders", &json!({}), now)
            .expect("signs"),
        issuer
            .issue_at("frank", "orders", &json!({}), earlier)
            .expect("signs"),
        issuer.issue("frank", "billing", &json!({})).expect("signs"),
    ];
    assert_ne!(issuer.kid_at(now), issuer.kid_at(earlier), "two keys");
    let answer = peer(
        "jwks-client-verify",
        &json!({"url": url, "issuer": "auth", "audience": "orders", "tokens": tokens}),
    );
    let results = answer["results"].as_array().expect("results");
    for (result, kid) in results
        .iter()
        .zip([issuer.kid_at(now), issuer.kid_at(earlier)])
    {
        assert_eq!(result["ok"], true, "{result}");
        assert_eq!(result["claims"]["sub"], "frank");
        assert_eq!(result["header"]["kid"], kid);
    }
    assert_eq!(results[2]["ok"], false, "another audience: {}", results[2]);
    assert!(served.load(std::sync::atomic::Ordering::SeqCst) >= 1);
}

/// Ours fetches a JWK Set served by Python (keys made by joserfc) and verifies PyJWT's tokens
/// with it; a token under a `kid` the set lacks is refused, after one refetch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ours_fetch_a_set_served_by_python_and_verify_pyjwt_tokens() {
    use sealed_session::jwt::{RemoteKeySet, RemoteKeySetOptions};
    use std::io::BufRead as _;
    let script = format!("{}/tests/interop/peer.py", env!("CARGO_MANIFEST_DIR"));
    let mut server = Command::new(python())
        .args([script.as_str(), "jwks-serve"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the peer starts");
    let mut input = server.stdin.take().expect("stdin");
    input
        .write_all(b"{\"issuer\": \"py-auth\", \"audience\": \"orders\"}\n")
        .expect("request written");
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the peer says where it serves");
    let answer: Value = serde_json::from_str(&line).expect("JSON");
    let url = answer["url"].as_str().expect("a URL");
    let keys = RemoteKeySet::new(url, RemoteKeySetOptions::default()).expect("a loopback URL");
    let verifier = JwsVerifier::remote(keys.clone(), "py-auth", "orders");
    for token in answer["tokens"].as_array().expect("tokens") {
        let verified = verifier
            .verify_async::<Value>(token.as_str().expect("a token"))
            .await
            .expect("a PyJWT token verifies");
        assert_eq!(verified.subject(), "erin");
    }
    let unknown = answer["unknown_kid_token"].as_str().expect("a token");
    assert_eq!(
        verifier.verify_async::<Value>(unknown).await.err(),
        Some(Error::UnknownKey)
    );
    let status = keys.status();
    assert_eq!(status.keys, 2);
    assert_eq!(status.failures, 0, "{status:?}");
    drop(input);
    let _ = server.wait();
}
