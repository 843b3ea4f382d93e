//! The list's own tests: layout and memory at scale, floors and folds, locks, shared lists.

use std::collections::HashMap;
use std::hash::Hasher as _;

use super::store::{PassThrough, PassThroughHasher};
use super::*;

const HORIZON: Duration = Duration::days(8);
const SID: SessionId = SessionId([1; 16]);

/// Heap bytes of one map, from its capacity: hashbrown keeps `buckets` slots of the entry
/// plus one control byte per bucket and one group of control bytes more, and reports
/// `buckets / 8 * 7` as the capacity (`buckets - 1` below 8 buckets).
fn heap_bytes(map: &HashMap<KeyedHash, i64, PassThrough>) -> usize {
    let buckets = match map.capacity() {
        0 => return 0,
        capacity if capacity < 7 => capacity + 1,
        capacity => capacity / 7 * 8,
    };
    buckets * (size_of::<(KeyedHash, i64)>() + 1) + 16
}

fn list_heap_bytes(list: &RevocationList) -> usize {
    size_of::<[Shard; SHARDS]>()
        + list
            .shards
            .iter()
            .map(|shard| {
                let maps = shard.read();
                heap_bytes(&maps.users) + heap_bytes(&maps.sessions)
            })
            .sum::<usize>()
}

fn full_list(entries: usize) -> RevocationList {
    let list = RevocationList::new(HORIZON);
    let _writer = list.lock_writer();
    for i in 0..entries {
        list.record(
            Entry::User,
            list.hash(format!("user-{i}").as_bytes()),
            1_000,
        );
    }
    drop(_writer);
    list
}

#[test]
fn layout() {
    assert_eq!(size_of::<(KeyedHash, i64)>(), 24);
    assert_eq!(size_of::<Shard>(), 128);
}

#[test]
fn a_million_users_fit_in_64_mib() {
    let list = full_list(1_000_000);
    assert_eq!(list.len(), 1_000_000);
    let bytes = list_heap_bytes(&list);
    println!(
        "1,000,000 users: {bytes} bytes ({:.1} MiB), {:.1} bytes per entry",
        bytes as f64 / (1024.0 * 1024.0),
        bytes as f64 / 1e6
    );
    assert!(bytes <= 64 * 1024 * 1024, "{bytes} bytes");
    // Pruning them all gives the memory back.
    list.prune_at(OffsetDateTime::now_utc());
    assert!(list.is_empty());
    assert!(
        list_heap_bytes(&list) < 64 * 1024,
        "{}",
        list_heap_bytes(&list)
    );
}

/// A hash that lost its spread (every key in one bucket) makes each insert scan the whole
/// map: 300,000 inserts then take about a minute instead of half a second. The test fails at
/// a deadline twenty times the normal cost rather than hanging, so that such a mistake is
/// reported as a failure.
#[test]
fn the_maps_stay_linear_at_scale() {
    let list = RevocationList::new(HORIZON);
    let start = std::time::Instant::now();
    let at = OffsetDateTime::now_utc();
    for i in 0..300_000u32 {
        if i % 1000 == 0 {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(10),
                "{i} inserts took {:?}: the maps have gone quadratic",
                start.elapsed()
            );
        }
        list.revoke_user_at(&i.to_string(), at);
    }
    assert_eq!(list.len(), 300_000);
}

#[test]
fn debug_does_not_leak_the_key() {
    let mut list = RevocationList::new(HORIZON);
    list.key = [0xab; HASH_KEY_LEN];
    list.revoke_user("alice");
    let debug = format!("{list:?}");
    assert_eq!(
        debug,
        "RevocationList { horizon: 8d, \
         max_entries: None, users: 1, sessions: 0, watermark_ms: None, .. }"
    );
    assert!(!debug.contains("171")); // 0xab
}

