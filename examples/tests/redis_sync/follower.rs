//! The follower waits on the stream (`XREAD BLOCK`): a revocation published elsewhere is
//! applied about a round trip later, not an interval later. And what a publication that
//! waits for a replica (`WAIT 1`) costs.

use super::*;

/// Median and maximum of some durations.
fn median_and_max(mut delays: Vec<Duration>) -> (Duration, Duration) {
    delays.sort();
    (delays[delays.len() / 2], delays[delays.len() - 1])
}

#[test]
fn the_follower_applies_a_revocation_within_a_round_trip_not_its_interval() {
    let server = RedisServer::start();
    let here = instance(&server, "follow");
    // The other instance, with a follower that waits up to 5 s.
    let there = instance_with(&server.url(), SyncOptions::new("follow"));
    let interval = time::Duration::seconds(5);
    let _follower = there.sync.follow(interval);
    let there = there.sealer;
    let revocations = 1_000;
    let mut delays = Vec::with_capacity(revocations);
    for user in 0..revocations {
        let subject = format!("user-{user}");
        let token = there.seal(&subject, &()).expect("seals");
        std::thread::sleep(Duration::from_millis(1)); // revoked after the token's issue time
        here.list.revoke_user(&subject);
        let published = Instant::now();
        here.sync.sync_now().expect("published");
        while there.open::<()>(&token).is_ok() {
            assert!(
                published.elapsed() < Duration::from_secs(10),
                "revocation {user} not applied within 10 s"
            );
            std::thread::yield_now();
        }
        delays.push(published.elapsed());
    }
    let (median, max) = median_and_max(delays);
    println!(
        "propagation with the blocking follower (interval {interval}), {revocations} revocations: median {median:?}, max {max:?}"
    );
    assert!(
        max < Duration::from_millis(2_500),
        "a revocation took {max:?}: the follower waited for its interval"
    );
    redis_server::remove_data(server.port);
}

#[test]
fn publications_that_wait_for_a_replica() {
    let primary = RedisServer::start();
    let replica = RedisServer::start();
    super::failover::replicate(&replica, primary.port);
    let mut options = SyncOptions::new("wait");
    options.replicas = 1;
    options.replica_timeout = time::Duration::seconds(2);
    let Instance { list, sync, .. } = instance_with(&primary.url(), options);

    // One durable revocation at a time: a MULTI and a WAIT each.
    let one_by_one = 1_000;
    let started = Instant::now();
    for user in 0..one_by_one {
        sync.revoke_user_durably(&format!("one-{user}"))
            .expect("acknowledged by the replica");
    }
    let each = started.elapsed();
    // Many revoked, then one flush: pages of 10,000 in a MULTI each, one WAIT.
    let batch = 100_000;
    for user in 0..batch {
        list.revoke_user(&format!("batch-{user}"));
    }
    let started = Instant::now();
    sync.flush().expect("acknowledged by the replica");
    let batched = started.elapsed();
    println!(
        "publication with WAIT 1: {one_by_one} durable revocations one by one in {each:?} ({:.0}/s); {batch} in one flush in {batched:?} ({:.0}/s)",
        f64::from(one_by_one) / each.as_secs_f64(),
        f64::from(batch) / batched.as_secs_f64(),
    );
    let on_replica: usize = redis::cmd("ZCARD")
        .arg("sealed-session:{wait}:live")
        .query(&mut replica.connection())
        .expect("ZCARD answers");
    assert_eq!(
        on_replica,
        (one_by_one + batch) as usize,
        "all on the replica"
    );
    assert_eq!(sync.status().unacknowledged, 0);
    for port in [primary.port, replica.port] {
        redis_server::remove_data(port);
    }
}
