//! The matcher: LZ77 over the preset dictionary followed by the input, as a list of literals
//! and copies with the frequencies the block coder needs.
//!
//! Every position of the input is looked up in the input's own hash chains (nearest first, so
//! the cheapest distances come first) and then in the dictionary's prebuilt chains. A copy is
//! 3 to 258 bytes long, reaches back at most the 32 KiB window and never before the start of
//! the dictionary; it may start in the dictionary and run on into the input, and may overlap
//! the bytes it produces, as RFC 1951 allows.

use super::codes::{DIST_SYMBOLS, END_OF_BLOCK, LITLEN_SYMBOLS, dist_code, length_code};
use super::index::{DictionaryChains, DictionaryIndex, HashLen, InputChains, InputIndex};
use super::{MAX_MATCH, MIN_MATCH, WINDOW_LEN};

/// A 3-byte copy farther back than this costs more bits than three literals: it is not taken.
const TOO_FAR: usize = 4096;

/// How hard a level searches.
#[derive(Clone, Copy, Debug)]
pub(super) struct Search {
    /// Candidates examined per position (input and dictionary together).
    pub(super) max_chain: u16,
    /// A copy this long ends the search.
    pub(super) nice_len: u16,
    /// Lazy matching: a copy shorter than this is held back one position in case the next
    /// position starts a longer one. 0: greedy.
    pub(super) max_lazy: u16,
    /// With a held copy at least this long, the next search looks at a quarter of the chain.
    pub(super) good_len: u16,
    /// Greedy only: the positions inside a copy longer than this are not indexed (a long run
    /// would fill the chains with itself).
    pub(super) max_insert: u16,
    /// How many bytes the hash chains cover.
    pub(super) hash_len: HashLen,
}

/// What the matcher found in one block's part of the input.
pub(super) struct Symbols {
    /// A literal byte (below 256), or a copy as `len << 16 | (dist - 1)`.
    items: Vec<u32>,
    /// How often each literal/length symbol occurs, end of block included.
    pub(super) litlen_freq: [u32; LITLEN_SYMBOLS],
    /// How often each distance symbol occurs.
    pub(super) dist_freq: [u32; DIST_SYMBOLS],
    /// Extra bits the copies need beside their codes.
    pub(super) extra_bits: u64,
}

/// One item of [`Symbols`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Symbol {
    Literal(u8),
    Copy { len: usize, dist: usize },
}

impl Default for Symbols {
    fn default() -> Symbols {
        Symbols {
            items: Vec::new(),
            litlen_freq: [0; LITLEN_SYMBOLS],
            dist_freq: [0; DIST_SYMBOLS],
            extra_bits: 0,
        }
    }
}

impl Symbols {
    /// Forgets the last block: no byte of it is read again.
    pub(super) fn clear(&mut self) {
        self.items.clear();
        self.litlen_freq = [0; LITLEN_SYMBOLS];
        self.litlen_freq[END_OF_BLOCK] = 1;
        self.dist_freq = [0; DIST_SYMBOLS];
        self.extra_bits = 0;
    }

    fn literal(&mut self, byte: u8) {
        self.items.push(u32::from(byte));
        self.litlen_freq[usize::from(byte)] += 1;
    }

    fn copy(&mut self, len: usize, dist: usize) {
        debug_assert!((MIN_MATCH..=MAX_MATCH).contains(&len) && (1..=WINDOW_LEN).contains(&dist));
        self.items.push((len as u32) << 16 | (dist - 1) as u32);
        let (code, len_extra, _) = length_code(len);
        let (dist_code, dist_extra, _) = dist_code(dist);
        self.litlen_freq[END_OF_BLOCK + 1 + code] += 1;
        self.dist_freq[dist_code] += 1;
        self.extra_bits += u64::from(len_extra + dist_extra);
    }

    /// How many literals and copies there are.
    pub(super) fn len(&self) -> usize {
        self.items.len()
    }

    /// The literals and copies, in order.
    pub(super) fn iter(&self) -> impl Iterator<Item = Symbol> + '_ {
        self.items.iter().map(|&item| {
            if item < 256 {
                Symbol::Literal(item as u8)
            } else {
                Symbol::Copy {
                    len: (item >> 16) as usize,
                    dist: (item & 0xffff) as usize + 1,
                }
            }
        })
    }
}

/// The matcher over one stream.
pub(super) struct Matcher<'a> {
    input: &'a [u8],
    dictionary: Option<(&'a [u8], DictionaryChains<'a>)>,
    chains: InputChains<'a>,
    search: Search,
}