#[test]
fn floors_follow_the_user_and_the_watermark() {
    let list = RevocationList::new(HORIZON).with_max_entries(2);
    assert_eq!(list.issue_floor_millis("alice"), None);
    list.revoke_user_at("alice", from_unix_millis(1_000).expect("valid"));
    assert_eq!(list.issue_floor_millis("alice"), Some(1_001));
    assert_eq!(list.issue_floor_millis("bob"), None);
    list.revoke_user_at("bob", from_unix_millis(2_000).expect("valid"));
    list.revoke_user_at("carol", from_unix_millis(3_000).expect("valid"));
    // Alice was folded: the watermark stands in for her, for everyone.
    assert_eq!(list.watermark.load(Ordering::Relaxed), 1_000);
    assert_eq!(list.len(), 2);
    assert_eq!(list.issue_floor_millis("alice"), Some(1_001));
    assert_eq!(list.issue_floor_millis("dave"), Some(1_001));
    assert_eq!(list.issue_floor_millis("carol"), Some(3_001));
    assert_eq!(list.check("alice", &SID, 1_000), Err(Error::Revoked));
    assert_eq!(list.check("dave", &SID, 1_000), Err(Error::Revoked));
    assert_eq!(list.check("dave", &SID, 1_001), Ok(()));
    assert_eq!(list.check("bob", &SID, 2_000), Err(Error::Revoked));
    assert_eq!(list.check("bob", &SID, 2_001), Ok(()));
    // Revocations the watermark already covers take no entry.
    list.revoke_user_at("erin", from_unix_millis(999).expect("valid"));
    list.revoke_session_id(SID, from_unix_millis(1_000).expect("valid"));
    assert_eq!(list.len(), 2);
    assert_eq!(list.check("erin", &SID, 999), Err(Error::Revoked));
}

#[test]
fn the_earliest_fold_point_folds_first() {
    let at = |ms| from_unix_millis(ms).expect("valid");
    let watermark = |list: &RevocationList| list.watermark.load(Ordering::Relaxed);
    let list = RevocationList::new(HORIZON).with_max_entries(2);
    list.revoke_session_id(SID, at(50_000)); // its token was issued at 50 s
    list.revoke_user_at("alice", at(1_000));
    assert_eq!(watermark(&list), NO_WATERMARK);
    list.revoke_user_at("bob", at(2_000));
    assert_eq!(watermark(&list), 1_000, "alice folds, not the session");
    list.revoke_user_at("carol", at(60_000));
    assert_eq!(watermark(&list), 2_000, "bob folds");
    assert_eq!(list.sessions.load(Ordering::Relaxed), 1);
    list.revoke_user_at("dave", at(70_000));
    assert_eq!(watermark(&list), 50_000, "the session folds before carol");
    assert_eq!(list.sessions.load(Ordering::Relaxed), 0);
    assert_eq!(list.len(), 2);
    assert_eq!(list.check("alice", &SID, 50_000), Err(Error::Revoked));
    let other = SessionId([2; 16]);
    assert_eq!(list.check("anyone", &other, 50_000), Err(Error::Revoked));
    assert_eq!(list.check("anyone", &other, 50_001), Ok(()));
    assert_eq!(list.check("carol", &other, 60_000), Err(Error::Revoked));
    assert_eq!(list.check("carol", &other, 60_001), Ok(()));
}

#[test]
fn revoke_user_moves_past_tokens_issued_within_its_millisecond() {
    let list = RevocationList::new(HORIZON);
    let far = from_unix_millis(unix_millis(OffsetDateTime::now_utc()) + 3_600_000).expect("valid");
    list.revoke_user_at("alice", far);
    // A token sealed now starts at the first whole second at or after the floor, after
    // `far`; revoking now must catch it.
    let floor = list.issue_floor_millis("alice").expect("revoked");
    let start = crate::session::ceil_to_second(floor);
    let at = list.revoke_user("alice");
    assert_eq!(unix_millis(at), start);
    assert_eq!(list.check("alice", &SID, start), Err(Error::Revoked));
    assert_eq!(list.issue_floor_millis("alice"), Some(start + 1));
}

/// Regression: `revoke_user` read the clock before it took the writer lock and before it
/// folded, so tokens sealed while it waited or folded were issued after the time it
/// recorded and escaped it. The time must be read with the lock held and room made.
#[test]
fn revoke_user_reads_the_clock_after_the_lock_and_the_fold() {
    let list = RevocationList::new(HORIZON).with_max_entries(16);
    for i in 0..16 {
        list.revoke_user_at(
            &format!("user-{i}"),
            from_unix_millis(1_000 + i).expect("ok"),
        );
    }
    assert_eq!(list.len(), 16);
    let at = list.revoke_user_with_clock("alice", || {
        assert!(list.writer.try_lock().is_err(), "the writer lock is held");
        assert!(list.len() < 16, "room is made before the clock is read");
        5_000
    });
    assert_eq!(at, 5_000);
    assert_eq!(list.check("alice", &SID, 5_000), Err(Error::Revoked));
}

