//! The encoder against two independent inflaters (zlib-rs through flate2, and miniz_oxide),
//! for arbitrary inputs, dictionaries and levels.
use super::*;

use std::collections::HashSet;

use flate2::{Decompress, FlushDecompress, Status};
use proptest::prelude::*;

/// zlib-rs's inflater, with `dictionary` as its preset history; strict: the stream must end
/// exactly at its last byte.
fn inflate_zlib(stream: &[u8], dictionary: &[u8], expected_len: usize) -> Option<Vec<u8>> {
    let mut inflater = Decompress::new(false);
    if !dictionary.is_empty() {
        inflater.set_dictionary(dictionary).ok()?;
    }
    let mut out = Vec::with_capacity(expected_len + 1);
    let status = inflater
        .decompress_vec(stream, &mut out, FlushDecompress::Finish)
        .ok()?;
    (status == Status::StreamEnd && inflater.total_in() == stream.len() as u64).then_some(out)
}

/// miniz_oxide's inflater, writing after the dictionary in one flat buffer that copies may
/// reach back into.
fn inflate_miniz(stream: &[u8], dictionary: &[u8], expected_len: usize) -> Option<Vec<u8>> {
    use miniz_oxide::inflate::TINFLStatus;
    use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};
    let mut buffer = dictionary.to_vec();
    buffer.resize(dictionary.len() + expected_len + 1, 0);
    let flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let (status, read, written) = decompress(
        &mut DecompressorOxide::new(),
        stream,
        &mut buffer,
        dictionary.len(),
        flags,
    );
    (status == TINFLStatus::Done && read == stream.len())
        .then(|| buffer[dictionary.len()..dictionary.len() + written].to_vec())
}

/// The stored-block bound: the input, and 5 bytes per block of at most 65,535 (one block for
/// an empty input).
fn stored_bound(len: usize) -> usize {
    len + 5 * len.div_ceil(MAX_STORED_LEN).max(1)
}

fn compress(input: &[u8], dictionary: Option<&PresetDictionary>, level: u32) -> Vec<u8> {
    let mut out = Vec::new();
    assert!(Encoder::default().compress(
        input,
        dictionary,
        Level::new(level),
        &mut out,
        usize::MAX
    ));
    out
}

/// Every property the encoder promises, for one input, dictionary and level.
fn check(input: &[u8], dictionary: &[u8], level: u32) -> Result<(), TestCaseError> {
    let preset = PresetDictionary::new(dictionary.to_vec());
    let kept = preset.as_bytes();
    let preset = (!dictionary.is_empty()).then_some(&preset);
    let mut encoder = Encoder::default();
    let mut out = b"before".to_vec();
    prop_assert!(encoder.compress(input, preset, Level::new(level), &mut out, usize::MAX));
    prop_assert_eq!(&out[..6], b"before");
    let stream = out[6..].to_vec();
    prop_assert!(
        stream.len() <= stored_bound(input.len()),
        "{} bytes",
        stream.len()
    );
    let by_zlib = inflate_zlib(&stream, kept, input.len());
    prop_assert_eq!(by_zlib.as_deref(), Some(input));
    let by_miniz = inflate_miniz(&stream, kept, input.len());
    prop_assert_eq!(by_miniz.as_deref(), Some(input));
    // Deterministic, and a reused encoder writes what a fresh one does.
    prop_assert_eq!(&compress(input, preset, level), &stream);
    // The budget is inclusive, and a refusal leaves the output as it was.
    let mut exact = vec![7];
    prop_assert!(encoder.compress(input, preset, Level::new(level), &mut exact, stream.len()));
    prop_assert_eq!(&exact[1..], &stream[..]);
    let mut short = vec![7];
    prop_assert!(!encoder.compress(
        input,
        preset,
        Level::new(level),
        &mut short,
        stream.len() - 1
    ));
    prop_assert_eq!(short, vec![7]);
    // The dictionary is referred to, never written out: no 24 bytes of it appear in the
    // stream unless the input holds them.
    const RUN: usize = 24;
    let in_stream: HashSet<&[u8]> = stream.windows(RUN).collect();
    if kept.windows(RUN).any(|piece| in_stream.contains(piece)) {
        let in_input: HashSet<&[u8]> = input.windows(RUN).collect();
        for piece in kept.windows(RUN) {
            prop_assert!(
                !in_stream.contains(piece) || in_input.contains(piece),
                "dictionary bytes in the stream"
            );
        }
    }
    Ok(())
}

/// Bytes no DEFLATE stream shrinks (xorshift).
fn noise(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect()
}

fn session_json(items: usize, seed: usize) -> Vec<u8> {
    let mut json = br#"{"user":"alice","roles":["admin","editor"],"cart":["#.to_vec();
    for i in 0..items {
        let n = i + seed;
        json.extend_from_slice(
            format!(
                r#"{{"sku":"SKU-{n:05}","qty":{},"price":{}}},"#,
                n % 7,
                n * 37
            )
            .as_bytes(),
        );
    }
    json.extend_from_slice(b"{}]}");
    json
}

