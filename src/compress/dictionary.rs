//! Preset dictionaries: the bytes both directions start from, named by a 2-byte id and
//! authenticated by their SHA-256 digest.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::encoder::{PresetDictionary, WINDOW_LEN};
use crate::Error;

/// The longest dictionary that DEFLATE can use: its window, 32 KiB.
pub(crate) const MAX_DICTIONARY_LEN: usize = 32 * 1024;
const _: () = assert!(MAX_DICTIONARY_LEN == WINDOW_LEN);

/// Length of a [`DictionaryId`] in bytes.
pub(crate) const DICTIONARY_ID_LEN: usize = 2;

/// A preset dictionary: bytes the compressor and decompressor both start from, so that even a
/// small state compresses (RFC 1951 lets a stream refer back into history it did not write).
///
/// Build it from a representative state, with its field names and typical values, and ship it
/// with the application: every server that opens the tokens needs the same bytes. A dictionary
/// is **not secret** (it is not encrypted, and a token's length depends on it): never put a
/// secret or a real user's data in one. The token names its dictionary by a 2-byte id and
/// authenticates the dictionary's SHA-256 digest, so a token never opens with other bytes.
///
/// ```
/// use sealed_session::{Dictionary, Key, Sealer};
///
/// let dictionary = Dictionary::new(r#"{"user_id":0,"roles":["admin","editor"],"csrf":""}"#);
/// let sealer = Sealer::builder(Key::generate(), "session").with_dictionary(dictionary).build()?;
/// let token = sealer.seal("user-42", &serde_json::json!({"user_id": 42, "roles": ["editor"], "csrf": "x"}))?;
/// assert!(sealer.open::<serde_json::Value>(&token).is_ok());
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Clone)]
pub struct Dictionary(Arc<DictionaryBytes>);

/// The bytes, with the hash chains the encoder searches them by (built once, here, rather than
/// for every stream), and their digest.
struct DictionaryBytes {
    preset: PresetDictionary,
    digest: [u8; 32],
}

/// The public 2-byte id of a [`Dictionary`] in token headers: the first two bytes of the
/// SHA-256 digest of its bytes. Shown as 4 lowercase hex digits.
///
/// ```
/// let dictionary = sealed_session::Dictionary::new("{}");
/// assert_eq!(dictionary.id().to_string().len(), 4);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DictionaryId(pub(crate) [u8; DICTIONARY_ID_LEN]);

impl DictionaryId {
    /// Length of a dictionary id in bytes: 2.
    pub const LEN: usize = DICTIONARY_ID_LEN;

    /// The id as bytes, as written in the token header.
    ///
    /// ```
    /// assert_eq!(sealed_session::Dictionary::new("{}").id().as_bytes().len(), 2);
    /// ```
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; DICTIONARY_ID_LEN] {
        &self.0
    }
}

impl fmt::Display for DictionaryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::text::LowerHex(&self.0).fmt(f)
    }
}

impl fmt::Debug for DictionaryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DictionaryId({self})")
    }
}

impl Dictionary {
    /// The longest dictionary DEFLATE can use, its window: 32 KiB. A longer one keeps its
    /// last 32 KiB.
    pub const MAX_LEN: usize = MAX_DICTIONARY_LEN;

    /// A dictionary of `bytes`. Only the last [`Dictionary::MAX_LEN`] (32 KiB) can be used by
    /// DEFLATE; anything before them is dropped (and not part of the digest).
    ///
    /// Its hash chains are built here, once, for every sealer and thread that uses it: 12 to
    /// 36 bytes of memory per byte of dictionary (20 to 40 KiB for a sample of 1 to 2 KB, at
    /// most 384 KiB for a 32 KiB one).
    ///
    /// ```
    /// let dictionary = sealed_session::Dictionary::new(br#"{"roles":[],"csrf":""}"#.to_vec());
    /// assert_eq!(dictionary.len(), 22);
    /// ```
    #[must_use]
    pub fn new(bytes: impl Into<Vec<u8>>) -> Dictionary {
        let mut bytes = bytes.into();
        if bytes.len() > MAX_DICTIONARY_LEN {
            bytes.drain(..bytes.len() - MAX_DICTIONARY_LEN);
        }
        let digest = Sha256::digest(&bytes).into();
        Dictionary(Arc::new(DictionaryBytes {
            preset: PresetDictionary::new(bytes),
            digest,
        }))
    }

    /// A dictionary made of `sample` serialized as JSON, exactly as a sealer would write it:
    /// a representative value of the session's state type, with typical (never real) values.
    ///
    /// # Errors
    ///
    /// [`Error::Serialize`] if `sample` cannot be written as JSON.
    ///
    /// ```
    /// use sealed_session::Dictionary;
    /// use serde_json::json;
    ///
    /// let sample = json!({"user_id": 10001, "roles": ["viewer", "editor"], "csrf": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"});
    /// let dictionary = Dictionary::from_sample(&sample)?;
    /// assert!(dictionary.len() > 50);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn from_sample<T: Serialize + ?Sized>(sample: &T) -> Result<Dictionary, Error> {
        serde_json::to_vec(sample)
            .map(Dictionary::new)
            .map_err(|_| Error::Serialize)
    }

    /// The id tokens compressed with this dictionary carry.
    ///
    /// ```
    /// let a = sealed_session::Dictionary::new("one");
    /// assert_eq!(a.id(), sealed_session::Dictionary::new("one").id());
    /// ```
    #[must_use]
    pub fn id(&self) -> DictionaryId {
        DictionaryId([self.0.digest[0], self.0.digest[1]])
    }

    /// The SHA-256 digest of the bytes, authenticated with every token that uses them.
    pub(crate) fn digest(&self) -> &[u8; 32] {
        &self.0.digest
    }

    /// The bytes with their index, for the encoder.
    pub(crate) fn preset(&self) -> &PresetDictionary {
        &self.0.preset
    }

    /// The bytes.
    ///
    /// ```
    /// assert_eq!(sealed_session::Dictionary::new("abc").as_bytes(), b"abc");
    /// ```
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.0.preset.as_bytes()
    }

    /// The number of bytes.
    ///
    /// ```
    /// assert_eq!(sealed_session::Dictionary::new("abc").len(), 3);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// Whether the dictionary is empty (it then helps nothing).
    ///
    /// ```
    /// assert!(sealed_session::Dictionary::new("").is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.as_bytes().is_empty()
    }
}

impl PartialEq for Dictionary {
    fn eq(&self, other: &Dictionary) -> bool {
        self.0.digest == other.0.digest
    }
}

impl Eq for Dictionary {}

impl fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dictionary")
            .field("id", &self.id())
            .field("len", &self.len())
            .finish()
    }
}
