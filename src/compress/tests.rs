//! Levels, dictionaries, and both directions of DEFLATE against their caps.
use super::*;
use std::cell::RefCell;

use flate2::{Compress, Decompress, FlushCompress};
use sha2::{Digest as _, Sha256};

use super::deflate::{COMPRESSOR, Compressor, DECOMPRESSOR, OWN_ENCODER_MAX_LEN};
use super::dictionary::MAX_DICTIONARY_LEN;
use super::encoder::{Encoder, Level};
use crate::Error;

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

/// Each stream is what a fresh encoder writes, whatever level the thread's reused one ran at
/// before: our encoder for session-sized plaintexts, flate2's past [`OWN_ENCODER_MAX_LEN`].
#[test]
fn level_changes_between_streams_keep_each_stream_right() {
    let dict = sample_dictionary();
    let session = session_json(40);
    let long = session_json(2000);
    assert!(session.len() <= OWN_ENCODER_MAX_LEN && long.len() > OWN_ENCODER_MAX_LEN);
    for json in [session, long] {
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
                let mut fresh = Vec::with_capacity(json.len() + 64);
                if json.len() <= OWN_ENCODER_MAX_LEN {
                    assert!(Encoder::default().compress(
                        &json,
                        d.map(Dictionary::preset),
                        Level::new(level),
                        &mut fresh,
                        usize::MAX
                    ));
                } else {
                    let mut stream = Compress::new(flate2::Compression::new(level), false);
                    if let Some(d) = d {
                        stream.set_dictionary(d.as_bytes()).expect("dictionary");
                    }
                    stream
                        .compress_vec(&json, &mut fresh, FlushCompress::Finish)
                        .expect("compresses");
                }
                assert_eq!(
                    out, fresh,
                    "a reused compressor writes what a fresh one does"
                );
            }
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
