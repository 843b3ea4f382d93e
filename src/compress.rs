//! Raw DEFLATE (RFC 1951) with a hard cap on what inflating may produce.
//!
//! Both directions use libdeflate (`libdeflater`), the fastest well-kept DEFLATE library for
//! whole buffers:
//!
//! - **Out**: level 1. On session JSON of 1 to 4 KB it compresses in about 60% of the time of
//!   miniz_oxide's level 1 (which must clear some 300 KB of tables before every stream), and 3 to
//!   6% smaller. It only ever sees our own serialized state, and keeps no state between calls, so
//!   no session's bytes carry over into another's output.
//! - **In**: whole-buffer inflating into a reused, capped output buffer, in half the instructions
//!   of miniz_oxide's core inflater. It runs only on plaintext that has already passed the AEAD
//!   tag check, so only a holder of the key can choose its input; a forged token never reaches
//!   it. libdeflate is itself fuzzed upstream, and our `open_authentic` fuzz target feeds it
//!   arbitrary authentic payloads. A back-reference to before the start of the output is an
//!   error, and the output never grows past the cap.

use std::cell::RefCell;

use libdeflater::{CompressionLvl, Compressor, DecompressionError, Decompressor};

use crate::Error;

/// Whether sealed state is compressed before it is encrypted.
///
/// The token header says whether its payload is compressed, so a sealer opens tokens of both
/// kinds whatever its own setting.
///
/// Turn compression off (`Never`) when the state mixes data an attacker can influence with
/// secrets they want (for example a search term echoed next to a CSRF token): the length of a
/// compressed token then tells whether the attacker's guess matched the secret (the CRIME and
/// BREACH attacks).
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
    /// Compress when the state's JSON (not counting the subject and the envelope's fixed
    /// fields) is at least [`AUTO_MIN_LEN`] bytes and compressing makes it smaller. Below that
    /// size compression cannot save enough to be worth its time. The threshold is a speed
    /// setting, not a protection: a state that mixes attacker-influenced data with a secret
    /// must use `Never`, whatever its size.
    #[default]
    Auto,
    /// Always compress, even when it makes the token larger.
    Always,
}

/// Serialized states shorter than this are never compressed under [`Compression::Auto`].
pub const AUTO_MIN_LEN: usize = 512;

/// libdeflate's level 1: hash table matchfinder, greedy parsing. On session JSON of 1 to 4 KB it
/// compresses in 60% of the time of miniz_oxide's level 1, 3 to 6% smaller.
const LEVEL: i32 = 1;

thread_local! {
    static COMPRESSOR: RefCell<Option<Compressor>> = const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<Decompressor>> = const { RefCell::new(None) };
}

fn new_compressor() -> Compressor {
    match CompressionLvl::new(LEVEL) {
        Ok(level) => Compressor::new(level),
        Err(_) => Compressor::new(CompressionLvl::fastest()),
    }
}

/// Appends the raw DEFLATE form of `input` to `out`, if it takes at most `budget` bytes.
///
/// Returns whether it did; on `false`, `out` is as it was.
pub(crate) fn deflate_into(input: &[u8], out: &mut Vec<u8>, budget: usize) -> bool {
    let start = out.len();
    out.resize(start + budget, 0);
    let room = &mut out[start..];
    // libdeflate compresses each buffer on its own: a compressor holds no state between calls.
    let reused = COMPRESSOR.try_with(|cell| {
        let mut compressor = cell.try_borrow_mut().ok()?;
        let compressor = compressor.get_or_insert_with(new_compressor);
        Some(compressor.deflate_compress(input, room).ok())
    });
    let written = match reused {
        Ok(Some(written)) => written,
        // Re-entered, or the thread's compressor is already gone (thread exit): use a fresh one.
        Ok(None) | Err(_) => new_compressor().deflate_compress(input, room).ok(),
    };
    match written {
        Some(written) => {
            out.truncate(start + written);
            true
        }
        None => {
            out.truncate(start);
            false
        }
    }
}

