//! Raw DEFLATE (RFC 1951) with a hard cap on what inflating may produce.
//!
//! Compressors and decompressors are kept per thread and reset between uses: building a fresh
//! one sets up large tables and costs more than compressing a session state.

use std::cell::RefCell;

use flate2::{Compress, Decompress, FlushCompress, FlushDecompress, Status};

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
    /// Compress when the serialized state is at least [`AUTO_MIN_LEN`] bytes and compressing
    /// makes it smaller. Below that size compression cannot save enough to be worth its time.
    #[default]
    Auto,
    /// Always compress, even when it makes the token larger.
    Always,
}

/// Serialized states shorter than this are never compressed under [`Compression::Auto`].
pub const AUTO_MIN_LEN: usize = 512;

/// The DEFLATE level: the fastest, which already takes typical session JSON to under half.
const LEVEL: flate2::Compression = flate2::Compression::fast();

thread_local! {
    static COMPRESSOR: RefCell<Compress> = RefCell::new(Compress::new(LEVEL, false));
    static DECOMPRESSOR: RefCell<Decompress> = RefCell::new(Decompress::new(false));
}

/// Appends the raw DEFLATE form of `input` to `out`, if it takes at most `budget` bytes.
///
/// Returns whether it did; on `false`, `out` is as it was.
pub(crate) fn deflate_into(input: &[u8], out: &mut Vec<u8>, budget: usize) -> bool {
    let start = out.len();
    out.resize(start + budget, 0);
    let written = with_compressor(|compressor| {
        let status = compressor.compress(input, &mut out[start..], FlushCompress::Finish);
        let finished =
            matches!(status, Ok(Status::StreamEnd)) && compressor.total_in() == input.len() as u64;
        let written = compressor.total_out() as usize;
        compressor.reset();
        finished.then_some(written)
    });
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

fn with_compressor<R>(work: impl FnOnce(&mut Compress) -> R) -> R {
    COMPRESSOR.with(|cell| match cell.try_borrow_mut() {
        Ok(mut compressor) => work(&mut compressor),
        // Re-entered from inside a compression on this thread: use a fresh one.
        Err(_) => work(&mut Compress::new(LEVEL, false)),
    })
}

/// Inflates raw DEFLATE `input` into a new buffer of at most `max_len` bytes.
///
/// Never allocates more than `max_len` bytes of output, however large the stream would inflate.
/// A stream that is truncated, corrupt, or followed by anything is [`Error::Malformed`]; one that
/// would inflate past `max_len` is [`Error::TooLarge`].
pub(crate) fn inflate(input: &[u8], max_len: usize) -> Result<Vec<u8>, Error> {
    DECOMPRESSOR.with(|cell| match cell.try_borrow_mut() {
        Ok(mut decompressor) => {
            decompressor.reset(false);
            inflate_with(&mut decompressor, input, max_len)
        }
        Err(_) => inflate_with(&mut Decompress::new(false), input, max_len),
    })
}

fn inflate_with(
    decompressor: &mut Decompress,
    input: &[u8],
    max_len: usize,
) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(max_len.min(input.len().saturating_mul(4).max(256)));
    loop {
        let consumed = decompressor.total_in() as usize;
        let produced_before = out.len();
        let status = decompressor
            .decompress_vec(&input[consumed..], &mut out, FlushDecompress::None)
            .map_err(|_| Error::Malformed)?;
        let consumed_now = decompressor.total_in() as usize;
        match status {
            Status::StreamEnd if consumed_now == input.len() => return Ok(out),
            Status::StreamEnd => return Err(Error::Malformed), // bytes after the stream
            Status::Ok | Status::BufError => {}
        }
        if out.len() == out.capacity() {
            if out.len() >= max_len {
                return finish_at_cap(decompressor, input, out);
            }
            let grown = (out.capacity() * 2).min(max_len);
            out.reserve_exact(grown - out.len());
        } else if consumed_now == input.len()
            || (consumed_now == consumed && out.len() == produced_before)
        {
            return Err(Error::Malformed); // the stream stops before its end
        }
    }
}

/// The output is exactly at the cap: the stream may only end now, without another byte.
fn finish_at_cap(
    decompressor: &mut Decompress,
    input: &[u8],
    out: Vec<u8>,
) -> Result<Vec<u8>, Error> {
    let mut probe = [0u8; 1];
    let consumed = decompressor.total_in() as usize;
    let status = decompressor
        .decompress(&input[consumed..], &mut probe, FlushDecompress::None)
        .map_err(|_| Error::Malformed)?;
    if decompressor.total_out() as usize > out.len() {
        return Err(Error::TooLarge);
    }
    match status {
        Status::StreamEnd if decompressor.total_in() as usize == input.len() => Ok(out),
        Status::StreamEnd => Err(Error::Malformed),
        Status::Ok | Status::BufError => Err(Error::Malformed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deflate(input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        assert!(deflate_into(input, &mut out, input.len() + 64));
        out
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
        let mut trailing = packed.clone();
        trailing.push(0);
        assert_eq!(inflate(&trailing, 10_000), Err(Error::Malformed));
        assert_eq!(inflate(&[0xff; 20], 10_000), Err(Error::Malformed));
        // A zlib stream (78 9c header) is not raw DEFLATE.
        assert!(inflate(&[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01], 10_000).is_err());
    }

    #[test]
    fn empty_input_round_trips() {
        assert_eq!(inflate(&deflate(b""), 0), Ok(Vec::new()));
    }
}
