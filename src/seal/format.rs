//! The compact token's bytes: writing one, and checking, decrypting and inflating one.
//!
//! ```text
//! token      = base64url-no-pad( header ‖ nonce ‖ ciphertext ‖ tag )
//! header     = version (0x01) ‖ flags ‖ key id (4) [‖ dictionary id (2), if flags bit 1]
//! flags      = bit 0: payload is raw DEFLATE; bit 1: with a preset dictionary (needs bit 0)
//! nonce      = 24 random bytes (XChaCha20-Poly1305)
//! tag        = 16 bytes (Poly1305)
//! subkey     = HKDF-SHA256(ikm = key, no salt, info = "sealed-session v1 token:" ‖ purpose)
//! AAD        = header [‖ SHA-256(dictionary), if flags bit 1] ‖ purpose
//! payload    = envelope (see `claims.rs`), raw DEFLATE when flagged
//! ```
//! `docs/FORMAT.md` is the long form, with a worked example.

use std::ops::Range;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use zeroize::{Zeroize as _, Zeroizing};

use super::Sealer;
use super::scratch::{Scratch, with_scratch};
use crate::Error;
use crate::Session;
use crate::aead::{self, NONCE_LEN, TAG_LEN};
use crate::compress::{self, AUTO_MIN_LEN, Compression, DICTIONARY_ID_LEN, Dictionary};
use crate::key::{JWE_SUBKEY_INFO, KEY_ID_LEN, KEY_LEN, KeyId, TOKEN_SUBKEY_INFO};
use crate::session::SESSION_ID_LEN;
use crate::session::{self, SessionId, Times, duration_millis};

/// The format version in the first byte of every token.
pub(crate) const VERSION: u8 = 1;
/// Flag bit: the payload is raw DEFLATE.
pub(crate) const FLAG_DEFLATE: u8 = 0x01;
/// Flag bit: the DEFLATE stream starts from a preset dictionary, named in the header.
pub(crate) const FLAG_DICTIONARY: u8 = 0x02;
/// version ‖ flags ‖ key id.
pub(crate) const HEADER_LEN: usize = 2 + KEY_ID_LEN;
/// version ‖ flags ‖ key id ‖ dictionary id.
pub(crate) const DICTIONARY_HEADER_LEN: usize = HEADER_LEN + DICTIONARY_ID_LEN;
/// Where the payload starts while sealing: after the longest header and the nonce. A token
/// with the short header starts two bytes in, so the payload never moves.
const PAYLOAD_START: usize = DICTIONARY_HEADER_LEN + NONCE_LEN;
/// The fewest bytes a token can have: header, nonce and tag around an empty payload.
pub(crate) const MIN_TOKEN_LEN: usize = HEADER_LEN + NONCE_LEN + TAG_LEN;
const _: () = assert!(MIN_TOKEN_LEN == 46);
/// Bytes a DEFLATE stream may add to incompressible input of `n` bytes: stored blocks cost 5
/// bytes per 65,535, and the stream's ending a few more.
pub(crate) const fn deflate_bound(n: usize) -> usize {
    n + n / 4096 * 5 + 64
}

/// One key of the keyring, prepared for this sealer's purpose.
pub(crate) struct SealingKey {
    pub(crate) id: KeyId,
    /// Boxed: collecting the keys into the `Arc` moves this struct, never the key bytes.
    pub(crate) subkey: Box<Zeroizing<[u8; KEY_LEN]>>,
    /// The key of JWE tokens: another subkey, so that a service given it (to read JWEs) can
    /// forge no compact token.
    pub(crate) jwe_subkey: Box<Zeroizing<[u8; KEY_LEN]>>,
}

impl SealingKey {
    pub(super) fn new(key: &crate::Key, purpose: &str) -> SealingKey {
        SealingKey {
            id: key.id(),
            subkey: key.derive(&[TOKEN_SUBKEY_INFO, purpose.as_bytes()]),
            jwe_subkey: key.derive(&[JWE_SUBKEY_INFO, purpose.as_bytes()]),
        }
    }
}

