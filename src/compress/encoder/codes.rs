//! DEFLATE's fixed alphabets (RFC 1951 §3.2.5, §3.2.6, §3.2.7): which length and distance
//! codes carry a match, with how many extra bits, and the fixed Huffman code lengths.

/// Symbols of the literal/length alphabet: 256 literals, end of block, 29 length codes.
pub(super) const LITLEN_SYMBOLS: usize = 286;
/// Symbols of the distance alphabet (codes 30 and 31 never occur).
pub(super) const DIST_SYMBOLS: usize = 30;
/// Symbols of the code-length alphabet of a dynamic block's header.
pub(super) const CODE_LENGTH_SYMBOLS: usize = 19;
/// The end-of-block symbol.
pub(super) const END_OF_BLOCK: usize = 256;

/// The order in which a dynamic block's header gives the code-length code's lengths.
pub(super) const CODE_LENGTH_ORDER: [usize; CODE_LENGTH_SYMBOLS] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// Extra bits of each length code (257 to 285).
pub(super) const LENGTH_EXTRA_BITS: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
/// The shortest match length of each length code.
const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];

/// Extra bits of each distance code.
pub(super) const DIST_EXTRA_BITS: [u8; DIST_SYMBOLS] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
/// The shortest distance of each distance code.
const DIST_BASE: [u16; DIST_SYMBOLS] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];

/// The length code (0 for symbol 257, up to 28 for 285) of each match length minus 3, found
/// once at compile time from the bases above.
const LENGTH_CODE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut code = 0;
    while code < 29 {
        let first = LENGTH_BASE[code] as usize - 3;
        let count = 1usize << LENGTH_EXTRA_BITS[code];
        let mut i = 0;
        // 258 has a code of its own (285), past the range 284 would cover.
        while i < count && first + i < 256 {
            table[first + i] = code as u8;
            i += 1;
        }
        code += 1;
    }
    table
};

/// The length code of a match `len` bytes long (3 to 258), its extra bits and their value.
pub(super) fn length_code(len: usize) -> (usize, u32, u32) {
    let code = usize::from(LENGTH_CODE[(len - 3) & 0xff]);
    let extra = u32::from(LENGTH_EXTRA_BITS[code]);
    (code, extra, (len - usize::from(LENGTH_BASE[code])) as u32)
}

/// The distance code of a match `dist` bytes back (1 to 32768), its extra bits and their
/// value. Codes pair up per power of two: 4 and 5 cover 5–8, 6 and 7 cover 9–16, and so on.
pub(super) fn dist_code(dist: usize) -> (usize, u32, u32) {
    let back = (dist - 1) as u32;
    let code = if back < 4 {
        back as usize
    } else {
        let top = 31 - back.leading_zeros();
        (2 * top + ((back >> (top - 1)) & 1)) as usize
    };
    let extra = u32::from(DIST_EXTRA_BITS[code]);
    (code, extra, (dist - usize::from(DIST_BASE[code])) as u32)
}

/// The fixed Huffman code's lengths for literal/length symbols 0 to 287 (§3.2.6).
pub(super) const FIXED_LITLEN_LENGTHS: [u8; 288] = {
    let mut lengths = [8u8; 288];
    let mut symbol = 144;
    while symbol < 256 {
        lengths[symbol] = 9;
        symbol += 1;
    }
    while symbol < 280 {
        lengths[symbol] = 7;
        symbol += 1;
    }
    lengths
};

/// Every distance code of the fixed code is 5 bits long.
pub(super) const FIXED_DIST_LENGTH: u8 = 5;

/// The fixed code's bit patterns (reversed for the bit writer), found at compile time:
/// canonical codes for [`FIXED_LITLEN_LENGTHS`], as `huffman::canonical_codes` would make them.
pub(super) const FIXED_LITLEN_CODES: [u16; 288] = {
    let mut codes = [0u16; 288];
    let mut symbol = 0;
    while symbol < 288 {
        // The first code of each run of equal lengths, and the run's first symbol (§3.2.6).
        let (first, start, len) = match symbol {
            0..=143 => (0b0011_0000, 0, 8),
            144..=255 => (0b1_1001_0000, 144, 9),
            256..=279 => (0, 256, 7),
            _ => (0b1100_0000, 280, 8),
        };
        let code = (first + symbol - start) as u16;
        codes[symbol] = code.reverse_bits() >> (16 - len);
        symbol += 1;
    }
    codes
};

/// The fixed distance codes' bit patterns, reversed: code `d` is `d` in five bits.
pub(super) const FIXED_DIST_CODES: [u16; DIST_SYMBOLS] = {
    let mut codes = [0u16; DIST_SYMBOLS];
    let mut symbol = 0;
    while symbol < DIST_SYMBOLS {
        codes[symbol] = (symbol as u16).reverse_bits() >> (16 - FIXED_DIST_LENGTH as u32);
        symbol += 1;
    }
    codes
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_length_maps_into_its_code_range() {
        for len in 3..=258 {
            let (code, extra, value) = length_code(len);
            assert!(value < 1 << extra, "len {len}");
            assert_eq!(usize::from(LENGTH_BASE[code]) + value as usize, len);
        }
        assert_eq!(length_code(258), (28, 0, 0));
        assert_eq!(length_code(257), (27, 5, 30));
    }

    #[test]
    fn every_distance_maps_into_its_code_range() {
        for dist in 1..=32768 {
            let (code, extra, value) = dist_code(dist);
            assert!(value < 1 << extra, "dist {dist}");
            assert_eq!(usize::from(DIST_BASE[code]) + value as usize, dist);
        }
        assert_eq!(dist_code(32768).0, 29);
    }

    #[test]
    fn the_fixed_codes_are_the_canonical_codes_of_their_lengths() {
        let mut codes = [0; 288];
        super::super::huffman::canonical_codes(&FIXED_LITLEN_LENGTHS, &mut codes);
        assert_eq!(codes, FIXED_LITLEN_CODES);
        let mut codes = [0; DIST_SYMBOLS];
        super::super::huffman::canonical_codes(&[FIXED_DIST_LENGTH; DIST_SYMBOLS], &mut codes);
        assert_eq!(codes, FIXED_DIST_CODES);
    }
}
