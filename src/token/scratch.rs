//! Per-thread buffers for sealing and opening.

use std::cell::RefCell;

use zeroize::Zeroize as _;

use crate::per_thread::with_reused;

/// Reusable per-thread buffers, so that sealing and opening allocate only what they return.
///
/// Every call wipes what it wrote before it returns (plaintext, compressed plaintext), so that
/// no session's state or CSRF token stays behind in a buffer between calls. Each buffer is
/// written from its start and only up to its length, and the bytes past the length were wiped
/// by an earlier call: wiping up to the length wipes all it holds.
#[derive(Default)]
pub(crate) struct Scratch {
    /// The compressed plaintext, while sealing.
    pub(crate) packed: Vec<u8>,
    /// The token's bytes before base64 (sealing) or after it (opening).
    pub(crate) binary: Vec<u8>,
    /// The inflated plaintext, while opening.
    pub(crate) inflated: Vec<u8>,
    /// The additional authenticated data: header ‖ dictionary digest ‖ purpose.
    pub(crate) aad: Vec<u8>,
}

impl Scratch {
    /// Zeroes what the last call wrote and empties the buffers, keeping their memory.
    fn wipe(&mut self) {
        for buffer in [&mut self.packed, &mut self.binary, &mut self.inflated] {
            buffer.as_mut_slice().zeroize();
            buffer.clear();
        }
        self.aad.clear();
    }
}

thread_local! {
    static SCRATCH: RefCell<Option<Scratch>> = const { RefCell::new(None) };
}

/// Runs `work` with this thread's buffers, and wipes them after it.
pub(crate) fn with_scratch<R>(work: impl FnOnce(&mut Scratch) -> R) -> R {
    with_reused(&SCRATCH, Scratch::default, |scratch| {
        let result = work(scratch);
        scratch.wipe();
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_call_finds_the_buffers_empty_and_their_memory_kept() {
        let state = b"a session's state";
        with_scratch(|scratch| {
            for buffer in [
                &mut scratch.packed,
                &mut scratch.binary,
                &mut scratch.inflated,
                &mut scratch.aad,
            ] {
                buffer.extend_from_slice(state);
            }
        });
        with_scratch(|scratch| {
            for buffer in [
                &scratch.packed,
                &scratch.binary,
                &scratch.inflated,
                &scratch.aad,
            ] {
                assert!(buffer.is_empty());
                assert!(buffer.capacity() >= state.len());
            }
        });
    }
}
