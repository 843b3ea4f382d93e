//! The tamper contract: one definition of "no change of a token opens", held against every
//! token format (compact, JWE, JWS) rather than a loop per format, each a little different.
//!
//! Every change of one character is tried, with no exception for the last character of a
//! base64url segment: its low bits are unused (2 or 4 of them, when the segment's length is not a
//! multiple of 4), so a lax decoder reads a change of only those bits as the same bytes and
//! opens the token. The library decodes strictly (RFC 4648's canonical form), so such a change
//! is refused like any other, and the contract says so: a decoder that ignored the unused bits
//! would fail it.

use std::fmt::Debug;

/// The base64url alphabet (RFC 4648 §5), which every segment of every token is written in.
pub const BASE64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Characters outside base64url that a lax reader might accept, skip or map onto it: the JOSE
/// segment separator, padding, the standard alphabet's two, white space, percent-encoding, NUL.
/// Each is tried at every position too.
pub const FOREIGN: &str = ".=+/ \n%\0";

/// One change of a token, as the contract made it; the predicate of
/// [`assert_every_change_is_refused`] sees it, so that a test can expect a narrower refusal for
/// some kinds of change (a truncation is never an unknown key, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The character at `at` replaced by `by`.
    Replaced {
        /// The position, in characters (every token is ASCII).
        at: usize,
        /// The character put there.
        by: char,
    },
    /// The character at `at` removed.
    Removed {
        /// The position.
        at: usize,
    },
    /// A character added at the end.
    Appended(char),
    /// A character added at the start.
    Prepended(char),
    /// Only the first `to` characters kept (`to` from 0 to one less than the token's length).
    Truncated {
        /// How many characters were kept.
        to: usize,
    },
    /// The first `from` characters cut (`from` from 1 to the token's length).
    Cut {
        /// How many characters were cut.
        from: usize,
    },
}

/// Every character the contract puts in a token: [`BASE64URL`] and [`FOREIGN`].
pub const EVERY_CHARACTER: &str = concat!(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    ".=+/ \n%\0"
);

/// Asserts that `token` opens and that no single change of it does: each character replaced by
/// every other character of [`BASE64URL`] and [`FOREIGN`] (so the separator `.` too), each
/// character removed, each of those characters appended and prepended, every truncation and
/// every cut of its start. Each refusal must satisfy `refused(change, error)`: the error kinds
/// the test expects. Returns the number of changes tried, for a test that wants to bound it.
///
/// `open` is whatever the format's reader is (`Sealer::open_at`, `JwsVerifier::verify_at`, ...),
/// at a fixed instant. The token must be ASCII (every format's is).
///
/// # Panics
///
/// If the token does not open, if a change opens, or if a refusal is not one `refused` expects;
/// the message names the change and the token.
pub fn assert_every_change_is_refused<T, E: Debug>(
    token: &str,
    open: impl Fn(&str) -> Result<T, E>,
    refused: impl Fn(&Change, &E) -> bool,
) -> usize {
    assert_changes_are_refused(token, Replacements::Every, open, refused)
}

/// What the contract puts at each position of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replacements<'a> {
    /// Every character of [`EVERY_CHARACTER`] that differs from the one there.
    Every,
    /// The first character of this list that differs from the one there (`"AB"`: an `A`, or a
    /// `B` where there was an `A`); every character of the list is appended and prepended. For
    /// a reader too slow for every character in a debug build: an Ed25519 verification takes
    /// about 10 ms there, and every character of a JWS, about 25,000 changes, minutes.
    FirstOf(&'a str),
}

