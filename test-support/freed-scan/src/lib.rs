//! A global allocator for tests: it counts the blocks that are freed while they still hold a
//! given secret (16 to 32 bytes), so a test can prove that key bytes are wiped before their memory goes
//! back to the allocator (and never left behind when a vector grows).
//!
//! It lives in a crate of its own because a global allocator needs `unsafe`, which the library
//! and its tests forbid. It wraps the system allocator and only reads each block before freeing
//! it; `realloc` is left to the trait's default (allocate, copy, free), so a block that a
//! growing vector leaves behind is scanned too.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};

/// The longest secret.
pub const SECRET_LEN: usize = 32;

static ARMED: AtomicBool = AtomicBool::new(false);
static SECRET: [AtomicU8; SECRET_LEN] = [const { AtomicU8::new(0) }; SECRET_LEN];
static LEN: AtomicUsize = AtomicUsize::new(SECRET_LEN);
static HITS: AtomicUsize = AtomicUsize::new(0);

/// The allocator: install with `#[global_allocator] static A: FreedScan = FreedScan;`.
pub struct FreedScan;

/// Starts counting freed blocks that contain `secret` (16 to 32 bytes; panics otherwise).
pub fn arm(secret: &[u8]) {
    assert!(
        (16..=SECRET_LEN).contains(&secret.len()),
        "a 16- to 32-byte secret"
    );
    for (cell, byte) in SECRET.iter().zip(secret) {
        cell.store(*byte, Ordering::SeqCst);
    }
    LEN.store(secret.len(), Ordering::SeqCst);
    HITS.store(0, Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
}

/// Stops counting; returns how many freed blocks held the secret since [`arm`].
pub fn disarm() -> usize {
    ARMED.store(false, Ordering::SeqCst);
    HITS.load(Ordering::SeqCst)
}

fn holds_secret(block: &[u8]) -> bool {
    let first = SECRET[0].load(Ordering::Relaxed);
    let len = LEN.load(Ordering::Relaxed);
    block.windows(len).any(|window| {
        window[0] == first
            && window
                .iter()
                .zip(&SECRET)
                .all(|(byte, cell)| *byte == cell.load(Ordering::Relaxed))
    })
}

// SAFETY: every call is forwarded to `System` with the same arguments; `dealloc` only reads the
// block it is handed, which is live and `layout.size()` bytes long until `System` frees it.
unsafe impl GlobalAlloc for FreedScan {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Ordering::Relaxed) && layout.size() >= LEN.load(Ordering::Relaxed) {
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            if holds_secret(block) {
                HITS.fetch_add(1, Ordering::Relaxed);
            }
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}
