//! One block: stored, fixed Huffman or dynamic Huffman, whichever is shortest (dynamic only
//! from [`DYNAMIC_MIN_SYMBOLS`] symbols on), its size in bits known before anything is
//! written.
//!
//! Both Huffman sizes follow from the symbol frequencies alone: the fixed code's lengths are
//! known, and the dynamic code is built (and its header run-length coded) to be measured. A
//! stored block costs its bytes plus five (its header bits, padding to a byte, and LEN/NLEN),
//! so no block, and no stream, is ever longer than that.

use super::bits::BitWriter;
use super::codes::{
    CODE_LENGTH_ORDER, CODE_LENGTH_SYMBOLS, DIST_SYMBOLS, END_OF_BLOCK, FIXED_DIST_CODES,
    FIXED_DIST_LENGTH, FIXED_LITLEN_CODES, FIXED_LITLEN_LENGTHS, LITLEN_SYMBOLS, dist_code,
    length_code,
};
use super::huffman::{canonical_codes, code_lengths};
use super::lz77::{Symbol, Symbols};

/// The most bytes one stored block holds (LEN is 16 bits).
pub(super) const MAX_STORED_LEN: usize = 65_535;

/// Longest literal/length and distance codes.
const MAX_CODE_LEN: u8 = 15;
/// Longest code-length code (its lengths are sent in 3 bits).
const MAX_CODE_LENGTH_CODE_LEN: u8 = 7;

/// A block of fewer literals and copies is written fixed or stored, and no dynamic code is
/// built for it: its header (code lengths for every literal, length and distance symbol
/// used, themselves Huffman coded) costs more than the code saves. On the states of the
/// benchmarks, 66 to 108 symbols took 641 to 889 bits fixed and 769 to 901 dynamic, while
/// 450 symbols and more took 14 to 19 % less dynamic; building the code was 60 % of such a
/// small block's time.
const DYNAMIC_MIN_SYMBOLS: usize = 128;

/// BTYPE (§3.2.3).
const STORED: u32 = 0b00;
const FIXED: u32 = 0b01;
const DYNAMIC: u32 = 0b10;

/// A dynamic block's code lengths and its header, run-length coded: all that its size
/// needs. The bit patterns are made only for a block that is written.
struct Dynamic {
    litlen_lengths: [u8; LITLEN_SYMBOLS],
    dist_lengths: [u8; DIST_SYMBOLS],
    /// Literal/length and distance lengths sent (HLIT + 257, HDIST + 1).
    litlen_sent: usize,
    dist_sent: usize,
    /// Code-length code lengths sent, in [`CODE_LENGTH_ORDER`] (HCLEN + 4).
    code_length_sent: usize,
    code_length_lengths: [u8; CODE_LENGTH_SYMBOLS],
    /// The lengths as code-length symbols: (symbol, its extra bits' value).
    runs: [(u8, u8); LITLEN_SYMBOLS + DIST_SYMBOLS],
    run_count: usize,
    /// The whole block's size in bits, header included.
    bits: u64,
}

impl Dynamic {
    fn new(symbols: &Symbols) -> Dynamic {
        let mut block = Dynamic {
            litlen_lengths: [0; LITLEN_SYMBOLS],
            dist_lengths: [0; DIST_SYMBOLS],
            litlen_sent: 0,
            dist_sent: 0,
            code_length_sent: 0,
            code_length_lengths: [0; CODE_LENGTH_SYMBOLS],
            runs: [(0, 0); LITLEN_SYMBOLS + DIST_SYMBOLS],
            run_count: 0,
            bits: 0,
        };
        code_lengths(
            &symbols.litlen_freq,
            MAX_CODE_LEN,
            &mut block.litlen_lengths,
        );
        code_lengths(&symbols.dist_freq, MAX_CODE_LEN, &mut block.dist_lengths);
        block.litlen_sent = sent(&block.litlen_lengths, 257);
        block.dist_sent = sent(&block.dist_lengths, 1);

        let mut sequence = [0u8; LITLEN_SYMBOLS + DIST_SYMBOLS];
        let litlen = &block.litlen_lengths[..block.litlen_sent];
        let dist = &block.dist_lengths[..block.dist_sent];
        sequence[..litlen.len()].copy_from_slice(litlen);
        sequence[litlen.len()..litlen.len() + dist.len()].copy_from_slice(dist);
        let sequence = &sequence[..litlen.len() + dist.len()];
        block.run_count = run_length_code(sequence, &mut block.runs);

        let mut code_length_freq = [0u32; CODE_LENGTH_SYMBOLS];
        for &(symbol, _) in &block.runs[..block.run_count] {
            code_length_freq[usize::from(symbol)] += 1;
        }
        code_lengths(
            &code_length_freq,
            MAX_CODE_LENGTH_CODE_LEN,
            &mut block.code_length_lengths,
        );
        block.code_length_sent = 4.max(
            CODE_LENGTH_ORDER
                .iter()
                .rposition(|&symbol| block.code_length_lengths[symbol] > 0)
                .map_or(0, |last| last + 1),
        );

        let header = 5 + 5 + 4 + 3 * block.code_length_sent as u64;
        let runs: u64 = code_length_freq
            .iter()
            .zip(&block.code_length_lengths)
            .map(|(&freq, &len)| u64::from(freq) * u64::from(len))
            .sum::<u64>()
            + 2 * u64::from(code_length_freq[16])
            + 3 * u64::from(code_length_freq[17])
            + 7 * u64::from(code_length_freq[18]);
        block.bits = 3
            + header
            + runs
            + cost(&symbols.litlen_freq, &block.litlen_lengths)
            + cost(&symbols.dist_freq, &block.dist_lengths)
            + symbols.extra_bits;
        block
    }

