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
//! payload    = envelope (`src/session/envelope.rs`), raw DEFLATE when flagged
//! ```
//! `docs/FORMAT.md` is the long form, with a worked example.

use std::ops::Range;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use zeroize::Zeroize as _;

use super::scratch::{Scratch, with_scratch};
use super::{Codec, Format, encoded_len, open_with_any};
use crate::Error;
use crate::aead::{self, NONCE_LEN, TAG_LEN};
use crate::compress::{self, AUTO_MIN_LEN, DICTIONARY_ID_LEN, Dictionary};
use crate::key::KEY_ID_LEN;
use crate::session::{self, Envelope, SessionId, Times};

/// The format version in the first byte of every token.
const VERSION: u8 = 1;
/// Flag bit: the payload is raw DEFLATE.
const FLAG_DEFLATE: u8 = 0x01;
/// Flag bit: the DEFLATE stream starts from a preset dictionary, named in the header.
const FLAG_DICTIONARY: u8 = 0x02;
/// version ‖ flags ‖ key id.
const HEADER_LEN: usize = 2 + KEY_ID_LEN;
/// version ‖ flags ‖ key id ‖ dictionary id.
const DICTIONARY_HEADER_LEN: usize = HEADER_LEN + DICTIONARY_ID_LEN;
/// Where the payload starts while sealing: after the longest header and the nonce. A token
/// with the short header starts two bytes in, so the payload never moves.
const PAYLOAD_START: usize = DICTIONARY_HEADER_LEN + NONCE_LEN;
/// The fewest bytes a token can have: header, nonce and tag around an empty payload.
const MIN_TOKEN_LEN: usize = HEADER_LEN + NONCE_LEN + TAG_LEN;
const _: () = assert!(MIN_TOKEN_LEN == 46);

/// Seals an envelope as a compact token with the current key.
pub(super) fn seal<T: Serialize + ?Sized>(
    codec: &Codec,
    subject: &str,
    state: &T,
    times: Times,
    sid: SessionId,
    nonce: &[u8; NONCE_LEN],
) -> Result<String, Error> {
    let key = &codec.keys[0];
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
        if plaintext_len > codec.max_state_len {
            return Err(Error::TooLarge);
        }

        let dictionary = codec.dictionary.as_ref();
        let header_len = if dictionary.is_some() {
            DICTIONARY_HEADER_LEN
        } else {
            HEADER_LEN
        };
        // Without a dictionary, small states do not shrink enough to pay for the time.
        let small = dictionary.is_none() && binary.len() - state_start < AUTO_MIN_LEN;
        let plain_chars = encoded_len(MIN_TOKEN_LEN + plaintext_len);
        let budget = codec.compression_budget(
            plaintext_len,
            small,
            Some(plain_chars - 1),
            header_len + NONCE_LEN + TAG_LEN,
        );
        let mut flags = 0;
        packed.clear();
        if codec.deflate(&binary[PAYLOAD_START..], packed, budget, dictionary) {
            binary[PAYLOAD_START..].zeroize();
            binary.truncate(PAYLOAD_START);
            binary.extend_from_slice(packed);
            flags = FLAG_DEFLATE;
            if dictionary.is_some() {
                flags |= FLAG_DICTIONARY;
            }
        }
        let dictionary = dictionary.filter(|_| flags & FLAG_DICTIONARY != 0);
        let start = if dictionary.is_some() {
            0
        } else {
            DICTIONARY_HEADER_LEN - HEADER_LEN
        };
        if encoded_len(binary.len() - start + TAG_LEN) > codec.max_token_len {
            return Err(Error::TooLarge);
        }

        binary[start] = VERSION;
        binary[start + 1] = flags;
        binary[start + 2..start + HEADER_LEN].copy_from_slice(key.id.as_bytes());
        if let Some(dictionary) = dictionary {
            binary[HEADER_LEN..DICTIONARY_HEADER_LEN].copy_from_slice(dictionary.id().as_bytes());
        }
        binary[DICTIONARY_HEADER_LEN..PAYLOAD_START].copy_from_slice(nonce);
        write_aad(
            codec,
            aad,
            &binary[start..DICTIONARY_HEADER_LEN],
            dictionary,
        );
        let tag = aead::seal_in_place(
            key.for_format(Format::Compact),
            nonce,
            aad,
            &mut binary[PAYLOAD_START..],
        );
        binary.extend_from_slice(&tag);
        Ok(URL_SAFE_NO_PAD.encode(&binary[start..]))
    })
}

