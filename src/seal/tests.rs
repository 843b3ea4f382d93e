//! The sessions the sealer hands back with their tokens, to the millisecond.

use time::{Duration, OffsetDateTime};

use super::{Format, Sealer};
use crate::{Key, Session};

fn times<T>(session: &Session<T>) -> [OffsetDateTime; 3] {
    [
        session.authenticated_at(),
        session.issued_at(),
        session.expires_at(),
    ]
}

/// The layer keeps the session it was handed instead of opening its own token again, so the
/// two must agree to the millisecond: whole seconds for a JWE, milliseconds for the compact
/// format.
#[test]
fn sessions_handed_to_the_layer_carry_their_tokens_times() {
    let now = OffsetDateTime::from_unix_timestamp_nanos(1_767_225_600_123_456_789).expect("valid");
    let later = now + Duration::milliseconds(3_600_789);
    for (format, issued) in [
        (Format::Compact, now.replace_nanosecond(123_000_000)),
        (Format::Jwe, now.replace_nanosecond(0)),
    ] {
        let sealer = Sealer::builder(Key::generate(), "session")
            .with_format(format)
            .build()
            .expect("valid settings");
        let issued = issued.expect("valid");
        let sealed = sealer.start_session_at("u", 1u8, now).expect("starts");
        let (token, started) = (sealed.token, sealed.session);
        let opened = sealer.open_at::<u8>(&token, now).expect("opens");
        assert_eq!(times(&started), times(&opened), "{format:?}");
        assert_eq!(started.issued_at(), issued, "{format:?}");

        let sealed = sealer.roll_session_at(&started, 2u8, later).expect("rolls");
        let (token, rolled) = (sealed.token, sealed.session);
        let opened = sealer.open_at::<u8>(&token, later).expect("opens");
        assert_eq!(times(&rolled), times(&opened), "{format:?}");
        assert_eq!(rolled.authenticated_at(), issued, "{format:?}");
    }
}
