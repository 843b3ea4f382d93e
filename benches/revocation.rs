//! What the revocation list costs on `open`, and what a million entries cost in memory.
//!
//! Every case opens the same kind of small-state token (≈ 60 bytes of JSON state) with
//! `open_at` at a fixed time:
//!
//! | id                        | list attached to the sealer                                   |
//! |---------------------------|---------------------------------------------------------------|
//! | `no-list`                 | none                                                          |
//! | `empty-list`              | an empty list                                                 |
//! | `1m-list/not-revoked`     | 1,000,000 revoked users; the token's user is not one of them  |
//! | `1m-list/older-entry`     | the token's user has an entry, older than the token: it opens |
//! | `1m-list/revoked`         | the token's user was revoked after it was issued: `Revoked`   |
//!
//! The check itself is not public; its cost is the difference from `no-list`. The same token is
//! opened again and again, so the list's lookup is cache-hot; a lookup that misses the cache in
//! a 50 MiB table adds one or two trips to memory.
//!
//! Before criterion runs, it prints the resident memory that building the 1,000,000-entry list
//! added (from `/proc/self/status`, Linux only; an upper bound, since the allocator may keep
//! freed pages) and how long a snapshot and a restore of it take.
//!
//! Run in `benches/`: `cargo bench --bench revocation`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::Criterion;
use sealed_session::{Error, Key, RevocationList, Sealer};
use sealed_session_test_support::fixtures::T0;
use serde::{Deserialize, Serialize};

const ENTRIES: usize = 1_000_000;

#[derive(Serialize, Deserialize)]
struct SmallState {
    user_id: u64,
    roles: Vec<String>,
    csrf: String,
}

fn state() -> SmallState {
    SmallState {
        user_id: 42,
        roles: vec!["admin".into()],
        csrf: "Zm9vYmFyYmF6cXV4".into(),
    }
}

/// Resident memory of this process in bytes, if the OS tells.
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// A list with `ENTRIES` users revoked an hour before `T0`, and the memory it took.
fn big_list() -> Arc<RevocationList> {
    let before = resident_bytes();
    let start = Instant::now();
    let list = RevocationList::new(time::Duration::days(8));
    let revoked_at = T0 - time::Duration::hours(1);
    for i in 0..ENTRIES {
        list.revoke_user_at(&format!("user-{i}"), revoked_at);
    }
    let built = start.elapsed();
    assert_eq!(list.len(), ENTRIES);
    match (before, resident_bytes()) {
        (Some(before), Some(after)) => {
            let added = after.saturating_sub(before);
            println!(
                "{ENTRIES} entries: built in {built:.2?}, resident memory +{:.1} MiB, {:.1} bytes per entry",
                added as f64 / (1024.0 * 1024.0),
                added as f64 / ENTRIES as f64
            );
        }
        _ => println!("{ENTRIES} entries: built in {built:.2?} (resident memory unknown here)"),
    }

    let start = Instant::now();
    let snapshot = list.snapshot();
    let snapshotted = start.elapsed();
    let start = Instant::now();
    let restored = RevocationList::restore(&snapshot).expect("restores");
    let restore = start.elapsed();
    assert_eq!(restored.len(), ENTRIES);
    println!(
        "snapshot: {:.1} MiB in {snapshotted:.2?}; restore in {restore:.2?}",
        snapshot.len() as f64 / (1024.0 * 1024.0)
    );
    Arc::new(list)
}

fn bench_open(c: &mut Criterion) {
    let key = Key::generate();
    let plain = Sealer::new(key.clone(), "session");
    let with_list = |list: Arc<RevocationList>| {
        Sealer::builder(key.clone(), "session")
            .with_revocations(list)
            .build()
            .expect("valid settings")
    };
    let empty = with_list(Arc::new(RevocationList::new(time::Duration::days(8))));
    let big = with_list(big_list());

    let state = state();
    let now = T0 + time::Duration::minutes(1);
    let fresh = plain.seal_at("someone-else", &state, T0).expect("seals");
    let newer = plain.seal_at("user-7", &state, T0).expect("seals");
    let older = plain
        .seal_at("user-8", &state, T0 - time::Duration::hours(2))
        .expect("seals");
    assert!(big.open_at::<SmallState>(&fresh, now).is_ok());
    assert!(big.open_at::<SmallState>(&newer, now).is_ok());
    assert_eq!(
        big.open_at::<SmallState>(&older, now).map(|_| ()),
        Err(Error::Revoked)
    );

    let mut group = c.benchmark_group("open");
    for (id, sealer, token) in [
        ("no-list", &plain, &fresh),
        ("empty-list", &empty, &fresh),
        ("1m-list/not-revoked", &big, &fresh),
        ("1m-list/older-entry", &big, &newer),
        ("1m-list/revoked", &big, &older),
    ] {
        group.bench_function(id, |b| {
            b.iter(|| sealer.open_at::<SmallState>(black_box(token), black_box(now)))
        });
    }
    group.finish();
}

fn main() {
    let mut c = Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    bench_open(&mut c);
    c.final_summary();
}
