//! Heap allocations per seal and per open, for this crate and its peers, at every state size.
//!
//! The counting allocator is `dhat`'s (`dhat::Alloc` in testing mode, read with
//! `dhat::HeapStats::get()`): the crate forbids unsafe code in every target, so we do not write a
//! `GlobalAlloc` of our own. dhat counts a reallocation as one more allocation (block) of the new
//! size. Each figure is for one call, after one warm-up seal and open at the same size, so that
//! per-thread buffers and lazily built tables are already in place, as in a running server.
//!
//! The candidates and the data are those of `benches/peers.rs`, included here as a module.
//! Run in `benches/`: `cargo bench --bench allocations`.

use std::hint::black_box;

use sealed_session::{Key, Sealer};

#[path = "peers.rs"]
#[allow(dead_code)]
mod peers;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// Allocations (count, bytes) made while `work` runs; what it returns is dropped afterwards.
fn count<R>(work: impl FnOnce() -> R) -> (u64, u64) {
    let before = dhat::HeapStats::get();
    let result = black_box(work());
    let after = dhat::HeapStats::get();
    drop(result);
    (
        after.total_blocks - before.total_blocks,
        after.total_bytes - before.total_bytes,
    )
}

fn main() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let candidates = peers::candidates();

    println!("Allocations per call (count / bytes), after a warm-up call at the same size.");
    println!(
        "| candidate         | size   | seal allocs | seal bytes | open allocs | open bytes |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    for (name, candidate) in &candidates {
        for size in peers::SIZES {
            let value = peers::state(size);
            let warm = candidate.seal(&value);
            assert_eq!(candidate.open(&warm), value);

            let mut token = String::new();
            let (seal_n, seal_bytes) = count(|| token = candidate.seal(black_box(&value)));
            let (open_n, open_bytes) = count(|| candidate.open(black_box(&token)));
            println!(
                "| {name:<17} | {size:<6} | {seal_n:>11} | {seal_bytes:>10} | {open_n:>11} | {open_bytes:>10} |"
            );
        }
    }

    println!();
    println!("For scale, the state alone: serde_json::to_vec (as seal) / from_slice (as open).");
    println!(
        "| what              | size   | seal allocs | seal bytes | open allocs | open bytes |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    for size in peers::SIZES {
        let value = peers::state(size);
        let json = serde_json::to_vec(&value).expect("serialize");
        let (to_n, to_bytes) = count(|| serde_json::to_vec(black_box(&value)));
        let (from_n, from_bytes) =
            count(|| serde_json::from_slice::<peers::SessionState>(black_box(&json)));
        println!(
            "| serde_json alone  | {size:<6} | {to_n:>11} | {to_bytes:>10} | {from_n:>11} | {from_bytes:>10} |"
        );
    }

    // The first seal and open on a new thread, which builds that thread's compressor,
    // decompressor and buffers (what a fresh process pays once): zlib-rs is Rust, so dhat
    // counts its state too.
    let sealer = Sealer::new(Key::generate(), "session");
    let medium = peers::state("medium");
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let (seal_n, seal_bytes) =
                    count(|| sealer.seal(peers::SUBJECT, &medium).expect("seal"));
                let token = sealer.seal(peers::SUBJECT, &medium).expect("seal");
                let (open_n, open_bytes) =
                    count(|| sealer.open::<peers::SessionState>(&token).expect("open"));
                println!();
                println!(
                    "First seal on a new thread, medium: {seal_n} allocations, {seal_bytes} bytes \
                     (the thread's compressor among them)"
                );
                println!(
                    "First open on a new thread, medium: {open_n} allocations, {open_bytes} bytes \
                     (the thread's decompressor among them)"
                );
            })
            .join()
            .expect("thread");
    });

    let text = Key::generate().to_base64();
    let warm = Sealer::new(Key::from_base64(&text).expect("key"), "session");
    drop(warm);
    let (n, bytes) =
        count(|| Sealer::new(Key::from_base64(black_box(&text)).expect("key"), "session"));
    println!();
    println!("Sealer::new(Key::from_base64(..)?, \"session\"): {n} allocations, {bytes} bytes");
}
