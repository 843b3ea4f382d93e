//! Fixed inputs for tests: an instant and keys that never change, so that no test depends on
//! the clock or on randomness, and no expected value changes between runs.

use sealed_session::{Key, Sealer, SealerBuilder};
use time::OffsetDateTime;
use time::macros::datetime;

/// The instant every test that needs one seals, opens and revokes at, so that no test depends on
/// the clock. Expected values (expiry times, `iat` claims, seconds since the epoch) are written
/// against it: `T0.unix_timestamp()` is 1,906,545,600.
pub const T0: OffsetDateTime = datetime!(2030-06-01 12:00 UTC);

/// The key whose 32 bytes are all `n`: a fixed key, so that tests can tell keys apart by their
/// byte (one per role: a sealer's key, another sealer's, an attacker's) without a random key
/// whose id changes from run to run.
pub fn fixed_key(n: u8) -> Key {
    Key::try_from(&[n; 32][..]).expect("32 bytes are a key")
}

/// A compact-format sealer of the purpose `"session"` under [`fixed_key`]`(n)`, with every other
/// setting at its default: the sealer most tests start from.
pub fn fixed_sealer(n: u8) -> Sealer {
    Sealer::new(fixed_key(n), "session")
}

/// The builder of [`fixed_sealer`]`(n)`, for a test that needs other settings.
pub fn fixed_builder(n: u8) -> SealerBuilder {
    Sealer::builder(fixed_key(n), "session")
}
