//! Revocation lists kept in step through a real `redis-server` that speaks TLS only (started
//! here, on a free port, with a CA and a certificate made by the test): `rediss://` with the
//! right CA works; a server the CA did not sign, a certificate for another name, a plain
//! connection to the TLS port and the system's roots (which do not hold the test's CA) are
//! refused, and the list fails closed; CA certificates that are not PEM are a configuration
//! error.

use std::sync::Arc;
use std::time::Duration;

use sealed_session::redis::{RedisSync, StartPolicy, SyncOptions};
use sealed_session::{Error, Key, RevocationList, Sealer};
use sealed_session_test_support::fixtures::fixed_key;
use sealed_session_test_support::redis_server::{self, RedisServer, TestCa};

const HORIZON: time::Duration = time::Duration::days(8);

fn secret() -> Key {
    fixed_key(0x41)
}

fn session_key() -> Key {
    fixed_key(0x42)
}

/// One instance: a shared list, its sync (no follower), and a sealer.
struct Instance {
    list: Arc<RevocationList>,
    sync: RedisSync,
    sealer: Sealer,
}

fn options(namespace: &str, ca_pem: Option<Vec<u8>>) -> SyncOptions {
    let mut options = SyncOptions::new(namespace);
    options.start = StartPolicy::FailClosed;
    options.max_backoff = time::Duration::milliseconds(50);
    options.min_catch_up_interval = time::Duration::ZERO;
    options.tls_ca_pem = ca_pem;
    options
}

fn instance(url: &str, ca_pem: Option<Vec<u8>>) -> Instance {
    let list = Arc::new(RevocationList::new_shared(HORIZON, &secret()));
    let sync = RedisSync::connect(Arc::clone(&list), url, options("tls", ca_pem))
        .expect("connect never fails on an unreachable or refused server");
    let sealer = Sealer::builder(session_key(), "session")
        .with_revocations(Arc::clone(&list))
        .build()
        .expect("valid settings");
    Instance { list, sync, sealer }
}

/// An instance that cannot talk to the server: not connected, not loaded, every exchange
/// refused (a real attempt, after the backoff), and every token refused as unavailable.
fn assert_refused(instance: &Instance, what: &str) {
    let status = instance.sync.status();
    assert!(!status.connected, "{what}: {status:?}");
    assert!(!status.loaded, "{what}: {status:?}");
    std::thread::sleep(Duration::from_millis(120)); // past the 50 ms backoff
    assert_eq!(
        instance.sync.sync_now().err(),
        Some(Error::SyncUnavailable),
        "{what}"
    );
    assert!(!instance.sync.status().connected, "{what}");
    // Sealed elsewhere, by a sealer without the list: this one must not open it.
    let token = Sealer::new(session_key(), "session")
        .seal("mallory", &())
        .expect("seals");
    assert_eq!(
        instance.sealer.open::<()>(&token).err(),
        Some(Error::RevocationsUnavailable),
        "{what}: the list fails closed"
    );
}

#[test]
fn two_instances_agree_through_a_tls_only_redis() {
    let ca = TestCa::new("sealed-session test CA");
    let server = RedisServer::start_tls(&ca);
    assert!(server.url().starts_with("rediss://127.0.0.1:"));
    let here = instance(&server.url(), Some(ca.pem()));
    let there = instance(&server.url(), Some(ca.pem()));
    for sync in [&here.sync, &there.sync] {
        let status = sync.status();
        assert!(status.loaded && status.connected, "{status:?}");
    }

    let alice = there.sealer.seal("alice", &()).expect("seals");
    let bob = there.sealer.seal("bob", &()).expect("seals");
    assert!(there.sealer.open::<()>(&alice).is_ok());
    here.list.revoke_user("alice");
    here.sync.sync_now().expect("published over TLS");
    there.sync.sync_now().expect("caught up over TLS");
    assert_eq!(there.sealer.open::<()>(&alice).err(), Some(Error::Revoked));
    assert!(there.sealer.open::<()>(&bob).is_ok());
    assert_eq!(there.sync.status().applied, 1);

    // It is this server that holds the revocation: read back with a connection of our own.
    let live: usize = redis::cmd("ZCARD")
        .arg("sealed-session:{tls}:live")
        .query(&mut server.connection())
        .expect("ZCARD");
    assert_eq!(live, 1);
    // And a tool (the CLI) reads the namespace's horizon through the same options.
    assert_eq!(
        RedisSync::namespace_horizon(&server.url(), &options("tls", Some(ca.pem()))),
        Ok(Some(HORIZON))
    );
    redis_server::remove_data(server.port);
}