/// Length of the unpadded base64 text of `bytes` bytes.
pub(crate) const fn encoded_len(bytes: usize) -> usize {
    (bytes * 4).div_ceil(3)
}

/// The most bytes whose unpadded base64 text has at most `chars` characters.
const fn decoded_len(chars: usize) -> usize {
    chars * 3 / 4
}

impl Sealer {
    /// Seals `state` for `subject` with the given times, session id and nonce: the deterministic
    /// core of `seal` and `reseal`. `times` must have passed [`Times::check`].
    pub(crate) fn seal_with<T: Serialize + ?Sized>(
        &self,
        subject: &str,
        state: &T,
        times: Times,
        sid: SessionId,
        nonce: &[u8; NONCE_LEN],
    ) -> Result<String, Error> {
        if self.format == super::Format::Jwe {
            return self.seal_jwe(subject, state, times, sid, nonce);
        }
        let key = &self.keys[0];
        with_scratch(|scratch| {
            let Scratch {
                packed,
                binary,
                aad,
                ..
            } = scratch;
            // [room for the header ‖ nonce] ‖ plaintext; the header goes in last, once the
            // flags are known, and the plaintext is encrypted where it stands.
            binary.clear();
            binary.resize(PAYLOAD_START, 0);
            session::write_envelope_head(binary, times, &sid, subject)?;
            let state_start = binary.len();
            serde_json::to_writer(&mut *binary, state).map_err(|_| Error::Serialize)?;
            let plaintext_len = binary.len() - PAYLOAD_START;
            if plaintext_len > self.max_state_len {
                return Err(Error::TooLarge);
            }

            let dictionary = self.dictionary.as_ref();
            let header_len = if dictionary.is_some() {
                DICTIONARY_HEADER_LEN
            } else {
                HEADER_LEN
            };
            let budget = match self.compression {
                Compression::Never => None,
                // Without a dictionary, small states do not shrink enough to pay for the time.
                Compression::Auto
                    if dictionary.is_none() && binary.len() - state_start < AUTO_MIN_LEN =>
                {
                    None
                }
                // Only a token with fewer characters than the plain one is worth it.
                Compression::Auto => {
                    let plain = encoded_len(MIN_TOKEN_LEN + plaintext_len);
                    decoded_len(plain - 1)
                        .checked_sub(header_len + NONCE_LEN + TAG_LEN)
                        .filter(|&budget| budget > 0)
                }
                Compression::Always => Some(deflate_bound(plaintext_len)),
            };
            let mut flags = 0;
            if let Some(budget) = budget {
                packed.clear();
                let plaintext = &binary[PAYLOAD_START..];
                let level = compress::level_for(plaintext_len, self.level);
                if compress::deflate_into(plaintext, packed, budget, level, dictionary) {
                    binary[PAYLOAD_START..].zeroize();
                    binary.truncate(PAYLOAD_START);
                    binary.extend_from_slice(packed);
                    flags = FLAG_DEFLATE;
                    if dictionary.is_some() {
                        flags |= FLAG_DICTIONARY;
                    }
                }
            }
            let dictionary = dictionary.filter(|_| flags & FLAG_DICTIONARY != 0);
            let start = if dictionary.is_some() {
                0
            } else {
                DICTIONARY_HEADER_LEN - HEADER_LEN
            };
            if encoded_len(binary.len() - start + TAG_LEN) > self.max_token_len {
                return Err(Error::TooLarge);
            }

            binary[start] = VERSION;
            binary[start + 1] = flags;
            binary[start + 2..start + HEADER_LEN].copy_from_slice(key.id.as_bytes());
            if let Some(dictionary) = dictionary {
                binary[HEADER_LEN..DICTIONARY_HEADER_LEN]
                    .copy_from_slice(dictionary.id().as_bytes());
            }
            binary[DICTIONARY_HEADER_LEN..PAYLOAD_START].copy_from_slice(nonce);
            self.write_aad(aad, &binary[start..DICTIONARY_HEADER_LEN], dictionary);
            let tag = aead::seal_in_place(&key.subkey, nonce, aad, &mut binary[PAYLOAD_START..]);
            binary.extend_from_slice(&tag);
            Ok(URL_SAFE_NO_PAD.encode(&binary[start..]))
        })
    }