/// Regression, as observed: another writer holds the lock for 50 ms while `revoke_user`
/// waits; a token sealed for the subject meanwhile must not open afterwards.
#[test]
fn a_token_sealed_while_revoke_user_waits_for_the_lock_is_revoked() {
    use std::sync::Arc;
    use std::sync::mpsc;
    let list = Arc::new(RevocationList::new(HORIZON));
    let sealer = crate::Sealer::builder(crate::Key::generate(), "session")
        .with_revocations(Arc::clone(&list))
        .build()
        .expect("valid settings");
    let writer = list.lock_writer();
    let (started, wait_started) = mpsc::channel();
    let revoker = std::thread::spawn({
        let list = Arc::clone(&list);
        move || {
            started.send(()).expect("main thread waits");
            list.revoke_user("alice")
        }
    });
    wait_started.recv().expect("revoker started");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let token = sealer.seal("alice", &()).expect("seals");
    std::thread::sleep(std::time::Duration::from_millis(30));
    drop(writer);
    revoker.join().expect("no panic");
    assert_eq!(
        sealer.open::<()>(&token).expect_err("revoked"),
        Error::Revoked
    );
}

#[test]
fn poisoned_locks_are_recovered() {
    let list = RevocationList::new(HORIZON);
    list.revoke_user_at("alice", from_unix_millis(1_000).expect("valid"));
    let hash = list.hash(b"alice");
    let _ = std::panic::catch_unwind(|| {
        let _shard = list.shard(hash).write();
        let _writer = list.lock_writer();
        panic!("poison both");
    });
    assert!(list.shard(hash).0.is_poisoned());
    assert_eq!(list.check("alice", &SID, 1_000), Err(Error::Revoked));
    list.revoke_user_at("alice", from_unix_millis(2_000).expect("valid"));
    assert_eq!(list.check("alice", &SID, 2_000), Err(Error::Revoked));
    list.prune_at(from_unix_millis(1_000_000_000).expect("valid"));
    assert!(list.is_empty());
}
#[test]
fn shared_lists_agree_and_exchange_revocations_by_hash() {
    let secret = crate::Key::try_from(&[9u8; 32][..]).expect("32 bytes");
    let here = RevocationList::new_shared(HORIZON, &secret);
    let there = RevocationList::new_shared(HORIZON, &secret);
    let elsewhere = RevocationList::new_shared(HORIZON, &crate::Key::generate());
    here.start_outbox();
    here.revoke_user_at("alice", from_unix_millis(5_000).expect("valid"));
    here.revoke_session_id(SID, from_unix_millis(7_000).expect("valid"));
    let outgoing = here.take_outgoing();
    assert_eq!(outgoing.len(), 2);
    assert!(here.take_outgoing().is_empty(), "taken once");
    // Applied twice and out of order: the same list.
    for revocation in outgoing.iter().rev().chain(&outgoing) {
        there.apply(*revocation);
        elsewhere.apply(*revocation);
    }
    assert_eq!(there.len(), 2);
    assert_eq!(
        there.check("alice", &SessionId([2; 16]), 5_000),
        Err(Error::Revoked)
    );
    assert_eq!(there.check("alice", &SessionId([2; 16]), 5_001), Ok(()));
    assert_eq!(there.check("bob", &SID, 9_000), Err(Error::Revoked));
    // Another hash key: the same bytes name nobody there.
    assert_eq!(elsewhere.check("alice", &SessionId([2; 16]), 5_000), Ok(()));
    // An earlier time never moves a revocation back.
    there.apply(Revocation {
        at: 1_000,
        ..outgoing[0]
    });
    assert_eq!(
        there.check("alice", &SessionId([2; 16]), 5_000),
        Err(Error::Revoked)
    );
    // Unsent revocations go back before newer ones.
    here.revoke_user("carol");
    let newer = here.take_outgoing();
    here.revoke_user("dave");
    here.return_outgoing(newer.clone());
    let again = here.take_outgoing();
    assert_eq!(again.len(), 2);
    assert_eq!(again[0], newer[0]);
}