/// The contract with the replacements given: [`assert_every_change_is_refused`] is this with
/// [`Replacements::Every`]. Removals, truncations and cuts are all made either way.
///
/// # Panics
///
/// As [`assert_every_change_is_refused`].
pub fn assert_changes_are_refused<T, E: Debug>(
    token: &str,
    replacements: Replacements<'_>,
    open: impl Fn(&str) -> Result<T, E>,
    refused: impl Fn(&Change, &E) -> bool,
) -> usize {
    assert!(token.is_ascii(), "tokens are ASCII: {token:?}");
    if let Err(error) = open(token) {
        panic!("the untouched token must open, but gave {error:?}: {token}");
    }
    let mut tried = 0;
    let mut check = |change: Change, changed: &str| {
        tried += 1;
        match open(changed) {
            Ok(_) => panic!("{change:?} opened: {changed:?} (from {token})"),
            Err(error) => assert!(
                refused(&change, &error),
                "{change:?} was refused with an unexpected error {error:?}: {changed:?} (from {token})"
            ),
        }
    };
    let (characters, per_position): (Vec<char>, usize) = match replacements {
        Replacements::Every => (EVERY_CHARACTER.chars().collect(), usize::MAX),
        Replacements::FirstOf(list) => (list.chars().collect(), 1),
    };
    let mut changed = String::with_capacity(token.len() + 1);
    for (at, original) in token.char_indices() {
        for &by in characters
            .iter()
            .filter(|&&by| by != original)
            .take(per_position)
        {
            changed.clear();
            changed.push_str(&token[..at]);
            changed.push(by);
            changed.push_str(&token[at + 1..]);
            check(Change::Replaced { at, by }, &changed);
        }
        changed.clear();
        changed.push_str(&token[..at]);
        changed.push_str(&token[at + 1..]);
        check(Change::Removed { at }, &changed);
    }
    for &extra in &characters {
        check(Change::Appended(extra), &format!("{token}{extra}"));
        check(Change::Prepended(extra), &format!("{extra}{token}"));
    }
    for to in 0..token.len() {
        check(Change::Truncated { to }, &token[..to]);
    }
    for from in 1..=token.len() {
        check(Change::Cut { from }, &token[from..]);
    }
    tried
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that accepts only one text passes; one that ignores a character fails.
    #[test]
    fn the_contract_tells_a_strict_reader_from_a_lax_one() {
        let token = "AbC-_.x9";
        let strict = |text: &str| {
            if text == token {
                Ok(())
            } else {
                Err("refused")
            }
        };
        let tried = assert_every_change_is_refused(token, strict, |_, _| true);
        let n = token.len();
        let alphabet = BASE64URL.len() + FOREIGN.len();
        assert_eq!(tried, n * (alphabet - 1) + n + 2 * alphabet + n + n);

        let lax = |text: &str| {
            if text.trim() == token {
                Ok(())
            } else {
                Err("refused")
            }
        };
        let lax_passed = std::panic::catch_unwind(|| {
            assert_every_change_is_refused(token, lax, |_, _| true);
        });
        assert!(lax_passed.is_err(), "a reader that trims white space fails");

        let narrow = std::panic::catch_unwind(|| {
            assert_every_change_is_refused(token, strict, |change, _| {
                !matches!(change, Change::Truncated { .. })
            });
        });
        assert!(narrow.is_err(), "an unexpected refusal fails");
    }

    #[test]
    fn every_character_is_both_alphabets() {
        assert_eq!(EVERY_CHARACTER, format!("{BASE64URL}{FOREIGN}"));
    }

    /// With fewer replacements, only those are put in; the other changes are all made.
    #[test]
    fn fewer_replacements_are_fewer_changes() {
        let token = "AbC-_.x9";
        let put = std::cell::RefCell::new(Vec::new());
        let strict = |text: &str| {
            if text == token {
                Ok(())
            } else {
                Err("refused")
            }
        };
        let tried =
            assert_changes_are_refused(token, Replacements::FirstOf("AB"), strict, |change, _| {
                put.borrow_mut().push(*change);
                true
            });
        let n = token.len();
        // One replacement per position, two characters appended and prepended.
        assert_eq!(tried, n + n + 2 * 2 + n + n);
        let put = put.into_inner();
        assert!(put.contains(&Change::Replaced { at: 0, by: 'B' }));
        assert!(put.contains(&Change::Replaced { at: 1, by: 'A' }));
        assert!(!put.contains(&Change::Replaced { at: 1, by: 'B' }));
    }
}
