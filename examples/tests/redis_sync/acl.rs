//! The least the sync needs: a Redis user allowed only the commands the sync sends and only
//! the namespace's keys (the ACL that "Running Redis in production" in the README gives) does
//! everything: load, publish with `WAIT`, follow with `XREAD BLOCK`, and the CLI's horizon read.

use super::*;

/// The README's ACL rule for the sync of namespace `shop`, as `ACL SETUSER` arguments.
const RULE: &[&str] = &[
    "on",
    ">a-long-random-password",
    "resetkeys",
    "~sealed-session:{shop}:*",
    "resetchannels",
    "-@all",
    "+ping",
    "+multi",
    "+exec",
    "+time",
    "+wait",
    "+zadd",
    "+zscore",
    "+zscan",
    "+zremrangebyscore",
    "+xadd",
    "+xrange",
    "+xread",
    "+xinfo|stream",
    "+xgroup|create",
];

#[test]
fn a_user_with_only_the_documented_commands_and_keys_can_sync() {
    let server = RedisServer::start();
    let mut admin = server.connection();
    redis::cmd("ACL")
        .arg("SETUSER")
        .arg("revocations")
        .arg(RULE)
        .query::<()>(&mut admin)
        .expect("ACL SETUSER answers");
    let url = format!(
        "redis://revocations:a-long-random-password@127.0.0.1:{}/",
        server.port
    );

    let here = instance_at(&url, "shop", StartPolicy::FailClosed);
    let status = here.sync.status();
    assert!(status.loaded && status.connected, "{status:?}");
    let there = instance_with(&url, SyncOptions::new("shop"));
    let _follower = there.sync.follow(time::Duration::seconds(5));
    let sealer = there.sealer;
    let token = sealer.seal("alice", &()).expect("seals");
    std::thread::sleep(Duration::from_millis(2));
    here.sync.revoke_user_durably("alice").expect("published");
    within(Duration::from_secs(2), || {
        sealer.open::<()>(&token).err() == Some(Error::Revoked)
    })
    .expect("followed with XREAD BLOCK, well within the 5 s interval");
    assert_eq!(
        RedisSync::namespace_horizon(&url, &SyncOptions::new("shop"))
            .expect("the horizon is readable"),
        Some(HORIZON)
    );

    // With a replica to wait for, WAIT is allowed too.
    let replica = RedisServer::start();
    super::failover::replicate(&replica, server.port);
    let waiting = {
        let mut options = SyncOptions::new("shop");
        options.replicas = 1;
        instance_with(&url, options).sync
    };
    waiting.list().revoke_user("bob");
    waiting.flush().expect("acknowledged by the replica");

    // Another namespace's keys are out of reach: the rule is the namespace's own.
    let other = instance_at(&url, "another", StartPolicy::FailClosed);
    let status = other.sync.status();
    assert!(!status.loaded, "{status:?}");
    assert!(
        status
            .last_error
            .as_deref()
            .is_some_and(|error| error.to_lowercase().contains("noperm")),
        "{status:?}"
    );
    for port in [server.port, replica.port] {
        redis_server::remove_data(port);
    }
}
