//! Sessions that roll: `reseal` keeps who the session is, the absolute lifetime ends it, and
//! revocation follows the session through every reseal, also under concurrency.

use crate::common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};

use common::{T0, sealer};
use sealed_session::{Error, Key, RevocationList, Sealer, Session};
use time::{Duration, OffsetDateTime};

fn open(sealer: &Sealer, token: &str, now: OffsetDateTime) -> Result<Session<u32>, Error> {
    sealer.open_at::<u32>(token, now)
}

#[test]
fn reseal_keeps_the_session_and_renews_the_token() {
    let sealer = sealer()
        .to_builder()
        .with_ttl(Duration::hours(1))
        .build()
        .expect("valid settings");
    let first = open(
        &sealer,
        &sealer.seal_at("alice", &1, T0).expect("seals"),
        T0,
    )
    .expect("opens");
    let mut session = first.clone();
    for step in 1..=5 {
        let now = T0 + Duration::minutes(40 * step);
        let token = sealer
            .reseal_at(&session, &(step as u32), now)
            .expect("reseals");
        session = open(&sealer, &token, now).expect("opens");
        assert_eq!(session.subject(), "alice");
        assert_eq!(session.session_id(), first.session_id());
        assert_eq!(session.authenticated_at(), T0);
        assert_eq!(session.issued_at(), now);
        assert_eq!(session.expires_at(), now + Duration::hours(1));
        assert_eq!(*session.state(), step as u32);
    }
    // `seal` is a new login: a fresh session id, authenticated now.
    let later = T0 + Duration::hours(4);
    let login = open(
        &sealer,
        &sealer.seal_at("alice", &0, later).expect("seals"),
        later,
    )
    .expect("opens");
    assert_ne!(login.session_id(), first.session_id());
    assert_eq!(login.authenticated_at(), later);
}

#[test]
fn reseal_never_passes_the_absolute_lifetime() {
    let sealer = sealer()
        .to_builder()
        .with_ttl(Duration::hours(8))
        .with_max_lifetime(Duration::hours(20))
        .with_leeway(Duration::ZERO)
        .build()
        .expect("valid settings");
    let mut session =
        open(&sealer, &sealer.seal_at("bob", &0, T0).expect("seals"), T0).expect("opens");
    let mut last = String::new();
    for hour in [6, 12, 18] {
        let now = T0 + Duration::hours(hour);
        last = sealer.reseal_at(&session, &0, now).expect("reseals");
        session = open(&sealer, &last, now).expect("opens");
        assert!(session.expires_at() <= T0 + Duration::hours(20), "{hour}");
    }
    assert_eq!(session.expires_at(), T0 + Duration::hours(20));
    // The token still opens until then, and past it the error says: log in again.
    let end = T0 + Duration::hours(20);
    assert!(open(&sealer, &last, end - Duration::milliseconds(1)).is_ok());
    assert_eq!(
        open(&sealer, &last, end).expect_err("refused"),
        Error::LifetimeExceeded
    );
    let just_before = sealer
        .reseal_at(&session, &0, end - Duration::milliseconds(1))
        .expect("reseals in the last millisecond");
    let rolled = open(&sealer, &just_before, end - Duration::milliseconds(1)).expect("opens");
    assert_eq!(rolled.expires_at(), end, "{rolled:?}");
    assert_eq!(
        open(&sealer, &just_before, end).expect_err("refused"),
        Error::LifetimeExceeded
    );
    assert_eq!(
        sealer.reseal_at(&session, &0, end),
        Err(Error::LifetimeExceeded)
    );
}

#[test]
fn idle_expiry_and_the_lifetime_limit_are_told_apart() {
    let sealer = sealer()
        .to_builder()
        .with_ttl(Duration::hours(1))
        .with_max_lifetime(Duration::hours(3))
        .with_leeway(Duration::ZERO)
        .build()
        .expect("valid settings");
    let token = sealer.seal_at("carol", &0, T0).expect("seals");
    // Idle: the token's own expiry comes first.
    assert_eq!(
        open(&sealer, &token, T0 + Duration::hours(2)).expect_err("refused"),
        Error::Expired
    );
    assert_eq!(
        open(&sealer, &token, T0 + Duration::days(9)).expect_err("refused"),
        Error::Expired
    );
    // A reseal of an expired session is refused: it would bring an idle session back.
    let session = open(&sealer, &token, T0).expect("opens");
    assert_eq!(
        sealer.reseal_at(&session, &0, T0 + Duration::hours(2)),
        Err(Error::Expired)
    );
    // An opener with a shorter limit enforces its own, even on tokens sealed with a longer one.
    let strict = sealer
        .to_builder()
        .with_max_lifetime(Duration::minutes(30))
        .build()
        .expect("valid settings");
    assert_eq!(
        open(&strict, &token, T0 + Duration::minutes(45)).expect_err("refused"),
        Error::LifetimeExceeded
    );
}