impl<'a> Matcher<'a> {
    /// A matcher over `input`, starting from `dictionary` (at most the window, with its
    /// index), with `index` already reset for the input's length.
    pub(super) fn new(
        input: &'a [u8],
        dictionary: Option<(&'a [u8], &'a DictionaryIndex)>,
        index: &'a mut InputIndex,
        search: Search,
    ) -> Matcher<'a> {
        Matcher {
            input,
            dictionary: dictionary
                .filter(|(bytes, _)| bytes.len() >= MIN_MATCH)
                .map(|(bytes, index)| (bytes, index.chains())),
            chains: index.chains(),
            search,
        }
    }

    /// Finds the literals and copies of `input[start..end]` (all of the input before `start`
    /// was parsed already), copies ending by `end`.
    pub(super) fn parse(&mut self, start: usize, end: usize, symbols: &mut Symbols) {
        if self.search.max_lazy == 0 {
            self.parse_greedy(start, end, symbols);
        } else {
            self.parse_lazy(start, end, symbols);
        }
    }

    /// Takes the longest copy found at each position.
    fn parse_greedy(&mut self, start: usize, end: usize, symbols: &mut Symbols) {
        let mut at = start;
        while at < end {
            let found = self.search_and_insert(at, end, 0);
            match found {
                Some((len, dist)) => {
                    symbols.copy(len, dist);
                    if len <= usize::from(self.search.max_insert) {
                        self.insert_range(at + 1, at + len);
                    }
                    at += len;
                }
                None => {
                    symbols.literal(self.input[at]);
                    at += 1;
                }
            }
        }
    }

    /// Holds each copy back one position: when the next position starts a longer copy, the
    /// held one becomes a literal (zlib's lazy evaluation).
    fn parse_lazy(&mut self, start: usize, end: usize, symbols: &mut Symbols) {
        // The position before `at` when it is not yet written: a literal, or the copy found
        // there.
        let mut held: Option<Option<(usize, usize)>> = None;
        let mut at = start;
        while at < end {
            let held_len = match held {
                Some(Some((len, _))) => len,
                _ => 0,
            };
            let found = if held_len < usize::from(self.search.max_lazy) {
                self.search_and_insert(at, end, held_len)
            } else {
                self.insert(at);
                None
            };
            match (held, found) {
                (Some(Some((len, dist))), None) => {
                    // Nothing longer here: the held copy, from the position before.
                    symbols.copy(len, dist);
                    let copy_end = at - 1 + len;
                    self.insert_range(at + 1, copy_end);
                    at = copy_end;
                    held = None;
                }
                _ => {
                    if held.is_some() {
                        symbols.literal(self.input[at - 1]);
                    }
                    held = Some(found);
                    at += 1;
                }
            }
        }
        match held {
            // A copy held at the last position cannot be (it would need three bytes), but
            // should one be held, it fits: it was found within `end`.
            Some(Some((len, dist))) => symbols.copy(len, dist),
            Some(None) => symbols.literal(self.input[at - 1]),
            None => {}
        }
    }

    /// Indexes the positions from `from` to `to` (those with the bytes of a hash after them).
    fn insert_range(&mut self, from: usize, to: usize) {
        for at in from..to {
            self.insert(at);
        }
    }

    fn insert(&mut self, at: usize) {
        let hash_len = self.search.hash_len;
        if at + hash_len.bytes() <= self.input.len() {
            let mixed = HashLen::mix(hash_len.word(self.input, at));
            self.chains.insert(at, mixed);
        }
    }

    /// Looks for a copy at `at` longer than `held_len` (and at least 3 bytes), ending by
    /// `end`, then indexes `at`. Returns its length and distance.
    ///
    /// Most positions find both chains empty: that path is kept short and inlined into the
    /// parse loops, and the search proper ([`Self::longest`]) is a call of its own.
    #[inline(always)]
    fn search_and_insert(
        &mut self,
        at: usize,
        end: usize,
        held_len: usize,
    ) -> Option<(usize, usize)> {
        let max_len = (end - at).min(MAX_MATCH);
        let hash_len = self.search.hash_len;
        if at + hash_len.bytes() > self.input.len() {
            return None;
        }
        let mixed = HashLen::mix(hash_len.word(self.input, at));
        // Indexing `at` first hands back the input's latest position with its hash: the
        // search starts there, and `at` itself is never a candidate (it is no earlier).
        let input_first = self.chains.insert(at, mixed);
        let dictionary_first = match &self.dictionary {
            Some((_, chains)) if at < WINDOW_LEN => chains.first(mixed),
            _ => None,
        };
        if (input_first == 0 && dictionary_first.is_none())
            || max_len < MIN_MATCH
            || held_len >= max_len
        {
            return None;
        }
        self.longest(at, max_len, held_len, input_first, dictionary_first)
    }

    /// The longest copy for `input[at..at + max_len]` longer than `held_len`: first among
    /// earlier input positions, nearest first, from `input_first` (a position plus one, 0 for
    /// none), then in the dictionary, from `dictionary_first`.
    #[inline(never)]
    fn longest(
        &self,
        at: usize,
        max_len: usize,
        held_len: usize,
        input_first: u32,
        dictionary_first: Option<usize>,
    ) -> Option<(usize, usize)> {
        let input = self.input;
        let current = &input[at..at + max_len];
        let mut best_len = held_len.max(MIN_MATCH - 1);
        let mut best_dist = 0;
        let mut chain = usize::from(self.search.max_chain);
        if held_len >= MIN_MATCH.max(usize::from(self.search.good_len)) {
            chain = (chain / 4).max(1);
        }
        let nice = usize::from(self.search.nice_len).min(max_len);
        let worth = |len: usize, dist: usize| len > MIN_MATCH || dist <= TOO_FAR;

        let lowest = at.saturating_sub(WINDOW_LEN);
        let mut candidate = input_first;
        while candidate != 0 && chain > 0 {
            let from = candidate as usize - 1;
            if from < lowest {
                break;
            }
            chain -= 1;
            if input[from + best_len] == current[best_len] {
                let len = common_prefix(&input[from..from + max_len], current);
                if len > best_len && worth(len, at - from) {
                    (best_len, best_dist) = (len, at - from);
                    if len >= nice {
                        return Some((best_len, best_dist));
                    }
                }
            }
            let next = self.chains.next(from);
            if next >= candidate {
                break;
            }
            candidate = next;
        }

        if let Some((dictionary, chains)) = &self.dictionary {
            let dict_len = dictionary.len();
            // dist = at + dict_len - from, at most the window.
            let lowest = (at + dict_len).saturating_sub(WINDOW_LEN);
            let byte_at = |pos: usize| {
                if pos < dict_len {
                    dictionary[pos]
                } else {
                    input[pos - dict_len]
                }
            };
            let mut candidate = dictionary_first;
            while let Some(from) = candidate
                && chain > 0
                && from >= lowest
            {
                chain -= 1;
                if byte_at(from + best_len) == current[best_len] {
                    let len = dictionary_match_len(dictionary, input, from, current);
                    let dist = at + dict_len - from;
                    if len > best_len && worth(len, dist) {
                        (best_len, best_dist) = (len, dist);
                        if len >= nice {
                            break;
                        }
                    }
                }
                candidate = chains.next(from);
            }
        }
        (best_dist > 0).then_some((best_len, best_dist))
    }
}

