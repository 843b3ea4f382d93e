//! [`Format::Jwe`](crate::Format::Jwe): the sealed session as a standard encrypted JWT.
//!
//! ```text
//! token      = BASE64URL(header) ‖ ".." ‖ BASE64URL(iv) ‖ "." ‖ BASE64URL(ciphertext) ‖ "." ‖ BASE64URL(tag)
//! header     = {"alg":"dir","enc":"XC20P","zip":"DEF","kid":"<key id, 8 hex digits>"}  ("zip" only if compressed)
//! key        = HKDF-SHA256(ikm = key, no salt, info = "sealed-session v1 jwe:" ‖ purpose)
//! iv         = 24 random bytes; tag = 16 bytes (XChaCha20-Poly1305)
//! AAD        = the ASCII of the first segment, exactly as sent or received
//! plaintext  = {"sub":…,"jti":…,"auth_time":…,"iat":…,"exp":…,"state":…}, raw DEFLATE if "zip"
//! ```
//!
//! `docs/FORMAT.md`, "JWE profile", is the long form, with a worked example.

use std::borrow::Cow;
use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use zeroize::Zeroize as _;

use super::scratch::{Scratch, with_scratch};
use super::{Codec, Format, SealingKey, encoded_len, open_with_any};
use crate::Error;
use crate::aead::{self, NONCE_LEN, TAG_LEN};
use crate::compress::{self, AUTO_MIN_LEN};
use crate::key::{KEY_ID_LEN, KEY_LEN};
use crate::session::{Envelope, MAX_MILLIS, SessionId, Times};

/// The longest protected header accepted, in characters: ours are under 90.
const MAX_HEADER_CHARS: usize = 512;
/// The latest time a JWE claim may carry: 9999-12-31T23:59:59Z, in Unix seconds.
const MAX_SECONDS: i64 = MAX_MILLIS / 1000;

/// The claims a JWE carries, as sealed.
#[derive(Serialize)]
struct ClaimsOut<'a, T: ?Sized> {
    sub: &'a str,
    jti: SessionId,
    auth_time: i64,
    iat: i64,
    exp: i64,
    state: &'a T,
}

/// The claims a JWE carries, as opened: each required, each once (a second `exp` is an error,
/// not a new value), times as JSON integers. Other claims are ignored.
#[derive(Deserialize)]
struct ClaimsIn<'a> {
    #[serde(borrow)]
    sub: Cow<'a, str>,
    jti: SessionId,
    auth_time: i64,
    iat: i64,
    exp: i64,
    #[serde(borrow)]
    state: &'a RawValue,
}

/// The protected header, as opened. Members other than these (`crit` among them) are refused:
/// an extension we do not know could change what the token means.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Header<'a> {
    alg: &'a str,
    enc: &'a str,
    zip: Option<&'a str>,
    kid: Option<&'a str>,
    #[allow(dead_code)]
    typ: Option<&'a str>,
}

