//! The revocation list through the public API: users, sessions, pruning, the cap, snapshots,
//! and concurrent checks. Times are explicit (no sleeping), except where the real clock is the
//! point of the test.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rand::rngs::StdRng;
use rand::{Rng as _, RngExt as _, SeedableRng as _};
use sealed_session::{Error, Key, RevocationList, Sealer, SessionId};
use sha2::{Digest as _, Sha256};
use time::{Duration, OffsetDateTime};

use crate::common::{T0, fixed_builder};
/// Covers the default sealer: 7-day maximum lifetime plus 60 s leeway.
const HORIZON: Duration = Duration::days(8);

fn sealer_with(list: RevocationList) -> (Arc<RevocationList>, Sealer) {
    let list = Arc::new(list);
    let sealer = Sealer::builder(Key::generate(), "session")
        .with_revocations(list.clone())
        .build()
        .expect("valid settings");
    (list, sealer)
}

fn setup() -> (Arc<RevocationList>, Sealer) {
    sealer_with(RevocationList::new(HORIZON))
}

fn seal(sealer: &Sealer, subject: &str, at: OffsetDateTime) -> String {
    sealer.seal_at(subject, &7u32, at).expect("seals")
}

fn open(sealer: &Sealer, token: &str, now: OffsetDateTime) -> Result<(), Error> {
    sealer.open_at::<u32>(token, now).map(|_| ())
}

/// The session id and start of a token, as `revoke_session_id` takes them.
fn session_of(sealer: &Sealer, token: &str, now: OffsetDateTime) -> (SessionId, OffsetDateTime) {
    let session = sealer.open_at::<u32>(token, now).expect("opens");
    (session.session_id(), session.authenticated_at())
}

fn ms(n: i64) -> Duration {
    Duration::milliseconds(n)
}

#[test]
fn list_is_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<RevocationList>();
}

#[test]
fn logout_everywhere_rejects_every_device_of_that_user_and_no_one_else() {
    let (list, sealer) = setup();
    let alice: Vec<String> = (0..4)
        .map(|i| seal(&sealer, "alice", T0 + Duration::minutes(i)))
        .collect();
    let bob: Vec<String> = (0..2)
        .map(|i| seal(&sealer, "bob", T0 + Duration::minutes(i)))
        .collect();
    // Another subject whose name shares a prefix must not be touched.
    let alice2 = seal(&sealer, "alice2", T0);
    let later = T0 + Duration::minutes(30);
    for token in alice.iter().chain(&bob).chain([&alice2]) {
        assert_eq!(open(&sealer, token, later), Ok(()));
    }

    list.revoke_user_at("alice", T0 + Duration::minutes(10));
    for token in &alice {
        assert_eq!(open(&sealer, token, later), Err(Error::Revoked));
    }
    for token in bob.iter().chain([&alice2]) {
        assert_eq!(open(&sealer, token, later), Ok(()));
    }
    assert_eq!(list.len(), 1);

    // Logging in again at the very millisecond of the revocation works: the new session
    // starts at the next whole second after it (so that it is after the revocation in a JWT's
    // whole seconds too).
    let again = seal(&sealer, "alice", T0 + Duration::minutes(10));
    let session = sealer.open_at::<u32>(&again, later).expect("opens");
    assert_eq!(
        session.issued_at(),
        T0 + Duration::minutes(10) + Duration::seconds(1)
    );
}

#[test]
fn revoke_then_log_in_again_in_a_tight_loop() {
    // The real clock: every round falls within one second, so each login starts a second
    // after the revocation before it, and each revocation covers it: after 40 rounds the
    // sessions begin 40 s ahead of the clock, within the 60 s leeway.
    let (list, sealer) = setup();
    let mut old = sealer.seal("alice", &1u32).expect("seals");
    let mut last_revocation = OffsetDateTime::UNIX_EPOCH;
    for round in 0..40 {
        let old_issued = sealer.open::<u32>(&old).expect("opens").issued_at();
        let at = list.revoke_user("alice");
        assert!(
            at >= old_issued,
            "round {round}: revoked at {at} < {old_issued}"
        );
        assert!(
            at > last_revocation,
            "round {round}: revocation time did not advance"
        );
        last_revocation = at;
        assert_eq!(
            sealer.open::<u32>(&old).map(|_| ()),
            Err(Error::Revoked),
            "round {round}"
        );
        let new = sealer.seal("alice", &1u32).expect("seals");
        let session = sealer
            .open::<u32>(&new)
            .unwrap_or_else(|error| panic!("round {round}: the new token does not open: {error}"));
        assert!(session.issued_at() > at);
        old = new;
    }
    assert_eq!(list.len(), 1);
}

