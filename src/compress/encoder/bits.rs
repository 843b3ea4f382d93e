//! The bit writer: DEFLATE packs fields from the least significant bit of each byte up
//! (RFC 1951 §3.1.1), Huffman codes included once their bits are reversed.

/// Appends bits to a byte vector, 32 at a time.
pub(super) struct BitWriter<'o> {
    out: &'o mut Vec<u8>,
    /// Bits not yet written, in the low `count` bits.
    pending: u64,
    count: u32,
}

impl<'o> BitWriter<'o> {
    /// A writer appending to `out` after what it holds.
    pub(super) fn new(out: &'o mut Vec<u8>) -> BitWriter<'o> {
        BitWriter {
            out,
            pending: 0,
            count: 0,
        }
    }

    /// Writes the low `len` bits of `bits` (at most 32; the bits above must be zero).
    #[inline]
    pub(super) fn put(&mut self, bits: u32, len: u32) {
        debug_assert!(len <= 32 && u64::from(bits) >> len == 0);
        self.pending |= u64::from(bits) << self.count;
        self.count += len;
        if self.count >= 32 {
            self.out
                .extend_from_slice(&(self.pending as u32).to_le_bytes());
            self.pending >>= 32;
            self.count -= 32;
        }
    }

    /// Pads with zero bits to the next byte boundary (before a stored block's lengths).
    pub(super) fn align_to_byte(&mut self) {
        let whole = self.count.div_ceil(8);
        self.out
            .extend_from_slice(&self.pending.to_le_bytes()[..whole as usize]);
        self.pending = 0;
        self.count = 0;
    }

    /// Appends whole bytes; the writer must be at a byte boundary.
    pub(super) fn put_bytes(&mut self, bytes: &[u8]) {
        debug_assert_eq!(self.count, 0);
        self.out.extend_from_slice(bytes);
    }

    /// Bits written so far beyond what `out` held at `start` bytes.
    pub(super) fn bits_since(&self, start: usize) -> usize {
        (self.out.len() - start) * 8 + self.count as usize
    }

    /// Writes the last partial byte, padded with zero bits.
    pub(super) fn finish(mut self) {
        self.align_to_byte();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_fill_bytes_from_the_low_bit_up() {
        let mut out = vec![0xaa];
        let mut writer = BitWriter::new(&mut out);
        writer.put(0b1, 1);
        writer.put(0b10, 2);
        writer.put(0x1f, 5);
        writer.put(0xdead_beef, 32);
        writer.put(0b101, 3);
        assert_eq!(writer.bits_since(1), 43);
        writer.finish();
        assert_eq!(out, [0xaa, 0xfd, 0xef, 0xbe, 0xad, 0xde, 0b101]);
    }

    #[test]
    fn aligning_pads_with_zeros() {
        let mut out = Vec::new();
        let mut writer = BitWriter::new(&mut out);
        writer.put(0b111, 3);
        writer.align_to_byte();
        writer.put_bytes(&[1, 2]);
        writer.align_to_byte();
        writer.finish();
        assert_eq!(out, [0b111, 1, 2]);
    }
}