/// The JWE keys of a purpose as a JWK Set (RFC 7517) of `oct` keys, current key first, each
/// key's members in one fixed order: `alg`, `k`, `kid`, `kty`, `use` (`docs/FORMAT.md`).
pub(crate) fn jwk_set(codec: &Codec) -> String {
    // Written by hand, not through a JSON map: a map's order depends on serde_json's
    // `preserve_order` feature, which any crate in an application's build may turn on.
    // No member needs escaping: `k` is base64url, `kid` hex.
    let mut set = String::from(r#"{"keys":["#);
    for (index, key) in codec.keys.iter().enumerate() {
        if index > 0 {
            set.push(',');
        }
        let _ = write!(
            set,
            r#"{{"alg":"dir","k":"{}","kid":"{}","kty":"oct","use":"enc"}}"#,
            URL_SAFE_NO_PAD.encode(key.for_format(Format::Jwe)),
            key.id
        );
    }
    set.push_str("]}");
    set
}

/// Makes `raw` itself the JWE key of the codec's only key (a key shared as an `oct` JWK by
/// another implementation), instead of the key derived from it.
pub(crate) fn use_raw_jwe_key(codec: &mut Codec, raw: &[u8; KEY_LEN]) {
    if let Some(first) = std::sync::Arc::get_mut(&mut codec.keys).and_then(|keys| keys.first_mut())
    {
        first.jwe_subkey.copy_from_slice(raw);
    }
}

/// Seals an envelope as a JWE with the current key. `times` are whole seconds.
pub(super) fn seal<T: Serialize + ?Sized>(
    codec: &Codec,
    subject: &str,
    state: &T,
    times: Times,
    sid: SessionId,
    nonce: &[u8; NONCE_LEN],
) -> Result<String, Error> {
    if subject.len() > crate::session::MAX_SUBJECT_LEN {
        return Err(Error::TooLarge);
    }
    let key = &codec.keys[0];
    with_scratch(|scratch| {
        let Scratch { packed, binary, .. } = scratch;
        binary.clear();
        let claims = ClaimsOut {
            sub: subject,
            jti: sid,
            auth_time: times.auth_at / 1000,
            iat: times.iat / 1000,
            exp: times.exp / 1000,
            state,
        };
        serde_json::to_writer(&mut *binary, &claims).map_err(|_| Error::Serialize)?;
        if binary.len() > codec.max_state_len {
            return Err(Error::TooLarge);
        }
        let plain_header = header_json(key, false);
        let zip_header = header_json(key, true);
        // The ciphertext segment must save more characters than the longer header costs.
        let extra = encoded_len(zip_header.len()) - encoded_len(plain_header.len());
        let budget = codec.compression_budget(
            binary.len(),
            binary.len() < AUTO_MIN_LEN,
            encoded_len(binary.len()).checked_sub(extra + 1),
            0,
        );
        packed.clear();
        let (header_json, payload) = if codec.deflate(binary, packed, budget, None) {
            binary.zeroize();
            (zip_header, &mut *packed)
        } else {
            (plain_header, &mut *binary)
        };
        let header = URL_SAFE_NO_PAD.encode(header_json);
        let len = header.len()
            + 2
            + encoded_len(NONCE_LEN)
            + 1
            + encoded_len(payload.len())
            + 1
            + encoded_len(TAG_LEN);
        if len > codec.max_token_len {
            return Err(Error::TooLarge);
        }
        let tag = aead::seal_in_place(
            key.for_format(Format::Jwe),
            nonce,
            header.as_bytes(),
            payload,
        );
        let mut token = header;
        token.reserve_exact(len - token.len());
        token.push_str("..");
        URL_SAFE_NO_PAD.encode_string(nonce, &mut token);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&payload[..], &mut token);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(tag, &mut token);
        Ok(token)
    })
}

/// Opens a JWE (its length checked) and hands its envelope to `read`.
pub(super) fn open<R>(
    codec: &Codec,
    token: &str,
    read: impl FnOnce(Envelope<'_>) -> Result<R, Error>,
) -> Result<R, Error> {
    with_plaintext(codec, token, |plaintext| {
        let claims: ClaimsIn<'_> =
            serde_json::from_slice(plaintext).map_err(|_| Error::Malformed)?;
        read(Envelope {
            times: times_of(&claims)?,
            sid: claims.jti,
            subject: &claims.sub,
            state: claims.state.get().as_bytes(),
        })
    })
}

/// Checks, authenticates, decrypts and inflates a JWE, and hands its plaintext to `read`
/// (in a buffer wiped afterwards).
pub(super) fn with_plaintext<R>(
    codec: &Codec,
    token: &str,
    read: impl FnOnce(&[u8]) -> Result<R, Error>,
) -> Result<R, Error> {
    let [header_text, encrypted_key, iv, ciphertext, tag] =
        crate::text::split_exact(token, '.').ok_or(Error::Malformed)?;
    // `dir`: the key is the content key; a key carried in the token would be ignored by
    // some implementations and used by others.
    if !encrypted_key.is_empty() || header_text.len() > MAX_HEADER_CHARS {
        return Err(Error::Malformed);
    }
    let header_json = URL_SAFE_NO_PAD
        .decode(header_text)
        .map_err(|_| Error::Malformed)?;
    let header: Header<'_> = serde_json::from_slice(&header_json).map_err(|_| Error::Malformed)?;
    let zipped = match header.zip {
        None => false,
        Some("DEF") => true,
        Some(_) => return Err(Error::Malformed),
    };
    if header.alg != "dir" || header.enc != "XC20P" {
        return Err(Error::Malformed);
    }
    let nonce: [u8; NONCE_LEN] = decode_exact(iv)?;
    let tag: [u8; TAG_LEN] = decode_exact(tag)?;
    let keys = keys_for(codec, header.kid)?;

    with_scratch(|scratch| {
        let Scratch {
            binary, inflated, ..
        } = scratch;
        binary.clear();
        URL_SAFE_NO_PAD
            .decode_vec(ciphertext, binary)
            .map_err(|_| Error::Malformed)?;
        let candidates = keys.map(|key| key.for_format(Format::Jwe));
        open_with_any(candidates, &nonce, header_text.as_bytes(), binary, &tag)?;
        if zipped {
            read(compress::inflate_into(
                binary,
                codec.max_state_len,
                inflated,
                None,
            )?)
        } else if binary.len() > codec.max_state_len {
            Err(Error::TooLarge)
        } else {
            read(binary)
        }
    })
}

/// The keys a token's `kid` names: those with that id (two keys of a keyring share one
/// with chance 2^-32), or the only key when the token names none.
fn keys_for<'c>(
    codec: &'c Codec,
    kid: Option<&str>,
) -> Result<impl Iterator<Item = &'c SealingKey>, Error> {
    let id = match kid {
        Some(kid) => Some(parse_kid(kid).ok_or(Error::UnknownKey)?),
        None if codec.keys.len() == 1 => None,
        None => return Err(Error::UnknownKey),
    };
    let mut keys = codec
        .keys
        .iter()
        .filter(move |key| id.is_none_or(|id| key.id.as_bytes() == &id))
        .peekable();
    if keys.peek().is_none() {
        return Err(Error::UnknownKey);
    }
    Ok(keys)
}

