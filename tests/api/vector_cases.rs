//! Every case of `tests/vectors/cases.json` (the compact format with and without a dictionary,
//! and the JWE profile; built from docs/FORMAT.md alone by `generate_cases.py`) opens to what it
//! says, or fails with the error it names. One loop, so that a case added to the file is a test.

use sealed_session::{Dictionary, Error, Format, Key, Sealer};
use sealed_session_test_support::vectors::{unhex, vector_file};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn instant(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &Rfc3339).expect("an RFC 3339 time")
}

/// The error's variant name, as the file spells it.
fn name_of(error: &Error) -> String {
    let debug = format!("{error:?}");
    debug.split('(').next().unwrap_or_default().to_owned()
}

#[test]
fn every_published_case_opens_or_fails_as_it_says() {
    let file = vector_file("cases.json");
    let key = Key::try_from(&unhex(&file["key_hex"])[..]).expect("32 bytes");
    let purpose = file["purpose"].as_str().expect("purpose");
    let dictionary = Dictionary::new(file["dictionary"].as_str().expect("dictionary").to_owned());
    let open_at = instant(file["open_at"].as_str().expect("open_at"));
    let cases = file["cases"].as_array().expect("cases");
    let (mut valid, mut failing, mut formats) = (0, 0, std::collections::BTreeSet::new());
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let format = case["format"].as_str().expect("format");
        formats.insert(format.to_owned());
        let mut sealer = Sealer::new(key.clone(), purpose);
        sealer = match format {
            "compact" => sealer,
            "jwe" => sealer
                .to_builder()
                .with_format(Format::Jwe)
                .build()
                .expect("valid settings"),
            other => panic!("{name}: unknown format {other}"),
        };
        if case["dictionary"] == true {
            sealer = sealer
                .to_builder()
                .with_dictionary(dictionary.clone())
                .build()
                .expect("valid settings");
        }
        if let Some(len) = case["max_token_len"].as_u64() {
            sealer = sealer
                .to_builder()
                .with_max_token_len(usize::try_from(len).expect("fits"))
                .build()
                .expect("valid settings");
        }
        let token = case["token"].as_str().expect("token");
        let result = sealer.open_at::<Value>(token, open_at);
        match case["expect"].as_str().expect("expect") {
            "valid" => {
                let session = result.unwrap_or_else(|error| panic!("{name}: {error:?}"));
                assert_eq!(session.subject(), case["subject"], "{name}");
                assert_eq!(session.state(), &case["state"], "{name}");
                assert_eq!(
                    session.session_id().to_string(),
                    case["session_id"],
                    "{name}"
                );
                for (field, actual) in [
                    ("authenticated_at", session.authenticated_at()),
                    ("issued_at", session.issued_at()),
                    ("expires_at", session.expires_at()),
                ] {
                    let expected = instant(case[field].as_str().expect("a time"));
                    assert_eq!(actual, expected, "{name}: {field}");
                }
                valid += 1;
            }
            "fail" => {
                let error = result.err().unwrap_or_else(|| panic!("{name}: opened"));
                assert_eq!(name_of(&error), case["error"], "{name}");
                failing += 1;
            }
            other => panic!("{name}: unknown expectation {other}"),
        }
    }
    assert!(
        valid >= 10 && failing >= 50,
        "{valid} valid, {failing} expect-fail"
    );
    assert_eq!(formats.into_iter().collect::<Vec<_>>(), ["compact", "jwe"]);
}
