//! Raw DEFLATE (RFC 1951) with preset dictionaries and a hard cap on what inflating may produce.
//!
//! Both directions run through `flate2` on its zlib-rs backend (pure Rust, and one of the flate2
//! backends that support preset dictionaries). Each thread keeps one compressor and one
//! decompressor and resets them for every stream, so nothing large is built per call and no
//! session's bytes carry over into another's stream: a reset forgets all history, and a
//! dictionary, when there is one, is the only history a stream starts with.
//!
//! Inflating writes into a reused, capped output buffer, grown by doubling up to one byte past
//! `max_state_len`, so a small token that would inflate to gigabytes costs no more than that. It
//! runs only on plaintext that has already passed the AEAD tag check: only a holder of the key
//! can choose its input. A stream that is truncated, corrupt, refers back before its start (or
//! its dictionary), or has bytes after its end is [`Error::Malformed`].
//!
//! The per-thread compressor and decompressor keep the last stream's window (its plaintext)
//! until the next stream on that thread overwrites it: zlib has no call that wipes it short of
//! freeing the state, which would cost a fresh 300 KB of tables per seal.

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

use flate2::{Compress, Decompress, FlushCompress, FlushDecompress, Status};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::Error;

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
/// let sealer = Sealer::new(Key::generate(), "session").with_compression(Compression::Never);
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
    /// ([`crate::Sealer::with_compression_level`]): 2.
    pub const DEFAULT_LEVEL: u32 = DEFAULT_LEVEL;
}

/// Without a dictionary, states whose JSON is shorter than this are never compressed under
/// [`Compression::Auto`].
pub(crate) const AUTO_MIN_LEN: usize = 512;

/// The compression level sealers use unless told otherwise ([`crate::Sealer::with_compression_level`]).
pub(crate) const DEFAULT_LEVEL: u32 = 2;

/// Plaintexts shorter than this are compressed at level 1 whatever the level set: its fixed
/// Huffman codes make streams as short as level 2's dynamic ones there (measured with the
/// benchmark's dictionary: 110 against 111 bytes at 150 bytes of JSON, 137 against 135 at 200)
/// in half the time, since building dynamic codes costs more than so few symbols save.
pub(crate) const SMALL_PLAINTEXT_LEN: usize = 256;

/// The level a plaintext of `len` bytes is compressed at, for the `level` set.
pub(crate) fn level_for(len: usize, level: u32) -> u32 {
    if len < SMALL_PLAINTEXT_LEN { 1 } else { level }
}

/// The longest dictionary that DEFLATE can use: its window, 32 KiB.
pub(crate) const MAX_DICTIONARY_LEN: usize = 32 * 1024;

/// Length of a [`DictionaryId`] in bytes.
pub(crate) const DICTIONARY_ID_LEN: usize = 2;

/// A preset dictionary: bytes the compressor and decompressor both start from, so that even a
/// small state compresses (RFC 1951 lets a stream refer back into history it did not write).
///
/// Build it from a representative state, with its field names and typical values, and ship it
/// with the application: every server that opens the tokens needs the same bytes. A dictionary
/// is **not secret** (it is not encrypted, and a token's length depends on it): never put a
/// secret or a real user's data in one. The token names its dictionary by a 2-byte id and
/// authenticates the dictionary's SHA-256 digest, so a token never opens with other bytes.
///
/// ```
/// use sealed_session::{Dictionary, Key, Sealer};
///
/// let dictionary = Dictionary::new(r#"{"user_id":0,"roles":["admin","editor"],"csrf":""}"#);
/// let sealer = Sealer::new(Key::generate(), "session").with_dictionary(dictionary);
/// let token = sealer.seal("user-42", &serde_json::json!({"user_id": 42, "roles": ["editor"], "csrf": "x"}))?;
/// assert!(sealer.open::<serde_json::Value>(&token).is_ok());
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Clone)]
pub struct Dictionary(Arc<DictionaryBytes>);

struct DictionaryBytes {
    bytes: Box<[u8]>,
    digest: [u8; 32],
}

/// The public 2-byte id of a [`Dictionary`] in token headers: the first two bytes of the
/// SHA-256 digest of its bytes. Shown as 4 lowercase hex digits.
///
/// ```
/// let dictionary = sealed_session::Dictionary::new("{}");
/// assert_eq!(dictionary.id().to_string().len(), 4);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DictionaryId(pub(crate) [u8; DICTIONARY_ID_LEN]);

