//! The session's id, envelope and time rules.
use std::time::UNIX_EPOCH;

use time::Duration;

use super::envelope::ENVELOPE_FIXED_LEN;
use super::times::millis_of;
use super::*;
use crate::Error;

#[test]
fn durations_saturate_at_both_ends() {
    assert_eq!(duration_millis(Duration::MAX), i64::MAX);
    assert_eq!(duration_millis(Duration::MIN), i64::MIN);
    assert_eq!(duration_millis(Duration::milliseconds(-1500)), -1500);
    assert_eq!(duration_millis(Duration::ZERO), 0);
}

#[test]
fn system_times_round_down_on_both_sides_of_1970() {
    use std::time::Duration as StdDuration;
    let at = |offset: StdDuration, after: bool| {
        millis_of(if after {
            UNIX_EPOCH + offset
        } else {
            UNIX_EPOCH - offset
        })
    };
    assert_eq!(at(StdDuration::ZERO, true), 0);
    assert_eq!(at(StdDuration::from_micros(1_500), true), 1);
    assert_eq!(at(StdDuration::from_millis(1_234), true), 1_234);
    // Before 1970: toward the past, so 1.5 ms before is -2, and whole milliseconds stay.
    assert_eq!(at(StdDuration::from_micros(1_500), false), -2);
    assert_eq!(at(StdDuration::from_nanos(1), false), -1);
    assert_eq!(at(StdDuration::from_millis(86_400_000), false), -86_400_000);
    assert_eq!(at(StdDuration::from_secs(1 << 62), true), i64::MAX);
    let now = now_millis();
    assert!((1_764_547_200_000..MAX_MILLIS).contains(&now), "{now}");
}

#[test]
fn an_envelope_is_as_long_as_its_subject_says() {
    let envelope = |subject_len: u16, rest: &[u8]| {
        let mut bytes = vec![0u8; ENVELOPE_FIXED_LEN];
        bytes[15] = 1; // a lifetime of 1 ms
        bytes[ENVELOPE_FIXED_LEN - 2..].copy_from_slice(&subject_len.to_be_bytes());
        bytes.extend_from_slice(rest);
        bytes
    };
    // The subject takes all that is left: an empty state.
    let exact = envelope(5, b"alice");
    let read = read_envelope(&exact).expect("reads");
    assert_eq!((read.subject, read.state), ("alice", &b""[..]));
    let read_longer = envelope(5, b"alice{}");
    let read = read_envelope(&read_longer).expect("reads");
    assert_eq!((read.subject, read.state), ("alice", &b"{}"[..]));
    // One byte short, and far short: malformed, never a panic.
    assert_eq!(
        read_envelope(&envelope(6, b"alice")).err(),
        Some(Error::Malformed)
    );
    assert_eq!(
        read_envelope(&envelope(u16::MAX, b"")).err(),
        Some(Error::Malformed)
    );
    assert_eq!(
        read_envelope(&exact[..ENVELOPE_FIXED_LEN - 1]).err(),
        Some(Error::Malformed)
    );
}

#[test]
fn time_rules() {
    let t = |auth_at, iat, exp| Times { auth_at, iat, exp };
    const LONG: i64 = i64::MAX;
    assert_eq!(check_times(t(0, 0, 1000), 999, 0, LONG), Ok(()));
    assert_eq!(
        check_times(t(0, 0, 1000), 1000, 0, LONG),
        Err(Error::Expired)
    );
    assert_eq!(check_times(t(0, 0, 1000), 1049, 50, LONG), Ok(()));
    assert_eq!(
        check_times(t(0, 0, 1000), 1050, 50, LONG),
        Err(Error::Expired)
    );
    assert_eq!(check_times(t(0, 100, 1000), 50, 50, LONG), Ok(()));
    assert_eq!(
        check_times(t(0, 101, 1000), 50, 50, LONG),
        Err(Error::NotYetValid)
    );
    // The absolute lifetime counts from auth_at, with the leeway; whichever end comes
    // first names the error.
    assert_eq!(check_times(t(0, 500, 1000), 599, 0, 600), Ok(()));
    assert_eq!(
        check_times(t(0, 500, 1000), 600, 0, 600),
        Err(Error::LifetimeExceeded)
    );
    assert_eq!(check_times(t(0, 500, 1000), 649, 50, 600), Ok(()));
    assert_eq!(
        check_times(t(0, 500, 1000), 5000, 0, 600),
        Err(Error::LifetimeExceeded)
    );
    assert_eq!(
        check_times(t(0, 500, 600), 600, 0, 600),
        Err(Error::LifetimeExceeded)
    );
    assert_eq!(
        check_times(t(0, 500, 599), 599, 0, 600),
        Err(Error::Expired)
    );
    assert_eq!(
        check_times(t(0, 500, 599), 5000, 0, 600),
        Err(Error::Expired)
    );
    assert_eq!(
        check_times(t(LONG, LONG, LONG), LONG - 1, LONG, LONG),
        Ok(())
    );
}

