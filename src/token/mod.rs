//! Token formats: an envelope (subject, session id, times, state) to text and back, encrypted
//! and authenticated, compressed when it pays.
//!
//! Each format is one file with its header, seal and open: `compact.rs` (the crate's own,
//! `docs/FORMAT.md`) and `jwe.rs` (a standard encrypted JWT, "JWE profile" there). What they
//! share is here once: the settings ([`Codec`]), the keys prepared for a purpose
//! ([`SealingKey`]), the compression budget, trying candidate keys, and the one `match` on the
//! format. Time rules and revocations are not a format's business: the sealer applies them to
//! the envelope a format hands back.

mod compact;
mod jwe;
#[cfg(test)]
mod jwe_vectors;
mod scratch;

use std::sync::Arc;

use serde::Serialize;
use zeroize::Zeroizing;

pub(crate) use jwe::{jwk_set, use_raw_jwe_key};

use crate::Error;
use crate::aead::{self, NONCE_LEN, TAG_LEN};
use crate::compress::{self, Compression, Dictionary};
use crate::key::{JWE_SUBKEY_INFO, KEY_LEN, Key, KeyId, TOKEN_SUBKEY_INFO};
use crate::session::{Envelope, SessionId, Times};

/// The text form of the tokens a [`Sealer`](crate::Sealer) seals and opens.
///
/// A sealer accepts only its own format: a token of the other kind is [`Error::Malformed`],
/// whatever it looks like. The kind is never guessed from the token's shape.
///
/// ```
/// use sealed_session::{Error, Format, Key, Sealer};
///
/// let key = Key::generate();
/// let compact = Sealer::new(key.clone(), "session");
/// let jwe = Sealer::builder(key, "session").with_format(Format::Jwe).build()?;
/// let token = jwe.seal("alice", &1u8)?;
/// assert_eq!(token.split('.').count(), 5); // header..iv.ciphertext.tag
/// assert_eq!(*jwe.open::<u8>(&token)?.state(), 1);
/// assert_eq!(compact.open::<u8>(&token).unwrap_err(), Error::Malformed);
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// The crate's own compact token (`docs/FORMAT.md`): the shortest, and the only one that
    /// takes a [`Dictionary`]. Times in milliseconds.
    #[default]
    Compact,
    /// A standard encrypted JWT (RFC 7516 compact serialization, `alg: dir`, `enc: XC20P`,
    /// `zip: DEF` when compressed), which other JOSE implementations decrypt with the key
    /// [`Sealer::export_jwe_secret_keys`](crate::Sealer::export_jwe_secret_keys) exports.
    /// Times in whole seconds. `docs/FORMAT.md`, "JWE profile", specifies it. Needs no
    /// dependency beyond the core's, so no feature.
    Jwe,
}

impl Format {
    /// The smallest step of a token's times, in milliseconds: JWT times are whole seconds.
    pub(crate) const fn quantum_millis(self) -> i64 {
        match self {
            Format::Compact => 1,
            Format::Jwe => 1000,
        }
    }
}

/// One key of the keyring, prepared for a purpose: a subkey for each format, so that a service
/// given the JWE key (to read JWEs) can forge no compact token, and no purpose opens another's.
pub(crate) struct SealingKey {
    pub(crate) id: KeyId,
    /// Boxed: collecting the keys into the `Arc` moves this struct, never the key bytes.
    subkey: Box<Zeroizing<[u8; KEY_LEN]>>,
    jwe_subkey: Box<Zeroizing<[u8; KEY_LEN]>>,
}

impl SealingKey {
    pub(crate) fn new(key: &Key, purpose: &str) -> SealingKey {
        SealingKey {
            id: key.id(),
            subkey: key.derive(&[TOKEN_SUBKEY_INFO, purpose.as_bytes()]),
            jwe_subkey: key.derive(&[JWE_SUBKEY_INFO, purpose.as_bytes()]),
        }
    }

    /// A keyed tag of `message` for `label` under this key's compact subkey (bound to the
    /// purpose): see [`crate::Sealer::tag`].
    pub(crate) fn tag(&self, label: &str, message: &[u8]) -> [u8; KEY_LEN] {
        let label_len = u32::try_from(label.len()).unwrap_or(u32::MAX).to_be_bytes();
        let mut tag = [0u8; KEY_LEN];
        crate::key::expand(
            &self.subkey[..],
            &[crate::key::TAG_INFO, &label_len, label.as_bytes(), message],
            &mut tag,
        );
        tag
    }

    /// This key's subkey for `format`.
    fn for_format(&self, format: Format) -> &[u8; KEY_LEN] {
        match format {
            Format::Compact => &self.subkey,
            Format::Jwe => &self.jwe_subkey,
        }
    }
}

/// What the formats need of a sealer's settings: its keys, purpose, format, compression and
/// size caps.
#[derive(Clone)]
pub(crate) struct Codec {
    /// The current key first.
    pub(crate) keys: Arc<[SealingKey]>,
    pub(crate) purpose: Arc<str>,
    pub(crate) format: Format,
    pub(crate) compression: Compression,
    pub(crate) level: u32,
    /// The dictionary new tokens are compressed with.
    pub(crate) dictionary: Option<Dictionary>,
    /// Dictionaries that still open the tokens they compressed, but compress no new ones.
    pub(crate) previous_dictionaries: Arc<[Dictionary]>,
    pub(crate) max_token_len: usize,
    pub(crate) max_state_len: usize,
}

