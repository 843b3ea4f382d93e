//! JWE `open` never panics, never opens a forgery, and what it opens seals again to the same
//! session.
//!
//! Half the inputs are raw token text (never authentic). The other half are arbitrary
//! plaintexts — claims, or DEFLATE streams when the header says `zip` — encrypted under the
//! right key with RustCrypto's XChaCha20-Poly1305, as another implementation would, so that the
//! fuzzer reaches the inflater with its cap and the strict claims parser behind it.
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use libfuzzer_sys::fuzz_target;
use sealed_session::{Error, Key, Sealer};
use time::macros::datetime;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let key = Key::try_from(&[0x42; 32][..]).expect("32 bytes");
    let sealer = Sealer::from_jwe_key(key, "session")
        .to_builder()
        .with_max_token_len(1 << 20)
        .build()
        .expect("valid settings");
    let now = datetime!(2030-01-01 0:00 UTC);
    if mode & 1 == 0 {
        let text = String::from_utf8_lossy(rest);
        let result = sealer.open_at::<serde_json::Value>(&text, now);
        assert!(result.is_err(), "forged input opened: {text:?}");
        return;
    }
    let header = if mode & 2 == 0 {
        r#"{"alg":"dir","enc":"XC20P"}"#
    } else {
        r#"{"alg":"dir","enc":"XC20P","zip":"DEF"}"#
    };
    let protected = URL_SAFE_NO_PAD.encode(header);
    let mut payload = rest.to_vec();
    let iv = [0x24u8; 24];
    let tag = XChaCha20Poly1305::new((&[0x42u8; 32]).into())
        .encrypt_in_place_detached((&iv).into(), protected.as_bytes(), &mut payload)
        .expect("encrypts");
    let token = format!(
        "{protected}..{}.{}.{}",
        URL_SAFE_NO_PAD.encode(iv),
        URL_SAFE_NO_PAD.encode(&payload),
        URL_SAFE_NO_PAD.encode(tag)
    );
    match sealer.open_at::<serde_json::Value>(&token, now) {
        Ok(session) => {
            // Whatever opens is a session this sealer can roll and open again, unchanged.
            let rolled = sealer.reseal_at(&session, session.state(), now);
            if let Ok(rolled) = rolled {
                let again = sealer
                    .open_at::<serde_json::Value>(&rolled, now)
                    .expect("a resealed session opens");
                assert_eq!(again.subject(), session.subject());
                assert_eq!(again.state(), session.state());
                assert_eq!(again.session_id(), session.session_id());
                assert_eq!(again.authenticated_at(), session.authenticated_at());
            }
        }
        Err(error) => assert!(
            !matches!(error, Error::Invalid | Error::UnknownKey),
            "an authentic token refused as {error:?}"
        ),
    }
});