#[test]
fn an_envelope_may_expire_at_the_last_millisecond_of_9999_and_no_later() {
    let envelope = |auth_at: i64, lifetime: i64| {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&auth_at.to_be_bytes()[2..]);
        bytes.extend_from_slice(&[0; 5]);
        bytes.extend_from_slice(&lifetime.to_be_bytes()[3..]);
        bytes.extend_from_slice(&[0; SESSION_ID_LEN + 2]);
        bytes
    };
    let last = envelope(MAX_MILLIS - 1000, 1000);
    assert_eq!(read_envelope(&last).expect("reads").times.exp, MAX_MILLIS);
    assert_eq!(
        read_envelope(&envelope(MAX_MILLIS - 999, 1000)).err(),
        Some(Error::Malformed)
    );
    // The largest login the 48-bit field holds is past 9999 whatever the lifetime.
    assert_eq!(
        read_envelope(&envelope((1 << 48) - 1, 1)).err(),
        Some(Error::Malformed)
    );
    assert_eq!(read_envelope(&envelope(0, 0)).err(), Some(Error::Malformed));
}

#[test]
fn envelope_round_trips_and_refuses_what_no_sealer_writes() {
    let times = Times {
        auth_at: 1_735_689_600_000,
        iat: 1_735_700_000_123,
        exp: 1_735_786_400_123,
    };
    let sid = SessionId([7; SESSION_ID_LEN]);
    let mut out = Vec::new();
    write_envelope_head(&mut out, times.check().expect("valid"), &sid, "user-42").expect("fits");
    assert_eq!(out.len(), ENVELOPE_FIXED_LEN + 7);
    out.extend_from_slice(b"{}");
    let read = read_envelope(&out).expect("reads");
    assert_eq!(
        (read.times, read.sid, read.subject, read.state),
        (times, sid, "user-42", &b"{}"[..])
    );
    // A zero lifetime, and an expiry past the year 9999, are malformed.
    let mut zero = out.clone();
    zero[11..16].fill(0);
    assert!(matches!(read_envelope(&zero), Err(Error::Malformed)));
    let mut late = out.clone();
    late[..6].fill(0xff);
    assert!(matches!(read_envelope(&late), Err(Error::Malformed)));
    assert!(matches!(
        read_envelope(&out[..ENVELOPE_FIXED_LEN - 1]),
        Err(Error::Malformed)
    ));
    assert!(matches!(
        read_envelope(&out[..ENVELOPE_FIXED_LEN + 6]),
        Err(Error::Malformed)
    ));
    // What cannot be written is refused before sealing.
    for bad in [
        Times {
            auth_at: -1,
            iat: 0,
            exp: 1,
        },
        Times {
            auth_at: 0,
            iat: 0,
            exp: 0,
        },
        Times {
            auth_at: 5,
            iat: 4,
            exp: 10,
        },
        Times {
            auth_at: 0,
            iat: MAX_OFFSET + 1,
            exp: MAX_OFFSET + 2,
        },
        Times {
            auth_at: 0,
            iat: 0,
            exp: MAX_OFFSET + 1,
        },
        Times {
            auth_at: MAX_MILLIS - 1,
            iat: MAX_MILLIS - 1,
            exp: MAX_MILLIS + 1,
        },
    ] {
        assert!(matches!(bad.check(), Err(Error::Config(_))), "{bad:?}");
    }
}