impl Codec {
    /// Seals an envelope with the current key and `nonce`. `times` have passed
    /// [`Times::check`], and are whole seconds for a JWE.
    pub(crate) fn seal<T: Serialize + ?Sized>(
        &self,
        subject: &str,
        state: &T,
        times: Times,
        sid: SessionId,
        nonce: &[u8; NONCE_LEN],
    ) -> Result<String, Error> {
        match self.format {
            Format::Compact => compact::seal(self, subject, state, times, sid, nonce),
            Format::Jwe => jwe::seal(self, subject, state, times, sid, nonce),
        }
    }

    /// Checks, authenticates, decrypts and inflates `token`, and hands its envelope to `read`
    /// (in buffers wiped afterwards).
    pub(crate) fn open<R>(
        &self,
        token: &str,
        read: impl FnOnce(Envelope<'_>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        if token.len() > self.max_token_len {
            return Err(Error::TooLarge);
        }
        match self.format {
            Format::Compact => compact::open(self, token, read),
            Format::Jwe => jwe::open(self, token, read),
        }
    }

    /// The dictionaries that open tokens: the current one first.
    pub(crate) fn dictionaries(&self) -> impl Iterator<Item = &Dictionary> {
        self.dictionary
            .iter()
            .chain(self.previous_dictionaries.iter())
    }

    /// How many bytes the compressed plaintext may take, or `None` not to compress.
    ///
    /// Under [`Compression::Auto`], `small` plaintexts are not tried (they do not shrink enough
    /// to pay for the time), and a compressed token must have fewer characters than the plain
    /// one: the base64 run that holds the compressed bytes, after `bytes_before` bytes of its
    /// own, may take at most `max_chars` characters.
    fn compression_budget(
        &self,
        plaintext_len: usize,
        small: bool,
        max_chars: Option<usize>,
        bytes_before: usize,
    ) -> Option<usize> {
        match self.compression {
            Compression::Never => None,
            Compression::Auto if small => None,
            Compression::Auto => max_chars
                .map(decoded_len)
                .and_then(|bytes| bytes.checked_sub(bytes_before))
                .filter(|&budget| budget > 0),
            Compression::Always => Some(deflate_bound(plaintext_len)),
        }
    }

    /// Appends the DEFLATE form of `plaintext` to `packed` if it fits `budget`; returns whether
    /// it did.
    fn deflate(
        &self,
        plaintext: &[u8],
        packed: &mut Vec<u8>,
        budget: Option<usize>,
        dictionary: Option<&Dictionary>,
    ) -> bool {
        let level = compress::level_for(plaintext.len(), self.level);
        budget.is_some_and(|budget| {
            compress::deflate_into(plaintext, packed, budget, level, dictionary)
        })
    }
}

/// Decrypts `ciphertext` in place with the first of `candidates` (non-empty) that
/// authenticates it.
///
/// Two keys of one keyring share an id with chance 2^-32 per pair; then each gets a try on
/// its own copy of the ciphertext, since a failed attempt leaves the buffer garbled.
fn open_with_any<'k>(
    mut candidates: impl Iterator<Item = &'k [u8; KEY_LEN]>,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    ciphertext: &mut [u8],
    tag: &[u8; TAG_LEN],
) -> Result<(), Error> {
    let first = candidates.next().ok_or(Error::UnknownKey)?;
    let Some(second) = candidates.next() else {
        return aead::open_in_place(first, nonce, aad, ciphertext, tag).map_err(|_| Error::Invalid);
    };
    let original = Zeroizing::new(ciphertext.to_vec());
    for key in [first, second].into_iter().chain(candidates) {
        ciphertext.copy_from_slice(&original);
        if aead::open_in_place(key, nonce, aad, ciphertext, tag).is_ok() {
            return Ok(());
        }
    }
    Err(Error::Invalid)
}

/// Length of the unpadded base64 text of `bytes` bytes.
pub(crate) const fn encoded_len(bytes: usize) -> usize {
    (bytes * 4).div_ceil(3)
}

/// The most bytes whose unpadded base64 text has at most `chars` characters.
const fn decoded_len(chars: usize) -> usize {
    chars * 3 / 4
}

/// Bytes a DEFLATE stream may add to incompressible input of `n` bytes: stored blocks cost 5
/// bytes per 65,535, and the stream's ending a few more.
const fn deflate_bound(n: usize) -> usize {
    n + n / 4096 * 5 + 64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_lengths_are_exact() {
        for bytes in 0..100 {
            let chars = encoded_len(bytes);
            assert_eq!(
                chars,
                base64::Engine::encode(
                    &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                    vec![0; bytes]
                )
                .len()
            );
            assert!(decoded_len(chars) >= bytes, "{bytes}");
            assert!(encoded_len(decoded_len(chars)) <= chars, "{bytes}");
            assert!(encoded_len(decoded_len(chars) + 1) > chars, "{bytes}");
        }
    }
}