impl DictionaryId {
    /// Length of a dictionary id in bytes: 2.
    pub const LEN: usize = DICTIONARY_ID_LEN;

    /// The id as bytes, as written in the token header.
    ///
    /// ```
    /// assert_eq!(sealed_session::Dictionary::new("{}").id().as_bytes().len(), 2);
    /// ```
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; DICTIONARY_ID_LEN] {
        &self.0
    }
}

impl fmt::Display for DictionaryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02x}{:02x}", self.0[0], self.0[1])
    }
}

impl fmt::Debug for DictionaryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DictionaryId({self})")
    }
}

impl Dictionary {
    /// The longest dictionary DEFLATE can use, its window: 32 KiB. A longer one keeps its
    /// last 32 KiB.
    pub const MAX_LEN: usize = MAX_DICTIONARY_LEN;

    /// A dictionary of `bytes`. Only the last [`Dictionary::MAX_LEN`] (32 KiB) can be used by
    /// DEFLATE; anything before them is dropped (and not part of the digest).
    ///
    /// ```
    /// let dictionary = sealed_session::Dictionary::new(br#"{"roles":[],"csrf":""}"#.to_vec());
    /// assert_eq!(dictionary.len(), 22);
    /// ```
    #[must_use]
    pub fn new(bytes: impl Into<Vec<u8>>) -> Dictionary {
        let mut bytes = bytes.into();
        if bytes.len() > MAX_DICTIONARY_LEN {
            bytes.drain(..bytes.len() - MAX_DICTIONARY_LEN);
        }
        let digest = Sha256::digest(&bytes).into();
        Dictionary(Arc::new(DictionaryBytes {
            bytes: bytes.into_boxed_slice(),
            digest,
        }))
    }

    /// A dictionary made of `sample` serialized as JSON, exactly as a sealer would write it:
    /// a representative value of the session's state type, with typical (never real) values.
    ///
    /// # Errors
    ///
    /// [`Error::Serialize`] if `sample` cannot be written as JSON.
    ///
    /// ```
    /// use sealed_session::Dictionary;
    /// use serde_json::json;
    ///
    /// let sample = json!({"user_id": 10001, "roles": ["viewer", "editor"], "csrf": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"});
    /// let dictionary = Dictionary::from_sample(&sample)?;
    /// assert!(dictionary.len() > 50);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn from_sample<T: Serialize + ?Sized>(sample: &T) -> Result<Dictionary, Error> {
        serde_json::to_vec(sample)
            .map(Dictionary::new)
            .map_err(|_| Error::Serialize)
    }

    /// The id tokens compressed with this dictionary carry.
    ///
    /// ```
    /// let a = sealed_session::Dictionary::new("one");
    /// assert_eq!(a.id(), sealed_session::Dictionary::new("one").id());
    /// ```
    #[must_use]
    pub fn id(&self) -> DictionaryId {
        DictionaryId([self.0.digest[0], self.0.digest[1]])
    }

    /// The SHA-256 digest of the bytes, authenticated with every token that uses them.
    pub(crate) fn digest(&self) -> &[u8; 32] {
        &self.0.digest
    }

    /// The bytes.
    ///
    /// ```
    /// assert_eq!(sealed_session::Dictionary::new("abc").as_bytes(), b"abc");
    /// ```
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0.bytes
    }

    /// The number of bytes.
    ///
    /// ```
    /// assert_eq!(sealed_session::Dictionary::new("abc").len(), 3);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.bytes.len()
    }

    /// Whether the dictionary is empty (it then helps nothing).
    ///
    /// ```
    /// assert!(sealed_session::Dictionary::new("").is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.bytes.is_empty()
    }
}

impl PartialEq for Dictionary {
    fn eq(&self, other: &Dictionary) -> bool {
        self.0.digest == other.0.digest
    }
}

impl Eq for Dictionary {}

impl fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dictionary")
            .field("id", &self.id())
            .field("len", &self.len())
            .finish()
    }
}

/// This thread's compressor, with the level it was last set to.
struct Compressor {
    stream: Compress,
    level: u32,
}

thread_local! {
    static COMPRESSOR: RefCell<Option<Compressor>> = const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<Decompress>> = const { RefCell::new(None) };
}

