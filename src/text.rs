//! Small readers and writers of text the core shares: token segments, and hex (the one way
//! bytes are written as hex, and read back).

use std::fmt;

/// `text` cut at every `separator` into exactly `N` parts, or `None`.
pub(crate) fn split_exact<const N: usize>(text: &str, separator: char) -> Option<[&str; N]> {
    let mut parts = text.split(separator);
    let mut out = [""; N];
    for slot in &mut out {
        *slot = parts.next()?;
    }
    parts.next().is_none().then_some(out)
}

/// The `N` bytes written as `2 × N` lowercase hex digits, or `None` for anything else.
pub(crate) fn lower_hex<const N: usize>(digits: &[u8]) -> Option<[u8; N]> {
    if digits.len() != 2 * N {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut bytes = [0u8; N];
    for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(bytes)
}

/// Bytes shown as lowercase hex digits, two per byte: key ids, dictionary ids, revocation labels.
pub(crate) struct LowerHex<'a>(pub(crate) &'a [u8]);

impl fmt::Display for LowerHex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_into_exactly_n_parts() {
        assert_eq!(split_exact::<3>("a.b.c", '.'), Some(["a", "b", "c"]));
        assert_eq!(split_exact::<3>("a..", '.'), Some(["a", "", ""]));
        assert_eq!(split_exact::<3>("a.b", '.'), None);
        assert_eq!(split_exact::<3>("a.b.c.d", '.'), None);
    }

    #[test]
    fn reads_lowercase_hex_only() {
        assert_eq!(lower_hex::<2>(b"0aff"), Some([0x0a, 0xff]));
        assert_eq!(LowerHex(&[0x0a, 0xff]).to_string(), "0aff");
        for bad in [&b"0AFF"[..], b"0af", b"0affe", b"0ag0"] {
            assert_eq!(lower_hex::<2>(bad), None);
        }
    }
}
