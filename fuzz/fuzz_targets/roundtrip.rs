//! Arbitrary state seals, reseals and opens back to the same state, under every compression
//! setting and level, with and without a dictionary.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sealed_session::{Compression, Dictionary, Error, Key, Sealer};
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
    /// A dictionary: none, one made from a sample state, or arbitrary bytes.
    dictionary: Option<Result<State, Vec<u8>>>,
}

fuzz_target!(|input: Input| {
    let compression = match input.compression % 3 {
        0 => Compression::Never,
        1 => Compression::Auto,
        _ => Compression::Always,
    };
    let mut sealer = Sealer::new(Key::try_from(&[0x42; 32][..]).expect("32 bytes"), "session")
        .with_compression(compression)
        .with_compression_level(u32::from(input.level % 9) + 1)
        .with_max_token_len(1 << 20);
    if let Some(dictionary) = &input.dictionary {
        let dictionary = match dictionary {
            Ok(sample) => Dictionary::from_sample(sample).expect("serializes"),
            Err(bytes) => Dictionary::new(bytes.clone()),
        };
        sealer = sealer.with_dictionary(dictionary);
    }
    let now = datetime!(2030-01-01 0:00 UTC);
    match sealer.seal_at(&input.subject, &input.state, now) {
        Ok(token) => {
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