#[test]
fn revoke_session_rejects_every_generation() {
    let list = Arc::new(RevocationList::new(Duration::days(8)));
    let sealer = sealer()
        .to_builder()
        .with_revocations(Arc::clone(&list))
        .build()
        .expect("valid settings");
    let mut tokens = vec![sealer.seal_at("dave", &0, T0).expect("seals")];
    let mut session = open(&sealer, &tokens[0], T0).expect("opens");
    for minutes in 1..=4 {
        let now = T0 + Duration::minutes(minutes);
        tokens.push(sealer.reseal_at(&session, &0, now).expect("reseals"));
        session = open(&sealer, tokens.last().expect("one"), now).expect("opens");
    }
    let other = sealer.seal_at("dave", &0, T0).expect("another device");
    list.revoke_session(&session);
    let now = T0 + Duration::minutes(5);
    for (generation, token) in tokens.iter().enumerate() {
        assert_eq!(
            open(&sealer, token, now).expect_err("refused"),
            Error::Revoked,
            "{generation}"
        );
    }
    assert!(
        open(&sealer, &other, now).is_ok(),
        "the user's other session stays"
    );
    assert_eq!(sealer.reseal_at(&session, &0, now), Err(Error::Revoked));
}

#[test]
fn log_out_everywhere_but_here() {
    let list = Arc::new(RevocationList::new(Duration::days(8)));
    let sealer = sealer()
        .to_builder()
        .with_revocations(Arc::clone(&list))
        .build()
        .expect("valid settings");
    let phone = sealer.seal("erin", &0).expect("seals");
    let laptop = sealer.seal("erin", &0).expect("seals");
    let here = sealer.open::<u32>(&laptop).expect("opens");
    let fresh = sealer.log_out_other_sessions(&here, &7).expect("seals");
    assert_eq!(
        sealer.open::<u32>(&phone).expect_err("refused"),
        Error::Revoked
    );
    assert_eq!(
        sealer.open::<u32>(&laptop).expect_err("refused"),
        Error::Revoked
    );
    let now_here = sealer.open::<u32>(&fresh).expect("opens");
    assert_ne!(now_here.session_id(), here.session_id());
    assert_eq!(*now_here.state(), 7);
    // Without a list there is nothing to log out with.
    assert!(matches!(
        Sealer::new(Key::generate(), "s").log_out_other_sessions(&here, &0),
        Err(Error::Config(_))
    ));
}

/// The race the authenticated-at closes: a request that opened a token just before
/// `revoke_user` and reseals just after gets a token issued after the revocation, which must
/// still be rejected. Several threads reseal their sessions in a loop while another revokes;
/// after `revoke_user` returns, no token of a session that began before it opens — whenever it
/// was resealed.
#[test]
fn reseals_racing_revoke_user_never_escape_it() {
    const THREADS: usize = 4;
    for round in 0..20 {
        let list = Arc::new(RevocationList::new(Duration::days(8)));
        let sealer = Sealer::builder(Key::generate(), "session")
            .with_revocations(Arc::clone(&list))
            .build()
            .expect("valid settings");
        let sessions: Vec<Session<u32>> = (0..THREADS)
            .map(|_| {
                sealer
                    .open(&sealer.seal("frank", &0).expect("seals"))
                    .expect("opens")
            })
            .collect();
        let stop = Arc::new(AtomicBool::new(false));
        let start = Arc::new(Barrier::new(THREADS + 1));
        let minted = Arc::new(Mutex::new(Vec::new()));
        let workers: Vec<_> = sessions
            .into_iter()
            .map(|mut session| {
                let (sealer, stop, start, minted) =
                    (sealer.clone(), stop.clone(), start.clone(), minted.clone());
                std::thread::spawn(move || {
                    start.wait();
                    let mut count = 0u32;
                    while !stop.load(Ordering::Acquire) {
                        count += 1;
                        match sealer.reseal(&session, &count) {
                            Ok(token) => {
                                minted.lock().expect("lock").push(token.clone());
                                if let Ok(next) = sealer.open::<u32>(&token) {
                                    session = next;
                                }
                            }
                            Err(Error::Revoked) => {}
                            Err(other) => panic!("reseal: {other}"),
                        }
                    }
                })
            })
            .collect();
        start.wait();
        std::thread::sleep(std::time::Duration::from_millis(2));
        list.revoke_user("frank");
        // Every token minted so far, and every one minted from here on, stays revoked.
        std::thread::sleep(std::time::Duration::from_millis(2));
        stop.store(true, Ordering::Release);
        for worker in workers {
            worker.join().expect("no panic");
        }
        let minted = minted.lock().expect("lock");
        assert!(!minted.is_empty(), "round {round}: the workers resealed");
        for token in minted.iter() {
            assert_eq!(
                sealer.open::<u32>(token).expect_err("refused"),
                Error::Revoked,
                "round {round}"
            );
        }
        // A login after the revocation opens.
        let after = sealer.seal("frank", &0).expect("seals");
        assert!(sealer.open::<u32>(&after).is_ok());
    }
}