/// Inflates raw DEFLATE `input` into `out`, at most `max_len` bytes; returns the inflated bytes.
///
/// `out` is a buffer to reuse: its contents are overwritten and its length is left as working
/// room, so a thread that opens many tokens neither allocates nor clears memory after its first
/// large one. It never grows past `max_len + 1` bytes, however large the stream would inflate. A
/// stream that is truncated, corrupt or refers back before its start is [`Error::Malformed`]; one
/// that would inflate past `max_len` is [`Error::TooLarge`]. Bytes after the end of the stream
/// are ignored: only a key holder can put any there, and our own sealer never does.
pub(crate) fn inflate_into<'o>(
    input: &[u8],
    max_len: usize,
    out: &'o mut Vec<u8>,
) -> Result<&'o [u8], Error> {
    let reused = DECOMPRESSOR.try_with(|cell| {
        let mut decompressor = cell.try_borrow_mut().ok()?;
        let decompressor = decompressor.get_or_insert_with(Decompressor::new);
        Some(inflate_with(decompressor, input, max_len, out))
    });
    match reused {
        Ok(Some(Ok(len))) => Ok(&out[..len]),
        Ok(Some(Err(error))) => Err(error),
        // Re-entered, or the thread's decompressor is already gone (thread exit): a fresh one.
        Ok(None) | Err(_) => {
            let len = inflate_with(&mut Decompressor::new(), input, max_len, out)?;
            Ok(&out[..len])
        }
    }
}

/// Inflates into `out`, growing it by doubling from a guess up to one byte past the cap, and
/// returns the inflated length.
fn inflate_with(
    decompressor: &mut Decompressor,
    input: &[u8],
    max_len: usize,
    out: &mut Vec<u8>,
) -> Result<usize, Error> {
    // One byte past the cap: a stream that fills it is too large, one that stops short fits.
    let limit = max_len.saturating_add(1);
    // Session JSON inflates to two or three times its packed size: 4x is one try for nearly all.
    // A power of two, so that a reused buffer is not grown again for a token a few bytes longer.
    let guess = input
        .len()
        .saturating_mul(4)
        .max(256)
        .checked_next_power_of_two()
        .unwrap_or(usize::MAX);
    let mut room = guess.max(out.len()).min(limit);
    loop {
        if out.len() < room {
            // Exactly `room`: growing by `resize` alone could double the allocation past the cap.
            out.reserve_exact(room - out.len());
            out.resize(room, 0);
        }
        match decompressor.deflate_decompress(input, &mut out[..room]) {
            Ok(len) if len > max_len => return Err(Error::TooLarge),
            Ok(len) => return Ok(len),
            // Each try starts the stream over: at most twice the work of the last one.
            Err(DecompressionError::InsufficientSpace) if room < limit => {
                room = room.saturating_mul(2).min(limit);
            }
            Err(DecompressionError::InsufficientSpace) => return Err(Error::TooLarge),
            Err(DecompressionError::BadData) => return Err(Error::Malformed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inflate(input: &[u8], max_len: usize) -> Result<Vec<u8>, Error> {
        inflate_into(input, max_len, &mut Vec::new()).map(<[u8]>::to_vec)
    }

    fn deflate(input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        assert!(deflate_into(input, &mut out, input.len() + 64));
        out
    }

    /// An independent inflater (miniz_oxide's), to check what ours produces.
    fn reference_inflate(input: &[u8]) -> Option<Vec<u8>> {
        miniz_oxide::inflate::decompress_to_vec(input).ok()
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
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut noise);
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
        // Bytes after the end of the stream are ignored (only a key holder could add them).
        for extra in 1..=16 {
            let mut trailing = packed.clone();
            trailing.extend(std::iter::repeat_n(0xa5, extra));
            assert_eq!(inflate(&trailing, 10_000).as_ref(), Ok(&text), "{extra}");
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
        COMPRESSOR.with_borrow_mut(|_| {
            let mut out = Vec::new();
            assert!(deflate_into(&json, &mut out, json.len()));
            assert_eq!(out, packed);
        });
        DECOMPRESSOR.with_borrow_mut(|_| {
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

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(2000))]

        /// Damaged streams never panic, and whatever both inflaters accept, they read alike.
        #[test]
        fn damaged_streams_agree_with_an_independent_inflater(
            items in 0usize..120,
            flips in proptest::collection::vec((0usize..4096, 0u8..8), 0..4),
            cut in 0usize..4096,
        ) {
            let mut stream = deflate(&session_json(items));
            for (at, bit) in flips {
                let at = at % stream.len();
                stream[at] ^= 1 << bit;
            }
            stream.truncate(cut.max(1));
            let ours = inflate(&stream, 1 << 20);
            if let (Ok(ours), Some(reference)) = (&ours, reference_inflate(&stream)) {
                proptest::prop_assert_eq!(ours, &reference);
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
