//! JSON for a terminal, when some of it came from a token, which anyone may have made.
//!
//! serde_json escapes the C0 controls but writes every other character as it is, so a header or
//! a state could carry U+009B (CSI) or U+009D (OSC), which terminals such as xterm execute, or
//! bidirectional overrides (U+202E) and invisible characters that make the printed text read
//! differently from what it is. Here every character that is not graphic (Unicode's general
//! categories Cc, Cf, Zl, Zp, Co, and the noncharacters) is written as a `\uXXXX` escape. Outside
//! its strings, JSON text is ASCII, so a non-ASCII character only ever stands in a string, where
//! the escape means the same character: the output stays valid JSON of the same value.

use std::fmt::Write as _;

use serde_json::Value;

/// `bytes` as lowercase hex digits, two per byte (key and dictionary ids, file suffixes).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut text, byte| {
        let _ = write!(text, "{byte:02x}");
        text
    })
}

/// `value` as pretty JSON, with every non-graphic character escaped.
pub fn json(value: &Value) -> String {
    escape(&serde_json::to_string_pretty(value).unwrap_or_default())
}

/// `json_text` with every character for which [`is_hidden`] holds written as `\uXXXX` (a
/// surrogate pair above U+FFFF, as JSON spells it), except the C0 controls: serde_json has
/// escaped those in strings already, so the ones left are the newlines between members.
fn escape(json_text: &str) -> String {
    let mut out = String::with_capacity(json_text.len());
    for character in json_text.chars() {
        if character >= ' ' && is_hidden(character) {
            let mut units = [0u16; 2];
            for unit in character.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(character);
        }
    }
    out
}

/// Whether `character` is one a terminal would not show as itself: a control (C0, DEL, C1), a
/// format character (bidirectional controls, zero-width characters, the BOM, tags…), a line or
/// paragraph separator, a private-use character, or a noncharacter.
///
/// Listed by hand from the Unicode 16 tables, since the crate has no Unicode-properties
/// dependency. Unassigned code points are not caught: they print as a replacement glyph.
pub fn is_hidden(character: char) -> bool {
    let code = u32::from(character);
    matches!(
        code,
        // Cc: C0, DEL and C1.
        0x00..=0x1F | 0x7F..=0x9F
        // Cf.
        | 0xAD
        | 0x600..=0x605
        | 0x61C
        | 0x6DD
        | 0x70F
        | 0x890..=0x891
        | 0x8E2
        | 0x180E
        | 0x200B..=0x200F
        | 0x202A..=0x202E
        | 0x2060..=0x2064
        | 0x2066..=0x206F
        | 0xFEFF
        | 0xFFF9..=0xFFFB
        | 0x110BD
        | 0x110CD
        | 0x13430..=0x1343F
        | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A
        | 0xE0001
        | 0xE0020..=0xE007F
        // Zl, Zp.
        | 0x2028..=0x2029
        // Co: the private-use areas.
        | 0xE000..=0xF8FF
        | 0xF0000..=0xFFFFD
        | 0x100000..=0x10FFFD
        // Noncharacters.
        | 0xFDD0..=0xFDEF
    ) || code & 0xFFFE == 0xFFFE
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn c1_bidi_and_invisible_characters_are_escaped() {
        let text =
            "a\u{7f}\u{9b}31m\u{9d}0;x\u{7}\u{202e}b\u{2066}\u{200b}\u{2028}\u{feff}\u{e0041}c";
        let printed = json(&json!({ "kid": text, text: 1 }));
        for hidden in [
            '\u{9b}', '\u{9d}', '\u{202e}', '\u{2066}', '\u{200b}', '\u{feff}',
        ] {
            assert!(!printed.contains(hidden), "{hidden:?} in {printed}");
        }
        for escape in [
            "\\u007f",
            "\\u009b",
            "\\u009d",
            "\\u202e",
            "\\u2066",
            "\\u200b",
            "\\u2028",
            "\\ufeff",
            "\\udb40\\udc41",
        ] {
            assert!(printed.contains(escape), "{escape} missing from {printed}");
        }
        let read: Value = serde_json::from_str(&printed).expect("valid JSON");
        assert_eq!(read, json!({ "kid": text, text: 1 }));
    }

    #[test]
    fn printable_text_is_left_as_it_is() {
        let text = "clé ünïcode 漢字 🙂 \u{a0}space";
        assert_eq!(json(&json!(text)), format!("\"{text}\""));
    }

    proptest! {
        /// Any value made of any strings: valid JSON of the same value, nothing hidden in it.
        #[test]
        fn output_is_the_same_json_with_nothing_hidden(
            key in any::<String>(),
            text in any::<String>(),
            list in proptest::collection::vec(any::<String>(), 0..4),
        ) {
            let value = json!({ key: { "text": text, "list": list } });
            let printed = json(&value);
            prop_assert!(!printed.chars().any(|c| is_hidden(c) && c != '\n'));
            let read: Value = serde_json::from_str(&printed).expect("valid JSON");
            prop_assert_eq!(read, value);
        }
    }
}
