//! Length-limited Huffman codes from symbol frequencies, and their canonical bit patterns.
//!
//! The lengths come from Moffat and Katajainen's in-place construction ("In-place calculation
//! of minimum-redundancy codes", 1995) over the used symbols sorted by frequency: linear after
//! the sort, and no tree nodes allocated. Lengths past the limit (15 bits for literals,
//! lengths and distances, 7 for the code-length code) are then brought within it by moving
//! leaves down the tree until the Kraft sum is exact again, as libdeflate and zlib do: the code
//! stays complete, and the least frequent symbols pay for it.

/// The most symbols an alphabet of ours has (the literal/length alphabet's 286, rounded up to
/// the 288 of its fixed code).
const MAX_SYMBOLS: usize = 288;

/// Sets `lengths[s]` to the code length of symbol `s` in a Huffman code for `freqs`, no
/// length above `limit`, and 0 for unused symbols.
///
/// The code is always complete: with fewer than two symbols used, one or two unused ones get
/// a length of 1 too, so that every inflater accepts it.
pub(super) fn code_lengths(freqs: &[u32], limit: u8, lengths: &mut [u8]) {
    debug_assert!(freqs.len() <= MAX_SYMBOLS && freqs.len() >= 2);
    debug_assert_eq!(freqs.len(), lengths.len());
    lengths.fill(0);
    let used = freqs.iter().filter(|&&freq| freq > 0).count();
    if used < 2 {
        // One symbol (or none) takes one bit, and so does a partner that never occurs.
        let first = (0..freqs.len()).find(|&s| freqs[s] > 0).unwrap_or(0);
        let partner = if first == 0 { 1 } else { 0 };
        lengths[first] = 1;
        lengths[partner] = 1;
        return;
    }
    let mut sorted = [0u32; MAX_SYMBOLS];
    let sorted = &mut sorted[..used];
    sort_by_frequency(freqs, sorted);

    let mut depth = [0u32; MAX_SYMBOLS];
    let depth = &mut depth[..used];
    for (slot, &key) in depth.iter_mut().zip(sorted.iter()) {
        *slot = freqs[key as usize];
    }
    minimum_redundancy_lengths(depth);

    // How many codes of each length (1 to `limit`), the deeper ones counted at `limit`.
    let limit = usize::from(limit);
    let mut count = [0u32; 16];
    for &d in depth.iter() {
        count[(d as usize).min(limit)] += 1;
    }
    limit_lengths(&mut count, limit);

    // Longest codes to the least frequent symbols: `sorted` runs from least to most frequent.
    let mut symbols = sorted.iter().map(|&symbol| symbol as usize);
    for len in (1..=limit).rev() {
        for _ in 0..count[len] {
            if let Some(symbol) = symbols.next() {
                lengths[symbol] = len as u8;
            }
        }
    }
}

/// Writes the used symbols of `freqs` (as many as `sorted` holds) into `sorted`, least
/// frequent first, ties by symbol.
///
/// A counting sort, as libdeflate's: a frequency below the number of symbols used has a bucket
/// of its own, filled in symbol order; the few frequencies above share the last bucket, which
/// alone is compared. Most symbols of a session-sized block occur a handful of times.
fn sort_by_frequency(freqs: &[u32], sorted: &mut [u32]) {
    let used = sorted.len();
    let last = used - 1;
    // Every symbol is counted and placed, the unused ones (frequency 0, bucket 0, which no
    // used symbol shares) first: no branch on whether a symbol is used, which about half of
    // an alphabet's symbols would make the predictor miss.
    let mut starts = [0u16; MAX_SYMBOLS + 1];
    for &freq in freqs {
        starts[(freq as usize).min(last) + 1] += 1;
    }
    for bucket in 1..=used {
        starts[bucket] += starts[bucket - 1];
    }
    let unused = freqs.len() - used;
    let last_start = usize::from(starts[last]) - unused;
    let mut all = [0u32; MAX_SYMBOLS];
    for (symbol, &freq) in freqs.iter().enumerate() {
        let bucket = (freq as usize).min(last);
        all[usize::from(starts[bucket])] = symbol as u32;
        starts[bucket] += 1;
    }
    sorted.copy_from_slice(&all[unused..freqs.len()]);
    // The last bucket (frequencies of `last` and more) ends the list; order it by frequency,
    // then symbol.
    sorted[last_start..].sort_unstable_by_key(|&symbol| (freqs[symbol as usize], symbol));
}

/// Replaces the ascending frequencies in `a` (at least two) with the depths of their leaves
/// in a minimum-redundancy code: Moffat and Katajainen's three phases, in place.
fn minimum_redundancy_lengths(a: &mut [u32]) {
    let n = a.len();
    // Phase 1: combine the two least weights, again and again; each internal node's weight
    // is stored where the next node goes, and the nodes it absorbed point to their parent.
    a[0] += a[1];
    let (mut root, mut leaf) = (0, 2);
    for next in 1..n - 1 {
        if leaf >= n || a[root] < a[leaf] {
            a[next] = a[root];
            a[root] = next as u32;
            root += 1;
        } else {
            a[next] = a[leaf];
            leaf += 1;
        }
        if leaf >= n || (root < next && a[root] < a[leaf]) {
            a[next] += a[root];
            a[root] = next as u32;
            root += 1;
        } else {
            a[next] += a[leaf];
            leaf += 1;
        }
    }
    // Phase 2: parent pointers to internal node depths, from the root (n - 2) down.
    a[n - 2] = 0;
    for next in (0..n.saturating_sub(2)).rev() {
        a[next] = a[a[next] as usize] + 1;
    }
    // Phase 3: internal depths to leaf depths, deepest leaves first.
    let (mut available, mut used, mut depth) = (1u32, 0u32, 0u32);
    let mut root = n as isize - 2;
    let mut next = n as isize - 1;
    while available > 0 {
        while root >= 0 && a[root as usize] == depth {
            used += 1;
            root -= 1;
        }
        while available > used {
            a[next as usize] = depth;
            next -= 1;
            available -= 1;
        }
        available = 2 * used;
        depth += 1;
        used = 0;
    }
}

