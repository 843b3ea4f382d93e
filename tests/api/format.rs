//! Format stability: tokens sealed by earlier releases keep opening.

use sealed_session::{Dictionary, Key, Sealer, SessionId};
use sealed_session_test_support::vectors::{unhex, vector_file};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn time(value: &serde_json::Value) -> OffsetDateTime {
    OffsetDateTime::parse(value.as_str().expect("a time"), &Rfc3339).expect("RFC 3339")
}

#[test]
fn tokens_sealed_by_earlier_releases_keep_opening() {
    let file = vector_file("stable_tokens.json");
    let key = Key::try_from(&unhex(&file["key_hex"])[..]).expect("key");
    let purpose = file["purpose"].as_str().expect("purpose");
    let dictionary = Dictionary::new(file["dictionary"].as_str().expect("dictionary"));
    // The dictionary as the current one, and as a previous one behind a newer dictionary.
    let openers = [
        Sealer::builder(key.clone(), purpose)
            .with_dictionary(dictionary.clone())
            .build()
            .expect("valid settings"),
        Sealer::builder(key.clone(), purpose)
            .with_dictionary(Dictionary::new("a newer dictionary"))
            .with_previous_dictionary(dictionary)
            .build()
            .expect("valid settings"),
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