/// The protected header of a token sealed with `key`, as JSON text.
fn header_json(key: &SealingKey, zip: bool) -> String {
    let mut json = String::with_capacity(64);
    json.push_str(r#"{"alg":"dir","enc":"XC20P","#);
    if zip {
        json.push_str(r#""zip":"DEF","#);
    }
    let _ = write!(json, r#""kid":"{}"}}"#, key.id);
    json
}

/// A key id written as 8 lowercase hex digits.
fn parse_kid(kid: &str) -> Option<[u8; KEY_ID_LEN]> {
    crate::text::lower_hex(kid.as_bytes())
}

/// Decodes a segment that must hold exactly `N` bytes.
fn decode_exact<const N: usize>(text: &str) -> Result<[u8; N], Error> {
    if text.len() != encoded_len(N) {
        return Err(Error::Malformed);
    }
    let mut bytes = [0u8; N];
    match URL_SAFE_NO_PAD.decode_slice(text, &mut bytes) {
        Ok(n) if n == N => Ok(bytes),
        _ => Err(Error::Malformed),
    }
}

/// The claims' times in milliseconds: whole seconds from 1970 to 9999, the session's start
/// at or before the token's issue, the issue before the expiry.
fn times_of(claims: &ClaimsIn<'_>) -> Result<Times, Error> {
    let in_range = |seconds: i64| (0..=MAX_SECONDS).contains(&seconds);
    if !(in_range(claims.auth_time) && in_range(claims.iat) && in_range(claims.exp))
        || claims.auth_time > claims.iat
        || claims.iat >= claims.exp
    {
        return Err(Error::Malformed);
    }
    Ok(Times {
        auth_at: claims.auth_time * 1000,
        iat: claims.iat * 1000,
        exp: claims.exp * 1000,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kid_is_eight_lowercase_hex_digits() {
        assert_eq!(parse_kid("0a1b2c3d"), Some([0x0a, 0x1b, 0x2c, 0x3d]));
        for bad in [
            "",
            "0a1b2c3",
            "0a1b2c3d4",
            "0A1B2C3D",
            "0a1b2c3g",
            "0a1b2c\u{e9}",
        ] {
            assert_eq!(parse_kid(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn segments_of_fixed_length_decode_exactly() {
        assert_eq!(decode_exact::<2>("AAE"), Ok([0, 1]));
        assert_eq!(
            decode_exact::<2>("AAF"),
            Err(Error::Malformed),
            "trailing bits"
        );
        assert_eq!(decode_exact::<2>("AAE="), Err(Error::Malformed), "padding");
        assert_eq!(decode_exact::<2>("AA"), Err(Error::Malformed), "short");
    }

    #[test]
    fn claims_times_are_checked() {
        let json = |auth: i64, iat: i64, exp: i64| {
            format!(
                r#"{{"sub":"a","jti":"AAAAAAAAAAAAAAAAAAAAAA","auth_time":{auth},"iat":{iat},"exp":{exp},"state":1}}"#
            )
        };
        let ok = json(1, 2, 3);
        let claims: ClaimsIn<'_> = serde_json::from_str(&ok).expect("parses");
        assert_eq!(
            times_of(&claims),
            Ok(Times {
                auth_at: 1000,
                iat: 2000,
                exp: 3000
            })
        );
        for (auth, iat, exp) in [(-1, 2, 3), (3, 2, 4), (1, 3, 3), (1, 2, MAX_SECONDS + 1)] {
            let text = json(auth, iat, exp);
            let claims: ClaimsIn<'_> = serde_json::from_str(&text).expect("parses");
            assert_eq!(times_of(&claims), Err(Error::Malformed), "{text}");
        }
    }
}

#[cfg(test)]
mod example {
    use super::*;
    use crate::key::JWE_SUBKEY_INFO;
    use crate::session::unix_millis;
    use crate::test_vectors::{hex, text, unhex, vector_file};
    use crate::{Compression, Key, Sealer};
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    /// The JWE example of docs/FORMAT.md ("JWE profile"), rebuilt from its inputs: the derived
    /// key, the header, the claims, the DEFLATE stream and both tokens (with and without `zip`);
    /// and both tokens open.
    #[test]
    fn jwe_example_is_reproduced() {
        let example = vector_file("jwe_example.json");
        let key = Key::try_from(&unhex(&example["key_hex"])[..]).expect("32-byte key");
        let purpose = text(&example, "purpose");
        let builder = || {
            Sealer::builder(key.clone(), purpose)
                .with_format(crate::Format::Jwe)
                .with_ttl(time::Duration::seconds(
                    example["ttl_seconds"].as_i64().expect("ttl"),
                ))
        };
        let sealer = builder().build().expect("valid settings");
        let now = OffsetDateTime::parse(text(&example, "now"), &Rfc3339).expect("RFC 3339");
        let sid = SessionId(
            unhex(&example["session_id_hex"])
                .try_into()
                .expect("16 bytes"),
        );
        let nonce: [u8; NONCE_LEN] = unhex(&example["iv_hex"]).try_into().expect("24 bytes");
        let state: serde_json::Value =
            serde_json::from_str(text(&example, "state_json")).expect("JSON");
        let seal = |compression: Compression| {
            builder()
                .with_compression(compression)
                .build()
                .expect("valid settings")
                .seal_new(
                    text(&example, "subject"),
                    &state,
                    unix_millis(now),
                    sid,
                    &nonce,
                )
                .expect("seals")
                .0
        };
        let zipped = seal(Compression::Always);
        let plain = seal(Compression::Never);
        let jwe_key = key.derive(&[JWE_SUBKEY_INFO, purpose.as_bytes()]);
        let mut plaintext = Vec::new();
        with_plaintext(&sealer.codec, &plain, |bytes| {
            plaintext.extend_from_slice(bytes);
            Ok(())
        })
        .expect("opens");
        let deflated = {
            let mut parts = zipped.split('.');
            let (_, _, _, ciphertext, tag) = (
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next().expect("ciphertext"),
                parts.next().expect("tag"),
            );
            let mut bytes = URL_SAFE_NO_PAD.decode(ciphertext).expect("base64url");
            let tag: [u8; TAG_LEN] = URL_SAFE_NO_PAD
                .decode(tag)
                .expect("base64url")
                .try_into()
                .expect("16 bytes");
            let header = zipped.split('.').next().expect("header");
            aead::open_in_place(&jwe_key, &nonce, header.as_bytes(), &mut bytes, &tag)
                .expect("authentic");
            bytes
        };
        let header_of = |token: &str| {
            String::from_utf8(
                URL_SAFE_NO_PAD
                    .decode(token.split('.').next().expect("header"))
                    .expect("base64url"),
            )
            .expect("UTF-8")
        };
        let computed = serde_json::json!({
            "key_id": key.id().to_string(),
            "jwe_key_hex": hex(&jwe_key[..]),
            "jwk": serde_json::from_str::<serde_json::Value>(&sealer.export_jwe_secret_keys()).expect("JSON")["keys"][0],
            "header_zip": header_of(&zipped),
            "header_plain": header_of(&plain),
            "claims_json": String::from_utf8(plaintext).expect("UTF-8"),
            "deflated_hex": hex(&deflated),
            "token_zip": zipped,
            "token_plain": plain,
        });
        if std::env::var_os("PRINT_JWE_EXAMPLE").is_some() {
            println!("{}", serde_json::to_string_pretty(&computed).expect("JSON"));
        }
        for (field, value) in computed.as_object().expect("object") {
            assert_eq!(&example[field], value, "{field}");
        }
        for token in [&zipped, &plain] {
            let session = sealer
                .open_at::<serde_json::Value>(token, now)
                .expect("opens");
            assert_eq!(session.state(), &state);
        }
        let format_doc =
            std::fs::read_to_string(format!("{}/docs/FORMAT.md", env!("CARGO_MANIFEST_DIR")))
                .expect("docs/FORMAT.md present");
        for field in [
            "token_zip",
            "token_plain",
            "jwe_key_hex",
            "claims_json",
            "header_zip",
        ] {
            assert!(
                format_doc.contains(text(&example, field)),
                "docs/FORMAT.md shows the example's {field}"
            );
        }
    }
}
