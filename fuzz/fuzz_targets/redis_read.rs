//! Whatever Redis sends back never makes the sync panic, and never takes anything away: a reply
//! is read as a running instance reads it (a ZSCAN page of a cold start, a page of the stream,
//! the stream's info), into a shared revocation list that already holds revocations.
//!
//! Properties: reading never removes or moves back an entry that was there; reading the same
//! reply twice changes nothing more (revocations are applied with "keep the later time"); what
//! was applied never exceeds what the reply held; the list still snapshots and restores.
//!
//! Input: a mode byte (the command), then the XINFO reply and the reply, split at the first
//! `\0\0`; both are RESP bytes.
#![no_main]

use std::sync::{Arc, LazyLock};

use libfuzzer_sys::fuzz_target;
use sealed_session::redis::fuzzing::read_back;
use sealed_session::{Error, Key, RevocationList, Sealer};
use time::{Duration, OffsetDateTime};

/// Sessions of alice and bob, begun ten minutes before the run started.
static TOKENS: LazyLock<(OffsetDateTime, String, String)> = LazyLock::new(|| {
    let sealer = Sealer::new(Key::try_from(&[0x24; 32][..]).expect("32 bytes"), "session");
    let earlier = OffsetDateTime::now_utc() - Duration::minutes(10);
    let alice = sealer.seal_at("alice", &(), earlier).expect("seals");
    let bob = sealer.seal_at("bob", &(), earlier).expect("seals");
    (earlier, alice, bob)
});

fuzz_target!(|data: &[u8]| {
    let Some((&command, rest)) = data.split_first() else {
        return;
    };
    let (info, reply) = match rest.windows(2).position(|pair| pair == b"\0\0") {
        Some(at) => (&rest[..at], &rest[at + 2..]),
        None => (&[][..], rest),
    };
    let secret = Key::try_from(&[0x42; 32][..]).expect("32 bytes");
    let list = Arc::new(RevocationList::new_shared(Duration::days(30), &secret));
    let sealer = Sealer::builder(Key::try_from(&[0x24; 32][..]).expect("32 bytes"), "session")
        .with_revocations(Arc::clone(&list))
        .build()
        .expect("valid settings");
    let (earlier, alice, bob) = &*TOKENS;
    let earlier = *earlier;
    let session = sealer.open_at::<()>(bob, earlier).expect("opens");
    list.revoke_user("alice");
    list.revoke_session(&session);
    let before = list.len();
    let still_revoked = || {
        let at = earlier + Duration::minutes(1);
        matches!(sealer.open_at::<()>(alice, at), Err(Error::Revoked))
            && matches!(sealer.open_at::<()>(bob, at), Err(Error::Revoked))
    };

    let first = read_back(&list, command, info, reply);
    let after_first = list.len();
    assert!(after_first >= before, "an entry was removed");
    assert!((after_first - before) as u64 <= first.applied);
    if !first.accepted {
        // A reply of the wrong shape fails the exchange; entries before the fault may count.
        assert!(first.applied + first.skipped <= reply.len() as u64);
    }
    // What was revoked stays revoked.
    assert!(still_revoked(), "a revocation was lost or moved back");

    let second = read_back(&list, command, info, reply);
    assert_eq!(second, first, "the same reply read twice read differently");
    assert_eq!(list.len(), after_first, "applying twice changed the list");

    let restored = RevocationList::restore(&list.snapshot()).expect("own snapshot restores");
    assert_eq!(restored.len(), list.len());
});