    fn write(&self, writer: &mut BitWriter<'_>, symbols: &Symbols) {
        let mut litlen_codes = [0; LITLEN_SYMBOLS];
        let mut dist_codes = [0; DIST_SYMBOLS];
        let mut code_length_codes = [0; CODE_LENGTH_SYMBOLS];
        let litlen_lengths = &self.litlen_lengths[..self.litlen_sent];
        let dist_lengths = &self.dist_lengths[..self.dist_sent];
        canonical_codes(litlen_lengths, &mut litlen_codes[..self.litlen_sent]);
        canonical_codes(dist_lengths, &mut dist_codes[..self.dist_sent]);
        canonical_codes(&self.code_length_lengths, &mut code_length_codes);
        writer.put((self.litlen_sent - 257) as u32, 5);
        writer.put((self.dist_sent - 1) as u32, 5);
        writer.put((self.code_length_sent - 4) as u32, 4);
        for &symbol in &CODE_LENGTH_ORDER[..self.code_length_sent] {
            writer.put(u32::from(self.code_length_lengths[symbol]), 3);
        }
        for &(symbol, extra) in &self.runs[..self.run_count] {
            let symbol = usize::from(symbol);
            writer.put(
                u32::from(code_length_codes[symbol]),
                u32::from(self.code_length_lengths[symbol]),
            );
            match symbol {
                16 => writer.put(u32::from(extra), 2),
                17 => writer.put(u32::from(extra), 3),
                18 => writer.put(u32::from(extra), 7),
                _ => {}
            }
        }
        write_symbols(
            writer,
            symbols,
            (&litlen_codes, &self.litlen_lengths),
            (&dist_codes, &self.dist_lengths),
        );
    }
}

/// How many of `lengths` a header must send: up to the last nonzero one, at least `minimum`.
fn sent(lengths: &[u8], minimum: usize) -> usize {
    lengths
        .iter()
        .rposition(|&len| len > 0)
        .map_or(0, |last| last + 1)
        .max(minimum)
}

/// Bits the symbols take with the code of `lengths`.
fn cost(freqs: &[u32], lengths: &[u8]) -> u64 {
    freqs
        .iter()
        .zip(lengths)
        .map(|(&freq, &len)| u64::from(freq) * u64::from(len))
        .sum()
}

/// Writes `sequence` (code lengths) as code-length symbols into `runs`: 16 repeats the last
/// length 3 to 6 times, 17 gives 3 to 10 zeros and 18 gives 11 to 138 (§3.2.7). Returns how
/// many it wrote.
fn run_length_code(sequence: &[u8], runs: &mut [(u8, u8)]) -> usize {
    let mut count = 0;
    let mut push = |symbol: u8, extra: u8| {
        runs[count] = (symbol, extra);
        count += 1;
    };
    let mut at = 0;
    while at < sequence.len() {
        let len = sequence[at];
        let run = sequence[at..].iter().take_while(|&&l| l == len).count();
        at += run;
        let mut left = run;
        if len == 0 {
            while left >= 11 {
                let n = left.min(138);
                push(18, (n - 11) as u8);
                left -= n;
            }
            if left >= 3 {
                push(17, (left - 3) as u8);
                left = 0;
            }
        } else {
            push(len, 0);
            left -= 1;
            while left >= 3 {
                let n = left.min(6);
                push(16, (n - 3) as u8);
                left -= n;
            }
        }
        for _ in 0..left {
            push(len, 0);
        }
    }
    count
}

