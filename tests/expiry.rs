//! Expiry and issued-at, with leeway, driven by explicit times.

mod common;

use common::{T0, sealer};
use sealed_session::Error;
use time::Duration;

#[test]
fn expiry_with_and_without_leeway() {
    let sealer = sealer()
        .with_ttl(Duration::minutes(10))
        .with_leeway(Duration::ZERO);
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

    let lenient = sealer.clone().with_leeway(Duration::seconds(30));
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
    let sealer = sealer().with_leeway(Duration::seconds(5));
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
                sealer().with_ttl(ttl).seal_at("u", &(), T0),
                Err(Error::Config(_))
            ),
            "{ttl}"
        );
    }
}

#[test]
fn half_life_for_rolling_sessions() {
    let sealer = sealer().with_ttl(Duration::hours(1));
    let session = sealer
        .open_at::<()>(&sealer.seal_at("u", &(), T0).expect("seals"), T0)
        .expect("opens");
    assert!(!session.is_past_half_life_at(T0));
    assert!(!session.is_past_half_life_at(T0 + Duration::minutes(29)));
    assert!(session.is_past_half_life_at(T0 + Duration::minutes(30)));
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
