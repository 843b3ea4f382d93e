//! Key bytes never survive in freed heap memory: growing a keyring, cloning keys, building a
//! sealer and dropping it all leave no freed block holding the key. The allocator scans every
//! block it frees (`test-support/freed-scan`); this file holds one test, so that no other test
//! frees blocks meanwhile.

use freed_scan::FreedScan;
use sealed_session::{Key, Keyring, Sealer};

#[global_allocator]
static ALLOCATOR: FreedScan = FreedScan;

/// Bytes no allocation of the test harness holds by chance.
const SECRET: [u8; 32] = *b"\x8f\x13sealed-session key bytes!!!\xa7\x01\x5c";

/// Regression: `Keyring::new(k).with_previous(old)` grew a `Vec` of keys and left the old
/// buffer, holding `k`, unwiped in freed memory.
#[test]
fn regression_no_freed_block_holds_a_key() {
    freed_scan::arm(&SECRET);
    {
        let key = Key::try_from(&SECRET[..]).expect("32 bytes");
        let mut ring = Keyring::new(key.clone());
        for _ in 0..20 {
            ring = ring.with_previous(Key::generate());
        }
        let copy = ring.clone();
        let sealer = Sealer::new(copy, "session");
        let token = sealer.seal("alice", &"state").expect("seals");
        assert_eq!(
            sealer.open::<String>(&token).expect("opens").state(),
            "state"
        );
        let again = Key::from_base64(&key.to_base64()).expect("reads back");
        assert_eq!(again, key);
        drop((key, ring, sealer, again));
    }
    let hits = freed_scan::disarm();
    assert_eq!(hits, 0, "{hits} freed blocks still held the key");
}
