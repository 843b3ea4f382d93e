//! Format stability: tokens sealed by earlier releases keep opening.

use sealed_session::{Key, Sealer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

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
    let sealer = Sealer::new(
        Key::try_from(&key_bytes[..]).expect("key"),
        file["purpose"].as_str().expect("purpose"),
    );
    let open_at =
        OffsetDateTime::parse(file["open_at"].as_str().expect("time"), &Rfc3339).expect("time");
    let sealed_at =
        OffsetDateTime::parse(file["sealed_at"].as_str().expect("time"), &Rfc3339).expect("time");
    let tokens = file["tokens"].as_array().expect("tokens");
    assert!(tokens.len() >= 2);
    for case in tokens {
        let session = sealer
            .open_at::<serde_json::Value>(case["token"].as_str().expect("token"), open_at)
            .unwrap_or_else(|error| panic!("{}: {error}", case["name"]));
        assert_eq!(session.state(), &case["state"], "{}", case["name"]);
        assert_eq!(session.subject(), file["subject"], "{}", case["name"]);
        assert_eq!(session.issued_at(), sealed_at, "{}", case["name"]);
    }
}
