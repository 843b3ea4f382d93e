//! Flash messages: a few texts for the next page the visitor sees ("saved", "logged out"), read
//! once, then gone. They travel in a cookie of their own beside the session's (its name and
//! `-flash`, the same attributes), so that a message survives a logout and a redirect, and
//! never grows the session.
//!
//! The cookie is the messages and the second they expire as JSON (`[expiry, [messages]]`), then
//! a keyed tag of it under the sealer's keys ([`Sealer::tag`]), both base64url, joined by a
//! dot: no other site or script can make one, a copy stops reading once it expires, and every
//! instance with the keys reads it. Signed, not encrypted: the visitor can read them, so they
//! hold nothing secret.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::Sealer;

/// The suffix of the flash cookie's name.
pub(crate) const SUFFIX: &str = "-flash";
/// The label of the messages' tag.
const TAG_LABEL: &str = "flash";
/// The most bytes of JSON the messages of one response may take: they must fit one cookie
/// beside the session's.
pub(crate) const MAX_FLASH_BYTES: usize = 1024;
/// How long an unread message waits, in seconds.
pub(crate) const FLASH_SECONDS: i64 = 10 * 60;

/// The cookie value of `messages`, read until the Unix second `expires`, or `None` when their
/// JSON is over [`MAX_FLASH_BYTES`].
pub(crate) fn encode(sealer: &Sealer, messages: &[String], expires: i64) -> Option<String> {
    let json = serde_json::to_vec(&(expires, messages)).ok()?;
    if json.len() > MAX_FLASH_BYTES {
        return None;
    }
    let tag = sealer.tag(TAG_LABEL, &json);
    Some(format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&json),
        URL_SAFE_NO_PAD.encode(tag)
    ))
}

/// The messages of a cookie value, if its tag is ours (under any key of the ring), it has not
/// expired at the Unix second `now`, and it holds a list of texts; nothing otherwise.
pub(crate) fn decode(sealer: &Sealer, value: &str, now: i64) -> Vec<String> {
    let Some((json, tag)) = value.split_once('.') else {
        return Vec::new();
    };
    if json.len() > MAX_FLASH_BYTES * 4 / 3 + 4 {
        return Vec::new();
    }
    let (Ok(json), Ok(tag)) = (URL_SAFE_NO_PAD.decode(json), URL_SAFE_NO_PAD.decode(tag)) else {
        return Vec::new();
    };
    if !sealer.verify_tag(TAG_LABEL, &json, &tag) {
        return Vec::new();
    }
    match serde_json::from_slice::<(i64, Vec<String>)>(&json) {
        Ok((expires, messages)) if now < expires => messages,
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Key;

    /// Messages come back as they went, under any key of the ring; a changed value, another
    /// key's tag, or too much text reads as no message, never a panic.
    #[test]
    fn messages_round_trip_and_forgeries_read_as_none() {
        let key = Key::generate();
        let sealer = Sealer::new(key.clone(), "session");
        let messages = vec!["saved".to_owned(), "ünïcode \"quoted\"".to_owned()];
        let value = encode(&sealer, &messages, 1000).expect("small");
        assert_eq!(decode(&sealer, &value, 999), messages);
        assert!(decode(&sealer, &value, 1000).is_empty(), "expired");
        let rotated = Sealer::new(
            crate::Keyring::new(Key::generate()).with_previous(key),
            "session",
        );
        assert_eq!(decode(&rotated, &value, 0), messages);
        assert!(decode(&Sealer::new(Key::generate(), "session"), &value, 0).is_empty());
        assert!(decode(&Sealer::new(Key::generate(), "other"), &value, 0).is_empty());
        let (json, tag) = value.split_once('.').expect("a dot");
        let forged = URL_SAFE_NO_PAD.encode(br#"[9999,["pay now"]]"#);
        assert!(decode(&sealer, &format!("{forged}.{tag}"), 0).is_empty());
        for broken in [
            "",
            ".",
            "AAAA",
            json,
            &format!("{json}."),
            &format!(".{tag}"),
        ] {
            assert!(decode(&sealer, broken, 0).is_empty(), "{broken}");
        }
        assert!(encode(&sealer, &["x".repeat(MAX_FLASH_BYTES)], 1000).is_none());
        // Exactly the largest JSON allowed: written, and read back whole.
        let overhead = serde_json::to_vec(&(1000, [""])).expect("JSON").len();
        let largest = vec!["y".repeat(MAX_FLASH_BYTES - overhead)];
        let value = encode(&sealer, &largest, 1000).expect("exactly the cap");
        assert_eq!(decode(&sealer, &value, 0), largest);
        let over = vec!["y".repeat(MAX_FLASH_BYTES - overhead + 1)];
        assert!(encode(&sealer, &over, 1000).is_none());
        // The CSRF tags' label is not the flash label: a CSRF tag never reads as one.
        let payload = br#"[9999,["x"]]"#;
        let csrf_tag = URL_SAFE_NO_PAD.encode(sealer.tag("csrf", payload));
        let json = URL_SAFE_NO_PAD.encode(payload);
        assert!(decode(&sealer, &format!("{json}.{csrf_tag}"), 0).is_empty());
    }
}