/// Makes the counts of codes per length (`count[limit]` holding every code at least that
/// long) a complete code again: each step takes one code off the deepest level and splits the
/// deepest shorter code into two, which lowers the Kraft sum by one unit of `2^-limit`.
fn limit_lengths(count: &mut [u32; 16], limit: usize) {
    let full = 1u32 << limit;
    let mut kraft: u32 = (1..=limit).map(|len| count[len] << (limit - len)).sum();
    while kraft > full {
        count[limit] -= 1;
        if let Some(len) = (1..limit).rev().find(|&len| count[len] > 0) {
            count[len] -= 1;
            count[len + 1] += 2;
        }
        kraft -= 1;
    }
}

/// The canonical code of each symbol with a nonzero length (RFC 1951 §3.2.2), its bits
/// reversed so that the bit writer, which fills bytes from the low bit, sends its first bit
/// first.
pub(super) fn canonical_codes(lengths: &[u8], codes: &mut [u16]) {
    let mut count = [0u16; 16];
    for &len in lengths {
        count[usize::from(len)] += 1;
    }
    count[0] = 0;
    let mut next = [0u16; 16];
    let mut code = 0u16;
    for len in 1..16 {
        code = (code + count[len - 1]) << 1;
        next[len] = code;
    }
    // No branch on unused symbols (length 0): their code is 0 and `next[0]` is never read.
    for (code, &len) in codes.iter_mut().zip(lengths) {
        let len = usize::from(len);
        let reversed = u32::from(next[len]).reverse_bits();
        *code = reversed.checked_shr(32 - len as u32).unwrap_or(0) as u16;
        next[len] = next[len].wrapping_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kraft(lengths: &[u8]) -> f64 {
        lengths
            .iter()
            .filter(|&&len| len > 0)
            .map(|&len| 0.5f64.powi(i32::from(len)))
            .sum()
    }

    fn cost(freqs: &[u32], lengths: &[u8]) -> u64 {
        freqs
            .iter()
            .zip(lengths)
            .map(|(&f, &l)| u64::from(f) * u64::from(l))
            .sum()
    }

    #[test]
    fn textbook_frequencies_get_their_optimal_lengths() {
        // a:45 b:13 c:12 d:16 e:9 f:5 (CLRS): 1, 3, 3, 3, 4, 4 bits.
        let freqs = [45, 13, 12, 16, 9, 5];
        let mut lengths = [0; 6];
        code_lengths(&freqs, 15, &mut lengths);
        assert_eq!(lengths, [1, 3, 3, 3, 4, 4]);
        assert_eq!(cost(&freqs, &lengths), 224);
    }

    #[test]
    fn skewed_frequencies_are_limited_and_stay_complete() {
        // Fibonacci frequencies make the deepest possible tree: 24 symbols would need 23 bits.
        let mut freqs = [0u32; 24];
        let (mut a, mut b) = (1, 1);
        for f in freqs.iter_mut() {
            *f = a;
            (a, b) = (b, a + b);
        }
        for limit in [7, 9, 15] {
            let mut lengths = [0; 24];
            code_lengths(&freqs, limit, &mut lengths);
            assert!(lengths.iter().all(|&len| (1..=limit).contains(&len)));
            assert!((kraft(&lengths) - 1.0).abs() < 1e-12, "limit {limit}");
        }
    }

    #[test]
    fn one_or_no_symbol_gets_a_complete_two_symbol_code() {
        let mut lengths = [0; 30];
        code_lengths(&[0; 30], 15, &mut lengths);
        assert_eq!(&lengths[..3], [1, 1, 0]);
        let mut freqs = [0; 30];
        freqs[0] = 7;
        code_lengths(&freqs, 15, &mut lengths);
        assert_eq!(&lengths[..3], [1, 1, 0]);
        freqs[0] = 0;
        freqs[9] = 7;
        code_lengths(&freqs, 15, &mut lengths);
        assert_eq!((lengths[0], lengths[9], kraft(&lengths)), (1, 1, 1.0));
    }

    #[test]
    fn canonical_codes_follow_the_rfc_example() {
        // RFC 1951 §3.2.2: lengths (3, 3, 3, 3, 3, 2, 4, 4) give 010 011 100 101 110 00 1110 1111.
        let lengths = [3, 3, 3, 3, 3, 2, 4, 4];
        let mut codes = [0; 8];
        canonical_codes(&lengths, &mut codes);
        let expected = [0b010, 0b011, 0b100, 0b101, 0b110, 0b00, 0b1110, 0b1111];
        for ((code, want), len) in codes.iter().zip(expected).zip(lengths) {
            assert_eq!(code.reverse_bits() >> (16 - len), want);
        }
    }
}
