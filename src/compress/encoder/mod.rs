//! A raw DEFLATE (RFC 1951) encoder for session-sized inputs, with preset dictionaries
//! indexed once.
//!
//! zlib clears a 128 KiB hash table and a 48 KiB symbol buffer for every stream, and hashes a
//! preset dictionary again each time it is set: for a state of a few hundred bytes that is
//! most of the work. Here the dictionary's hash chains are built once, in
//! [`PresetDictionary::new`]; a stream clears only a table sized to its input, and looks each
//! position up in its own chains, then in the dictionary's.
//!
//! The output is a standard raw DEFLATE stream that any inflater reads, given the dictionary
//! as its preset history. Each block (one for an input up to 65,535 bytes) is stored, fixed
//! Huffman or dynamic Huffman, whichever is shortest (a block of fewer than 128 symbols is never
//! dynamic: its header would cost more than it saves), so a stream is never longer than its
//! input plus 5 bytes per 65,535 (and 2 bytes for an empty input).
//!
//! Only `std`, and nothing else of this crate: it could be a crate of its own. The parts:
//! `index.rs` (hash chains), `lz77.rs` (the matcher), `huffman.rs` (length-limited codes),
//! `codes.rs` (DEFLATE's fixed alphabets), `block.rs` (choosing and writing a block),
//! `bits.rs` (the bit writer).
//!
//! The examples here are not doctests (the module is private, so rustdoc cannot reach it):
//! the test `the_module_example_runs` runs each of them.
//!
//! ```text
//! let dictionary = PresetDictionary::new(br#"{"user":"","roles":["admin"]}"#.to_vec());
//! let mut encoder = Encoder::default();
//! let mut out = Vec::new();
//! let input = br#"{"user":"alice","roles":["admin"]}"#;
//! assert!(encoder.compress(input, Some(&dictionary), Level::new(2), &mut out, 64));
//! assert!(out.len() < input.len());
//! ```

mod bits;
mod block;
mod codes;
mod huffman;
mod index;
mod lz77;
#[cfg(test)]
mod tests;

use self::bits::BitWriter;
use self::block::{MAX_STORED_LEN, write_block};
use self::index::{DictionaryIndex, HashLen, InputIndex};
use self::lz77::{Matcher, Search, Symbols};

/// DEFLATE's window: how far back a copy may reach, and so the longest useful dictionary.
pub const WINDOW_LEN: usize = 32 * 1024;
/// The shortest copy.
const MIN_MATCH: usize = 3;
/// The longest copy.
const MAX_MATCH: usize = 258;

/// A preset dictionary with its hash chains (of three bytes and of four, for the levels that
/// hash each), built once and shared by every stream that starts from it.
///
/// ```text
/// let dictionary = PresetDictionary::new(b"{\"roles\":[]}".to_vec());
/// assert_eq!(dictionary.as_bytes(), b"{\"roles\":[]}");
/// ```
pub struct PresetDictionary {
    bytes: Box<[u8]>,
    index3: DictionaryIndex,
    index4: DictionaryIndex,
}

impl PresetDictionary {
    /// The dictionary of `bytes`, indexed; only the last [`WINDOW_LEN`] bytes are kept, as
    /// no copy can reach further back.
    pub fn new(mut bytes: Vec<u8>) -> PresetDictionary {
        if bytes.len() > WINDOW_LEN {
            bytes.drain(..bytes.len() - WINDOW_LEN);
        }
        let index3 = DictionaryIndex::new(&bytes, HashLen::Three);
        let index4 = DictionaryIndex::new(&bytes, HashLen::Four);
        PresetDictionary {
            bytes: bytes.into_boxed_slice(),
            index3,
            index4,
        }
    }

