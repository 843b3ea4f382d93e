//! Format stability: tokens sealed by earlier releases keep opening.

use sealed_session::{Dictionary, Key, Sealer, SessionId};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn time(value: &serde_json::Value) -> OffsetDateTime {
    OffsetDateTime::parse(value.as_str().expect("a time"), &Rfc3339).expect("RFC 3339")
}

#[test]
fn tokens_sealed_by_earlier_releases_keep_opening() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/stable_tokens.json"
    );
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("present")).expect("JSON");
    let key_hex = file["key_hex"].as_str().expect("key");
    let key_bytes: Vec<u8> = (0..key_hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&key_hex[i..i + 2], 16).expect("hex"))
        .collect();
    let key = Key::try_from(&key_bytes[..]).expect("key");
    let purpose = file["purpose"].as_str().expect("purpose");
    let dictionary = Dictionary::new(file["dictionary"].as_str().expect("dictionary"));
    // The dictionary as the current one, and as a previous one behind a newer dictionary.
    let openers = [
        Sealer::new(key.clone(), purpose).with_dictionary(dictionary.clone()),
        Sealer::new(key.clone(), purpose)
            .with_dictionary(Dictionary::new("a newer dictionary"))
            .with_previous_dictionary(dictionary),
    ];
    let plain = Sealer::new(key, purpose);
    let (open_at, sealed_at) = (time(&file["open_at"]), time(&file["sealed_at"]));
    let tokens = file["tokens"].as_array().expect("tokens");
    assert_eq!(tokens.len(), 4);
    for case in tokens {
        let name = &case["name"];
        let token = case["token"].as_str().expect("token");
        for opener in &openers {
            let session = opener
                .open_at::<serde_json::Value>(token, open_at)
                .unwrap_or_else(|error| panic!("{name}: {error}"));
            assert_eq!(session.state(), &case["state"], "{name}");
            assert_eq!(session.subject(), file["subject"], "{name}");
            assert_eq!(session.issued_at(), sealed_at, "{name}");
            assert_eq!(
                session.authenticated_at(),
                time(&case["authenticated_at"]),
                "{name}"
            );
            let sid = SessionId::parse(case["session_id"].as_str().expect("id")).expect("id");
            assert_eq!(session.session_id(), sid, "{name}");
        }
        // Without the dictionary, the tokens that need it say so; the others open.
        let without = plain.open_at::<serde_json::Value>(token, open_at);
        if case["with_dictionary"] == true {
            assert_eq!(
                without,
                Err(sealed_session::Error::UnknownDictionary),
                "{name}"
            );
        } else {
            assert!(without.is_ok(), "{name}");
        }
    }
}
