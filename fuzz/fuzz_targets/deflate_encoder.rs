//! The DEFLATE encoder (src/compress/encoder/) against two independent inflaters, for arbitrary
//! input, dictionary and level.
//!
//! Properties: zlib-rs (through flate2) and miniz_oxide both inflate the stream back to the
//! input, with the dictionary as preset history; the stream is never longer than the stored
//! blocks' bound (the input plus 5 bytes per 65,535, one block when empty); a fresh encoder and
//! a reused one write the same bytes; the budget is exact (the stream fits a budget of its own
//! length, and a budget one byte shorter is refused with the output left as it was); and no
//! 24 bytes of the dictionary appear in the stream unless the input holds them (checked with
//! the dictionary masked, see below).
//!
//! Input: a level byte (1 to 9, taken modulo 9), a 2-byte big-endian dictionary length, the
//! dictionary, then the input.
#![no_main]

use std::cell::RefCell;
use std::collections::HashSet;

use flate2::{Decompress, FlushDecompress, Status};
use libfuzzer_sys::fuzz_target;
use sealed_session::deflate_fuzzing::{Encoder, Level, PresetDictionary};

thread_local! {
    /// One encoder reused across runs, as the sealer's thread reuses its own.
    static REUSED: RefCell<Encoder> = RefCell::new(Encoder::default());
}

/// A run of dictionary bytes this long must not reach the stream unless the input holds it.
const RUN: usize = 24;

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

/// No run of `dictionary` reaches the stream of `input` unless the input holds it.
///
/// Checked with the dictionary masked by a fixed keystream: libFuzzer copies bytes it sees
/// compared (the stream among them) into its input, and so builds dictionaries that hold the
/// coded stream by construction, which is no sign of the dictionary being written out.
fn check_not_embedded(input: &[u8], dictionary: &[u8], level: Level) {
    if dictionary.len() < RUN {
        return;
    }
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let masked: Vec<u8> = dictionary
        .iter()
        .map(|byte| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            byte ^ (state >> 56) as u8
        })
        .collect();
    let masked = PresetDictionary::new(masked);
    let mut stream = Vec::new();
    assert!(Encoder::default().compress(input, Some(&masked), level, &mut stream, usize::MAX));
    let masked = masked.as_bytes();
    assert_eq!(
        inflate_zlib(&stream, masked, input.len()).as_deref(),
        Some(input),
        "zlib-rs, masked dictionary"
    );
    let in_stream: HashSet<&[u8]> = stream.windows(RUN).collect();
    let in_input: HashSet<&[u8]> = input.windows(RUN).collect();
    for piece in masked.windows(RUN) {
        assert!(
            !in_stream.contains(piece) || in_input.contains(piece),
            "dictionary bytes written into the stream"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let [level, high, low, rest @ ..] = data else {
        return;
    };
    let level = Level::new(u32::from(level % 9) + 1);
    let split = usize::from(u16::from_be_bytes([*high, *low])).min(rest.len());
    let (dictionary, input) = rest.split_at(split);
    let preset = PresetDictionary::new(dictionary.to_vec());
    let kept = preset.as_bytes();
    let preset = (!dictionary.is_empty()).then_some(&preset);

    let mut fresh = b"x".to_vec();
    assert!(Encoder::default().compress(input, preset, level, &mut fresh, usize::MAX));
    let stream = &fresh[1..];
    let blocks = input.len().div_ceil(65_535).max(1);
    assert!(
        stream.len() <= input.len() + 5 * blocks,
        "longer than stored blocks"
    );
    assert_eq!(
        inflate_zlib(stream, kept, input.len()).as_deref(),
        Some(input),
        "zlib-rs"
    );
    assert_eq!(
        inflate_miniz(stream, kept, input.len()).as_deref(),
        Some(input),
        "miniz_oxide"
    );

    REUSED.with_borrow_mut(|encoder| {
        let mut exact = Vec::new();
        assert!(encoder.compress(input, preset, level, &mut exact, stream.len()));
        assert_eq!(
            exact, stream,
            "a reused encoder writes what a fresh one does"
        );
        let mut short = b"kept".to_vec();
        assert!(!encoder.compress(input, preset, level, &mut short, stream.len() - 1));
        assert_eq!(
            short, b"kept",
            "a refused stream leaves the output as it was"
        );
    });

    check_not_embedded(input, kept, level);
});
