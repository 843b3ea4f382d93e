//! Keys, key ids and the keyring used for rotation.
//!
//! A [`Key`] is 32 secret bytes. Its public [`KeyId`] (4 bytes, derived with HKDF so it says
//! nothing about the key) travels in every token header, so that opening picks the one right key
//! instead of trying them all. A [`Keyring`] holds the current key, which seals, and previous keys,
//! which still open: rotate by making a new key current and keeping the old one as previous until
//! every token sealed under it has expired.

use std::fmt;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hkdf::Hkdf;
use rand::TryRng as _;
use sha2::Sha256;
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use crate::Error;

mod env;
mod published;

/// Length of a [`Key`] in bytes.
pub(crate) const KEY_LEN: usize = 32;
/// Length of a [`KeyId`] in bytes.
pub(crate) const KEY_ID_LEN: usize = 4;

/// HKDF `info` for the key id. Versioned so that a future format can derive ids afresh.
const KEY_ID_INFO: &[u8] = b"sealed-session v1 key id";

// Every HKDF `info` label of the crate is here, so that no two purposes can share one.

/// HKDF `info` prefix of the per-purpose key of compact tokens (followed by the purpose).
pub(crate) const TOKEN_SUBKEY_INFO: &[u8] = b"sealed-session v1 token:";
/// HKDF `info` prefix of the per-purpose JWE key (followed by the purpose).
pub(crate) const JWE_SUBKEY_INFO: &[u8] = b"sealed-session v1 jwe:";
/// HKDF `info` of the revocation lists' shared hash key.
pub(crate) const REVOCATION_HASH_KEY_INFO: &[u8] = b"sealed-session v1 revocation hash key";
/// HKDF `info` prefix of a sealer's keyed tags ([`crate::Sealer::tag`]), keyed by the purpose's
/// token subkey and followed by the label's length (4 bytes, big-endian), the label and the
/// message: no two labels or messages share an `info`.
pub(crate) const TAG_INFO: &[u8] = b"sealed-session v1 tag:";

/// Reads keys in either alphabet, with or without padding (but only correct padding).
const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const URL_SAFE_ANY_PAD: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);
const STANDARD_ANY_PAD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);

/// A 32-byte secret key.
///
/// `Debug` prints the key id only, equality is constant-time, and the bytes are wiped on drop.
/// The bytes live in a heap block of their own that never moves, so that growing a
/// [`Keyring`] or cloning a key leaves no unwiped copy behind in freed memory.
///
/// ```
/// use sealed_session::Key;
///
/// let key = Key::generate();
/// let text = key.to_base64(); // store this in your secret manager
/// let again = Key::from_base64(&text)?;
/// assert_eq!(key, again);
/// assert!(!format!("{key:?}").contains(&text));
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Clone)]
pub struct Key {
    bytes: Box<Zeroizing<[u8; KEY_LEN]>>,
    id: KeyId,
}

impl Key {
    /// Length of a key in bytes: 32.
    pub const LEN: usize = KEY_LEN;

    /// Draws a new key from the operating system's random number generator.
    ///
    /// # Panics
    ///
    /// Panics if the operating system cannot supply randomness; use [`Key::try_generate`] to get
    /// an error instead.
    ///
    /// ```
    /// let key = sealed_session::Key::generate();
    /// assert_ne!(key, sealed_session::Key::generate());
    /// ```
    #[must_use]
    pub fn generate() -> Key {
        match Key::try_generate() {
            Ok(key) => key,
            Err(error) => panic!("cannot generate a key: {error}"),
        }
    }

    /// Draws a new key from the operating system's random number generator.
    ///
    /// # Errors
    ///
    /// [`Error::Random`] if the operating system cannot supply randomness.
    ///
    /// ```
    /// let key = sealed_session::Key::try_generate()?;
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn try_generate() -> Result<Key, Error> {
        let mut bytes = Box::new(Zeroizing::new([0u8; KEY_LEN]));
        rand::rngs::SysRng
            .try_fill_bytes(&mut bytes[..])
            .map_err(|_| Error::Random)?;
        Ok(Key::from_boxed(bytes))
    }

    /// Reads a key written by [`Key::to_base64`]: standard or URL-safe base64, padded or not.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] if the text is not base64 of exactly 32 bytes.
    ///
    /// ```
    /// let key = sealed_session::Key::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")?;
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn from_base64(text: &str) -> Result<Key, Error> {
        let text = text.trim();
        let mut decoded = Zeroizing::new([0u8; KEY_LEN + 3]);
        let len = URL_SAFE_ANY_PAD
            .decode_slice(text, decoded.as_mut())
            .or_else(|_| STANDARD_ANY_PAD.decode_slice(text, decoded.as_mut()))
            .map_err(|_| Error::InvalidKey)?;
        Key::try_from(&decoded[..len])
    }

