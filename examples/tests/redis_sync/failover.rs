//! Failover to a replica with nothing lost. A primary and its replica (replicating through a
//! link the test can stall), and the instances connected through an endpoint that the
//! "platform" re-points at the promoted replica, as a managed Redis's primary endpoint is.
//! The primary dies at the worst moment: it has taken a revocation that its replica has not.

use super::*;
use sealed_session_test_support::proxy::Proxy;

/// One field of a server's `INFO replication`.
fn replication(server: &RedisServer, field: &str) -> String {
    let info: String = redis::cmd("INFO")
        .arg("replication")
        .query(&mut server.connection())
        .expect("INFO answers");
    info.lines()
        .find_map(|line| line.strip_prefix(&format!("{field}:")))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// Makes `replica` replicate from the server on `port`, and waits until its link is up.
pub(super) fn replicate(replica: &RedisServer, port: u16) {
    redis::cmd("REPLICAOF")
        .arg("127.0.0.1")
        .arg(port)
        .query::<()>(&mut replica.connection())
        .expect("REPLICAOF answers");
    within(Duration::from_secs(10), || {
        replication(replica, "master_link_status") == "up"
    })
    .expect("the replica's link comes up");
}

/// The members of the namespace's sorted set on `server`.
fn live_members(server: &RedisServer, namespace: &str) -> usize {
    redis::cmd("ZCARD")
        .arg(format!("sealed-session:{{{namespace}}}:live"))
        .query(&mut server.connection())
        .expect("ZCARD answers")
}

/// An instance at `url` whose publications need one replica's acknowledgement.
fn instance_with_a_replica(url: &str, namespace: &str) -> Instance {
    let mut options = test_options(namespace);
    options.replicas = 1;
    options.replica_timeout = time::Duration::milliseconds(300);
    instance_with(url, options)
}

#[test]
fn a_durable_revocation_survives_a_failover_at_the_worst_moment() {
    let namespace = "failover";
    let mut primary = RedisServer::start();
    let replica = RedisServer::start();
    let link = Proxy::start(primary.port);
    replicate(&replica, link.port);
    let endpoint = Proxy::start(primary.port);

    let here = instance_with_a_replica(&endpoint.url(), namespace);
    let mut peer = Peer::start_at(&endpoint.url(), 50, namespace, 1);
    let alice = here.sealer.seal("alice", &()).expect("seals");
    let bob = here.sealer.seal("bob", &()).expect("seals");
    let bob_session = here.sealer.open::<()>(&bob).expect("opens");
    assert_eq!(peer.ask(&format!("open {alice}")), "ok alice");

    // While the replica keeps up, a durable revocation is acknowledged by it.
    here.sync
        .revoke_session_durably(&bob_session)
        .expect("acknowledged by the replica");
    assert_eq!(here.sync.status().unacknowledged, 0);

    // The link stalls; the primary takes alice's revocation, its replica never does. The
    // durable call says so instead of "done".
    link.pause();
    assert_eq!(
        here.sync.revoke_user_durably("alice").err(),
        Some(Error::NotReplicated)
    );
    let status = here.sync.status();
    assert_eq!(
        (status.unacknowledged, status.pending),
        (1, 0),
        "{status:?}"
    );
    within(Duration::from_secs(5), || {
        peer.ask(&format!("open {alice}")).contains("revoked")
    })
    .expect("the other process applies it from the primary");

    // The primary dies; the replica, promoted, lacks the revocation.
    primary.kill();
    link.sever();
    redis::cmd("REPLICAOF")
        .arg("NO")
        .arg("ONE")
        .query::<()>(&mut replica.connection())
        .expect("the replica is promoted");
    assert_eq!(
        live_members(&replica, namespace),
        1,
        "the promoted replica has bob's session, not alice"
    );
    endpoint.redirect(replica.port);

    // This instance publishes what the old primary took unacknowledged, to the new one.
    within(Duration::from_secs(10), || {
        let _ = here.sync.sync_now();
        live_members(&replica, namespace) == 2
    })
    .expect("republished to the promoted replica");
    assert_eq!(here.sealer.open::<()>(&alice).err(), Some(Error::Revoked));
    assert_eq!(here.sealer.open::<()>(&bob).err(), Some(Error::Revoked));
    // The other process, reconnected, still refuses both.
    within(Duration::from_secs(5), || {
        peer.ask("status").contains("connected: true")
    })
    .expect("the other process reconnects");
    assert!(peer.ask(&format!("open {alice}")).contains("revoked"));
    assert!(peer.ask(&format!("open {bob}")).contains("revoked"));
    // A cold start through the endpoint loads both.
    let cold = instance_at(&endpoint.url(), namespace, StartPolicy::FailClosed);
    assert!(cold.sync.status().loaded);
    assert_eq!(cold.sealer.open::<()>(&alice).err(), Some(Error::Revoked));
    assert_eq!(cold.sealer.open::<()>(&bob).err(), Some(Error::Revoked));

    // The promoted server has no replica yet: still not durable as configured, and said so.
    assert_eq!(here.sync.flush().err(), Some(Error::NotReplicated));
    assert_eq!(here.sync.status().unacknowledged, 1);
    // A new replica behind it: acknowledged, and the instance lets go of it.
    let new_replica = RedisServer::start();
    replicate(&new_replica, replica.port);
    within(Duration::from_secs(10), || here.sync.flush().is_ok())
        .expect("acknowledged by the new replica");
    assert_eq!(here.sync.status().unacknowledged, 0);
    assert_eq!(live_members(&new_replica, namespace), 2);

    drop(peer);
    for port in [primary.port, replica.port, new_replica.port] {
        redis_server::remove_data(port);
    }
}
