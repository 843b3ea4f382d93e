//! A decompression bomb is refused without allocating past the state cap.
//!
//! Its own test binary: the counting allocator (dhat) is global to the process.

use sealed_session::{Compression, Dictionary, Error, Sealer};
use time::macros::datetime;

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

/// With and without a dictionary, in one test: dhat's profiler is global, one at a time.
#[test]
fn bomb_is_refused_within_the_cap() {
    bomb(None);
    bomb(Some(Dictionary::new("0".repeat(4096))));
}

fn bomb(dictionary: Option<Dictionary>) {
    const INFLATED: usize = 16 << 20;
    const CAP: usize = 64 << 10;
    let now = datetime!(2030-01-01 0:00 UTC);
    let key = sealed_session_test_support::fixtures::fixed_key(3);
    let with = |sealer: Sealer| match &dictionary {
        Some(dictionary) => sealer
            .to_builder()
            .with_dictionary(dictionary.clone())
            .build()
            .expect("valid settings"),
        None => sealer,
    };
    let bomb = with(Sealer::new(key.clone(), "session"))
        .to_builder()
        .with_compression(Compression::Always)
        .with_max_state_len(usize::MAX)
        .with_max_token_len(usize::MAX)
        .build()
        .expect("valid settings")
        .seal_at("u", &"0".repeat(INFLATED), now)
        .expect("seals");
    let opener = with(Sealer::new(key, "session"))
        .to_builder()
        .with_max_state_len(CAP)
        .with_max_token_len(bomb.len())
        .build()
        .expect("valid settings");

    let profiler = dhat::Profiler::builder().testing().build();
    let result = opener.open_at::<String>(&bomb, now);
    let stats = dhat::HeapStats::get();
    drop(profiler);

    assert_eq!(result, Err(Error::TooLarge));
    // Allowed: the decoded token, the inflated output up to the cap, and the inflater's fixed
    // state (its 32 KiB window and tables). Not allowed: anything that grows with the bomb.
    let budget = bomb.len() + CAP + (96 << 10);
    assert!(
        stats.max_bytes <= budget,
        "peak {} bytes while opening a {}-character bomb of {} bytes (budget {budget}, {})",
        stats.max_bytes,
        bomb.len(),
        INFLATED,
        if dictionary.is_some() {
            "with a dictionary"
        } else {
            "no dictionary"
        }
    );
}
