//! Raw DEFLATE (RFC 1951) with preset dictionaries and a hard cap on what inflating may produce.
//!
//! Deflating runs through our own encoder (`encoder/`) for plaintexts up to 64 KiB: its tables
//! are sized to the input, and a dictionary's hash chains are built once, with the
//! dictionary; longer plaintexts (a sealer whose state cap was raised) go through `flate2`'s.
//! Inflating always runs through `flate2` on its zlib-rs backend (pure Rust, and one of the
//! flate2 backends that support preset dictionaries). Each thread keeps one encoder, one
//! flate2 compressor and one decompressor, so nothing large is built per call, and no
//! session's bytes carry over into another's stream: each starts from nothing but its
//! dictionary, and reads none of the last stream's tables.
//!
//! Inflating writes into a reused, capped output buffer, grown by doubling up to one byte past
//! `max_state_len`, so a small token that would inflate to gigabytes costs no more than that. It
//! runs only on plaintext that has already passed the AEAD tag check: only a holder of the key
//! can choose its input. A stream that is truncated, corrupt, refers back before its start (or
//! its dictionary), or has bytes after its end is [`Error::Malformed`].
//!
//! The per-thread decompressor (and the flate2 compressor, for long plaintexts) keep the last
//! stream's window (its plaintext) until the next stream on that thread overwrites it: zlib
//! has no call that wipes it short of freeing the state, which would cost a fresh 300 KB of
//! tables per seal. Our encoder likewise keeps the last stream's literals in its symbol
//! buffer until the next stream overwrites them (it never reads them again).
//!
//! The parts: `dictionary.rs` (preset dictionaries and their ids), `deflate.rs` (the per-thread
//! streams, deflating within a budget, inflating within a cap), `encoder/` (the encoder).

mod deflate;
mod dictionary;
mod encoder;
#[cfg(test)]
mod tests;

pub(crate) use deflate::{deflate_into, inflate_into};

/// The encoder, for the `deflate_encoder` fuzz target (built only under `cfg(fuzzing)`, which
/// `cargo fuzz` sets).
#[cfg(fuzzing)]
pub mod fuzzing {
    pub use super::encoder::{Encoder, Level, PresetDictionary};
}
pub(crate) use dictionary::DICTIONARY_ID_LEN;
pub use dictionary::{Dictionary, DictionaryId};

/// Whether sealed state is compressed before it is encrypted.
///
/// The token header says whether its payload is compressed (and with which dictionary), so a
/// sealer opens tokens of every kind whatever its own setting.
///
/// Turn compression off (`Never`) when the state mixes data an attacker can influence with
/// secrets they want (for example a search term echoed next to a CSRF token): the length of a
/// compressed token then tells whether the attacker's guess matched the secret (the CRIME and
/// BREACH attacks). That holds with or without a dictionary.
///
/// ```
/// use sealed_session::{Compression, Key, Sealer};
///
/// let sealer = Sealer::builder(Key::generate(), "session").with_compression(Compression::Never).build()?;
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Compression {
    /// Never compress.
    Never,
    /// Compress when that makes the token shorter. With a [`Dictionary`], at every size; without
    /// one, only states whose JSON is at least [`Compression::AUTO_MIN_LEN`] bytes (below that, DEFLATE alone
    /// saves too little to pay for its time). A speed and size setting, not a protection: a
    /// state that mixes attacker-influenced data with a secret must use `Never`, whatever its
    /// size.
    #[default]
    Auto,
    /// Always compress, even when it makes the token larger.
    Always,
}

impl Compression {
    /// Without a dictionary, states whose JSON is shorter than this are never compressed under
    /// [`Compression::Auto`]: 512 bytes.
    pub const AUTO_MIN_LEN: usize = AUTO_MIN_LEN;
    /// The compression level sealers use unless told otherwise
    /// ([`SealerBuilder::with_compression_level`](crate::SealerBuilder::with_compression_level)): 2.
    pub const DEFAULT_LEVEL: u32 = DEFAULT_LEVEL;
}

/// Without a dictionary, states whose JSON is shorter than this are never compressed under
/// [`Compression::Auto`].
pub(crate) const AUTO_MIN_LEN: usize = 512;

/// The compression level sealers use unless told otherwise ([`SealerBuilder::with_compression_level`](crate::SealerBuilder::with_compression_level)).
pub(crate) const DEFAULT_LEVEL: u32 = 2;

/// Plaintexts shorter than this are compressed at level 1 whatever the level set: a small
/// state is sealed on the hot path of a request, and level 2's lazy matching saves a few bytes
/// there for more time (the benchmark's small state with its dictionary: 84 against 81 bytes,
/// for 13 % more instructions).
pub(crate) const SMALL_PLAINTEXT_LEN: usize = 256;

/// The level a plaintext of `len` bytes is compressed at, for the `level` set.
pub(crate) fn level_for(len: usize, level: u32) -> u32 {
    if len < SMALL_PLAINTEXT_LEN { 1 } else { level }
}
