//! Arbitrary payloads, sealed under the right key and purpose, never make `open` panic, with and
//! without a dictionary.
//!
//! This reaches what lies behind authentication: the DEFLATE decoder with its cap and its
//! dictionary, and the envelope parser. The token is built from docs/FORMAT.md alone, with
//! RustCrypto's XChaCha20-Poly1305 and SHA-256, independently of the crate's own sealing code.
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use hkdf::Hkdf;
use libfuzzer_sys::fuzz_target;
use sealed_session::{Dictionary, Error, Key, Sealer};
use sha2::{Digest as _, Sha256};
use time::macros::datetime;

const KEY: [u8; 32] = [0x42; 32];
const PURPOSE: &str = "session";
/// The dictionary of the tokens that name one (flags bit 1).
const DICTIONARY: &[u8] = br#"{"user_id":0,"roles":["admin","editor"],"csrf":"","cart":[]}"#;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, payload)) = data.split_first() else {
        return;
    };
    // 0: plain, 1: DEFLATE, 3: DEFLATE with the dictionary.
    let flags = [0, 1, 3, 3][usize::from(flags & 3)];
    let key = Key::try_from(&KEY[..]).expect("32 bytes");
    let mut header = vec![1, flags];
    header.extend_from_slice(key.id().as_bytes());
    let digest = Sha256::digest(DICTIONARY);
    if flags & 2 != 0 {
        header.extend_from_slice(&digest[..2]);
    }

    let mut subkey = [0u8; 32];
    Hkdf::<Sha256>::new(None, &KEY)
        .expand_multi_info(
            &[b"sealed-session v1 token:", PURPOSE.as_bytes()],
            &mut subkey,
        )
        .expect("32 bytes");
    let nonce = [0x24u8; 24];
    let mut aad = header.clone();
    if flags & 2 != 0 {
        aad.extend_from_slice(&digest);
    }
    aad.extend_from_slice(PURPOSE.as_bytes());
    let sealed = XChaCha20Poly1305::new((&subkey).into())
        .encrypt(
            (&nonce).into(),
            Payload {
                msg: payload,
                aad: &aad,
            },
        )
        .expect("encrypts");
    let token = URL_SAFE_NO_PAD.encode([&header[..], &nonce, &sealed].concat());

    let sealer = Sealer::builder(key, PURPOSE)
        .with_dictionary(Dictionary::new(DICTIONARY))
        .with_max_token_len(1 << 20)
        .with_max_state_len(1 << 16)
        .build()
        .expect("valid settings");
    let now = datetime!(2030-01-01 0:00 UTC);
    match sealer.open_at::<serde_json::Value>(&token, now) {
        // Authentic tokens are never reported as forged, nor as naming an unknown dictionary.
        Err(Error::Invalid | Error::UnknownKey | Error::UnknownDictionary) => {
            panic!("authentic token rejected as forged")
        }
        Err(_) => {}
        Ok(session) => {
            // Whatever opened was a well-formed envelope within the cap.
            assert!(flags != 0 || payload.len() <= 1 << 16);
            assert!(session.issued_at() >= session.authenticated_at());
            assert!(session.expires_at() > session.issued_at());
            let _ = session.state();
        }
    }
});
