//! Expiry and issued-at, with leeway, driven by explicit times.

use crate::common;

use common::{T0, sealer};
use sealed_session::Error;
use time::Duration;

#[test]
fn expiry_with_and_without_leeway() {
    let sealer = sealer()
        .to_builder()
        .with_ttl(Duration::minutes(10))
        .with_leeway(Duration::ZERO)
        .build()
        .expect("valid settings");
    let token = sealer.seal_at("u", &(), T0).expect("seals");
    let expiry = T0 + Duration::minutes(10);
    assert!(
        sealer
            .open_at::<()>(&token, expiry - Duration::milliseconds(1))
            .is_ok()
    );
    assert_eq!(sealer.open_at::<()>(&token, expiry), Err(Error::Expired));
    assert_eq!(
        sealer.open_at::<()>(&token, expiry + Duration::days(400)),
        Err(Error::Expired)
    );

    let lenient = sealer
        .to_builder()
        .with_leeway(Duration::seconds(30))
        .build()
        .expect("valid settings");
    assert!(
        lenient
            .open_at::<()>(&token, expiry + Duration::seconds(29))
            .is_ok()
    );
    assert_eq!(
        lenient.open_at::<()>(&token, expiry + Duration::seconds(30)),
        Err(Error::Expired)
    );
}

#[test]
fn future_issued_at_with_leeway() {
    let sealer = sealer()
        .to_builder()
        .with_leeway(Duration::seconds(5))
        .build()
        .expect("valid settings");
    let token = sealer.seal_at("u", &(), T0).expect("seals");
    // The opener's clock is behind the sealer's.
    assert!(
        sealer
            .open_at::<()>(&token, T0 - Duration::seconds(5))
            .is_ok()
    );
    assert_eq!(
        sealer.open_at::<()>(
            &token,
            T0 - Duration::seconds(5) - Duration::milliseconds(1)
        ),
        Err(Error::NotYetValid)
    );
    assert_eq!(
        sealer.open_at::<()>(&token, T0 - Duration::days(1)),
        Err(Error::NotYetValid)
    );
}

#[test]
fn default_ttl_is_a_day_and_always_set() {
    let sealer = sealer();
    let session = sealer
        .open_at::<()>(&sealer.seal_at("u", &(), T0).expect("seals"), T0)
        .expect("opens");
    assert_eq!(
        session.expires_at() - session.issued_at(),
        Duration::hours(24)
    );
}

#[test]
fn non_positive_ttl_is_refused() {
    for ttl in [
        Duration::ZERO,
        Duration::seconds(-5),
        Duration::microseconds(999),
    ] {
        assert!(
            matches!(
                sealer().to_builder().with_ttl(ttl).build(),
                Err(Error::Config(_))
            ),
            "{ttl}"
        );
    }
}

#[test]
fn half_life_for_rolling_sessions() {
    let sealer = sealer()
        .to_builder()
        .with_ttl(Duration::hours(1))
        .build()
        .expect("valid settings");
    let session = sealer
        .open_at::<()>(&sealer.seal_at("u", &(), T0).expect("seals"), T0)
        .expect("opens");
    assert!(!session.is_past_half_life_at(T0));
    assert!(!session.is_past_half_life_at(T0 + Duration::minutes(29)));
    assert!(session.is_past_half_life_at(T0 + Duration::minutes(30)));
}

/// The clock form reads the system clock: a session sealed just now is young, one sealed 40
/// minutes ago with a one-hour TTL is past half its life.
#[test]
fn half_life_by_the_system_clock() {
    let sealer = sealer()
        .to_builder()
        .with_ttl(Duration::hours(1))
        .build()
        .expect("valid settings");
    let now = time::OffsetDateTime::now_utc();
    let young = sealer
        .open::<()>(&sealer.seal("u", &()).expect("seals"))
        .expect("opens");
    assert!(!young.is_past_half_life());
    let older = sealer
        .open::<()>(
            &sealer
                .seal_at("u", &(), now - Duration::minutes(40))
                .expect("seals"),
        )
        .expect("opens");
    assert!(older.is_past_half_life());
}