/// Regression: a revocation time far in the future, read from the shared store, was
/// applied as is: its user could never log in again, and 40 such entries folded at the cap
/// into a year-9999 watermark that locked every user out.
#[test]
fn a_revocation_far_in_the_future_is_applied_at_the_bound_and_never_folds_past_now() {
    let far = crate::session::MAX_MILLIS;
    let list = RevocationList::new(HORIZON).with_max_entries(40);
    let alice = list.hash(b"alice");
    let at = |ms| Revocation {
        user: true,
        hash: hash_bytes(alice),
        at: ms,
    };
    // Past the hour a fleet's clocks can differ by: not applied.
    assert_eq!(list.apply(at(far)), Applied::TooFarAhead);
    assert_eq!(list.last_modified(alice), None);
    // Ten minutes ahead: applied at a minute ahead, which still refuses every session of
    // hers that exists now.
    let before = now_millis();
    assert_eq!(list.apply(at(before + 600_000)), Applied::AtTheBound);
    let kept = list.last_modified(alice).expect("applied");
    assert!((before + MAX_AHEAD_MILLIS..=now_millis() + MAX_AHEAD_MILLIS).contains(&kept));
    assert_eq!(list.check("alice", &SID, now_millis()), Err(Error::Revoked));
    // Within the bound, a time is applied as it is.
    let near = now_millis() + 1_000;
    let bob = list.hash(b"bob");
    assert_eq!(
        list.apply(Revocation {
            user: true,
            hash: hash_bytes(bob),
            at: near,
        }),
        Applied::AsGiven
    );
    assert_eq!(list.last_modified(bob), Some(near));
    // Made-up members far in the future, more than the cap: none is applied, nothing
    // folds, and every session opens.
    for byte in 0..100u8 {
        assert_eq!(
            list.apply(Revocation {
                user: true,
                hash: [byte; 16],
                at: far,
            }),
            Applied::TooFarAhead
        );
    }
    assert_eq!(list.len(), 2);
    assert_eq!(list.watermark(), None);
    assert_eq!(list.check("carol", &SID, now_millis() - 60_000), Ok(()));
}

/// Folding what `apply` took from elsewhere moves the watermark at most a minute past now:
/// a session that begins after that opens.
#[test]
fn a_fold_of_revocations_from_elsewhere_stays_within_a_minute_of_now() {
    let list = RevocationList::new(HORIZON).with_max_entries(1);
    for byte in 0..3u8 {
        list.apply(Revocation {
            user: true,
            hash: [byte; 16],
            at: now_millis() + 3_600_000,
        });
    }
    let watermark = list.watermark.load(Ordering::Acquire);
    assert!(watermark <= now_millis() + MAX_AHEAD_MILLIS);
    assert_eq!(
        list.check("carol", &SID, now_millis() + MAX_AHEAD_MILLIS + 1),
        Ok(())
    );
}

#[test]
fn a_list_that_is_not_ready_refuses_every_check() {
    let list = RevocationList::new(HORIZON);
    list.set_ready(false);
    assert_eq!(
        list.check("anyone", &SID, 1),
        Err(Error::RevocationsUnavailable)
    );
    list.set_ready(true);
    assert_eq!(list.check("anyone", &SID, 1), Ok(()));
}

#[test]
fn the_pass_through_hasher_folds_bytes_it_is_given() {
    let hash = |bytes: &[u8]| {
        let mut hasher = PassThroughHasher::default();
        hasher.write(bytes);
        hasher.finish()
    };
    assert_eq!(hash(&[1, 2, 3]), 0x01_02_03);
    // The ninth byte meets the first, rotated all the way round.
    assert_eq!(hash(&[0xff; 9]), 0xffff_ffff_ffff_ff00);
    let mut hasher = PassThroughHasher::default();
    hasher.write_u64(0x1234);
    assert_eq!(hasher.finish(), 0x1234);
}

/// A map gives its memory back once less than a quarter of it is used, and not before:
/// shrinking a map that is still a quarter full would only make it grow again. Also when
/// it was full, where the removals leave tombstones that `capacity()` stops counting.
#[test]
fn a_map_shrinks_below_a_quarter_full_and_not_before() {
    // `capacity()` reads what the map holds without growing: after a shrink to fit, one
    // more than 27 (32 buckets); without one, a full map pruned to `n` reads `n` (its
    // removed entries are tombstones). One insert more tells the two apart at exactly a
    // quarter: a map that kept its 128 buckets cleans its tombstones in place (112), a
    // shrunk one of 32 grows to 64 buckets (56).
    for (left, capacity, capacity_after_one_more) in [(50, 50, 112), (28, 28, 112), (27, 28, 28)] {
        let list = RevocationList::new(HORIZON);
        let _writer = list.lock_writer();
        {
            let mut maps = list.shards[0].write();
            maps.users.reserve(112);
            assert_eq!(maps.users.capacity(), 112);
            for i in 0..112 {
                maps.users.insert(KeyedHash([i, 0]), i as i64);
            }
        }
        list.users.fetch_add(112, Ordering::Release);
        list.retain(|ms| ms >= 112 - left);
        assert_eq!(list.len() as i64, left);
        assert_eq!(
            list.shards[0].read().users.capacity(),
            capacity,
            "{left} left"
        );
        list.shards[0]
            .write()
            .users
            .insert(KeyedHash([112, 0]), 112);
        assert_eq!(
            list.shards[0].read().users.capacity(),
            capacity_after_one_more,
            "{left} left, one more"
        );
    }
}
