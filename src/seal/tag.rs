//! Keyed tags under a sealer's keys: values the server hands out and checks later without
//! keeping them (a CSRF token bound to a session id), valid on every instance with the keys.

use subtle::ConstantTimeEq as _;

use super::Sealer;

impl Sealer {
    /// Length of a [`Sealer::tag`] in bytes.
    pub const TAG_LEN: usize = 32;

    /// A 32-byte keyed tag of `message` for `label`, under the current (first) key of the
    /// sealer and bound to its purpose: HKDF-SHA256 keyed by the purpose's subkey, with the label
    /// and message in its `info`. Only a holder of the key can make one; the same on every
    /// instance that has the key.
    ///
    /// The HTTP edge binds its CSRF tokens to a session with it (label `"csrf"`, message the
    /// session id), so that they are checked without being stored anywhere.
    ///
    /// ```
    /// use sealed_session::{Key, Sealer};
    ///
    /// let sealer = Sealer::new(Key::generate(), "session");
    /// let tag = sealer.tag("csrf", b"session 1");
    /// assert!(sealer.verify_tag("csrf", b"session 1", &tag));
    /// assert!(!sealer.verify_tag("csrf", b"session 2", &tag));
    /// assert!(!sealer.verify_tag("other", b"session 1", &tag));
    /// ```
    #[must_use]
    pub fn tag(&self, label: &str, message: &[u8]) -> [u8; Sealer::TAG_LEN] {
        self.codec.keys[0].tag(label, message)
    }

    /// Whether `tag` is [`Sealer::tag`] of `label` and `message` under any key of the
    /// sealer's keyring (so that tags handed out before a rotation still check), compared in
    /// constant time.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring, Sealer};
    ///
    /// let (old, new) = (Key::generate(), Key::generate());
    /// let before = Sealer::new(old.clone(), "session");
    /// let after = Sealer::new(Keyring::new(new).with_previous(old), "session");
    /// let tag = before.tag("csrf", b"id");
    /// assert!(after.verify_tag("csrf", b"id", &tag));
    /// ```
    #[must_use]
    pub fn verify_tag(&self, label: &str, message: &[u8], tag: &[u8]) -> bool {
        // Every key is tried, whatever matched, so the time says nothing of which one did.
        self.codec.keys.iter().fold(false, |found, key| {
            let equal = bool::from(key.tag(label, message).ct_eq(tag));
            found | equal
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::{Key, Keyring, Sealer};

    /// A tag is bound to the key, the purpose, the label and the message; the label's length
    /// is part of it, so moving bytes between label and message changes the tag.
    #[test]
    fn a_tag_is_bound_to_key_purpose_label_and_message() {
        let key = Key::generate();
        let sealer = Sealer::new(key.clone(), "session");
        let tag = sealer.tag("csrf", b"id");
        assert_eq!(tag, Sealer::new(key.clone(), "session").tag("csrf", b"id"));
        assert_ne!(tag, Sealer::new(key.clone(), "other").tag("csrf", b"id"));
        assert_ne!(
            tag,
            Sealer::new(Key::generate(), "session").tag("csrf", b"id")
        );
        assert_ne!(tag, sealer.tag("csrfi", b"d"));
        assert_ne!(tag, sealer.tag("csrf", b"id2"));
        assert!(!sealer.verify_tag("csrf", b"id", &tag[..31]));
        assert!(!sealer.verify_tag("csrf", b"id", &[0u8; 32]));
        let rotated = Sealer::new(
            Keyring::new(Key::generate()).with_previous(key.clone()),
            "session",
        );
        assert!(rotated.verify_tag("csrf", b"id", &tag));
        assert_ne!(rotated.tag("csrf", b"id"), tag);
        // A key given twice (a rotation written twice) is kept once, and still checks.
        let twice = Sealer::new(Keyring::new(key.clone()).with_previous(key), "session");
        assert!(twice.verify_tag("csrf", b"id", &tag));
    }
}
