//! Per-thread buffers and fresh randomness for sealing and opening.

use std::cell::RefCell;

use rand::TryRng as _;
use zeroize::Zeroize as _;

use crate::Error;

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
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `work` with this thread's buffers, and wipes them after it.
pub(crate) fn with_scratch<R>(work: impl FnOnce(&mut Scratch) -> R) -> R {
    let mut work = Some(work);
    let mut run = |scratch: &mut Scratch| {
        let result = work.take().map(|work| work(scratch));
        scratch.wipe();
        result
    };
    let reused = SCRATCH.try_with(|cell| {
        cell.try_borrow_mut()
            .ok()
            .and_then(|mut scratch| run(&mut scratch))
    });
    match reused {
        Ok(Some(result)) => result,
        // Re-entered (a state's Serialize impl that seals), or at thread exit: fresh buffers.
        _ => match run(&mut Scratch::default()) {
            Some(result) => result,
            None => unreachable!("the work runs once, and had not run"),
        },
    }
}

/// Fresh random bytes from the operating system, for every nonce and session id.
///
/// Straight from the OS on every call, never from a generator kept in the process: a process
/// that forks would otherwise hand its children the same generator state, and so would two
/// processes restored from one memory snapshot (as serverless platforms restore functions) —
/// two tokens with the same nonce under the same key (keystream and Poly1305-key reuse, which
/// allows forgery). It costs about 0.4 µs per seal on Linux 6.18 with glibc 2.36
/// (docs/PERFORMANCE.md), less where the C library answers `getrandom` from the vDSO.
pub(crate) fn os_random<const N: usize>() -> Result<[u8; N], Error> {
    let mut bytes = [0u8; N];
    rand::rngs::SysRng
        .try_fill_bytes(&mut bytes)
        .map_err(|_| Error::Random)?;
    Ok(bytes)
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