/// Writes the block's literals and copies and its end, with the given (code, length) tables.
fn write_symbols(
    writer: &mut BitWriter<'_>,
    symbols: &Symbols,
    (litlen_codes, litlen_lengths): (&[u16], &[u8]),
    (dist_codes, dist_lengths): (&[u16], &[u8]),
) {
    for symbol in symbols.iter() {
        match symbol {
            Symbol::Literal(byte) => {
                let byte = usize::from(byte);
                writer.put(
                    u32::from(litlen_codes[byte]),
                    u32::from(litlen_lengths[byte]),
                );
            }
            Symbol::Copy { len, dist } => {
                // Each code with its extra bits in one write: at most 15 + 5 and 15 + 13 bits.
                let (code, extra_len, extra) = length_code(len);
                let code = END_OF_BLOCK + 1 + code;
                let code_len = u32::from(litlen_lengths[code]);
                writer.put(
                    u32::from(litlen_codes[code]) | extra << code_len,
                    code_len + extra_len,
                );
                let (code, extra_len, extra) = dist_code(dist);
                let code_len = u32::from(dist_lengths[code]);
                writer.put(
                    u32::from(dist_codes[code]) | extra << code_len,
                    code_len + extra_len,
                );
            }
        }
    }
    writer.put(
        u32::from(litlen_codes[END_OF_BLOCK]),
        u32::from(litlen_lengths[END_OF_BLOCK]),
    );
}

/// Writes one block of `raw` (at most [`MAX_STORED_LEN`] bytes) whose literals and copies are
/// `symbols`, in the shortest of the three kinds, if the stream (which started at byte
/// `start` of the writer's output) then still fits `max_len` bytes. Returns whether it did;
/// on `false`, nothing was written.
pub(super) fn write_block(
    writer: &mut BitWriter<'_>,
    start: usize,
    max_len: usize,
    symbols: &Symbols,
    raw: &[u8],
    last: bool,
) -> bool {
    debug_assert!(raw.len() <= MAX_STORED_LEN);
    let at = writer.bits_since(start) as u64;
    let fixed = 3
        + cost(&symbols.litlen_freq, &FIXED_LITLEN_LENGTHS)
        + cost(&symbols.dist_freq, &[FIXED_DIST_LENGTH; DIST_SYMBOLS])
        + symbols.extra_bits;
    // Three header bits, padding to the byte, LEN and NLEN, the bytes.
    let stored = (at + 3).div_ceil(8) * 8 - at + 32 + 8 * raw.len() as u64;
    let dynamic = (symbols.len() >= DYNAMIC_MIN_SYMBOLS).then(|| Dynamic::new(symbols));
    let dynamic_bits = dynamic.as_ref().map_or(u64::MAX, |dynamic| dynamic.bits);
    let bits = fixed.min(stored).min(dynamic_bits);
    if (at + bits).div_ceil(8) > max_len as u64 {
        return false;
    }
    writer.put(u32::from(last), 1);
    if stored == bits {
        writer.put(STORED, 2);
        writer.align_to_byte();
        let len = raw.len() as u16;
        writer.put_bytes(&len.to_le_bytes());
        writer.put_bytes(&(!len).to_le_bytes());
        writer.put_bytes(raw);
    } else if fixed == bits {
        writer.put(FIXED, 2);
        write_symbols(
            writer,
            symbols,
            (&FIXED_LITLEN_CODES, &FIXED_LITLEN_LENGTHS),
            (&FIXED_DIST_CODES, &[FIXED_DIST_LENGTH; DIST_SYMBOLS]),
        );
    } else if let Some(dynamic) = dynamic {
        writer.put(DYNAMIC, 2);
        dynamic.write(writer, symbols);
    }
    debug_assert_eq!(writer.bits_since(start) as u64, at + bits);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(runs: &[(u8, u8)]) -> Vec<u8> {
        let mut lengths: Vec<u8> = Vec::new();
        for &(symbol, extra) in runs {
            match symbol {
                16 => {
                    let last = *lengths.last().expect("a length before a repeat");
                    lengths.extend(std::iter::repeat_n(last, 3 + usize::from(extra)));
                }
                17 => lengths.extend(std::iter::repeat_n(0, 3 + usize::from(extra))),
                18 => lengths.extend(std::iter::repeat_n(0, 11 + usize::from(extra))),
                len => lengths.push(len),
            }
        }
        lengths
    }

    #[test]
    fn run_length_coding_round_trips() {
        let mut sequence = vec![8u8; 144];
        sequence.extend([0; 2]);
        sequence.extend([9; 7]);
        sequence.extend([0; 150]);
        sequence.extend([5, 5, 0, 0, 0, 7, 7, 7, 7]);
        let mut runs = [(0, 0); LITLEN_SYMBOLS + DIST_SYMBOLS];
        let count = run_length_code(&sequence, &mut runs);
        assert_eq!(expand(&runs[..count]), sequence);
        assert!(count < 50, "{count} symbols");
    }
}