    /// `aad = header ‖ dictionary digest (if any) ‖ purpose`.
    fn write_aad(&self, aad: &mut Vec<u8>, header: &[u8], dictionary: Option<&Dictionary>) {
        aad.clear();
        aad.extend_from_slice(header);
        if let Some(dictionary) = dictionary {
            aad.extend_from_slice(dictionary.digest());
        }
        aad.extend_from_slice(self.purpose.as_bytes());
    }

    /// Decodes, authenticates, decrypts and inflates `token`, then applies the time rules and
    /// the revocation list, at `now_ms`.
    pub(crate) fn open_token<T: DeserializeOwned>(
        &self,
        token: &str,
        now_ms: i64,
    ) -> Result<Session<T>, Error> {
        if token.len() > self.max_token_len {
            return Err(Error::TooLarge);
        }
        if self.format == super::Format::Jwe {
            return self.open_jwe(token, now_ms);
        }
        with_scratch(|scratch| {
            let Scratch {
                binary,
                inflated,
                aad,
                ..
            } = scratch;
            binary.clear();
            URL_SAFE_NO_PAD
                .decode_vec(token, binary)
                .map_err(|_| Error::Malformed)?;
            let (dictionary, payload) = self.authenticate(binary, aad)?;
            let payload = &binary[payload];
            if binary[1] & FLAG_DEFLATE != 0 {
                let plaintext =
                    compress::inflate_into(payload, self.max_state_len, inflated, dictionary)?;
                self.accept(plaintext, now_ms)
            } else if payload.len() > self.max_state_len {
                Err(Error::TooLarge)
            } else {
                self.accept(payload, now_ms)
            }
        })
    }

    /// Checks the header, picks the key and the dictionary by id, and decrypts in place;
    /// returns the dictionary and where the plaintext lies in `binary`.
    fn authenticate(
        &self,
        binary: &mut [u8],
        aad: &mut Vec<u8>,
    ) -> Result<(Option<&Dictionary>, Range<usize>), Error> {
        if binary.len() < MIN_TOKEN_LEN {
            return Err(Error::Malformed);
        }
        let (version, flags) = (binary[0], binary[1]);
        let known = FLAG_DEFLATE | FLAG_DICTIONARY;
        if version != VERSION || flags & !known != 0 || flags == FLAG_DICTIONARY {
            return Err(Error::Malformed);
        }
        let header_len = if flags & FLAG_DICTIONARY != 0 {
            DICTIONARY_HEADER_LEN
        } else {
            HEADER_LEN
        };
        if binary.len() < header_len + NONCE_LEN + TAG_LEN {
            return Err(Error::Malformed);
        }
        let mut key_id = [0u8; KEY_ID_LEN];
        key_id.copy_from_slice(&binary[2..HEADER_LEN]);
        let mut candidates = self.keys.iter().filter(|key| key.id.as_bytes() == &key_id);
        let first = candidates.next().ok_or(Error::UnknownKey)?;
        // Two keys of one keyring share an id with chance 2^-32 per pair; then each gets a try
        // on its own copy, since a failed attempt leaves the buffer garbled.
        let second = candidates.next();
        let dictionary = if flags & FLAG_DICTIONARY != 0 {
            let id = [binary[HEADER_LEN], binary[HEADER_LEN + 1]];
            Some(
                self.dictionaries()
                    .find(|dictionary| dictionary.id().as_bytes() == &id)
                    .ok_or(Error::UnknownDictionary)?,
            )
        } else {
            None
        };
        self.write_aad(aad, &binary[..header_len], dictionary);

        let payload = header_len + NONCE_LEN..binary.len() - TAG_LEN;
        let (head, rest) = binary.split_at_mut(payload.start);
        let nonce: &[u8; NONCE_LEN] = head[header_len..]
            .try_into()
            .map_err(|_| Error::Malformed)?;
        let (ciphertext, tag) = rest.split_at_mut(rest.len() - TAG_LEN);
        let tag: &[u8; TAG_LEN] = (&*tag).try_into().map_err(|_| Error::Malformed)?;
        if second.is_some() {
            let original = ciphertext.to_vec();
            for key in std::iter::once(first).chain(second).chain(candidates) {
                ciphertext.copy_from_slice(&original);
                if aead::open_in_place(&key.subkey, nonce, aad, ciphertext, tag).is_ok() {
                    return Ok((dictionary, payload));
                }
            }
            return Err(Error::Invalid);
        }
        aead::open_in_place(&first.subkey, nonce, aad, ciphertext, tag)
            .map_err(|_| Error::Invalid)?;
        Ok((dictionary, payload))
    }

