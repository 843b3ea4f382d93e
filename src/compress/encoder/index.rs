//! Hash chains: where earlier occurrences of the next three bytes start.
//!
//! Two indexes are searched for every position: the input's own, built as the stream goes
//! (sized to the input, so a short stream clears a short table), and the preset dictionary's,
//! built once when the dictionary is made and only read afterwards.

use super::{MIN_MATCH, WINDOW_LEN};

/// The three bytes starting at `at` (which must have two more after it), mixed: a
/// multiplicative hash, whose high bits depend on all three bytes. [`hash_bits`] takes as
/// many of them as a table needs, so that one mix serves both indexes.
#[inline]
pub(super) fn mix3(bytes: &[u8], at: usize) -> u32 {
    let [a, b, c] = [bytes[at], bytes[at + 1], bytes[at + 2]];
    (u32::from(a) | u32::from(b) << 8 | u32::from(c) << 16).wrapping_mul(0x9e37_79b1)
}

/// The top `bits` bits of a [`mix3`].
#[inline]
pub(super) fn hash_bits(mixed: u32, bits: u32) -> u32 {
    mixed >> (32 - bits)
}

/// The hash of the three bytes starting at `at`, in `bits` bits.
#[inline]
pub(super) fn hash3(bytes: &[u8], at: usize, bits: u32) -> u32 {
    hash_bits(mix3(bytes, at), bits)
}

/// The table size in bits for `len` positions: about one slot per position, from 2^8 to 2^15.
fn table_bits(len: usize) -> u32 {
    len.max(1).next_power_of_two().trailing_zeros().clamp(8, 15)
}

/// The index of a preset dictionary: for each hash, the last position with it, and for each
/// position, the one before it with the same hash. Positions fit 16 bits (a dictionary is at
/// most the 32 KiB window); `NONE` ends a chain.
pub(super) struct DictionaryIndex {
    bits: u32,
    head: Box<[u16]>,
    prev: Box<[u16]>,
}

const NONE: u16 = u16::MAX;

impl DictionaryIndex {
    /// The index of `dictionary` (at most [`WINDOW_LEN`] bytes): every position with three
    /// bytes after it in the dictionary itself.
    pub(super) fn new(dictionary: &[u8]) -> DictionaryIndex {
        debug_assert!(dictionary.len() <= WINDOW_LEN);
        let bits = table_bits(dictionary.len());
        let mut head = vec![NONE; 1 << bits].into_boxed_slice();
        let mut prev = vec![NONE; dictionary.len()].into_boxed_slice();
        for at in 0..(dictionary.len() + 1).saturating_sub(MIN_MATCH) {
            let hash = hash3(dictionary, at, bits) as usize;
            prev[at] = head[hash];
            head[hash] = at as u16;
        }
        DictionaryIndex { bits, head, prev }
    }

    /// Its table size in bits.
    pub(super) fn bits(&self) -> u32 {
        self.bits
    }

    /// The latest dictionary position whose three bytes hash to `hash` (in [`Self::bits`]).
    #[inline]
    pub(super) fn first(&self, hash: u32) -> Option<usize> {
        let at = self.head[hash as usize];
        (at != NONE).then_some(usize::from(at))
    }

    /// The position before `at` with the same hash.
    #[inline]
    pub(super) fn next(&self, at: usize) -> Option<usize> {
        let before = self.prev[at];
        (before != NONE).then_some(usize::from(before))
    }
}

/// The input's index, rebuilt for every stream. A position is stored plus one (0 is empty),
/// so that only the head table needs clearing: the chain links of a position are written when
/// it is inserted, before anything reads them. The links form a ring over the window, like
/// zlib's: a link is only followed from a position within the window, whose slot no later
/// position has reused yet.
#[derive(Default)]
pub(super) struct InputIndex {
    bits: u32,
    head: Vec<u32>,
    prev: Vec<u32>,
    ring_mask: usize,
}

impl InputIndex {
    /// Clears the index for an input of `len` bytes: a table sized to it, not to the window.
    pub(super) fn reset(&mut self, len: usize) {
        self.bits = table_bits(len);
        self.head.clear();
        self.head.resize(1 << self.bits, 0);
        let ring = len.max(1).next_power_of_two().min(WINDOW_LEN);
        if self.prev.len() < ring {
            self.prev.resize(ring, 0);
        }
        self.ring_mask = ring - 1;
    }

    /// Its table size in bits.
    pub(super) fn bits(&self) -> u32 {
        self.bits
    }

    /// Records position `at`, whose three bytes hash to `hash`; returns the latest position
    /// before it with that hash (stored plus one, 0 for none).
    #[inline]
    pub(super) fn insert(&mut self, at: usize, hash: u32) -> u32 {
        let slot = &mut self.head[hash as usize];
        let before = *slot;
        self.prev[at & self.ring_mask] = before;
        *slot = at as u32 + 1;
        before
    }

    /// The latest position recorded with `hash` (plus one, 0 for none).
    #[inline]
    pub(super) fn first(&self, hash: u32) -> u32 {
        self.head[hash as usize]
    }

    /// The position recorded before `at` with the same hash (plus one, 0 for none).
    #[inline]
    pub(super) fn next(&self, at: usize) -> u32 {
        self.prev[at & self.ring_mask]
    }
}