#[test]
fn timestamps_have_millisecond_precision() {
    let sealer = sealer();
    let now = T0 + Duration::nanoseconds(123_456_789);
    let session = sealer
        .open_at::<()>(&sealer.seal_at("u", &(), now).expect("seals"), now)
        .expect("opens");
    assert_eq!(session.issued_at(), T0 + Duration::milliseconds(123));
}

/// Regression: a TTL below −2⁶³ ms saturated to +i64::MAX milliseconds and passed "the TTL must
/// be positive".
#[test]
fn regression_a_hugely_negative_ttl_is_refused() {
    for ttl in [
        Duration::MIN,
        Duration::seconds(i64::MIN / 2),
        Duration::ZERO,
    ] {
        let refused = sealer().to_builder().with_ttl(ttl).build();
        assert!(matches!(refused, Err(Error::Config(_))), "{ttl}");
    }
}

/// Regression: a TTL that pushed the expiry past the year 9999, or `seal_at` near it, sealed a
/// token that then always opened as `Malformed`. Sealing must refuse it.
#[test]
fn regression_an_expiry_past_the_year_9999_is_refused() {
    let end = time::PrimitiveDateTime::MAX.assume_utc();
    assert!(matches!(
        sealer().to_builder().with_ttl(Duration::MAX).build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        sealer().seal_at("a", &(), end - Duration::hours(1)),
        Err(Error::Config(_))
    ));
    // The last expiry that can be written still seals and opens.
    let last = end - Duration::hours(24);
    let token = sealer().seal_at("a", &(), last).expect("seals");
    assert!(sealer().open_at::<()>(&token, last).is_ok());
}

/// Regression: the leeway had no bound; `with_leeway(Duration::MAX)` made a token open 1000
/// years later. A leeway above an hour is a configuration error, at `seal` and at `open`.
#[test]
fn regression_the_leeway_is_bounded() {
    let token = sealer().seal_at("a", &(), T0).expect("seals");
    let wide = sealer().to_builder().with_leeway(Duration::MAX).build();
    assert!(matches!(wide, Err(Error::Config(_))));
    let hour = sealer()
        .to_builder()
        .with_leeway(sealed_session::Sealer::MAX_LEEWAY)
        .build()
        .expect("valid settings");
    assert!(hour.validate().is_ok());
    assert!(
        hour.open_at::<()>(&token, T0 + Duration::hours(24) + Duration::minutes(59))
            .is_ok()
    );
    let over = sealer()
        .to_builder()
        .with_leeway(sealed_session::Sealer::MAX_LEEWAY + Duration::milliseconds(1))
        .build();
    assert!(matches!(over, Err(Error::Config(_))));
}

/// A token carries its TTL and its lifetime in 40 bits of milliseconds (about 34.8 years): the
/// longest of each is a valid setting and seals, one millisecond more is a configuration error.
#[test]
fn the_longest_ttl_and_lifetime_are_40_bits_of_milliseconds_inclusive() {
    let longest = Duration::milliseconds((1 << 40) - 1);
    let over = longest + Duration::milliseconds(1);
    let long_life = sealer()
        .to_builder()
        .with_max_lifetime(longest)
        .build()
        .expect("valid settings");
    assert_eq!(long_life.validate(), Ok(()));
    let token = long_life.seal_at("a", &(), T0).expect("seals");
    assert!(long_life.open_at::<()>(&token, T0).is_ok());
    let long_ttl = long_life
        .to_builder()
        .with_ttl(longest)
        .build()
        .expect("valid settings");
    assert_eq!(long_ttl.validate(), Ok(()));
    let token = long_ttl.seal_at("a", &(), T0).expect("seals");
    let session = long_ttl.open_at::<()>(&token, T0).expect("opens");
    assert_eq!(session.expires_at(), T0 + longest);
    for refused in [
        sealer().to_builder().with_max_lifetime(over).build(),
        long_life.to_builder().with_ttl(over).build(),
    ] {
        assert!(matches!(refused, Err(Error::Config(_))));
    }
}