    /// Reads the authentic plaintext, applies the time rules and the revocation list, and
    /// parses the state.
    fn accept<T: DeserializeOwned>(
        &self,
        plaintext: &[u8],
        now_ms: i64,
    ) -> Result<Session<T>, Error> {
        self.accept_envelope(session::read_envelope(plaintext)?, now_ms)
    }

    /// Applies the time rules and the revocation list to an authentic envelope, and parses the
    /// state: the last step of opening, for every format.
    pub(crate) fn accept_envelope<T: DeserializeOwned>(
        &self,
        envelope: session::Envelope<'_>,
        now_ms: i64,
    ) -> Result<Session<T>, Error> {
        let times = envelope.times;
        let leeway = duration_millis(self.leeway);
        session::check_times(times, now_ms, leeway, duration_millis(self.max_lifetime))?;
        if let Some(revocations) = &self.revocations {
            // The list forgets a revocation one horizon after it: a session whose token lives
            // longer could outlive its revocation. Refuse it rather than trust the list.
            let lifetime = times.exp - times.auth_at;
            if lifetime.saturating_add(leeway) > duration_millis(revocations.horizon()) {
                return Err(Error::Config(
                    "a token's lifetime plus the leeway exceeds the revocation horizon",
                ));
            }
            revocations.check(envelope.subject, &envelope.sid, times.auth_at)?;
        }
        Ok(Session {
            subject: envelope.subject.to_owned(),
            state: parse_state(envelope.state)?,
            session_id: envelope.sid,
            times,
        })
    }
}

/// Splits fresh random bytes into a session id and a nonce.
pub(super) fn split_random(
    random: &[u8; SESSION_ID_LEN + NONCE_LEN],
) -> (SessionId, &[u8; NONCE_LEN]) {
    let (sid, nonce) = random.split_at(SESSION_ID_LEN);
    let mut id = [0u8; SESSION_ID_LEN];
    id.copy_from_slice(sid);
    let nonce = match nonce.try_into() {
        Ok(nonce) => nonce,
        Err(_) => unreachable!("40 bytes split into 16 and 24"),
    };
    (SessionId(id), nonce)
}

