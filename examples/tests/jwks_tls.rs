//! `jwt::RemoteKeySet` over HTTPS: the issuer's certificate is verified, always. A JWK Set
//! endpoint on loopback speaks TLS with a certificate from a CA made by the test: the set is
//! fetched when that CA is trusted, and refused with the system's roots, for a certificate of
//! another name, and for CA certificates that do not parse.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sealed_session::Error;
use sealed_session::jwt::{
    JwsIssuer, JwsSigningKey, JwsVerifier, RemoteKeySet, RemoteKeySetOptions,
};
use sealed_session_test_support::redis_server::TestCa;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_rustls::TlsAcceptor;

/// Serves `set` over TLS with a certificate for `names` signed by `ca`; returns the port.
async fn serve_tls(ca: &TestCa, names: &[&str], set: String) -> u16 {
    let (certificate, key) = ca.server_certificate(names);
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(certificate.as_bytes())
            .collect::<Result<_, _>>()
            .expect("PEM certificates");
    let key = PrivateKeyDer::from_pem_slice(key.as_bytes()).expect("a PEM key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .expect("a certificate");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let port = listener.local_addr().expect("an address").port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let set = set.clone();
            tokio::spawn(async move {
                let Ok(mut stream) = acceptor.accept(stream).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut chunk = [0u8; 1024];
                while !request.windows(4).any(|window| window == b"\r\n\r\n") {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(read) => request.extend_from_slice(&chunk[..read]),
                    }
                }
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncache-control: max-age=60\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{set}",
                    set.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_issuers_certificate_is_verified() {
    let issuer = JwsIssuer::new(JwsSigningKey::ed25519_from_seed(&[0x71; 32]), "auth");
    let token = issuer
        .issue("alice", "api", &serde_json::json!({}))
        .expect("signs");
    let ca = TestCa::new("sealed-session jwks test CA");
    let port = serve_tls(&ca, &["localhost"], issuer.public_jwk_set()).await;
    let url = format!("https://localhost:{port}/.well-known/jwks.json");

    let trusted = RemoteKeySet::new(&url, RemoteKeySetOptions::default().with_ca_pem(ca.pem()))
        .expect("an https URL");
    let verifier = JwsVerifier::remote(trusted.clone(), "auth", "api");
    let verified = verifier
        .verify_async::<serde_json::Value>(&token)
        .await
        .expect("fetched over TLS and verified");
    assert_eq!(verified.subject(), "alice");

    // The system's roots do not hold the test's CA.
    let system = RemoteKeySet::new(&url, RemoteKeySetOptions::default()).expect("an https URL");
    assert_eq!(system.refresh().await, Err(Error::KeysUnavailable));
    let why = system.status().last_error.expect("a reason");
    assert!(why.contains("UnknownIssuer"), "{why}");

    // A certificate of the right CA for another name.
    let other = serve_tls(&ca, &["other.example"], issuer.public_jwk_set()).await;
    let url = format!("https://localhost:{other}/.well-known/jwks.json");
    let misnamed = RemoteKeySet::new(&url, RemoteKeySetOptions::default().with_ca_pem(ca.pem()))
        .expect("an https URL");
    assert_eq!(misnamed.refresh().await, Err(Error::KeysUnavailable));
    let why = misnamed.status().last_error.expect("a reason");
    assert!(why.contains("not valid for name"), "{why}");

    // CA certificates that are not PEM are refused at once.
    assert!(matches!(
        RemoteKeySet::new(
            &url,
            RemoteKeySetOptions::default().with_ca_pem(
                b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n".to_vec()
            )
        ),
        Err(Error::Config(_))
    ));
}