    /// The key as URL-safe base64 without padding (43 characters).
    ///
    /// ```
    /// let key = sealed_session::Key::generate();
    /// assert_eq!(key.to_base64().len(), 43);
    /// ```
    #[must_use]
    pub fn to_base64(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.bytes[..])
    }

    /// The public id of this key, as carried in token headers.
    ///
    /// ```
    /// let key = sealed_session::Key::generate();
    /// println!("sealing with key {}", key.id());
    /// ```
    #[must_use]
    pub fn id(&self) -> KeyId {
        self.id
    }

    fn from_boxed(bytes: Box<Zeroizing<[u8; KEY_LEN]>>) -> Key {
        let mut id = [0u8; KEY_ID_LEN];
        expand(&bytes[..], &[KEY_ID_INFO], &mut id);
        Key {
            bytes,
            id: KeyId(id),
        }
    }

    /// Derives a 32-byte subkey bound to `info` (HKDF-SHA256, no salt, `info` parts concatenated).
    /// Boxed, like the key, so that moving it never leaves a copy behind.
    pub(crate) fn derive(&self, info: &[&[u8]]) -> Box<Zeroizing<[u8; KEY_LEN]>> {
        let mut subkey = Box::new(Zeroizing::new([0u8; KEY_LEN]));
        expand(&self.bytes[..], info, &mut subkey[..]);
        subkey
    }

    /// The secret bytes, for the crate's own encoders and for a JWE key used as it is.
    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.bytes
    }
}

/// HKDF-SHA256 extract (no salt: RFC 5869 then uses `HashLen` zero bytes) then expand `info`
/// into `out`. The HMAC states holding the pseudorandom key are wiped when `hkdf` is dropped
/// (`sha2`'s `zeroize` feature).
pub(crate) fn expand(ikm: &[u8], info: &[&[u8]], out: &mut [u8]) {
    let hkdf = Hkdf::<Sha256>::new(None, ikm);
    // Outputs here are at most 32 bytes, far below HKDF's limit of 255 * 32.
    if hkdf.expand_multi_info(info, out).is_err() {
        unreachable!("HKDF output length is at most 32 bytes");
    }
}

impl TryFrom<&[u8]> for Key {
    type Error = Error;

    /// Takes exactly 32 bytes of key material.
    ///
    /// ```
    /// use sealed_session::Key;
    ///
    /// let key = Key::try_from(&[7u8; 32][..])?;
    /// assert!(Key::try_from(&[7u8; 31][..]).is_err());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    fn try_from(bytes: &[u8]) -> Result<Key, Error> {
        if bytes.len() != KEY_LEN {
            return Err(Error::InvalidKey);
        }
        let mut boxed = Box::new(Zeroizing::new([0u8; KEY_LEN]));
        boxed.copy_from_slice(bytes);
        Ok(Key::from_boxed(boxed))
    }
}

impl PartialEq for Key {
    /// Constant-time comparison of the key bytes.
    fn eq(&self, other: &Key) -> bool {
        self.bytes[..].ct_eq(&other.bytes[..]).into()
    }
}

impl Eq for Key {}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("id", &self.id)
            .field("bytes", &"***")
            .finish()
    }
}

/// The public, 4-byte id of a [`Key`]: the first bytes of HKDF-SHA256(key, "sealed-session v1 key id").
///
/// Shown as 8 lowercase hex digits.
///
/// ```
/// let key = sealed_session::Key::try_from(&[0u8; 32][..])?;
/// assert_eq!(key.id().to_string().len(), 8);
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId(pub(crate) [u8; KEY_ID_LEN]);

impl KeyId {
    /// Length of a key id in bytes: 4.
    pub const LEN: usize = KEY_ID_LEN;

