//! The DEFLATE encoders side by side: ours (`src/compress/encoder/`) at levels 1, 2, 4, 6 and 9
//! against flate2's (zlib-rs) at levels 1 and 2, on the states of `benches/peers.rs` (small,
//! medium, large), with and without that benchmark's dictionary.
//!
//! The input is the state's JSON alone (a sealed plaintext adds an envelope of a few dozen
//! bytes before it). flate2 runs as the crate ran it before the encoder of its own: one reused
//! `Compress`, reset for every stream, the dictionary set again each time.
//!
//! Before criterion runs, a table of compressed sizes, and the lengths of tokens (`Sealer` at
//! levels 1 and 2, with and without the dictionary), is printed.
//!
//! Run in `benches/`: `cargo bench --bench compress`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput};
use flate2::{Compress, FlushCompress, Status};
use sealed_session::{Dictionary, Key, Sealer};

#[path = "peers.rs"]
#[allow(dead_code)]
mod peers;

/// The encoder, included from its source: it uses only `std`, and is not public API of the
/// crate. Its test modules come along (cargo builds benches with `cfg(test)`) without their
/// `#[test]` functions, hence the unused imports.
#[path = "../src/compress/encoder/mod.rs"]
#[allow(dead_code, unused_imports)]
mod encoder;

use encoder::{Encoder, Level, PresetDictionary};

/// Our encoder's levels measured: each search of `Level` that differs from its neighbours'.
const OURS_LEVELS: [u32; 5] = [1, 2, 4, 6, 9];
/// flate2's levels measured: its two fastest, which the crate used.
const FLATE2_LEVELS: [u32; 2] = [1, 2];

/// flate2's encoder as `src/compress/deflate.rs` drove it before: reset, dictionary, one call.
fn flate2_into(
    stream: &mut Compress,
    input: &[u8],
    dictionary: Option<&[u8]>,
    out: &mut Vec<u8>,
) -> usize {
    stream.reset();
    if let Some(dictionary) = dictionary {
        stream.set_dictionary(dictionary).expect("dictionary");
    }
    out.clear();
    out.resize(input.len() + 64, 0);
    let status = stream
        .compress(input, out, FlushCompress::Finish)
        .expect("compresses");
    assert_eq!(status, Status::StreamEnd);
    let written = stream.total_out() as usize;
    out.truncate(written);
    written
}

fn ours_into(
    encoder: &mut Encoder,
    input: &[u8],
    dictionary: Option<&PresetDictionary>,
    level: u32,
    out: &mut Vec<u8>,
) -> usize {
    out.clear();
    assert!(encoder.compress(input, dictionary, Level::new(level), out, usize::MAX));
    out.len()
}

fn print_sizes(dictionary: &[u8], preset: &PresetDictionary) {
    let mut encoder = Encoder::default();
    let mut out = Vec::new();
    let columns: Vec<String> = OURS_LEVELS
        .iter()
        .map(|level| format!("ours-L{level}"))
        .chain(FLATE2_LEVELS.iter().map(|level| format!("flate2-L{level}")))
        .collect();
    print!("{:<8} {:<6} {:>6}", "state", "dict", "json");
    for column in &columns {
        print!(" {column:>9}");
    }
    println!();
    for size in peers::SIZES {
        let json = serde_json::to_vec(&peers::state(size)).expect("serializes");
        for with in [false, true] {
            let mut sizes = Vec::new();
            for level in OURS_LEVELS {
                let dictionary = with.then_some(preset);
                sizes.push(ours_into(&mut encoder, &json, dictionary, level, &mut out));
            }
            for level in FLATE2_LEVELS {
                let mut stream = Compress::new(flate2::Compression::new(level), false);
                let dictionary = with.then_some(dictionary);
                sizes.push(flate2_into(&mut stream, &json, dictionary, &mut out));
            }
            print!(
                "{:<8} {:<6} {:>6}",
                size,
                if with { "yes" } else { "no" },
                json.len()
            );
            for size in sizes {
                print!(" {size:>9}");
            }
            println!();
        }
    }
    let key = Key::try_from(&[7u8; 32][..]).expect("32 bytes");
    for level in [1, 2] {
        let plain = Sealer::builder(key.clone(), "session")
            .with_compression_level(level)
            .build()
            .expect("valid settings");
        let with_dictionary = Sealer::builder(key.clone(), "session")
            .with_compression_level(level)
            .with_dictionary(Dictionary::new(dictionary.to_vec()))
            .build()
            .expect("valid settings");
        println!("\ntoken characters (Compression::Auto, level {level}):");
        for size in peers::SIZES {
            let state = peers::state(size);
            let token = |sealer: &Sealer| sealer.seal(peers::SUBJECT, &state).expect("seals").len();
            println!(
                "{size:<8} without dictionary {:>5}   with {:>5}",
                token(&plain),
                token(&with_dictionary)
            );
        }
    }
    println!();
}

fn bench_encoders(c: &mut Criterion, dictionary: &[u8], preset: &PresetDictionary) {
    let mut encoder = Encoder::default();
    let mut flate2_streams =
        FLATE2_LEVELS.map(|level| Compress::new(flate2::Compression::new(level), false));
    let mut out = Vec::new();
    for size in peers::SIZES {
        let json = serde_json::to_vec(&peers::state(size)).expect("serializes");
        for with in [false, true] {
            let mut group = c.benchmark_group(format!(
                "compress/{size}/{}",
                if with { "dictionary" } else { "plain" }
            ));
            group
                .throughput(Throughput::Bytes(json.len() as u64))
                .sample_size(30)
                .measurement_time(Duration::from_secs(2))
                .warm_up_time(Duration::from_millis(500))
                .sampling_mode(SamplingMode::Auto);
            for level in OURS_LEVELS {
                group.bench_function(format!("ours-L{level}"), |b| {
                    b.iter(|| {
                        ours_into(
                            &mut encoder,
                            black_box(&json),
                            with.then_some(preset),
                            level,
                            &mut out,
                        )
                    });
                });
            }
            for (stream, level) in flate2_streams.iter_mut().zip(FLATE2_LEVELS) {
                group.bench_function(format!("flate2-L{level}"), |b| {
                    b.iter(|| {
                        flate2_into(
                            stream,
                            black_box(&json),
                            with.then_some(dictionary),
                            &mut out,
                        )
                    });
                });
            }
            group.finish();
        }
    }
}

fn main() {
    let dictionary = serde_json::to_vec(&peers::dictionary_sample()).expect("serializes");
    let preset = PresetDictionary::new(dictionary.clone());
    print_sizes(&dictionary, &preset);
    let mut c = Criterion::default().configure_from_args();
    bench_encoders(&mut c, &dictionary, &preset);
    c.final_summary();
}
