//! A Redis Cluster of three primaries, started here: the namespace's keys in one slot, two
//! instances and a cold start through the cluster client, and the slot migrated to another
//! primary, key by key, while an instance keeps publishing (`ASK` while it is half moved,
//! `MOVED` after): no revocation is lost.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::*;
use sealed_session_test_support::redis_cluster::RedisCluster;

/// An instance on the cluster.
fn on_cluster(cluster: &RedisCluster, namespace: &str) -> Instance {
    let list = Arc::new(RevocationList::new_shared(HORIZON, &secret()));
    let options = test_options(namespace);
    let urls = cluster.urls();
    let nodes: Vec<&str> = urls.iter().map(String::as_str).collect();
    let sync = RedisSync::connect_cluster(Arc::clone(&list), &nodes, options).expect("URLs");
    let sealer = Sealer::builder(session_key(), "session")
        .with_revocations(Arc::clone(&list))
        .build()
        .expect("valid settings");
    Instance {
        list,
        sync: Arc::new(sync),
        sealer,
    }
}

/// A token of `subject`, issued an hour ago (before any revocation of the test).
fn earlier_token(subject: &str) -> String {
    Sealer::new(session_key(), "session")
        .seal_at(
            subject,
            &(),
            time::OffsetDateTime::now_utc() - time::Duration::hours(1),
        )
        .expect("seals")
}

#[test]
fn a_cluster_keeps_every_revocation_through_a_slot_migration() {
    let namespace = "cluster";
    let cluster = RedisCluster::start(3);
    let slot = cluster.slot_of(&format!("{{{namespace}}}"));

    let here = on_cluster(&cluster, namespace);
    let there = on_cluster(&cluster, namespace);
    let status = here.sync.status();
    assert!(status.loaded, "{status:?}");
    assert!(there.sync.status().loaded);
    let _follower = there.sync.follow(time::Duration::milliseconds(100));
    here.list.revoke_user("user-0");
    here.sync.flush().expect("published");
    let token = earlier_token("user-0");
    within(Duration::from_secs(5), || {
        there.sealer.open::<()>(&token).err() == Some(Error::Revoked)
    })
    .expect("the other instance applies it");

    // Every key of the namespace lives in the one slot, on its owner.
    let owner = cluster.owner_of(slot);
    let mut keys = cluster.keys_in_slot(owner, slot);
    keys.sort();
    assert_eq!(
        keys,
        [":horizon", ":live", ":log"].map(|key| format!("sealed-session:{{{namespace}}}{key}"))
    );

    // The slot moves to another primary while this instance keeps revoking and publishing.
    let revoked = Arc::new(AtomicUsize::new(1));
    let stop = Arc::new(AtomicBool::new(false));
    let publisher = {
        let (list, sync) = (Arc::clone(&here.list), Arc::clone(&here.sync));
        let (revoked, stop) = (Arc::clone(&revoked), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut failures = 0;
            while !stop.load(Ordering::Acquire) {
                let user = revoked.fetch_add(1, Ordering::AcqRel);
                list.revoke_user(&format!("user-{user}"));
                if sync.sync_now().is_err() {
                    failures += 1;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            failures
        })
    };
    let target = *cluster
        .ports
        .iter()
        .find(|&&port| port != owner)
        .expect("another primary");
    std::thread::sleep(Duration::from_millis(100));
    cluster.migrate_slot(slot, owner, target, || {
        std::thread::sleep(Duration::from_millis(200));
    });
    assert_eq!(cluster.owner_of(slot), target);
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Release);
    let failures = publisher.join().expect("the publisher");
    let revoked = revoked.load(Ordering::Acquire);
    println!(
        "{revoked} users revoked while the slot moved; {failures} exchanges failed and were retried"
    );

    // Nothing lost: all published to the new owner, applied by the follower, loaded cold.
    within(Duration::from_secs(10), || here.sync.flush().is_ok())
        .expect("publishes to the new owner");
    assert_eq!(here.sync.status().pending, 0);
    let live: usize = redis::cmd("ZCARD")
        .arg(format!("sealed-session:{{{namespace}}}:live"))
        .query(&mut cluster.connection(target))
        .expect("ZCARD answers");
    assert_eq!(live, revoked, "every revocation is on the new owner");
    assert!(cluster.keys_in_slot(owner, slot).is_empty());
    let tokens: Vec<String> = (0..revoked)
        .map(|user| earlier_token(&format!("user-{user}")))
        .collect();
    within(Duration::from_secs(10), || {
        tokens
            .iter()
            .all(|token| there.sealer.open::<()>(token).err() == Some(Error::Revoked))
    })
    .expect("the follower applies every one");
    let cold = on_cluster(&cluster, namespace);
    assert!(cold.sync.status().loaded);
    assert_eq!(cold.list.len(), revoked);
    for token in &tokens {
        assert_eq!(cold.sealer.open::<()>(token).err(), Some(Error::Revoked));
    }
}