    /// The bytes, which the inflater must be given as its preset history.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// How hard the encoder looks for copies, from 1 (fastest) to 9 (smallest output).
///
/// Level 1 takes the longest copy found at each position (greedy), looking at 4 earlier
/// positions with the same four bytes, and does not index the inside of copies longer than
/// 16 bytes. From level 2 on, a copy is held back one position in case a longer one starts
/// there (lazy matching, as zlib's levels 4 to 9), and more candidates are looked at: 8 at
/// level 2, then 16, 32, 64, 128, 256, 1024 and 2048 at level 9. Levels 1 to 5 look up
/// positions by their next four bytes, which is faster and, on session JSON, as good or
/// better; levels 6 to 9 by three, which finds the last 3-byte copies (1 % smaller on the
/// benchmark's states). A 3-byte copy more than 4096 bytes back is never taken (it costs
/// more than its literals). Every level writes the shortest of the stored, fixed and dynamic
/// block (dynamic from 128 symbols on).
///
/// ```text
/// assert_eq!(Level::new(0), Level::new(1));
/// assert_eq!(Level::new(12), Level::new(9));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Level(u8);

impl Level {
    /// Level `level`, brought within 1 to 9.
    pub fn new(level: u32) -> Level {
        Level(level.clamp(1, 9) as u8)
    }

    /// The search this level makes.
    fn search(self) -> Search {
        // (max_chain, nice_len, max_lazy, good_len, max_insert)
        let hash_len = if self.0 <= 5 {
            HashLen::Four
        } else {
            HashLen::Three
        };
        let (max_chain, nice_len, max_lazy, good_len, max_insert) = match self.0 {
            1 => (4, 32, 0, 0, 16),
            2 => (8, 64, 16, 8, 0),
            3 => (16, 96, 32, 16, 0),
            4 => (32, 128, 64, 32, 0),
            5 => (64, 160, 128, 32, 0),
            6 => (128, 258, 258, 32, 0),
            7 => (256, 258, 258, 64, 0),
            8 => (1024, 258, 258, 64, 0),
            _ => (2048, 258, 258, 258, 0),
        };
        Search {
            max_chain,
            nice_len,
            max_lazy,
            good_len,
            max_insert,
            hash_len,
        }
    }
}

/// An encoder: the tables a stream needs, kept from one stream to the next so that they are
/// allocated once. Nothing of one stream is read by the next: the table of earliest positions
/// is cleared (as far as the next input needs it), and everything else is written before it
/// is read.
///
/// ```text
/// let mut encoder = Encoder::default();
/// let mut out = Vec::new();
/// assert!(encoder.compress(b"abcabcabc", None, Level::new(1), &mut out, 100));
/// assert!(!encoder.compress(b"abcabcabc", None, Level::new(1), &mut out, 2));
/// ```
#[derive(Default)]
pub struct Encoder {
    index: InputIndex,
    symbols: Symbols,
}

impl Encoder {
    /// Appends the raw DEFLATE stream of `input`, starting from `dictionary`, to `out`, if it
    /// takes at most `max_len` bytes. Returns whether it did; on `false`, `out` holds what it
    /// held before.
    pub fn compress(
        &mut self,
        input: &[u8],
        dictionary: Option<&PresetDictionary>,
        level: Level,
        out: &mut Vec<u8>,
        max_len: usize,
    ) -> bool {
        let start = out.len();
        out.reserve(input.len().min(max_len) / 2 + 16);
        self.index.reset(input.len());
        let search = level.search();
        let dictionary = dictionary.map(|d| {
            let index = match search.hash_len {
                HashLen::Three => &d.index3,
                HashLen::Four => &d.index4,
            };
            (&d.bytes[..], index)
        });
        let mut matcher = Matcher::new(input, dictionary, &mut self.index, search);
        let mut writer = BitWriter::new(out);
        let mut block_start = 0;
        let fits = loop {
            let block_end = input.len().min(block_start + MAX_STORED_LEN);
            self.symbols.clear();
            matcher.parse(block_start, block_end, &mut self.symbols);
            let last = block_end == input.len();
            let raw = &input[block_start..block_end];
            if !write_block(&mut writer, start, max_len, &self.symbols, raw, last) {
                break false;
            }
            if last {
                break true;
            }
            block_start = block_end;
        };
        writer.finish();
        if !fits || out.len() - start > max_len {
            out.truncate(start);
            return false;
        }
        true
    }
}
