//! A revocation list's hash key never survives in freed heap memory: dropping the list wipes
//! it. With the key, anyone holding a memory dump could test whether a given user or session
//! was revoked, and craft subjects that collide in its tables. One test in this file, so that no
//! other test frees blocks meanwhile (`test-support/freed-scan`).

use freed_scan::FreedScan;
use sealed_session::RevocationList;
use time::Duration;

#[global_allocator]
static ALLOCATOR: FreedScan = FreedScan;

/// Where a version-1 snapshot keeps the hash key (docs in src/revocation.rs).
const HASH_KEY_AT: std::ops::Range<usize> = 33..49;

#[test]
fn a_dropped_list_leaves_no_freed_block_holding_its_hash_key() {
    let list = Box::new(RevocationList::new(Duration::days(8)));
    list.revoke_user("alice");
    let mut snapshot = list.snapshot();
    let mut key = [0u8; 16];
    key.copy_from_slice(&snapshot[HASH_KEY_AT]);
    snapshot.fill(0);
    drop(snapshot);
    assert_ne!(key, [0; 16]);

    freed_scan::arm(&key);
    list.revoke_user("bob");
    drop(list);
    let hits = freed_scan::disarm();
    assert_eq!(hits, 0, "{hits} freed blocks still held the hash key");
}