#[test]
fn millis_range_is_the_range_of_offset_date_time() {
    let min = OffsetDateTime::new_utc(time::Date::MIN, time::Time::MIDNIGHT);
    let max = time::PrimitiveDateTime::MAX.assume_utc();
    assert_eq!(unix_millis(min), MIN_MILLIS);
    assert_eq!(unix_millis(max), MAX_MILLIS);
    assert_eq!(from_unix_millis(MIN_MILLIS), Ok(min));
    assert_eq!(
        unix_millis(from_unix_millis(MAX_MILLIS).expect("valid")),
        MAX_MILLIS
    );
    assert_eq!(from_unix_millis(MIN_MILLIS - 1), Err(Error::Malformed));
    assert_eq!(from_unix_millis(MAX_MILLIS + 1), Err(Error::Malformed));
}

#[test]
fn clock_in_millis_agrees_with_offset_date_time() {
    let before = unix_millis(OffsetDateTime::now_utc());
    let now = now_millis();
    let after = unix_millis(OffsetDateTime::now_utc());
    assert!(before <= now && now <= after, "{before} {now} {after}");
    let offset = OffsetDateTime::from_unix_timestamp_nanos(-1_500_000)
        .expect("valid")
        .to_offset(time::UtcOffset::from_hms(5, 30, 0).expect("valid"));
    assert_eq!(unix_millis(offset), -2);
}

#[test]
fn millis_round_trip() {
    let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).expect("valid");
    assert_eq!(unix_millis(t), 1_700_000_000_123);
    assert_eq!(unix_millis(from_unix_millis(-1).expect("valid")), -1);
    assert_eq!(from_unix_millis(i64::MAX), Err(Error::Malformed));
}

#[test]
fn session_id_text() {
    let id = SessionId([0xfb; SESSION_ID_LEN]);
    let text = id.to_string();
    assert_eq!(text, "-_v7-_v7-_v7-_v7-_v7-w");
    assert_eq!(format!("{id:?}"), "SessionId(-_v7-_v7-_v7-_v7-_v7-w)");
    assert_eq!(SessionId::parse(&text), Ok(id));
    assert_eq!(SessionId::parse(&text[1..]), Err(Error::Malformed));
    // Non-canonical: the last character carries bits that must be zero.
    let mut bent = text.clone();
    bent.replace_range(21.., "x");
    assert_eq!(SessionId::parse(&bent), Err(Error::Malformed));
    let json = serde_json::to_string(&id).expect("serializes");
    assert_eq!(
        serde_json::from_str::<SessionId>(&json).expect("parses"),
        id
    );
    // What a deserializer is told when the JSON holds something else.
    let not_text = serde_json::from_str::<SessionId>("42").expect_err("a number");
    assert!(
        not_text
            .to_string()
            .contains("expected a 22-character base64url session id"),
        "{not_text}"
    );
    let bad_text = serde_json::from_str::<SessionId>("\"short\"").expect_err("short");
    assert!(
        bad_text.to_string().contains("bad session id"),
        "{bad_text}"
    );
}

#[test]
fn the_writable_times_are_bounded_exactly() {
    let t = |auth_at, iat, exp| Times { auth_at, iat, exp };
    // A login at the epoch itself, and offsets of exactly 40 bits, are writable and read
    // back unchanged; one more millisecond of offset is not writable.
    let widest = (1_i64 << 40) - 1;
    assert_eq!(MAX_OFFSET, widest);
    for times in [
        t(0, 0, 1),
        t(0, widest, widest + 1),
        t(0, 0, widest),
        t(7, 7 + widest, 7 + 2 * widest),
    ] {
        let checked = times.check().expect("writable");
        let mut out = Vec::new();
        write_envelope_head(&mut out, checked, &SessionId([1; SESSION_ID_LEN]), "u").expect("fits");
        assert_eq!(read_envelope(&out).expect("reads").times, times);
    }
    for times in [t(0, 1 << 40, (1 << 40) + 1), t(0, 0, 1 << 40)] {
        assert!(matches!(times.check(), Err(Error::Config(_))), "{times:?}");
    }
}