fn new_compressor(level: u32) -> Compressor {
    Compressor {
        stream: Compress::new(flate2::Compression::new(level), false),
        level,
    }
}

/// Appends the raw DEFLATE form of `input` to `out`, at `level` (1 to 9) and starting from
/// `dictionary`, if it takes at most `budget` bytes.
///
/// Returns whether it did; on `false`, `out` is as it was.
pub(crate) fn deflate_into(
    input: &[u8],
    out: &mut Vec<u8>,
    budget: usize,
    level: u32,
    dictionary: Option<&Dictionary>,
) -> bool {
    let reused = COMPRESSOR.try_with(|cell| {
        let mut compressor = cell.try_borrow_mut().ok()?;
        let compressor = compressor.get_or_insert_with(|| new_compressor(level));
        Some(deflate_with(
            compressor, input, out, budget, level, dictionary,
        ))
    });
    match reused {
        Ok(Some(done)) => done,
        // Re-entered, or the thread's compressor is already gone (thread exit): a fresh one.
        Ok(None) | Err(_) => deflate_with(
            &mut new_compressor(level),
            input,
            out,
            budget,
            level,
            dictionary,
        ),
    }
}

fn deflate_with(
    compressor: &mut Compressor,
    input: &[u8],
    out: &mut Vec<u8>,
    budget: usize,
    level: u32,
    dictionary: Option<&Dictionary>,
) -> bool {
    let stream = &mut compressor.stream;
    // A reset forgets every byte of the last stream: no session's data reaches the next one.
    stream.reset();
    if compressor.level != level {
        // Fails only with input pending, and a reset stream has none.
        if stream.set_level(flate2::Compression::new(level)).is_err() {
            *compressor = new_compressor(level);
        } else {
            compressor.level = level;
        }
    }
    let stream = &mut compressor.stream;
    if let Some(dictionary) = dictionary
        && stream.set_dictionary(dictionary.as_bytes()).is_err()
    {
        return false;
    }
    let start = out.len();
    // One byte more than the budget: the compressor reports the end of a stream only with
    // room to spare, so a stream of exactly `budget` bytes needs it.
    out.resize(start + budget + 1, 0);
    let finished = stream.compress(input, &mut out[start..], FlushCompress::Finish);
    let (read, written) = (stream.total_in(), stream.total_out());
    match finished {
        Ok(Status::StreamEnd) if read == input.len() as u64 && written <= budget as u64 => {
            // `written` is at most `budget`: just checked.
            out.truncate(start + usize::try_from(written).unwrap_or(budget));
            true
        }
        _ => {
            out.truncate(start);
            false
        }
    }
}

/// Inflates raw DEFLATE `input`, starting from `dictionary`, into `out`, at most `max_len`
/// bytes; returns the inflated bytes.
///
/// `out` is a buffer to reuse: it is cleared first, and its capacity is kept for the next call,
/// so a thread that opens many tokens allocates nothing after its first large one. It never
/// grows past `max_len + 1` bytes, however large the stream would inflate. A stream that is
/// truncated, corrupt, refers back before its start, or has bytes after its end is
/// [`Error::Malformed`]; one that would inflate past `max_len` is [`Error::TooLarge`]. On an
/// error, `out` holds what was inflated so far (for the caller to wipe).
pub(crate) fn inflate_into<'o>(
    input: &[u8],
    max_len: usize,
    out: &'o mut Vec<u8>,
    dictionary: Option<&Dictionary>,
) -> Result<&'o [u8], Error> {
    let reused = DECOMPRESSOR.try_with(|cell| {
        let mut decompressor = cell.try_borrow_mut().ok()?;
        let decompressor = decompressor.get_or_insert_with(|| Decompress::new(false));
        Some(inflate_with(decompressor, input, max_len, out, dictionary))
    });
    match reused {
        Ok(Some(result)) => result?,
        // Re-entered, or the thread's decompressor is already gone (thread exit): a fresh one.
        Ok(None) | Err(_) => {
            inflate_with(&mut Decompress::new(false), input, max_len, out, dictionary)?;
        }
    }
    Ok(&out[..])
}