#[test]
fn the_module_example_runs() {
    let dictionary = PresetDictionary::new(br#"{"user":"","roles":["admin"]}"#.to_vec());
    let mut encoder = Encoder::default();
    let mut out = Vec::new();
    let input = br#"{"user":"alice","roles":["admin"]}"#;
    assert!(encoder.compress(input, Some(&dictionary), Level::new(2), &mut out, 64));
    assert!(out.len() < input.len());
    assert_eq!(
        inflate_zlib(&out, dictionary.as_bytes(), input.len()).as_deref(),
        Some(&input[..])
    );
    assert!(encoder.compress(b"abcabcabc", None, Level::new(1), &mut Vec::new(), 100));
    assert!(!encoder.compress(b"abcabcabc", None, Level::new(1), &mut Vec::new(), 2));
    assert_eq!(Level::new(0), Level::new(1));
    assert_eq!(Level::new(12), Level::new(9));
    let dictionary = PresetDictionary::new(b"{\"roles\":[]}".to_vec());
    assert_eq!(dictionary.as_bytes(), b"{\"roles\":[]}");
}

#[test]
fn edge_inputs_round_trip_at_every_level() {
    let long_dictionary: Vec<u8> = (0..40_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let dictionaries: [&[u8]; 6] = [
        b"",
        b"a",
        b"ab",
        b"abc",
        &session_json(3, 100),
        &long_dictionary,
    ];
    let zeros = vec![0u8; 70_000];
    let noise = noise(140_000);
    let inputs: [&[u8]; 9] = [
        b"",
        b"a",
        b"abc",
        b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        &session_json(40, 0),
        &session_json(2000, 7),
        &zeros,
        &noise,
        &long_dictionary[..33_000],
    ];
    for dictionary in dictionaries {
        for input in inputs {
            // Every level on the short inputs; the long ones (slow in a debug build) at three.
            let levels: &[u32] = if input.len() < 10_000 {
                &[1, 2, 3, 4, 5, 6, 7, 8, 9]
            } else {
                &[1, 2, 9]
            };
            for &level in levels {
                check(input, dictionary, level).unwrap_or_else(|e| {
                    panic!(
                        "{} bytes, {} of dictionary, level {level}: {e}",
                        input.len(),
                        dictionary.len()
                    )
                });
            }
        }
    }
}

#[test]
fn an_empty_input_is_one_empty_fixed_block() {
    assert_eq!(compress(b"", None, 6), [0x03, 0x00]);
}

#[test]
fn incompressible_input_is_stored_in_blocks_of_at_most_65535_bytes() {
    let noise = noise(140_000);
    let stream = compress(&noise, None, 1);
    assert_eq!(stream.len(), stored_bound(noise.len()));
}

#[test]
fn a_dictionary_is_reached_only_within_the_window() {
    // The dictionary's only use is a copy from it; once the input is past 32 KiB, the
    // dictionary is out of reach and the same bytes must come from the input itself.
    let dictionary = b"the dictionary's own phrase, 40 bytes.".to_vec();
    let mut input = vec![b'-'; WINDOW_LEN + 10];
    input.extend_from_slice(&dictionary);
    for level in [1, 2, 9] {
        check(&input, &dictionary, level).expect("round trips");
    }
}

#[test]
fn a_dictionary_makes_a_small_state_smaller() {
    let dictionary = PresetDictionary::new(session_json(3, 100));
    let state = session_json(2, 0);
    for level in 1..=9 {
        let with = compress(&state, Some(&dictionary), level).len();
        let without = compress(&state, None, level).len();
        assert!(
            with * 2 < without,
            "level {level}: {with} against {without}"
        );
    }
}

#[test]
fn higher_levels_never_do_much_worse_on_session_state() {
    let json = session_json(60, 0);
    let sizes: Vec<usize> = (1..=9)
        .map(|level| compress(&json, None, level).len())
        .collect();
    assert!(sizes[8] <= sizes[0], "{sizes:?}");
    assert!(sizes[1] <= sizes[0], "{sizes:?}");
}

/// Bytes drawn from a small alphabet, with repeats: what compresses.
fn compressible() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..600),
        proptest::collection::vec(
            prop_oneof![Just(b'a'), Just(b'b'), Just(b'"'), Just(b':')],
            0..3000
        ),
        (0usize..40, 0usize..1000).prop_map(|(items, seed)| session_json(items, seed)),
    ]
}

proptest! {
    // 200 cases, unless PROPTEST_CASES says otherwise.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(200)
    ))]

    /// Arbitrary input × arbitrary dictionary × every level: both inflaters read back the
    /// input, within the stored bound, deterministically, within the budget, and no run of
    /// the dictionary is written out.
    #[test]
    fn every_level_round_trips_through_two_inflaters(
        input in compressible(),
        dictionary in compressible(),
        splice in proptest::option::of((0usize..3000, 0usize..3000, 0usize..300)),
    ) {
        // Often the input shares a run with the dictionary, as states share a dictionary's
        // field names.
        let mut input = input;
        if let Some((from, to, len)) = splice
            && !dictionary.is_empty()
        {
            let from = from % dictionary.len();
            let len = len.min(dictionary.len() - from);
            let to = to.min(input.len());
            input.splice(to..to, dictionary[from..from + len].iter().copied());
        }
        for level in 1..=9 {
            check(&input, &dictionary, level)?;
        }
    }
}