    /// The id as bytes, as written in the token header.
    ///
    /// ```
    /// let key = sealed_session::Key::generate();
    /// assert_eq!(key.id().as_bytes().len(), 4);
    /// ```
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; KEY_ID_LEN] {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::text::LowerHex(&self.0).fmt(f)
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// The current key, which seals, and previous keys, which still open.
///
/// ```
/// use sealed_session::{Key, Keyring, Sealer};
///
/// let old = Key::generate();
/// let token = Sealer::new(old.clone(), "session").seal("alice", &1u32)?;
///
/// // Rotation: a new current key; the old one keeps opening what it sealed.
/// let ring = Keyring::new(Key::generate()).with_previous(old);
/// let sealer = Sealer::new(ring, "session");
/// assert_eq!(*sealer.open::<u32>(&token)?.state(), 1);
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Keyring {
    keys: Vec<Key>,
}

impl Keyring {
    /// A keyring that seals and opens with `current`.
    ///
    /// ```
    /// let ring = sealed_session::Keyring::new(sealed_session::Key::generate());
    /// ```
    #[must_use]
    pub fn new(current: Key) -> Keyring {
        Keyring {
            keys: vec![current],
        }
    }

    /// Adds a key that still opens tokens but no longer seals. Adding a key already present does
    /// nothing.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring};
    /// let ring = Keyring::new(Key::generate()).with_previous(Key::generate());
    /// assert_eq!(ring.keys().count(), 2);
    /// ```
    #[must_use]
    pub fn with_previous(mut self, previous: Key) -> Keyring {
        if !self.keys.contains(&previous) {
            self.keys.push(previous);
        }
        self
    }

    /// The key that seals.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring};
    /// let key = Key::generate();
    /// assert_eq!(Keyring::new(key.clone()).current(), &key);
    /// ```
    #[must_use]
    pub fn current(&self) -> &Key {
        &self.keys[0]
    }

    /// Every key, the current one first.
    ///
    /// ```
    /// use sealed_session::{Key, Keyring};
    /// let ring = Keyring::new(Key::generate());
    /// assert_eq!(ring.keys().count(), 1);
    /// ```
    pub fn keys(&self) -> impl Iterator<Item = &Key> {
        self.keys.iter()
    }
}

impl From<Key> for Keyring {
    fn from(current: Key) -> Keyring {
        Keyring::new(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_does_not_leak_key() {
        let key = Key::try_from(&[0xAB; KEY_LEN][..]).expect("32 bytes");
        let shown = format!("{key:?} {:?}", Keyring::new(key.clone()));
        assert!(!shown.to_lowercase().contains("abab"), "{shown}");
        assert!(!shown.contains(&key.to_base64()), "{shown}");
        assert!(!shown.contains("171"), "{shown}");
        // What is shown: the key id, which names the key without revealing it.
        let id = key.id().to_string();
        assert_eq!(id.len(), 8);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        assert_eq!(
            format!("{key:?}"),
            format!("Key {{ id: KeyId({id}), bytes: \"***\" }}")
        );
        assert_eq!(format!("{:?}", key.id()), format!("KeyId({id})"));
        assert!(shown.contains(&id), "{shown}");
    }

    #[test]
    fn key_length_is_exact() {
        for len in [0, 1, 16, 31, 33, 64] {
            assert_eq!(Key::try_from(&vec![1u8; len][..]), Err(Error::InvalidKey));
        }
        assert!(Key::try_from(&[1u8; KEY_LEN][..]).is_ok());
    }

    #[test]
    fn base64_round_trip_and_forms() {
        let key = Key::generate();
        assert_eq!(Key::from_base64(&key.to_base64()), Ok(key.clone()));
        let padded = base64::engine::general_purpose::STANDARD.encode(key.bytes());
        assert_eq!(Key::from_base64(&padded), Ok(key.clone()));
        assert_eq!(Key::from_base64(&format!(" {padded}\n")), Ok(key));
        assert_eq!(Key::from_base64("c2hvcnQ"), Err(Error::InvalidKey));
        assert_eq!(Key::from_base64("not base64!"), Err(Error::InvalidKey));
        assert_eq!(Key::from_base64(&"A".repeat(60)), Err(Error::InvalidKey));
    }

    /// Standard base64 without padding: about three random keys in four contain `+` or `/`.
    #[test]
    fn from_base64_accepts_unpadded_standard_base64() {
        use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE};
        for byte in [0x3e, 0x3f, 0xfb, 0xff, 0x00] {
            let key = Key::try_from(&[byte; KEY_LEN][..]).expect("32 bytes");
            for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
                let text = engine.encode([byte; KEY_LEN]);
                assert_eq!(Key::from_base64(&text), Ok(key.clone()), "{text}");
            }
        }
        // Wrong padding, and the two alphabets mixed, stay refused.
        let text = STANDARD_NO_PAD.encode([0xfb; KEY_LEN]);
        assert_eq!(
            Key::from_base64(&format!("{text}==")),
            Err(Error::InvalidKey)
        );
        let mixed = format!("-{}", &STANDARD_NO_PAD.encode([0xff; KEY_LEN])[1..]);
        assert_eq!(Key::from_base64(&mixed), Err(Error::InvalidKey));
    }

    #[test]
    fn key_id_is_stable_and_distinct() {
        let zero = Key::try_from(&[0u8; KEY_LEN][..]).expect("32 bytes");
        let one = Key::try_from(&[1u8; KEY_LEN][..]).expect("32 bytes");
        assert_eq!(
            zero.id(),
            Key::try_from(&[0u8; KEY_LEN][..]).expect("32").id()
        );
        assert_ne!(zero.id(), one.id());
    }

    #[test]
    fn keyring_skips_duplicates() {
        let key = Key::generate();
        let ring = Keyring::new(key.clone()).with_previous(key.clone());
        assert_eq!(ring.keys().count(), 1);
        assert_eq!(ring.current(), &key);
    }
}
