//! Hash chains: where earlier occurrences of the next three (or four) bytes start.
//!
//! Two indexes are searched for every position: the input's own, built as the stream goes
//! (sized to the input, so a short stream clears a short table), and the preset dictionary's,
//! built once when the dictionary is made and only read afterwards.
//!
//! The fast levels hash four bytes, the others three: with four, a position whose next four
//! bytes occurred nowhere before finds an empty chain at once, where three-byte sequences such
//! as JSON's `":"` or `","` would have it compare against every earlier one; a 3-byte copy is
//! seldom shorter than its literals anyway.

use super::WINDOW_LEN;

/// How many bytes a hash covers: 3 or 4.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum HashLen {
    Three,
    Four,
}

impl HashLen {
    /// The bytes a position needs after it to be hashed.
    #[inline]
    pub(super) fn bytes(self) -> usize {
        match self {
            HashLen::Three => 3,
            HashLen::Four => 4,
        }
    }

    /// The bytes starting at `at` (which must have [`Self::bytes`] of them) as one word, the
    /// first in the low byte: what two positions must share to be worth comparing further.
    #[inline]
    pub(super) fn word(self, bytes: &[u8], at: usize) -> u32 {
        match self {
            HashLen::Three => {
                let [a, b, c] = [bytes[at], bytes[at + 1], bytes[at + 2]];
                u32::from(a) | u32::from(b) << 8 | u32::from(c) << 16
            }
            // (Never `None`: the callers check the length; no panic path either way.)
            HashLen::Four => bytes[at..]
                .first_chunk::<4>()
                .map_or(0, |w| u32::from_le_bytes(*w)),
        }
    }

    /// A [`Self::word`] mixed: a multiplicative hash, whose high bits depend on every byte.
    /// [`hash_bits`] takes as many of them as a table needs, so that one mix serves both
    /// indexes.
    #[inline]
    pub(super) fn mix(word: u32) -> u32 {
        word.wrapping_mul(0x9e37_79b1)
    }
}

/// The top `bits` bits of a [`HashLen::mix`].
#[inline]
pub(super) fn hash_bits(mixed: u32, bits: u32) -> u32 {
    mixed >> (32 - bits)
}

/// The table size in bits for `len` positions: about one slot per position, from 2^8 to 2^15.
fn table_bits(len: usize) -> u32 {
    len.max(1).next_power_of_two().trailing_zeros().clamp(8, 15)
}

/// The index of a preset dictionary for one [`HashLen`]: for each hash, the last position with
/// it, and for each position, the one before it with the same hash. Positions fit 16 bits (a
/// dictionary is at most the 32 KiB window); `NONE` ends a chain.
pub(super) struct DictionaryIndex {
    bits: u32,
    head: Box<[u16]>,
    prev: Box<[u16]>,
}

const NONE: u16 = u16::MAX;

impl DictionaryIndex {
    /// The index of `dictionary` (at most [`WINDOW_LEN`] bytes): every position with
    /// `hash_len` bytes after it in the dictionary itself.
    pub(super) fn new(dictionary: &[u8], hash_len: HashLen) -> DictionaryIndex {
        debug_assert!(dictionary.len() <= WINDOW_LEN);
        // Up to four slots per position: built once, the table may be sparse, so that a
        // position of the input whose bytes are nowhere in the dictionary mostly finds an
        // empty slot instead of another sequence's chain. At most 2^16 slots (128 KiB).
        let bits = (4 * dictionary.len())
            .max(1)
            .next_power_of_two()
            .trailing_zeros()
            .clamp(8, 16);
        let mut head = vec![NONE; 1 << bits].into_boxed_slice();
        let mut prev = vec![NONE; dictionary.len()].into_boxed_slice();
        for at in 0..(dictionary.len() + 1).saturating_sub(hash_len.bytes()) {
            let hash = hash_bits(HashLen::mix(hash_len.word(dictionary, at)), bits) as usize;
            prev[at] = head[hash];
            head[hash] = at as u16;
        }
        DictionaryIndex { bits, head, prev }
    }

    /// Its chains, for a [`DictionaryChains`] to read.
    pub(super) fn chains(&self) -> DictionaryChains<'_> {
        DictionaryChains {
            shift: 32 - self.bits,
            head: &self.head,
            prev: &self.prev,
        }
    }
}

/// A dictionary's chains as the matcher reads them: plain slices and the hash's shift, so
/// that its loop keeps them in registers.
#[derive(Clone, Copy)]
pub(super) struct DictionaryChains<'d> {
    shift: u32,
    head: &'d [u16],
    prev: &'d [u16],
}

impl DictionaryChains<'_> {
    /// The latest dictionary position whose first bytes mix to `mixed`.
    #[inline]
    pub(super) fn first(&self, mixed: u32) -> Option<usize> {
        let at = self.head[(mixed >> self.shift) as usize];
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

    /// Its chains, for a [`InputChains`] to read and write for one stream.
    pub(super) fn chains(&mut self) -> InputChains<'_> {
        InputChains {
            shift: 32 - self.bits,
            ring_mask: self.ring_mask,
            head: &mut self.head,
            prev: &mut self.prev,
        }
    }
}

/// The input's chains as the matcher uses them: plain slices, the hash's shift and the ring's
/// mask, so that its loop keeps them in registers.
pub(super) struct InputChains<'i> {
    shift: u32,
    ring_mask: usize,
    head: &'i mut [u32],
    prev: &'i mut [u32],
}

impl InputChains<'_> {
    /// Records position `at`, whose first bytes mix to `mixed`; returns the latest position
    /// before it with that hash (stored plus one, 0 for none).
    #[inline]
    pub(super) fn insert(&mut self, at: usize, mixed: u32) -> u32 {
        let slot = &mut self.head[(mixed >> self.shift) as usize];
        let before = *slot;
        self.prev[at & self.ring_mask] = before;
        *slot = at as u32 + 1;
        before
    }

    /// The position recorded before `at` with the same hash (plus one, 0 for none).
    #[inline]
    pub(super) fn next(&self, at: usize) -> u32 {
        self.prev[at & self.ring_mask]
    }
}