/// Parses the state's JSON; tells a state of the wrong type apart from JSON that is broken.
pub(crate) fn parse_state<T: DeserializeOwned>(json: &[u8]) -> Result<T, Error> {
    serde_json::from_slice::<T>(json).map_err(|_| {
        match serde_json::from_slice::<IgnoredAny>(json) {
            Ok(_) => Error::StateMismatch,
            Err(_) => Error::Malformed,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Key;
    use crate::session::unix_millis;
    use crate::test_vectors::{hex, text, unhex, vector_file};
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    /// The worked example of docs/FORMAT.md, rebuilt byte for byte from its inputs: every
    /// derived value, the envelope, the DEFLATE stream with the dictionary, the ciphertext,
    /// the tag and the token.
    #[test]
    fn format_example_is_reproduced() {
        let example = vector_file("format_example.json");
        let key = Key::try_from(&unhex(&example["key_hex"])[..]).expect("32-byte key");
        let purpose = text(&example, "purpose");
        let dictionary = Dictionary::new(text(&example, "dictionary"));
        let ttl = time::Duration::seconds(example["ttl_seconds"].as_i64().expect("ttl"));
        let sealer = Sealer::new(key.clone(), purpose)
            .with_ttl(ttl)
            .with_dictionary(dictionary.clone());
        let now = OffsetDateTime::parse(text(&example, "now"), &Rfc3339).expect("RFC 3339");
        let sid = SessionId(
            unhex(&example["session_id_hex"])
                .try_into()
                .expect("16 bytes"),
        );
        let nonce: [u8; NONCE_LEN] = unhex(&example["nonce_hex"]).try_into().expect("24 bytes");
        let state: serde_json::Value =
            serde_json::from_str(text(&example, "state_json")).expect("JSON");
        assert_eq!(
            serde_json::to_string(&state).expect("JSON"),
            text(&example, "state_json"),
            "the state's bytes are as given"
        );
        let token = sealer
            .seal_new(
                text(&example, "subject"),
                &state,
                unix_millis(now),
                sid,
                &nonce,
            )
            .expect("seals")
            .0;

        let subkey = key.derive(&[TOKEN_SUBKEY_INFO, purpose.as_bytes()]);
        let binary = URL_SAFE_NO_PAD.decode(&token).expect("base64url");
        let header = &binary[..DICTIONARY_HEADER_LEN];
        let body = &binary[DICTIONARY_HEADER_LEN + NONCE_LEN..binary.len() - TAG_LEN];
        let tag: [u8; TAG_LEN] = binary[binary.len() - TAG_LEN..].try_into().expect("16");
        let mut aad = Vec::new();
        sealer.write_aad(&mut aad, header, Some(&dictionary));
        let mut deflated = body.to_vec();
        aead::open_in_place(&subkey, &nonce, &aad, &mut deflated, &tag).expect("authentic");
        let mut plaintext = Vec::new();
        compress::inflate_into(&deflated, 1 << 16, &mut plaintext, Some(&dictionary))
            .expect("inflates");
        let computed = serde_json::json!({
            "key_id_hex": hex(key.id().as_bytes()),
            "subkey_hex": hex(&subkey[..]),
            "dictionary_sha256_hex": hex(dictionary.digest()),
            "dictionary_id_hex": hex(dictionary.id().as_bytes()),
            "header_hex": hex(header),
            "aad_hex": hex(&aad),
            "plaintext_hex": hex(&plaintext),
            "deflated_hex": hex(&deflated),
            "ciphertext_hex": hex(body),
            "tag_hex": hex(&tag),
            "token": token,
        });
        for (field, value) in computed.as_object().expect("object") {
            assert_eq!(&example[field], value, "{field}");
        }

        let session = sealer
            .open_at::<serde_json::Value>(&token, now)
            .expect("opens");
        assert_eq!(session.state(), &state);
        let format_doc =
            std::fs::read_to_string(format!("{}/docs/FORMAT.md", env!("CARGO_MANIFEST_DIR")))
                .expect("docs/FORMAT.md present");
        for field in [
            "token",
            "deflated_hex",
            "plaintext_hex",
            "aad_hex",
            "subkey_hex",
        ] {
            assert!(
                format_doc.contains(text(&example, field)),
                "docs/FORMAT.md shows the example's {field}"
            );
        }
    }
}