/// Inflates into `out`, growing its capacity by doubling from a guess up to one byte past the
/// cap.
fn inflate_with(
    stream: &mut Decompress,
    input: &[u8],
    max_len: usize,
    out: &mut Vec<u8>,
    dictionary: Option<&Dictionary>,
) -> Result<(), Error> {
    stream.reset(false);
    if let Some(dictionary) = dictionary {
        stream
            .set_dictionary(dictionary.as_bytes())
            .map_err(|_| Error::Malformed)?;
    }
    out.clear();
    // One byte past the cap: a stream that fills it is too large, one that stops short fits.
    let limit = max_len.saturating_add(1);
    // Session JSON inflates to two or three times its packed size: 4x is one step for nearly
    // all. A power of two, so that a reused buffer is not grown again for a token a few bytes
    // longer.
    let guess = input
        .len()
        .saturating_mul(4)
        .max(256)
        .checked_next_power_of_two()
        .unwrap_or(usize::MAX);
    let mut room = guess.min(limit);
    // Every call has room (the buffer grows below when full), so a call that moves neither
    // input nor output means the stream wants input it was not given (truncated) or is
    // broken. The loop ends there, whether or not the buffer was full: no stream, and no bug
    // in the growth, can keep it going forever.
    let mut progress = true;
    while progress {
        if out.capacity() < room {
            // Exactly `room`: growing by `reserve` alone could double the allocation past the cap.
            out.try_reserve_exact(room - out.len())
                .map_err(|_| Error::TooLarge)?;
        }
        let read = usize::try_from(stream.total_in()).unwrap_or(usize::MAX);
        let rest = input.get(read..).ok_or(Error::Malformed)?;
        let before = (read, out.len());
        let status = stream
            .decompress_vec(rest, out, FlushDecompress::Finish)
            .map_err(|_| Error::Malformed)?;
        if out.len() > max_len {
            return Err(Error::TooLarge);
        }
        let read = usize::try_from(stream.total_in()).unwrap_or(usize::MAX);
        match status {
            Status::StreamEnd if read == input.len() => return Ok(()),
            // Bytes after the end of the stream: our sealer never writes any.
            Status::StreamEnd => return Err(Error::Malformed),
            Status::Ok | Status::BufError => {
                progress = before != (read, out.len());
                // Full (and still within the cap: checked above): twice the room, up to one
                // byte past the cap. Room left means more input to read: the next call does.
                if out.len() == out.capacity() {
                    room = out.capacity().saturating_mul(2).min(limit);
                }
            }
        }
    }
    Err(Error::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plaintexts_shorter_than_the_small_length_take_level_one() {
        assert_eq!(level_for(SMALL_PLAINTEXT_LEN - 1, 9), 1);
        assert_eq!(level_for(SMALL_PLAINTEXT_LEN, 9), 9);
        assert_eq!(level_for(SMALL_PLAINTEXT_LEN, DEFAULT_LEVEL), DEFAULT_LEVEL);
    }

    fn inflate(input: &[u8], max_len: usize) -> Result<Vec<u8>, Error> {
        inflate_into(input, max_len, &mut Vec::new(), None).map(<[u8]>::to_vec)
    }

    fn inflate_dict(input: &[u8], max_len: usize, dict: &Dictionary) -> Result<Vec<u8>, Error> {
        inflate_into(input, max_len, &mut Vec::new(), Some(dict)).map(<[u8]>::to_vec)
    }

    fn deflate(input: &[u8]) -> Vec<u8> {
        deflate_at(input, DEFAULT_LEVEL, None)
    }

    fn deflate_at(input: &[u8], level: u32, dict: Option<&Dictionary>) -> Vec<u8> {
        let mut out = Vec::new();
        assert!(super::deflate_into(
            input,
            &mut out,
            input.len() + 64,
            level,
            dict
        ));
        out
    }

    fn deflate_into(input: &[u8], out: &mut Vec<u8>, budget: usize) -> bool {
        super::deflate_into(input, out, budget, DEFAULT_LEVEL, None)
    }

    /// An independent inflater (miniz_oxide's), to check what ours produces. Strict like ours:
    /// the stream must end exactly at the end of the input.
    fn reference_inflate(input: &[u8]) -> Option<Vec<u8>> {
        reference_inflate_with(input, &[])
    }

    /// miniz_oxide's core inflater with a preset dictionary: the dictionary is written before
    /// the output in one flat buffer, which back-references may reach into.
    fn reference_inflate_with(input: &[u8], dictionary: &[u8]) -> Option<Vec<u8>> {
        use miniz_oxide::inflate::TINFLStatus;
        use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};
        let mut buffer = dictionary.to_vec();
        buffer.resize(dictionary.len() + (1 << 20), 0);
        let flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
        let mut state = DecompressorOxide::new();
        let (status, read, written) =
            decompress(&mut state, input, &mut buffer, dictionary.len(), flags);
        (status == TINFLStatus::Done && read == input.len())
            .then(|| buffer[dictionary.len()..dictionary.len() + written].to_vec())
    }

    fn session_json(items: usize) -> Vec<u8> {
        let mut json = br#"{"user":"alice","roles":["admin","editor"],"cart":["#.to_vec();
        for i in 0..items {
            json.extend_from_slice(
                format!(
                    r#"{{"sku":"SKU-{i:05}","qty":{},"price":{}}},"#,
                    i % 7,
                    i * 37
                )
                .as_bytes(),
            );
        }
        json.extend_from_slice(b"{}]}");
        json
    }

    #[test]
    fn round_trip() {
        let text =
            br#"{"user":"alice","roles":["admin","editor","viewer"],"cart":[1,2,3,1,2,3,1,2,3]}"#
                .repeat(20);
        let packed = deflate(&text);
        assert!(packed.len() < text.len() / 4);
        assert_eq!(inflate(&packed, text.len()), Ok(text.clone()));
        assert_eq!(inflate(&packed, text.len() - 1), Err(Error::TooLarge));
        assert_eq!(reference_inflate(&packed), Some(text));
    }

    #[test]
    fn round_trips_across_sizes_and_caps() {
        for items in [0, 1, 10, 50, 200, 2000] {
            let json = session_json(items);
            let packed = deflate(&json);
            assert_eq!(reference_inflate(&packed).as_ref(), Some(&json));
            // The output buffer starts at 4× the input and grows by doubling up to the cap.
            for cap in [json.len(), json.len() + 1, 2 * json.len(), 1 << 20] {
                assert_eq!(
                    inflate(&packed, cap).as_ref(),
                    Ok(&json),
                    "{items} items, cap {cap}"
                );
            }
            if !json.is_empty() {
                assert_eq!(inflate(&packed, json.len() - 1), Err(Error::TooLarge));
            }
        }
    }

    #[test]
    fn output_grows_over_several_steps() {
        // 64 KiB of zeros pack into a few hundred bytes: the first guess (4× the input) is far
        // too small, so the output doubles several times, the last step clipped to the cap.
        let zeros = vec![0u8; 64 << 10];
        let packed = deflate(&zeros);
        assert!(packed.len() * 4 * 8 < zeros.len(), "{} bytes", packed.len());
        assert_eq!(inflate(&packed, zeros.len()).as_ref(), Ok(&zeros));
        assert_eq!(inflate(&packed, zeros.len() + 12_345).as_ref(), Ok(&zeros));
        assert_eq!(inflate(&packed, zeros.len() - 1), Err(Error::TooLarge));
        assert_eq!(inflate(&packed, 1000), Err(Error::TooLarge));
    }

    #[test]
    fn stream_ending_exactly_at_the_cap_fits() {
        for len in [0, 1, 255, 256, 257, 1000, 4096, 4097] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let packed = deflate(&data);
            assert_eq!(inflate(&packed, len).as_ref(), Ok(&data), "len {len}");
            if len > 0 {
                assert_eq!(inflate(&packed, len - 1), Err(Error::TooLarge), "len {len}");
            }
        }
    }

    #[test]
    fn budget_is_respected() {
        let mut noise = vec![0u8; 2000];
        rand::Rng::fill_bytes(&mut rand::rng(), &mut noise);
        let mut out = b"prefix".to_vec();
        assert!(!deflate_into(&noise, &mut out, noise.len() - 1));
        assert_eq!(out, b"prefix");
        let zeros = vec![0u8; 2000];
        assert!(deflate_into(&zeros, &mut out, 100));
        assert_eq!(&out[..6], b"prefix");
        assert_eq!(inflate(&out[6..], 2000), Ok(zeros));
        // Incompressible input still fits in a small margin: stored blocks.
        let mut out = Vec::new();
        assert!(deflate_into(&noise, &mut out, noise.len() + 64));
        assert_eq!(inflate(&out, noise.len()), Ok(noise));
    }

    /// The budget is inclusive: a stream exactly as long as the budget is written, one byte
    /// less is refused. (`Auto` relies on it to keep a token only when it is shorter.)
    #[test]
    fn a_stream_of_exactly_the_budget_fits() {
        for items in [0, 1, 5, 40] {
            let json = session_json(items);
            for dict in [None, Some(&sample_dictionary())] {
                let exact = deflate_at(&json, DEFAULT_LEVEL, dict).len();
                let mut out = Vec::new();
                assert!(
                    super::deflate_into(&json, &mut out, exact, DEFAULT_LEVEL, dict),
                    "{items} items: {exact} bytes"
                );
                assert_eq!(out.len(), exact);
                let mut out = Vec::new();
                assert!(!super::deflate_into(
                    &json,
                    &mut out,
                    exact - 1,
                    DEFAULT_LEVEL,
                    dict
                ));
            }
        }
    }

    #[test]
    fn failed_budget_leaves_the_compressor_clean() {
        // A compression cut short by its budget must not leak into the next stream.
        let json = session_json(100);
        let mut out = Vec::new();
        assert!(!deflate_into(&json, &mut out, 10));
        let packed = deflate(b"next");
        assert_eq!(inflate(&packed, 4), Ok(b"next".to_vec()));
        assert_eq!(
            deflate(&json),
            deflate(&json),
            "deterministic from a clean state"
        );
    }

    #[test]
    fn bomb_stops_at_cap_without_allocating_past_it() {
        let zeros = vec![0u8; 32 << 20];
        let bomb = deflate(&zeros);
        assert!(bomb.len() < zeros.len() / 100, "{} bytes", bomb.len());
        assert_eq!(inflate(&bomb, 64 << 10), Err(Error::TooLarge));
        // The output buffer never grew past one byte over the cap, however far the bomb reaches.
        for cap in [0, 1, 1000, 64 << 10, (64 << 10) + 1, 1 << 20] {
            let mut out = Vec::new();
            assert_eq!(
                inflate_into(&bomb, cap, &mut out, None).err(),
                Some(Error::TooLarge)
            );
            assert!(
                out.capacity() <= cap + 1,
                "cap {cap}: {} bytes held",
                out.capacity()
            );
        }
    }

    #[test]
    fn a_truncated_stream_is_malformed_without_growing_the_buffer() {
        let text = b"hello ".repeat(30);
        let packed = deflate(&text);
        let mut out = Vec::new();
        assert_eq!(
            inflate_into(&packed[..packed.len() - 2], 10_000, &mut out, None).err(),
            Some(Error::Malformed)
        );
        // The first guess (256 bytes for so short a stream) was never filled: never grown.
        assert!(out.capacity() < 512, "{} bytes held", out.capacity());
    }

    #[test]
    fn corrupt_streams_are_malformed() {
        let text = b"hello hello hello hello hello hello".repeat(10);
        let packed = deflate(&text);
        for cut in 0..packed.len() {
            assert_eq!(
                inflate(&packed[..cut], 10_000),
                Err(Error::Malformed),
                "cut {cut}"
            );
        }
        // Bytes after the end of the stream: our sealer never writes any, so none are accepted.
        for extra in 1..=16 {
            let mut trailing = packed.clone();
            trailing.extend(std::iter::repeat_n(0xa5, extra));
            assert_eq!(inflate(&trailing, 10_000), Err(Error::Malformed), "{extra}");
        }
        assert_eq!(inflate(&[0xff; 20], 10_000), Err(Error::Malformed));
        // A zlib stream (78 9c header) is not raw DEFLATE.
        assert_eq!(
            inflate(&[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01], 10_000),
            Err(Error::Malformed)
        );
    }

    #[test]
    fn reference_before_the_start_is_malformed() {
        // One fixed-Huffman block: a match of length 3 at distance 1 before any byte, then the
        // end of the block. Inflating through a zeroed 32 KiB window would make three zeros of it.
        let stream = [0x03, 0x02, 0x00];
        assert_eq!(inflate(&stream, 100), Err(Error::Malformed));
        // The same block with a literal 'a' first is fine: "aaaa".
        let mut packed = Vec::new();
        assert!(deflate_into(b"aaaa", &mut packed, 64));
        assert_eq!(inflate(&packed, 100), Ok(b"aaaa".to_vec()));
    }

    #[test]
    fn a_failure_does_not_spoil_the_next_stream() {
        let json = session_json(30);
        let packed = deflate(&json);
        let mut corrupt = packed.clone();
        corrupt[packed.len() / 2] ^= 0x55;
        let _ = inflate(&corrupt, 1 << 20);
        assert_eq!(
            inflate(&packed[..packed.len() / 2], 1 << 20),
            Err(Error::Malformed)
        );
        assert_eq!(inflate(&packed, 10), Err(Error::TooLarge));
        assert_eq!(inflate(&packed, json.len()), Ok(json));
    }

    #[test]
    fn reentrant_and_late_uses_fall_back_to_fresh_state() {
        let json = session_json(20);
        let packed = deflate(&json);
        // While this thread's compressor and decompressor are borrowed, calls still work.
        COMPRESSOR.with_borrow_mut(|_: &mut Option<Compressor>| {
            let mut out = Vec::new();
            assert!(deflate_into(&json, &mut out, json.len()));
            assert_eq!(out, packed);
        });
        DECOMPRESSOR.with_borrow_mut(|_: &mut Option<Decompress>| {
            assert_eq!(inflate(&packed, json.len()).as_ref(), Ok(&json));
        });
        // From a thread-local destructor, after this module's thread-locals may be gone.
        struct Late(Vec<u8>, Vec<u8>);
        impl Drop for Late {
            fn drop(&mut self) {
                let mut out = Vec::new();
                assert!(deflate_into(&self.0, &mut out, self.0.len()));
                assert_eq!(out, self.1);
                assert_eq!(inflate(&self.1, self.0.len()).as_ref(), Ok(&self.0));
            }
        }
        thread_local! {
            static LATE: RefCell<Option<Late>> = const { RefCell::new(None) };
        }
        std::thread::spawn(move || {
            LATE.with_borrow_mut(|late| *late = Some(Late(json.clone(), packed.clone())));
            // Used after LATE was set, so destroyed before it (in reverse order, where the
            // platform orders destructors at all): LATE's drop then meets them gone.
            let mut out = Vec::new();
            assert!(deflate_into(&json, &mut out, json.len()));
            assert_eq!(inflate(&packed, json.len()), Ok(json));
        })
        .join()
        .expect("no panic at thread exit");
    }

    #[test]
    fn empty_input_round_trips() {
        assert_eq!(inflate(&deflate(b""), 0), Ok(Vec::new()));
    }

    fn sample_dictionary() -> Dictionary {
        Dictionary::new(session_json(3))
    }

    #[test]
    fn dictionary_round_trips_at_every_size_and_level() {
        let dict = sample_dictionary();
        for items in [0, 1, 10, 50, 200, 2000] {
            let json = session_json(items);
            for level in 1..=9 {
                let packed = deflate_at(&json, level, Some(&dict));
                assert_eq!(
                    inflate_dict(&packed, json.len(), &dict).as_ref(),
                    Ok(&json),
                    "{items} items, level {level}"
                );
                assert_eq!(
                    reference_inflate_with(&packed, dict.as_bytes()).as_ref(),
                    Some(&json),
                    "the independent inflater agrees, {items} items, level {level}"
                );
                if !json.is_empty() {
                    assert_eq!(
                        inflate_dict(&packed, json.len() - 1, &dict),
                        Err(Error::TooLarge)
                    );
                }
            }
            // A dictionary shrinks even the smallest state, and more than DEFLATE alone.
            assert!(deflate_at(&json, 2, Some(&dict)).len() < deflate(&json).len());
        }
    }

    #[test]
    fn a_stream_needs_its_own_dictionary() {
        let dict = sample_dictionary();
        let json = session_json(5);
        let packed = deflate_at(&json, DEFAULT_LEVEL, Some(&dict));
        // Without it, or with another one, the stream is refused or reads as something else:
        // never the original. (The token format authenticates the dictionary's digest, so such
        // a stream never reaches the inflater; this is the inflater's own behaviour.)
        assert_ne!(inflate(&packed, 1 << 20).ok(), Some(json.clone()));
        let other = Dictionary::new(session_json(4));
        assert_ne!(
            inflate_dict(&packed, 1 << 20, &other).ok(),
            Some(json.clone())
        );
        assert_eq!(inflate_dict(&packed, 1 << 20, &dict), Ok(json));
    }

    #[test]
    fn dictionary_bomb_stops_at_the_cap() {
        let dict = Dictionary::new(vec![b'0'; 1000]);
        let zeros = vec![b'0'; 8 << 20];
        let bomb = deflate_at(&zeros, 6, Some(&dict));
        assert!(bomb.len() < zeros.len() / 100, "{} bytes", bomb.len());
        let mut out = Vec::new();
        assert_eq!(
            inflate_into(&bomb, 64 << 10, &mut out, Some(&dict)),
            Err(Error::TooLarge)
        );
        assert!(out.capacity() <= (64 << 10) + 1, "{}", out.capacity());
    }

    #[test]
    fn dictionaries_are_capped_at_the_window_and_named_by_digest() {
        let long: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
        let dict = Dictionary::new(long.clone());
        assert_eq!(dict.len(), MAX_DICTIONARY_LEN);
        assert_eq!(dict.as_bytes(), &long[long.len() - MAX_DICTIONARY_LEN..]);
        assert_eq!(dict.digest()[..], Sha256::digest(dict.as_bytes())[..]);
        assert_eq!(dict.id().as_bytes(), &dict.digest()[..2]);
        let json = session_json(20);
        let packed = deflate_at(&json, 2, Some(&dict));
        assert_eq!(inflate_dict(&packed, 1 << 20, &dict), Ok(json));
        assert!(!format!("{dict:?}").contains("251"));
    }

    #[test]
    fn level_changes_between_streams_keep_each_stream_right() {
        let json = session_json(40);
        let dict = sample_dictionary();
        for level in [1, 9, 2, 2, 6, 1] {
            for d in [None, Some(&dict)] {
                let mut out = Vec::new();
                assert!(super::deflate_into(
                    &json,
                    &mut out,
                    json.len() + 64,
                    level,
                    d
                ));
                assert_eq!(
                    inflate_into(&out, json.len(), &mut Vec::new(), d),
                    Ok(&json[..])
                );
                let fresh = {
                    let mut stream = Compress::new(flate2::Compression::new(level), false);
                    if let Some(d) = d {
                        stream.set_dictionary(d.as_bytes()).expect("dictionary");
                    }
                    let mut fresh = Vec::with_capacity(json.len() + 64);
                    stream
                        .compress_vec(&json, &mut fresh, FlushCompress::Finish)
                        .expect("compresses");
                    fresh
                };
                assert_eq!(
                    out, fresh,
                    "a reused compressor writes what a fresh one does"
                );
            }
        }
    }

    proptest::proptest! {
        // 2,000 cases, unless PROPTEST_CASES says otherwise (mutation runs lower it).
        #![proptest_config(proptest::test_runner::Config::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(2000)
        ))]

        /// Damaged streams never panic, and whatever both inflaters accept, they read alike:
        /// with and without a dictionary.
        #[test]
        fn damaged_streams_agree_with_an_independent_inflater(
            items in 0usize..120,
            flips in proptest::collection::vec((0usize..4096, 0u8..8), 0..4),
            cut in 0usize..4096,
            with_dictionary in proptest::bool::ANY,
        ) {
            let dict = sample_dictionary();
            let dict = with_dictionary.then_some(&dict);
            let mut stream = deflate_at(&session_json(items), DEFAULT_LEVEL, dict);
            for (at, bit) in flips {
                let at = at % stream.len();
                stream[at] ^= 1 << bit;
            }
            stream.truncate(cut.max(1));
            let ours = inflate_into(&stream, 1 << 20, &mut Vec::new(), dict).map(<[u8]>::to_vec);
            let reference = reference_inflate_with(&stream, dict.map_or(&[][..], Dictionary::as_bytes));
            match (&ours, reference) {
                (Ok(ours), Some(reference)) => proptest::prop_assert_eq!(ours, &reference),
                (Ok(_), None) => proptest::prop_assert!(false, "only ours accepted the stream"),
                _ => {}
            }
        }

        /// Arbitrary bytes are refused or inflated within the cap, never a panic.
        #[test]
        fn arbitrary_bytes_stay_within_the_cap(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512),
            cap in 0usize..4096,
        ) {
            match inflate(&bytes, cap) {
                Ok(out) => {
                    proptest::prop_assert!(out.len() <= cap);
                    if let Some(reference) = reference_inflate(&bytes) {
                        proptest::prop_assert_eq!(out, reference);
                    }
                }
                Err(error) => {
                    proptest::prop_assert!(matches!(error, Error::Malformed | Error::TooLarge));
                }
            }
        }
    }
}
