//! The per-thread DEFLATE streams: deflating within a budget, inflating within a cap.
//!
//! Deflating: plaintexts up to [`OWN_ENCODER_MAX_LEN`] (the default state cap, 64 KiB) go
//! through our encoder (`encoder/`), whose cost follows the input's length and whose
//! dictionaries are indexed once; longer ones, which only a sealer with a raised state cap
//! writes, go through flate2's, whose fixed setup no longer matters there and whose matcher
//! and block splitting are tuned for long streams. Inflating is always flate2's.

use std::cell::RefCell;

use flate2::{Compress, Decompress, FlushCompress, FlushDecompress, Status};

use super::Dictionary;
use super::encoder::{Encoder, Level};
use crate::Error;
use crate::per_thread::with_reused;

/// The longest plaintext our encoder compresses; flate2's takes longer ones.
pub(super) const OWN_ENCODER_MAX_LEN: usize = 64 * 1024;

/// This thread's compressor, with the level it was last set to.
pub(super) struct Compressor {
    stream: Compress,
    level: u32,
}

thread_local! {
    pub(super) static ENCODER: RefCell<Option<Encoder>> = const { RefCell::new(None) };
    pub(super) static COMPRESSOR: RefCell<Option<Compressor>> = const { RefCell::new(None) };
    pub(super) static DECOMPRESSOR: RefCell<Option<Decompress>> = const { RefCell::new(None) };
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
    if input.len() <= OWN_ENCODER_MAX_LEN {
        // The encoder reads nothing of the last stream: see `Encoder`.
        return with_reused(&ENCODER, Encoder::default, |encoder| {
            let dictionary = dictionary.map(Dictionary::preset);
            encoder.compress(input, dictionary, Level::new(level), out, budget)
        });
    }
    with_reused(
        &COMPRESSOR,
        || new_compressor(level),
        |compressor| deflate_with(compressor, input, out, budget, level, dictionary),
    )
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
    with_reused(
        &DECOMPRESSOR,
        || Decompress::new(false),
        |decompressor| inflate_with(decompressor, input, max_len, out, dictionary),
    )?;
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
