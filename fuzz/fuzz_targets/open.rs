//! Arbitrary input never opens under a fixed key, and never panics; session ids parse only in
//! their canonical form.
//!
//! Half the inputs are used as raw token text; the other half are wrapped in a well-formed
//! header that carries the right key id, so that the fuzzer reaches the AEAD check.
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use sealed_session::{Dictionary, Key, Sealer, SessionId};
use time::macros::datetime;

fuzz_target!(|data: &[u8]| {
    let key = Key::try_from(&[0x42; 32][..]).expect("32 bytes");
    let id = key.id();
    let dictionary = Dictionary::new(r#"{"user_id":0,"roles":["admin"]}"#);
    let sealer = Sealer::builder(key, "session")
        .with_dictionary(dictionary.clone())
        .build()
        .expect("valid settings");
    let now = datetime!(2030-01-01 0:00 UTC);
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = if mode & 1 == 0 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        // A well-formed header of every kind: plain, DEFLATE, DEFLATE with the dictionary.
        let flags = (mode >> 1) & 3;
        let mut binary = vec![1, flags];
        binary.extend_from_slice(id.as_bytes());
        if flags & 2 != 0 {
            binary.extend_from_slice(dictionary.id().as_bytes());
        }
        binary.extend_from_slice(rest);
        URL_SAFE_NO_PAD.encode(binary)
    };
    let result = sealer.open_at::<serde_json::Value>(&text, now);
    assert!(result.is_err(), "forged input opened: {text:?}");

    // Session ids named by a client: only the canonical 22-character form parses.
    if let Ok(id) = SessionId::parse(&text) {
        assert_eq!(id.to_string(), text);
    }
});