#[test]
fn revoke_user_at_rejects_up_to_and_including_that_time_and_never_moves_backwards() {
    let (list, sealer) = setup();
    let before = seal(&sealer, "alice", T0 - ms(1));
    let at = seal(&sealer, "alice", T0);
    let after = seal(&sealer, "alice", T0 + ms(1));
    let now = T0 + Duration::hours(1);

    list.revoke_user_at("alice", T0);
    assert_eq!(open(&sealer, &before, now), Err(Error::Revoked));
    assert_eq!(open(&sealer, &at, now), Err(Error::Revoked));
    assert_eq!(open(&sealer, &after, now), Ok(()));

    // An earlier time changes nothing.
    list.revoke_user_at("alice", T0 - Duration::days(1));
    assert_eq!(open(&sealer, &at, now), Err(Error::Revoked));
    assert_eq!(open(&sealer, &after, now), Ok(()));
    assert_eq!(list.len(), 1);

    // A later one moves it forward.
    list.revoke_user_at("alice", T0 + ms(1));
    assert_eq!(open(&sealer, &after, now), Err(Error::Revoked));

    // New tokens sealed "at" a revoked instant are issued after it, at the next whole second.
    let relogin = seal(&sealer, "alice", T0);
    let session = sealer.open_at::<u32>(&relogin, now).expect("opens");
    assert_eq!(session.issued_at(), T0 + Duration::seconds(1));
}

#[test]
fn revoking_one_session_leaves_the_others_open() {
    let (list, sealer) = setup();
    let phone = seal(&sealer, "alice", T0);
    let laptop = seal(&sealer, "alice", T0);
    let bob = seal(&sealer, "bob", T0);
    let now = T0 + Duration::hours(1);

    let (sid, started) = session_of(&sealer, &phone, now);
    list.revoke_session_id(sid, started);
    assert_eq!(open(&sealer, &phone, now), Err(Error::Revoked));
    assert_eq!(open(&sealer, &laptop, now), Ok(()));
    assert_eq!(open(&sealer, &bob, now), Ok(()));
    // New logins of the same user are not affected either.
    let tablet = seal(&sealer, "alice", T0 + Duration::minutes(1));
    assert_eq!(open(&sealer, &tablet, now), Ok(()));
    // Twice is once.
    list.revoke_session_id(sid, started);
    assert_eq!(list.len(), 1);
}

#[test]
fn pruning_forgets_only_what_can_no_longer_open() {
    let (list, sealer) = setup();
    let token = seal(&sealer, "alice", T0);
    let (sid, started) = session_of(&sealer, &seal(&sealer, "bob", T0), T0);
    let bobs = seal(&sealer, "bob", T0); // another session of bob
    list.revoke_user_at("alice", T0 + Duration::hours(1));
    list.revoke_user_at("old", T0 - HORIZON - ms(1));
    list.revoke_session_id(sid, started);
    assert_eq!(list.len(), 3);

    // Younger than the horizon: kept, and a token revoked before the prune still fails after
    // it, up to the end of its leeway.
    let now = T0 + Duration::hours(2);
    list.prune_at(now);
    assert_eq!(list.len(), 2, "only the entry older than the horizon goes");
    assert_eq!(open(&sealer, &token, now), Err(Error::Revoked));
    let last_chance = started + Duration::hours(24) + Duration::seconds(59);
    list.prune_at(last_chance);
    assert_eq!(list.len(), 2);
    assert_eq!(open(&sealer, &token, last_chance), Err(Error::Revoked));
    assert_eq!(open(&sealer, &bobs, last_chance), Ok(()));

    // The session entry lives exactly one horizon past the session's start, then goes.
    list.prune_at(started + HORIZON);
    assert_eq!(list.len(), 2);
    list.prune_at(started + HORIZON + ms(1));
    assert_eq!(list.len(), 1);

    // The user entry lives exactly one horizon past its time, then goes.
    let alice_limit = T0 + Duration::hours(1) + HORIZON;
    list.prune_at(alice_limit);
    assert_eq!(list.len(), 1);
    list.prune_at(alice_limit + ms(1));
    assert!(list.is_empty());
    assert_eq!(
        open(&sealer, &token, alice_limit + ms(1)),
        Err(Error::Expired)
    );
}

