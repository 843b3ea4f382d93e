//! Service-to-service revocation: a JWS issued for a session is refused once the session or its
//! user is revoked in another process, through the list shared in Redis.

use std::sync::Arc;

use sealed_session::Error;
use sealed_session::jwt::{JwsIssuer, JwsSigningKey, JwsVerifier, VerifyingKeys};
use sealed_session_test_support::redis_server::{self, RedisServer};
use serde_json::{Value, json};

use super::{Peer, instance};

#[test]
fn a_jws_for_a_session_dies_with_the_session_revoked_in_another_process() {
    let server = RedisServer::start();
    // This process: the orders service, verifying the auth service's tokens against the
    // shared list. The peer process: the web tier, where users log in and out.
    let here = instance(&server, "sync-peer");
    let mut peer = Peer::start(&server, 50);
    let issuer = JwsIssuer::new(JwsSigningKey::ed25519_from_seed(&[0x52; 32]), "auth");
    let verifier = JwsVerifier::new(
        VerifyingKeys::from_jwk_set(&issuer.public_jwk_set()).expect("a set"),
        "auth",
        "orders",
    )
    .with_revocations(Arc::clone(&here.list));

    let alice_session = peer.ask("seal alice");
    let bob_session = peer.ask("seal bob");
    let for_session = |token: &str| {
        let session = here
            .sealer
            .open::<()>(token)
            .expect("the session opens here");
        issuer
            .issue_for_session(&session, "orders", &json!({"scope": "orders:read"}))
            .expect("signs")
    };
    let alice_jws = for_session(&alice_session);
    let bob_jws = for_session(&bob_session);
    let bob_other_device = for_session(&peer.ask("seal bob"));
    for token in [&alice_jws, &bob_jws, &bob_other_device] {
        verifier.verify::<Value>(token).expect("verifies");
    }

    // "Log out everywhere" for alice, over there: her JWS is refused here after one catch-up.
    assert_eq!(peer.ask("revoke-user alice"), "done");
    here.sync.sync_now().expect("caught up");
    assert_eq!(
        verifier.verify::<Value>(&alice_jws).err(),
        Some(Error::Revoked)
    );

    // One of bob's sessions logged out over there: that session's JWS only.
    assert_eq!(peer.ask(&format!("revoke-session {bob_session}")), "done");
    here.sync.sync_now().expect("caught up");
    assert_eq!(
        verifier.verify::<Value>(&bob_jws).err(),
        Some(Error::Revoked)
    );
    verifier
        .verify::<Value>(&bob_other_device)
        .expect("bob's other session is untouched");
    redis_server::remove_data(server.port);
}