#[test]
fn a_server_certificate_from_another_ca_is_refused() {
    let ca = TestCa::new("sealed-session test CA");
    let other = TestCa::new("another CA");
    let server = RedisServer::start_tls(&ca);
    let wrong = instance(&server.url(), Some(other.pem()));
    assert_refused(&wrong, "signed by a CA that is not the one given");
    // The system's roots do not hold the test's CA either.
    let system = instance(&server.url(), None);
    assert_refused(&system, "the system's roots");
    assert_eq!(
        RedisSync::namespace_horizon(&server.url(), &options("tls", Some(other.pem()))),
        Err(Error::SyncUnavailable)
    );
    // The same server, with its own CA: only the trust differed.
    let right = instance(&server.url(), Some(ca.pem()));
    assert!(right.sync.status().connected);
    redis_server::remove_data(server.port);
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let ca = TestCa::new("sealed-session test CA");
    // The certificate names localhost, not 127.0.0.1.
    let server = RedisServer::start_tls_for(&ca, &["localhost"]);
    let by_address = instance(
        &format!("rediss://127.0.0.1:{}/", server.port),
        Some(ca.pem()),
    );
    assert_refused(&by_address, "a certificate for another name");
    let by_name = instance(
        &format!("rediss://localhost:{}/", server.port),
        Some(ca.pem()),
    );
    let status = by_name.sync.status();
    assert!(status.loaded && status.connected, "{status:?}");
    redis_server::remove_data(server.port);
}

#[test]
fn a_plain_connection_to_the_tls_port_is_refused() {
    let ca = TestCa::new("sealed-session test CA");
    let server = RedisServer::start_tls(&ca);
    let plain = instance(&format!("redis://127.0.0.1:{}/", server.port), None);
    assert_refused(&plain, "redis:// to a TLS port");
    redis_server::remove_data(server.port);
}

#[test]
fn ca_certificates_that_do_not_parse_or_fit_the_url_are_configuration_errors() {
    let list = || Arc::new(RevocationList::new_shared(HORIZON, &secret()));
    let ca = TestCa::new("sealed-session test CA");
    let url = "rediss://127.0.0.1:1/";
    let mut truncated = ca.pem();
    truncated.truncate(truncated.len() / 2);
    let refusals: [(&str, Vec<u8>, &str); 4] = [
        (url, b"not a certificate".to_vec(), "are not PEM"),
        (url, truncated, "are not PEM"),
        (
            url,
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".to_vec(),
            "are not valid certificates",
        ),
        (
            "redis://127.0.0.1:1/",
            ca.pem(),
            "are for a rediss:// URL only",
        ),
    ];
    for (url, pem, says) in refusals {
        let options = options("tls", Some(pem));
        let connected = RedisSync::connect(list(), url, options.clone());
        match connected {
            Err(error @ Error::Config(_)) => {
                let message = error.to_string();
                assert!(
                    message.starts_with("invalid configuration: the Redis CA certificates ")
                        && message.ends_with(says),
                    "{message}"
                );
            }
            other => panic!("{url}, {says}: {other:?}"),
        }
        assert!(matches!(
            RedisSync::namespace_horizon(url, &options),
            Err(Error::Config(_))
        ));
    }
    // Verification cannot be turned off from the URL.
    let insecure = RedisSync::connect(
        list(),
        "rediss://127.0.0.1:1/#insecure",
        options("tls", None),
    );
    assert!(matches!(insecure, Err(Error::Config(_))), "{insecure:?}");
}