/// How many bytes from dictionary position `from` on (running on into the input after the
/// dictionary's end) equal `current`.
fn dictionary_match_len(dictionary: &[u8], input: &[u8], from: usize, current: &[u8]) -> usize {
    let in_dictionary = (dictionary.len() - from).min(current.len());
    let len = common_prefix(
        &dictionary[from..from + in_dictionary],
        &current[..in_dictionary],
    );
    if len < in_dictionary {
        return len;
    }
    let rest = current.len() - in_dictionary;
    len + common_prefix(&input[..rest], &current[in_dictionary..])
}

/// The length of the common prefix of `a` and `b`, eight bytes at a time.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let (a_words, _) = a.as_chunks::<8>();
    let (b_words, _) = b.as_chunks::<8>();
    let mut len = 0;
    for (x, y) in a_words.iter().zip(b_words) {
        let diff = u64::from_le_bytes(*x) ^ u64::from_le_bytes(*y);
        if diff != 0 {
            return len + (diff.trailing_zeros() / 8) as usize;
        }
        len += 8;
    }
    len + a[len..]
        .iter()
        .zip(&b[len..])
        .take_while(|(x, y)| x == y)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_prefix_counts_across_words() {
        let a = b"abcdefghijklmnopqrstuvwxyz";
        for cut in 0..a.len() {
            let mut b = a.to_vec();
            b[cut] ^= 1;
            assert_eq!(common_prefix(a, &b), cut);
            assert_eq!(common_prefix(&a[..cut], a), cut);
        }
        assert_eq!(common_prefix(a, a), a.len());
    }

    #[test]
    fn dictionary_matches_run_on_into_the_input() {
        let dictionary = b"xxabc";
        let input = b"abcabcabc";
        assert_eq!(dictionary_match_len(dictionary, input, 2, &input[..9]), 9);
        assert_eq!(dictionary_match_len(dictionary, input, 1, &input[..9]), 0);
        assert_eq!(dictionary_match_len(dictionary, input, 2, &input[..2]), 2);
    }
}