/// The pruning rules at the tightest legal horizon (TTL + leeway exactly), over many random
/// times: after `prune_at(now)`, a revoked token never opens at `now`.
#[test]
fn pruning_never_brings_a_revoked_token_back() {
    let ttl = Duration::hours(1);
    let leeway = Duration::minutes(1);
    let horizon = ttl + leeway;
    let mut rng = StdRng::seed_from_u64(7);
    let span = |rng: &mut StdRng, hours: i64| ms(rng.random_range(0..=hours * 3_600_000));
    for round in 0..400 {
        let list = Arc::new(RevocationList::new(horizon).with_max_entries(1));
        let sealer = Sealer::builder(Key::generate(), "session")
            .with_ttl(ttl)
            .with_max_lifetime(ttl)
            .with_leeway(leeway)
            .with_revocations(list.clone())
            .build()
            .expect("valid settings");
        let issued = T0 + span(&mut rng, 3);
        let token = seal(&sealer, "alice", issued);
        let (sid, started) = session_of(&sealer, &token, issued);
        let revoked = issued + span(&mut rng, 2);
        match round % 3 {
            0 => list.revoke_user_at("alice", revoked),
            1 => list.revoke_session_id(sid, started),
            // With a cap of 1, revoking a second user folds alice into the watermark.
            _ => {
                list.revoke_user_at("alice", revoked);
                list.revoke_user_at("carol", revoked + span(&mut rng, 1));
                assert_eq!(list.len(), 1);
            }
        }
        // Around the token's last instant, and anywhere up to hours later, in clock order.
        let end = started + ttl + leeway;
        let mut times = [
            end - ms(2),
            end - ms(1),
            end,
            end + ms(1),
            revoked,
            revoked + span(&mut rng, 4),
        ];
        times.sort();
        for now in times {
            list.prune_at(now);
            let opened = open(&sealer, &token, now);
            assert!(
                matches!(
                    opened,
                    Err(Error::Revoked | Error::Expired | Error::LifetimeExceeded)
                ),
                "round {round}: {opened:?} at {now}"
            );
        }
        // Long after everything: nothing left.
        list.prune_at(end + Duration::days(1));
        assert!(list.is_empty(), "round {round}: {list:?}");
    }
}

#[test]
fn snapshot_round_trip() {
    let key = Key::generate();
    let list = Arc::new(RevocationList::new(HORIZON).with_max_entries(100));
    let sealer = Sealer::builder(key.clone(), "session")
        .with_revocations(list.clone())
        .build()
        .expect("valid settings");
    let alice = seal(&sealer, "alice", T0);
    let bob = seal(&sealer, "bob", T0);
    let phone = seal(&sealer, "carol", T0);
    let laptop = seal(&sealer, "carol", T0);
    let dave = seal(&sealer, "dave", T0 + Duration::minutes(5));
    list.revoke_user_at("alice", T0 + Duration::minutes(1));
    let (sid, started) = session_of(&sealer, &phone, T0);
    list.revoke_session_id(sid, started);
    let now = T0 + Duration::hours(1);

    let bytes = list.snapshot();
    let restored = Arc::new(RevocationList::restore(&bytes).expect("restores"));
    assert_eq!(restored.len(), list.len());
    assert_eq!(restored.horizon(), list.horizon());
    assert_eq!(restored.max_entries(), Some(100));
    assert_eq!(format!("{restored:?}"), format!("{list:?}"));

    let other = Sealer::builder(key, "session")
        .with_revocations(restored.clone())
        .build()
        .expect("valid settings");
    for (token, expected) in [
        (&alice, Err(Error::Revoked)),
        (&bob, Ok(())),
        (&phone, Err(Error::Revoked)),
        (&laptop, Ok(())),
        (&dave, Ok(())),
    ] {
        assert_eq!(open(&other, token, now), expected);
    }
    // The restored list keeps the hash key: revocations made there hit the same subjects.
    restored.revoke_user_at("bob", T0 + Duration::minutes(1));
    assert_eq!(open(&other, &bob, now), Err(Error::Revoked));
    assert_eq!(
        RevocationList::restore(&restored.snapshot())
            .expect("restores")
            .len(),
        3
    );

    // A watermark and a fractional horizon survive too.
    let capped = RevocationList::new(Duration::days(2) + Duration::nanoseconds(123_456_789))
        .with_max_entries(1);
    capped.revoke_user_at("a", T0);
    capped.revoke_user_at("b", T0 + ms(5));
    let restored = RevocationList::restore(&capped.snapshot()).expect("restores");
    assert_eq!(format!("{restored:?}"), format!("{capped:?}"));
    assert_eq!(restored.horizon(), capped.horizon());
    assert!(format!("{restored:?}").contains("watermark_ms: Some("));

    // Empty lists too.
    let empty = RevocationList::new(HORIZON);
    assert!(
        RevocationList::restore(&empty.snapshot())
            .expect("restores")
            .is_empty()
    );
}

fn sample_snapshot() -> Vec<u8> {
    let list = RevocationList::new(HORIZON).with_max_entries(10);
    list.revoke_user_at("alice", T0);
    list.revoke_user_at("bob", T0 + ms(1));
    list.revoke_session_id(SessionId::from_bytes([9; 16]), T0);
    list.snapshot()
}

