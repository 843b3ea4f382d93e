//! Arbitrary state seals, reseals and opens back to the same state, in each format, under every
//! compression setting and level, with and without a dictionary; a token of one format never
//! opens in a sealer of the other.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sealed_session::{Compression, Dictionary, Error, Format, Key, Sealer};
use serde::{Deserialize, Serialize};
use time::Duration;
use time::macros::datetime;

#[derive(Debug, Clone, PartialEq, Arbitrary, Serialize, Deserialize)]
struct State {
    name: String,
    roles: Vec<String>,
    bytes: Vec<u8>,
    counters: Vec<(String, i64)>,
    flag: Option<bool>,
    nested: Vec<Vec<u32>>,
}

#[derive(Debug, Arbitrary)]
struct Input {
    subject: String,
    state: State,
    rolled: State,
    compression: u8,
    level: u8,
    /// The compact format, or the JWE profile.
    jwe: bool,
    /// A dictionary: none, one made from a sample state, or arbitrary bytes.
    dictionary: Option<Result<State, Vec<u8>>>,
}

fuzz_target!(|input: Input| {
    let compression = match input.compression % 3 {
        0 => Compression::Never,
        1 => Compression::Auto,
        _ => Compression::Always,
    };
    let (format, other_format) = if input.jwe {
        (Format::Jwe, Format::Compact)
    } else {
        (Format::Compact, Format::Jwe)
    };
    let key = || Key::try_from(&[0x42; 32][..]).expect("32 bytes");
    let mut builder = Sealer::builder(key(), "session")
        .with_format(format)
        .with_compression(compression)
        .with_compression_level(u32::from(input.level % 9) + 1)
        .with_max_token_len(1 << 20);
    let other = Sealer::builder(key(), "session")
        .with_format(other_format)
        .with_max_token_len(1 << 20)
        .build()
        .expect("valid settings");
    if let Some(dictionary) = &input.dictionary {
        let dictionary = match dictionary {
            Ok(sample) => Dictionary::from_sample(sample).expect("serializes"),
            Err(bytes) => Dictionary::new(bytes.clone()),
        };
        builder = builder.with_dictionary(dictionary);
    }
    let sealer = match builder.build() {
        Ok(sealer) => sealer,
        // Only the compact format takes a dictionary.
        Err(Error::Config(_)) if input.jwe && input.dictionary.is_some() => return,
        Err(error) => panic!("refused settings that work: {error:?}"),
    };
    let now = datetime!(2030-01-01 0:00 UTC);
    match sealer.seal_at(&input.subject, &input.state, now) {
        Ok(token) => {
            // The kind is never guessed from the shape.
            assert!(
                other.open_at::<State>(&token, now).is_err(),
                "opened in the other format"
            );
            let session = sealer
                .open_at::<State>(&token, now)
                .expect("own token opens");
            assert_eq!(session.subject(), input.subject);
            assert_eq!(session.state(), &input.state);
            // Rolled an hour later: the same session, the new state.
            let later = now + Duration::hours(1);
            match sealer.reseal_at(&session, &input.rolled, later) {
                Ok(rolled) => {
                    let again = sealer
                        .open_at::<State>(&rolled, later)
                        .expect("resealed token opens");
                    assert_eq!(again.state(), &input.rolled);
                    assert_eq!(again.session_id(), session.session_id());
                    assert_eq!(again.authenticated_at(), session.authenticated_at());
                    assert_eq!(again.subject(), input.subject);
                }
                Err(Error::TooLarge) => {}
                Err(other) => panic!("reseal failed: {other}"),
            }
        }
        Err(Error::TooLarge) => {}
        Err(other) => panic!("seal failed: {other}"),
    }
});