/// `aad = header ‖ dictionary digest (if any) ‖ purpose`.
fn write_aad(codec: &Codec, aad: &mut Vec<u8>, header: &[u8], dictionary: Option<&Dictionary>) {
    aad.clear();
    aad.extend_from_slice(header);
    if let Some(dictionary) = dictionary {
        aad.extend_from_slice(dictionary.digest());
    }
    aad.extend_from_slice(codec.purpose.as_bytes());
}

/// Decodes, authenticates, decrypts and inflates a compact token (its length checked), and
/// hands its envelope to `read`.
pub(super) fn open<R>(
    codec: &Codec,
    token: &str,
    read: impl FnOnce(Envelope<'_>) -> Result<R, Error>,
) -> Result<R, Error> {
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
        let (dictionary, payload) = authenticate(codec, binary, aad)?;
        let payload = &binary[payload];
        let plaintext = if binary[1] & FLAG_DEFLATE != 0 {
            compress::inflate_into(payload, codec.max_state_len, inflated, dictionary)?
        } else if payload.len() > codec.max_state_len {
            return Err(Error::TooLarge);
        } else {
            payload
        };
        read(session::read_envelope(plaintext)?)
    })
}

/// Checks the header, picks the key and the dictionary by id, and decrypts in place;
/// returns the dictionary and where the plaintext lies in `binary`.
fn authenticate<'c>(
    codec: &'c Codec,
    binary: &mut [u8],
    aad: &mut Vec<u8>,
) -> Result<(Option<&'c Dictionary>, Range<usize>), Error> {
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
    let mut candidates = codec
        .keys
        .iter()
        .filter(|key| key.id.as_bytes() == &key_id)
        .map(|key| key.for_format(Format::Compact))
        .peekable();
    if candidates.peek().is_none() {
        return Err(Error::UnknownKey);
    }
    let dictionary = if flags & FLAG_DICTIONARY != 0 {
        let id = [binary[HEADER_LEN], binary[HEADER_LEN + 1]];
        Some(
            codec
                .dictionaries()
                .find(|dictionary| dictionary.id().as_bytes() == &id)
                .ok_or(Error::UnknownDictionary)?,
        )
    } else {
        None
    };
    write_aad(codec, aad, &binary[..header_len], dictionary);

    let payload = header_len + NONCE_LEN..binary.len() - TAG_LEN;
    let (head, rest) = binary.split_at_mut(payload.start);
    let nonce: &[u8; NONCE_LEN] = head[header_len..]
        .try_into()
        .map_err(|_| Error::Malformed)?;
    let (ciphertext, tag) = rest.split_at_mut(rest.len() - TAG_LEN);
    let tag: &[u8; TAG_LEN] = (&*tag).try_into().map_err(|_| Error::Malformed)?;
    open_with_any(candidates, nonce, aad, ciphertext, tag)?;
    Ok((dictionary, payload))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::TOKEN_SUBKEY_INFO;
    use crate::session::unix_millis;
    use crate::test_vectors::{hex, text, unhex, vector_file};
    use crate::{Key, Sealer};
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
        let sealer = Sealer::builder(key.clone(), purpose)
            .with_ttl(ttl)
            .with_dictionary(dictionary.clone())
            .build()
            .expect("valid settings");
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
        write_aad(&sealer.codec, &mut aad, header, Some(&dictionary));
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