#[test]
fn every_truncation_and_every_flipped_bit_is_corrupt() {
    let bytes = sample_snapshot();
    assert_eq!(bytes.len(), 81 + 3 * 24);
    assert!(RevocationList::restore(&bytes).is_ok());
    for len in 0..bytes.len() {
        assert_eq!(
            RevocationList::restore(&bytes[..len]).map(|_| ()),
            Err(Error::CorruptSnapshot),
            "truncated to {len}"
        );
        assert_eq!(
            RevocationList::restore(&bytes[len + 1..]).map(|_| ()),
            Err(Error::CorruptSnapshot),
            "first {} bytes cut",
            len + 1
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        RevocationList::restore(&longer).map(|_| ()),
        Err(Error::CorruptSnapshot)
    );
    for index in 0..bytes.len() {
        for flip in (0..8).map(|bit| 1u8 << bit).chain([0xff]) {
            let mut bent = bytes.clone();
            bent[index] ^= flip;
            assert_eq!(
                RevocationList::restore(&bent).map(|_| ()),
                Err(Error::CorruptSnapshot),
                "byte {index} ^ {flip:#04x}"
            );
        }
    }
}

#[test]
fn random_garbage_is_corrupt() {
    let mut rng = StdRng::seed_from_u64(1);
    let prefix = &sample_snapshot()[..5]; // magic and version
    for round in 0..2000 {
        let mut garbage = vec![0u8; rng.random_range(0..400)];
        rng.fill_bytes(&mut garbage);
        if round % 2 == 0 && garbage.len() >= prefix.len() {
            garbage[..prefix.len()].copy_from_slice(prefix);
        }
        assert_eq!(
            RevocationList::restore(&garbage).map(|_| ()),
            Err(Error::CorruptSnapshot)
        );
    }
}

/// Replaces the checksum, so that what is tested is the validation behind it.
fn reseal(mut body: Vec<u8>) -> Vec<u8> {
    let checksum = Sha256::digest(&body);
    body.extend_from_slice(&checksum[..16]);
    body
}

#[test]
fn well_checksummed_nonsense_is_corrupt() {
    let bytes = sample_snapshot();
    let body = &bytes[..bytes.len() - 16];
    assert!(RevocationList::restore(&reseal(body.to_vec())).is_ok());
    // Offsets of the header fields (see the format in src/revocation.rs).
    let (version, seconds, nanos, cap, users, sessions) = (4, 5, 13, 17, 49, 57);
    type Bend = Box<dyn Fn(&mut Vec<u8>)>;
    let cases: Vec<(&str, Bend)> = vec![
        ("version 2", Box::new(move |b| b[version] = 2)),
        ("version 0", Box::new(move |b| b[version] = 0)),
        (
            "negative horizon",
            Box::new(move |b| b[seconds..seconds + 8].copy_from_slice(&(-1i64).to_le_bytes())),
        ),
        (
            "nanoseconds out of range",
            Box::new(move |b| {
                b[nanos..nanos + 4].copy_from_slice(&1_000_000_000i32.to_le_bytes());
            }),
        ),
        (
            "nanoseconds of the other sign",
            Box::new(move |b| b[nanos..nanos + 4].copy_from_slice(&(-5i32).to_le_bytes())),
        ),
        (
            "more entries than the cap",
            Box::new(move |b| b[cap..cap + 8].copy_from_slice(&2u64.to_le_bytes())),
        ),
        (
            "huge user count",
            Box::new(move |b| b[users..users + 8].copy_from_slice(&u64::MAX.to_le_bytes())),
        ),
        (
            "counts that overflow",
            Box::new(move |b| {
                b[users..users + 8].copy_from_slice(&(u64::MAX / 2).to_le_bytes());
                b[sessions..sessions + 8].copy_from_slice(&(u64::MAX / 2 + 2).to_le_bytes());
            }),
        ),
        (
            "counts that multiply past usize",
            Box::new(move |b| {
                b[users..users + 8].copy_from_slice(&(u64::MAX / 24 + 1).to_le_bytes());
                b[sessions..sessions + 8].copy_from_slice(&0u64.to_le_bytes());
            }),
        ),
        (
            "fewer entries than counted",
            Box::new(|b| b.truncate(b.len() - 24)),
        ),
        (
            "a duplicate entry",
            Box::new(move |b| {
                let first = b[65..89].to_vec();
                b[89..113].copy_from_slice(&first);
            }),
        ),
        ("header only", Box::new(|b| b.truncate(65 - 1))),
    ];
    for (what, bend) in cases {
        let mut bent = body.to_vec();
        bend(&mut bent);
        assert_eq!(
            RevocationList::restore(&reseal(bent)).map(|_| ()),
            Err(Error::CorruptSnapshot),
            "{what}"
        );
    }
}

#[test]
fn debug_does_not_leak_the_hash_key() {
    let list = RevocationList::new(HORIZON);
    list.revoke_user("alice");
    let bytes = list.snapshot();
    let key = &bytes[33..49];
    let debug = format!("{list:?}");
    assert!(debug.contains("RevocationList"), "{debug}");
    assert!(!debug.contains("alice"));
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    assert!(!debug.contains(&hex));
    assert!(!debug.contains(&format!("{key:?}")[1..20]));
}

#[test]
fn every_revocation_is_visible_at_once_to_concurrent_checks() {
    const USERS: usize = 300;
    let (list, sealer) = setup();
    let users: Vec<String> = (0..USERS).map(|i| format!("user-{i}")).collect();
    let tokens: Vec<String> = users.iter().map(|user| seal(&sealer, user, T0)).collect();
    let bystander = seal(&sealer, "bystander", T0);
    let now = T0 + Duration::minutes(1);
    // How many users have been revoked (users[..revoked]).
    let revoked = AtomicUsize::new(0);
    let checks = AtomicUsize::new(0);

    std::thread::scope(|scope| {
        scope.spawn(|| {
            for (i, user) in users.iter().enumerate() {
                if i % 2 == 0 {
                    list.revoke_user_at(user, T0);
                } else {
                    let (sid, started) = session_of(&sealer, &tokens[i], now);
                    list.revoke_session_id(sid, started);
                }
                revoked.store(i + 1, Ordering::Release);
                // Let the checkers run between revocations now and then.
                if i % 16 == 0 {
                    std::thread::yield_now();
                }
            }
        });
        for thread in 0..3 {
            let (list, sealer, tokens, revoked, checks) =
                (&list, &sealer, &tokens, &revoked, &checks);
            let bystander = &bystander;
            scope.spawn(move || {
                let mut rng = StdRng::seed_from_u64(thread);
                loop {
                    let done = revoked.load(Ordering::Acquire);
                    if done > 0 {
                        // The latest revocation, and any earlier one.
                        for i in [done - 1, rng.random_range(0..done)] {
                            assert_eq!(
                                open(sealer, &tokens[i], now),
                                Err(Error::Revoked),
                                "user {i} revoked ({done} done) but its token opens"
                            );
                        }
                    }
                    // Not yet revoked (as far as this thread knows): revoked or open, nothing else.
                    if done < USERS {
                        let opened = open(sealer, &tokens[done], now);
                        assert!(matches!(opened, Ok(()) | Err(Error::Revoked)), "{opened:?}");
                    }
                    assert_eq!(open(sealer, bystander, now), Ok(()));
                    checks.fetch_add(1, Ordering::Relaxed);
                    if done == USERS {
                        break;
                    }
                }
                assert!(list.len() <= USERS);
            });
        }
    });
    assert_eq!(list.len(), USERS);
    assert!(checks.load(Ordering::Relaxed) >= 3);
}

#[test]
fn at_the_cap_the_list_fails_closed() {
    const CAP: usize = 8;
    let (list, sealer) = sealer_with(RevocationList::new(HORIZON).with_max_entries(CAP));
    assert_eq!(list.max_entries(), Some(CAP));
    let users: Vec<String> = (0..100).map(|i| format!("user-{i}")).collect();
    let tokens: Vec<String> = users
        .iter()
        .enumerate()
        .map(|(i, user)| seal(&sealer, user, T0 + ms(i as i64)))
        .collect();
    let now = T0 + Duration::hours(1);
    for (i, user) in users.iter().enumerate() {
        list.revoke_user_at(user, T0 + Duration::minutes(1) + ms(i as i64));
        assert!(list.len() <= CAP, "{} entries", list.len());
        for (j, token) in tokens[..=i].iter().enumerate() {
            assert_eq!(open(&sealer, token, now), Err(Error::Revoked), "user {j}");
        }
    }
    // Each fold takes only the oldest entries: the list stays nearly full.
    assert!(list.len() >= CAP - 1);
    // New logins, by anyone, are issued after the watermark and open.
    for user in ["user-0", "user-99", "newcomer"] {
        let token = seal(&sealer, user, T0 + Duration::minutes(30));
        assert_eq!(open(&sealer, &token, now), Ok(()), "{user}");
    }

    // Sessions count toward the cap too, and fold safely.
    let (list, sealer) = sealer_with(RevocationList::new(HORIZON).with_max_entries(4));
    let tokens: Vec<String> = (0..20)
        .map(|i| seal(&sealer, "alice", T0 + Duration::minutes(i)))
        .collect();
    let now = T0 + Duration::minutes(30);
    let sessions: Vec<_> = tokens.iter().map(|t| session_of(&sealer, t, now)).collect();
    for (i, (sid, started)) in sessions.into_iter().enumerate() {
        list.revoke_session_id(sid, started);
        assert!(list.len() <= 4);
        for (j, token) in tokens[..=i].iter().enumerate() {
            assert_eq!(
                open(&sealer, token, now),
                Err(Error::Revoked),
                "session {j}"
            );
        }
    }

    // A cap set after the fact folds at once.
    let list = RevocationList::new(HORIZON);
    for i in 0..10 {
        list.revoke_user_at(&format!("u{i}"), T0);
    }
    let list = list.with_max_entries(3);
    assert!(list.len() <= 3);
    assert_eq!(
        RevocationList::new(HORIZON)
            .with_max_entries(0)
            .max_entries(),
        Some(1)
    );
}

#[test]
fn a_horizon_shorter_than_max_lifetime_plus_leeway_is_refused() {
    let build = |list: RevocationList| {
        Sealer::builder(Key::generate(), "session")
            .with_revocations(Arc::new(list))
            .build()
    };
    let short = build(RevocationList::new(Duration::days(7)));
    assert!(matches!(short, Err(Error::Config(_))));
    // Exactly the maximum lifetime plus the leeway is enough.
    let (_, exact) = sealer_with(RevocationList::new(
        Duration::days(7) + Duration::seconds(60),
    ));
    assert!(exact.seal("alice", &()).is_ok());
    // A negative horizon counts as zero, and covers nothing.
    let negative = RevocationList::new(Duration::hours(-1));
    assert_eq!(negative.horizon(), Duration::ZERO);
    assert!(matches!(build(negative), Err(Error::Config(_))));
}

/// Regression: `open` never checked the horizon, so a token that lived longer than the list
/// remembers (sealed elsewhere with a longer TTL) opened again once `prune` had dropped its
/// revocation. Observed: a 7-day token opened by a 1 h sealer whose list has a 2 h horizon came
/// back `Ok` after `prune_at(+3h)`. It must be refused, before and after any prune.
#[test]
fn regression_open_refuses_tokens_that_outlive_the_horizon() {
    let key = Key::generate();
    let week = Sealer::builder(key.clone(), "session")
        .with_ttl(Duration::days(7))
        .build()
        .expect("valid settings");
    let token = seal(&week, "alice", T0);
    let list = Arc::new(RevocationList::new(Duration::hours(2)));
    let opener = Sealer::builder(key, "session")
        .with_ttl(Duration::hours(1))
        .with_max_lifetime(Duration::hours(1))
        .with_revocations(list.clone())
        .build()
        .expect("valid settings");
    assert_eq!(opener.validate(), Ok(()));
    let now = T0 + Duration::minutes(1);
    assert!(matches!(open(&opener, &token, now), Err(Error::Config(_))));
    list.revoke_user_at("alice", now);
    let later = now + Duration::hours(3);
    list.prune_at(later);
    assert!(list.is_empty());
    // Now the opener's own absolute lifetime refuses it too; either way, it never opens.
    assert!(matches!(
        open(&opener, &token, later),
        Err(Error::Config(_) | Error::LifetimeExceeded)
    ));

    // The bound is the token's lifetime plus the opener's leeway: exactly the horizon opens,
    // one millisecond more does not.
    let horizon = Duration::hours(1) + Duration::seconds(60);
    let list = Arc::new(RevocationList::new(horizon));
    let opener = fixed_builder(3)
        .with_ttl(Duration::hours(1))
        .with_max_lifetime(Duration::hours(1))
        .with_revocations(list)
        .build()
        .expect("valid settings");
    let fits = seal(
        &opener
            .to_builder()
            .with_revocations(Arc::new(RevocationList::new(horizon)))
            .build()
            .expect("valid settings"),
        "bob",
        T0,
    );
    assert_eq!(open(&opener, &fits, T0), Ok(()));
    let longer = fixed_builder(3)
        .with_ttl(Duration::hours(1) + ms(1))
        .build()
        .expect("valid settings");
    let too_long = seal(&longer, "bob", T0);
    assert!(matches!(
        open(&opener, &too_long, T0),
        Err(Error::Config(_))
    ));
    // And an opener whose own leeway is larger than its list allows refuses everything.
    let wide = opener
        .to_builder()
        .with_leeway(Duration::seconds(61))
        .build();
    assert!(matches!(wide, Err(Error::Config(_))));
}

/// Regression: a capped list folded a revoked *session* at its expiry, in the future, so the
/// watermark rejected every token and new logins came back `NotYetValid` for about a day.
/// Observed: cap 64, one user does 65 login + `revoke_session` rounds; another user's new login
/// is `Err(NotYetValid)` then and 23 h later. A fold must never block a new login.
#[test]
fn regression_a_fold_never_blocks_a_new_login() {
    let (list, sealer) = sealer_with(RevocationList::new(HORIZON).with_max_entries(64));
    for round in 0..65 {
        let now = T0 + Duration::seconds(round);
        let token = seal(&sealer, "alice", now);
        let session = sealer.open_at::<u32>(&token, now).expect("opens");
        list.revoke_session(&session);
        assert_eq!(open(&sealer, &token, now), Err(Error::Revoked));
        assert!(list.len() <= 64);
    }
    let now = T0 + Duration::seconds(65);
    let bob = seal(&sealer, "bob", now);
    assert_eq!(open(&sealer, &bob, now), Ok(()));
    assert_eq!(open(&sealer, &bob, now + Duration::hours(23)), Ok(()));
    let alice = seal(&sealer, "alice", now);
    assert_eq!(open(&sealer, &alice, now), Ok(()));
}

/// `prune` (by the system clock) drops what is past the horizon and keeps the rest.
#[test]
fn prune_by_the_clock_forgets_only_what_is_past_the_horizon() {
    let list = RevocationList::new(HORIZON);
    let now = OffsetDateTime::now_utc();
    list.revoke_user_at("gone", now - HORIZON - Duration::hours(1));
    list.revoke_user_at("kept", now - HORIZON + Duration::hours(1));
    assert_eq!(list.len(), 2);
    list.prune();
    assert_eq!(list.len(), 1);
    assert!(!list.is_empty());
}

/// A full capped list folds its oldest entries into a watermark; once that watermark is past the
/// horizon it can reject no live token, and `prune_at` clears it (exactly then, not before).
#[test]
fn prune_clears_a_watermark_past_the_horizon_and_only_then() {
    let list = RevocationList::new(HORIZON).with_max_entries(4);
    for i in 0..10 {
        list.revoke_user_at(&format!("user-{i}"), T0 + ms(i));
    }
    let watermark = list.watermark().expect("the fold set a watermark");
    assert!(list.len() <= 4);
    // Still within the horizon: kept.
    list.prune_at(watermark + HORIZON);
    assert_eq!(list.watermark(), Some(watermark));
    // One millisecond past: cleared.
    list.prune_at(watermark + HORIZON + ms(1));
    assert_eq!(list.watermark(), None);
}

/// The replication seam end to end, as a sync of one's own would use it: what one shared list
/// revokes goes out through its outbox, with labels that name it, and refuses the same tokens
/// once another list (same secret) applies it; what could not be sent goes back in order.
#[test]
fn revocations_travel_between_shared_lists_through_the_seam() {
    use sealed_session::revocation::{Applied, Revocation};

    let secret = Key::generate();
    let here = RevocationList::new_shared(HORIZON, &secret);
    let there = Arc::new(RevocationList::new_shared(HORIZON, &secret));
    let sealer = Sealer::builder(Key::generate(), "session")
        .with_revocations(Arc::clone(&there))
        .build()
        .expect("valid settings");
    let alice = sealer.seal("alice", &1u32).expect("seals");
    let bobs = sealer.seal("bob", &2u32).expect("seals");
    let bob_session = sealer.open::<u32>(&bobs).expect("opens");
    assert_eq!(here.outgoing_len(), 0);
    here.revoke_user("alice");
    assert_eq!(
        here.outgoing_len(),
        0,
        "no outbox yet: nothing is kept to send"
    );
    here.start_outbox();
    here.revoke_user("alice");
    here.revoke_session_id(bob_session.session_id(), bob_session.authenticated_at());
    assert_eq!(here.outgoing_len(), 2);
    let outgoing = here.take_outgoing();
    assert_eq!(here.outgoing_len(), 0);
    assert_eq!(outgoing.len(), 2);
    let (user, session) = (outgoing[0], outgoing[1]);
    assert!(user.is_user() && !session.is_user());
    assert_ne!(user.hash(), session.hash());
    for revocation in [user, session] {
        let label = revocation.label();
        let kind = if revocation.is_user() { "u" } else { "s" };
        let hex: String = revocation
            .hash()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        assert_eq!(label, format!("{kind}{hex}"));
        assert_eq!(
            Revocation::from_label(&label, revocation.at_millis()),
            Some(revocation)
        );
    }

    assert!(sealer.open::<u32>(&alice).is_ok());
    assert_eq!(there.apply(user), Applied::AsGiven);
    assert_eq!(sealer.open::<u32>(&alice).err(), Some(Error::Revoked));
    assert!(sealer.open::<u32>(&bobs).is_ok());
    assert_eq!(there.apply(session), Applied::AsGiven);
    assert_eq!(sealer.open::<u32>(&bobs).err(), Some(Error::Revoked));

    // Unsent revocations go back before anything revoked since, in their order.
    here.revoke_user("carol");
    here.return_outgoing(outgoing.clone());
    assert_eq!(here.outgoing_len(), 3);
    let again = here.take_outgoing();
    assert_eq!(&again[..2], &outgoing[..]);
    assert!(again[2].is_user());
}

/// A revocation from elsewhere dated ahead of this list's clock: up to a minute ahead it is
/// applied as given, then at that bound, and more than an hour ahead not at all. Each boundary is
/// tried where the clock has not moved since `at` was computed (most tries, in one millisecond).
#[test]
fn applied_revocations_are_bounded_by_the_clock() {
    use sealed_session::revocation::{Applied, Revocation};

    let list = RevocationList::new(HORIZON);
    let now_ms = || (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
    let minute = RevocationList::MAX_AHEAD.whole_milliseconds() as i64;
    let hour = Sealer::MAX_LEEWAY.whole_milliseconds() as i64;
    for round in 0..50u8 {
        let hash = [round; 16];
        let at_minute = Revocation::user(hash, now_ms() + minute).expect("in range");
        assert_eq!(list.apply(at_minute), Applied::AsGiven, "a minute ahead");
        let past_minute = Revocation::user(hash, now_ms() + minute + 1000).expect("in range");
        assert_eq!(list.apply(past_minute), Applied::AtTheBound);
        let at_hour = Revocation::session(hash, now_ms() + hour).expect("in range");
        assert_eq!(list.apply(at_hour), Applied::AtTheBound, "an hour ahead");
        let past_hour = Revocation::session(hash, now_ms() + hour + 1000).expect("in range");
        assert_eq!(list.apply(past_hour), Applied::TooFarAhead);
    }
    assert!(
        Revocation::session([1; 16], -1).is_some(),
        "any time of the years 1 to 9999"
    );
    assert!(Revocation::session([1; 16], i64::MAX).is_none());
}

/// A list that is not ready (a shared list before its first load) says so and refuses every
/// token; ready again, it opens them.
#[test]
fn a_list_that_is_not_ready_says_so_and_refuses() {
    let (list, sealer) = setup();
    let token = sealer.seal("alice", &1u32).expect("seals");
    assert!(list.is_ready());
    list.set_ready(false);
    assert!(!list.is_ready());
    assert_eq!(
        sealer.open::<u32>(&token).err(),
        Some(Error::RevocationsUnavailable)
    );
    list.set_ready(true);
    assert!(list.is_ready());
    assert!(sealer.open::<u32>(&token).is_ok());
}

/// A host whose clock is off follows the fleet's once a sync has measured the offset: the
/// list dates its revocations on the fleet's clock, and a sealer attached to it dates logins,
/// rolls and expiries on it too, so that dates made on different hosts compare.
#[test]
fn a_clock_offset_puts_the_list_and_its_sealers_on_the_fleets_clock() -> Result<(), Error> {
    // This host's clock is 30 s behind the fleet's.
    let offset = Duration::seconds(30);
    let list = Arc::new(RevocationList::new(Duration::days(8)));
    list.set_clock_offset(offset)?;
    let sealer = Sealer::builder(Key::generate(), "session")
        .with_revocations(list.clone())
        .build()?;
    let near =
        |at: OffsetDateTime, expected: OffsetDateTime| (at - expected).abs() < Duration::seconds(2);
    let fleet_now = OffsetDateTime::now_utc() + offset;
    assert!(near(sealer.now(), fleet_now));
    assert!(near(list.now(), fleet_now));

    let sealed = sealer.start_session("alice", 1u8)?;
    assert!(near(sealed.session.authenticated_at(), fleet_now));
    assert!(near(sealed.session.issued_at(), fleet_now));
    assert!(near(
        sealed.session.expires_at(),
        fleet_now + Sealer::DEFAULT_TTL
    ));
    assert!(near(list.revoke_user("bob"), fleet_now));

    // Revoked elsewhere, on the fleet's clock, right after a login here: caught; a login
    // after it opens. (What the offset saves, a host ahead whose logins escape a revocation
    // made elsewhere, takes two clocks: the fleet harness's clock-ahead scenario.)
    let token = sealer.seal("carol", &())?;
    list.revoke_user_at("carol", OffsetDateTime::now_utc() + offset);
    assert_eq!(sealer.open::<()>(&token).err(), Some(Error::Revoked));
    let again = sealer.seal("carol", &())?;
    assert!(sealer.open::<()>(&again).is_ok());

    // An offset beyond an hour is refused and changes nothing.
    assert!(matches!(
        list.set_clock_offset(Duration::hours(2)),
        Err(Error::Config(_))
    ));
    assert_eq!(list.clock_offset(), offset);
    Ok(())
}
