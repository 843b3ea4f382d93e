//! Arbitrary state seals and opens back to the same state, under every compression setting.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sealed_session::{Compression, Error, Key, Sealer};
use serde::{Deserialize, Serialize};
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
    compression: u8,
}

fuzz_target!(|input: Input| {
    let compression = match input.compression % 3 {
        0 => Compression::Never,
        1 => Compression::Auto,
        _ => Compression::Always,
    };
    let sealer = Sealer::new(Key::try_from(&[0x42; 32][..]).expect("32 bytes"), "session")
        .with_compression(compression)
        .with_max_token_len(1 << 20);
    let now = datetime!(2030-01-01 0:00 UTC);
    match sealer.seal_at(&input.subject, &input.state, now) {
        Ok(token) => {
            let session = sealer
                .open_at::<State>(&token, now)
                .expect("own token opens");
            assert_eq!(session.subject(), input.subject);
            assert_eq!(session.state(), &input.state);
        }
        Err(Error::TooLarge) => {}
        Err(other) => panic!("seal failed: {other}"),
    }
});
