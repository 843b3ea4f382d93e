//! Sealing and opening: round trips, tampering, truncation, limits, compression, errors.

use crate::common;

use common::{Profile, T0, decode, encode, profile, sealer};
use proptest::prelude::*;
use sealed_session::{Compression, Dictionary, Error, Format, Key, Sealer};
use sealed_session_test_support::tamper::{BASE64URL, Change, assert_every_change_is_refused};
use time::Duration;

#[test]
fn round_trip_nested_unicode_state() {
    let sealer = sealer();
    let token = sealer.seal_at("user-42", &profile(), T0).expect("seals");
    let session = sealer.open_at::<Profile>(&token, T0).expect("opens");
    assert_eq!(session.state(), &profile());
    assert_eq!(session.subject(), "user-42");
    assert_eq!(session.issued_at(), T0);
    assert_eq!(session.expires_at(), T0 + Duration::hours(24));
    assert_eq!(session.into_state(), profile());
}

#[test]
fn unicode_subject_round_trips() {
    let sealer = sealer();
    let token = sealer.seal_at("ユーザー/✓", &(), T0).expect("seals");
    assert_eq!(
        sealer.open_at::<()>(&token, T0).expect("opens").subject(),
        "ユーザー/✓"
    );
}

#[test]
fn token_is_a_cookie_value_as_it_stands() {
    let token = sealer().seal_at("user-42", &profile(), T0).expect("seals");
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{token}"
    );
}

#[test]
fn session_ids_are_fresh_per_seal() {
    let sealer = sealer();
    let ids: std::collections::HashSet<_> = (0..200)
        .map(|_| {
            let token = sealer.seal_at("u", &(), T0).expect("seals");
            sealer
                .open_at::<()>(&token, T0)
                .expect("opens")
                .session_id()
        })
        .collect();
    assert_eq!(ids.len(), 200);
}

/// The tamper contract (test-support): no change of one character (to any base64url character
/// or a foreign one), no removal, addition, truncation or cut opens a compact token; a
/// truncation is refused as invalid or malformed, never as an unknown key or dictionary.
#[test]
fn every_single_change_is_refused() {
    let sealer = sealer();
    let token = sealer.seal_at("user-42", &profile(), T0).expect("seals");
    assert_every_change_is_refused(
        &token,
        |changed| sealer.open_at::<Profile>(changed, T0),
        |change, error| match change {
            Change::Truncated { .. } => matches!(error, Error::Invalid | Error::Malformed),
            _ => matches!(
                error,
                Error::Invalid | Error::Malformed | Error::UnknownKey | Error::UnknownDictionary
            ),
        },
    );
}

#[test]
fn wrong_purpose_is_invalid() {
    let key = Key::generate();
    let token = Sealer::new(key.clone(), "session")
        .seal_at("u", &1u8, T0)
        .expect("seals");
    for purpose in ["remember_me", "Session", "session ", "", "sessio"] {
        assert_eq!(
            Sealer::new(key.clone(), purpose).open_at::<u8>(&token, T0),
            Err(Error::Invalid),
            "{purpose:?}"
        );
    }
}

#[test]
fn wrong_key_is_rejected() {
    let token = sealer().seal_at("u", &1u8, T0).expect("seals");
    let other = Sealer::new(Key::generate(), "session");
    assert_eq!(other.open_at::<u8>(&token, T0), Err(Error::UnknownKey));
}

/// A forged token that claims the right key id but was sealed with another key.
#[test]
fn forged_key_id_is_invalid() {
    let sealer = sealer();
    let genuine = decode(&sealer.seal_at("u", &1u8, T0).expect("seals"));
    let mut forged = decode(
        &Sealer::new(Key::generate(), "session")
            .seal_at("u", &1u8, T0)
            .expect("seals"),
    );
    forged[2..6].copy_from_slice(&genuine[2..6]);
    assert_eq!(
        sealer.open_at::<u8>(&encode(&forged), T0),
        Err(Error::Invalid)
    );
}

#[test]
fn unknown_version_and_flags_are_malformed() {
    let sealer = sealer();
    let token = decode(&sealer.seal_at("u", &1u8, T0).expect("seals"));
    // Byte 0 is the version, byte 1 the flags.
    let versions = [0u8, 2, 0x7f, 0xff].map(|version| (0, version));
    let flags = [0x02u8, 0x80, 0xfe].map(|flags| (1, flags));
    for (at, value) in versions.into_iter().chain(flags) {
        let mut changed = token.clone();
        changed[at] = value;
        assert_eq!(
            sealer.open_at::<u8>(&encode(&changed), T0),
            Err(Error::Malformed),
            "byte {at} = {value:#04x}"
        );
    }
    // Setting the known compression flag on an uncompressed token fails authentication.
    let mut changed = token.clone();
    changed[1] = 0x01;
    assert_eq!(
        sealer.open_at::<u8>(&encode(&changed), T0),
        Err(Error::Invalid)
    );
}

#[test]
fn non_canonical_base64_is_malformed() {
    let sealer = sealer();
    // Pick a token whose length leaves unused bits in its last character.
    let token = (0..)
        .map(|i| sealer.seal_at("u", &i, T0).expect("seals"))
        .find(|token| token.len() % 4 != 0)
        .expect("some length");
    let last = token.as_bytes()[token.len() - 1];
    let alphabet = BASE64URL.as_bytes();
    let index = alphabet.iter().position(|&c| c == last).expect("base64url");
    // Setting the lowest bit of the last sextet touches only unused bits.
    let bent = alphabet[index | 1];
    assert_ne!(bent, last, "pick a token whose last sextet is even");
    let mut changed = token.into_bytes();
    *changed.last_mut().expect("non-empty") = bent;
    let changed = String::from_utf8(changed).expect("ascii");
    assert_eq!(sealer.open_at::<i32>(&changed, T0), Err(Error::Malformed));
    for other in ["=", "==", " ", "\n", "+", "/"] {
        let token = sealer.seal_at("u", &1, T0).expect("seals");
        assert_eq!(
            sealer.open_at::<i32>(&format!("{token}{other}"), T0),
            Err(Error::Malformed),
            "{other:?}"
        );
    }
}

#[test]
fn state_type_mismatch_is_an_error() {
    let sealer = sealer();
    let token = sealer.seal_at("u", &profile(), T0).expect("seals");
    assert_eq!(sealer.open_at::<u32>(&token, T0), Err(Error::StateMismatch));
    assert_eq!(
        sealer.open_at::<Vec<String>>(&token, T0),
        Err(Error::StateMismatch)
    );
    let token = sealer.seal_at("u", &-1i64, T0).expect("seals");
    assert_eq!(sealer.open_at::<u8>(&token, T0), Err(Error::StateMismatch));
}

#[test]
fn unserializable_state_is_an_error() {
    let mut map = std::collections::HashMap::new();
    map.insert(vec![1u8], 1u8); // JSON object keys must be strings
    assert_eq!(sealer().seal_at("u", &map, T0), Err(Error::Serialize));
}

#[test]
fn input_past_max_token_len_is_refused_before_decoding() {
    let sealer = sealer()
        .to_builder()
        .with_max_token_len(100)
        .build()
        .expect("valid settings");
    // Not even base64: were it decoded, it would be Malformed.
    assert_eq!(
        sealer.open_at::<()>(&"!".repeat(101), T0),
        Err(Error::TooLarge)
    );
    assert_eq!(
        sealer.open_at::<()>(&"!".repeat(100), T0),
        Err(Error::Malformed)
    );
}

#[test]
fn seal_refuses_tokens_past_max_token_len() {
    let sealer = sealer()
        .to_builder()
        .with_compression(Compression::Never)
        .build()
        .expect("valid settings");
    let token = sealer.seal_at("u", &"x".repeat(100), T0).expect("seals");
    let exact = sealer
        .to_builder()
        .with_max_token_len(token.len())
        .build()
        .expect("valid settings");
    assert!(exact.seal_at("u", &"x".repeat(100), T0).is_ok());
    let short = sealer
        .to_builder()
        .with_max_token_len(token.len() - 1)
        .build()
        .expect("valid settings");
    assert_eq!(
        short.seal_at("u", &"x".repeat(100), T0),
        Err(Error::TooLarge)
    );
}

#[test]
fn max_state_len_applies_to_seal_and_open() {
    let big = "y".repeat(2000);
    let roomy = sealer()
        .to_builder()
        .with_compression(Compression::Never)
        .build()
        .expect("valid settings");
    let token = roomy.seal_at("u", &big, T0).expect("seals");
    let tight = roomy
        .to_builder()
        .with_max_state_len(1000)
        .build()
        .expect("valid settings");
    assert_eq!(tight.seal_at("u", &big, T0), Err(Error::TooLarge));
    assert_eq!(tight.open_at::<String>(&token, T0), Err(Error::TooLarge));
}

/// The shortest well-formed token is 46 bytes (header, nonce, tag, no payload): one that short
/// is authenticated (a forgery is `Invalid`), one byte shorter is not even read (`Malformed`).
/// A token of `header` and a nonce and tag around an empty payload is authenticated (and
/// refused as `Invalid`), and each of the `shorter` lengths is `Malformed`.
fn assert_shortest_token(sealer: &Sealer, header: &[u8], shorter: &[usize]) {
    let mut bytes = header.to_vec();
    bytes.extend_from_slice(&[0x5c; 24 + 16]);
    assert_eq!(
        sealer.open_at::<()>(&encode(&bytes), T0),
        Err(Error::Invalid)
    );
    for &len in shorter {
        assert_eq!(
            sealer.open_at::<()>(&encode(&bytes[..len]), T0),
            Err(Error::Malformed),
            "{len} bytes"
        );
    }
}

#[test]
fn the_shortest_token_is_authenticated_and_one_byte_less_is_not() {
    let key = common::fixed_key(7);
    let sealer = Sealer::new(key.clone(), "session");
    let header = [&[1, 0][..], key.id().as_bytes()].concat();
    assert_eq!(header.len() + 24 + 16, 46);
    assert_shortest_token(&sealer, &header, &[45]);
}

/// A token naming a dictionary has a header two bytes longer, and so a minimum of 48 bytes.
#[test]
fn the_shortest_dictionary_token_is_authenticated_and_one_byte_less_is_not() {
    let key = common::fixed_key(7);
    let dictionary = Dictionary::new(r#"{"roles":["admin"]}"#);
    let sealer = Sealer::builder(key.clone(), "session")
        .with_dictionary(dictionary.clone())
        .build()
        .expect("valid settings");
    let header = [&[1, 3][..], key.id().as_bytes(), dictionary.id().as_bytes()].concat();
    assert_eq!(header.len() + 24 + 16, 48);
    assert_shortest_token(&sealer, &header, &[46, 47]);
}

/// The cap is inclusive, and the same for sealing and opening: the smallest cap that seals a
/// state opens its token, one byte less refuses both, in each compression mode.
#[test]
fn max_state_len_is_an_exact_inclusive_bound() {
    for compression in [Compression::Never, Compression::Always] {
        let state = "y".repeat(700);
        let sealer = sealer()
            .to_builder()
            .with_compression(compression)
            .build()
            .expect("valid settings");
        let seals = |cap: usize| {
            sealer
                .to_builder()
                .with_max_state_len(cap)
                .build()
                .expect("valid settings")
                .seal_at("u", &state, T0)
        };
        let exact = common::smallest_passing(4096, |cap| seals(cap).is_ok());
        assert_eq!(seals(exact - 1), Err(Error::TooLarge), "{compression:?}");
        // The envelope (34 bytes + the subject) and the JSON string: the cap counts the whole
        // plaintext before compression.
        assert_eq!(exact, 34 + 1 + state.len() + 2, "{compression:?}");
        let token = seals(exact).expect("seals");
        let opener = |cap: usize| {
            sealer
                .to_builder()
                .with_max_state_len(cap)
                .build()
                .expect("valid settings")
                .open_at::<String>(&token, T0)
        };
        assert_eq!(opener(exact).expect("opens").state(), &state);
        assert_eq!(opener(exact - 1), Err(Error::TooLarge), "{compression:?}");
    }
}

/// `Auto` compresses when the compressed token has fewer characters than the plain one (from
/// 512 bytes of state without a dictionary), and only then. Each token holds a fresh random
/// session id, which DEFLATE cannot shrink, so two compressed tokens of one state may differ by
/// a character: hence the tolerance of two.
#[test]
fn auto_picks_the_shorter_token() {
    let sealer = sealer()
        .to_builder()
        .with_max_token_len(1 << 20)
        .build()
        .expect("valid settings");
    let (mut compressed, mut kept_plain) = (0, 0);
    for len in (300..1400).step_by(37) {
        for compressible in [true, false] {
            let state: String = (0..len)
                .map(|i| {
                    let noise = char::from(b"q7Z_x3-kP9wLm2RvB8"[(i * 7919 + i / 5) % 18]);
                    if compressible && i % 2 == 0 {
                        'a'
                    } else {
                        noise
                    }
                })
                .collect();
            let seal = |compression| {
                sealer
                    .to_builder()
                    .with_compression(compression)
                    .build()
                    .expect("valid settings")
                    .seal_at("u", &state, T0)
                    .expect("seals")
                    .len()
            };
            let (auto, never, always) = (
                seal(Compression::Auto),
                seal(Compression::Never),
                seal(Compression::Always),
            );
            let what = format!(
                "{len}, compressible {compressible}: auto {auto}, never {never}, always {always}"
            );
            assert!(auto <= never, "longer than plain: {what}");
            if len + 2 < 512 || always >= never + 2 {
                assert_eq!(
                    auto, never,
                    "compressed below the threshold or at a loss: {what}"
                );
                kept_plain += 1;
            } else if always + 2 < never {
                assert!(auto <= always + 2, "not compressed though it pays: {what}");
                compressed += 1;
            }
        }
    }
    assert!(
        compressed > 5 && kept_plain > 5,
        "{compressed} compressed, {kept_plain} plain"
    );
}

/// `Auto` keeps a compressed token only if it is strictly shorter than the plain one. With a
/// dictionary it tries every size: short, nearly random states compress to a token a few
/// characters longer than the plain one, or exactly as long (the DEFLATE framing, the session
/// id it cannot shrink), which `Auto` must refuse; states the dictionary knows compress well.
#[test]
fn auto_keeps_a_compressed_token_only_when_strictly_shorter() {
    let dictionary =
        sealed_session::Dictionary::new(r#"{"user_id":0,"csrf":"","roles":["admin"]}"#);
    let sealer = sealer()
        .to_builder()
        .with_dictionary(dictionary)
        .build()
        .expect("valid settings");
    let (mut compressed, mut plain) = (0, 0);
    for len in 0..360usize {
        let noise: String = (0..len)
            .map(|i| {
                char::from(b"q7Z_x3-kP9wLm2RvB8cT4yHnJ5sGd0Ue"[(i * 7919 + i * i / 7 + len) % 32])
            })
            .collect();
        let known =
            serde_json::json!({"user_id": len, "csrf": &noise[..len.min(8)], "roles": ["admin"]});
        // Subjects of 1 to 3 bytes shift where the base64 characters end; each noise state is
        // sealed four times, under four random session ids.
        let noisy = (0..4).map(|_| (serde_json::json!(noise), &"uvw"[..1 + len % 3]));
        for (state, subject) in noisy.chain([(known, "u")]) {
            let token = sealer.seal_at(subject, &state, T0).expect("seals");
            let never = sealer
                .to_builder()
                .with_compression(Compression::Never)
                .build()
                .expect("valid settings")
                .seal_at(subject, &state, T0)
                .expect("seals");
            if decode(&token)[1] & 1 != 0 {
                assert!(
                    token.len() < never.len(),
                    "{state}: compressed to {} characters, plain {}",
                    token.len(),
                    never.len()
                );
                compressed += 1;
            } else {
                assert_eq!(token.len(), never.len(), "{state}");
                plain += 1;
            }
        }
    }
    assert!(
        compressed > 50 && plain > 50,
        "{compressed} compressed, {plain} plain"
    );
}

/// A decompression bomb: a few kilobytes that inflate to megabytes, sealed by a key holder.
#[test]
fn decompression_bomb_is_too_large() {
    let zeros = "0".repeat(8 << 20);
    let bomb_maker = sealer()
        .to_builder()
        .with_compression(Compression::Always)
        .with_max_state_len(usize::MAX)
        .with_max_token_len(usize::MAX)
        .build()
        .expect("valid settings");
    let bomb = bomb_maker.seal_at("u", &zeros, T0).expect("seals");
    assert!(bomb.len() < 100_000, "{} characters", bomb.len());
    let opener = sealer()
        .to_builder()
        .with_max_token_len(100_000)
        .build()
        .expect("valid settings");
    assert_eq!(opener.open_at::<String>(&bomb, T0), Err(Error::TooLarge));
    // The same state opens where the cap allows it.
    assert_eq!(
        bomb_maker
            .open_at::<String>(&bomb, T0)
            .expect("opens")
            .state()
            .len(),
        8 << 20
    );
}

fn compressed(token: &str) -> bool {
    decode(token)[1] & 1 == 1
}

#[test]
fn compression_decision() {
    let auto = sealer();
    let small = auto.seal_at("u", &"abc", T0).expect("seals");
    assert!(!compressed(&small), "tiny states are never compressed");

    let repetitive = "session data ".repeat(100);
    let auto_big = auto.seal_at("u", &repetitive, T0).expect("seals");
    assert!(compressed(&auto_big), "compressible states are compressed");

    let never = sealer()
        .to_builder()
        .with_compression(Compression::Never)
        .build()
        .expect("valid settings");
    let never_big = never.seal_at("u", &repetitive, T0).expect("seals");
    assert!(!compressed(&never_big));
    assert!(auto_big.len() * 4 < never_big.len());

    // Auto never makes a token larger than not compressing would.
    let noise: Vec<u8> = (0..1500).map(|_| rand_byte()).collect();
    let noise = encode(&noise);
    let auto_noise = auto.seal_at("u", &noise, T0).expect("seals");
    let never_noise = never.seal_at("u", &noise, T0).expect("seals");
    assert!(auto_noise.len() <= never_noise.len());

    let always = sealer()
        .to_builder()
        .with_compression(Compression::Always)
        .build()
        .expect("valid settings");
    let always_small = always.seal_at("u", &"abc", T0).expect("seals");
    assert!(compressed(&always_small));

    // Every sealer opens every kind of token, whatever its own setting.
    for opener in [&auto, &never, &always] {
        assert_eq!(
            opener
                .open_at::<String>(&auto_big, T0)
                .expect("opens")
                .state(),
            &repetitive
        );
        assert_eq!(
            opener
                .open_at::<String>(&never_big, T0)
                .expect("opens")
                .state(),
            &repetitive
        );
        assert_eq!(
            opener
                .open_at::<String>(&always_small, T0)
                .expect("opens")
                .state(),
            "abc"
        );
        assert_eq!(
            opener
                .open_at::<String>(&auto_noise, T0)
                .expect("opens")
                .state(),
            &noise
        );
    }
}

/// Regression: the `Auto` threshold is documented on the state but was applied to the whole
/// envelope, so a 472-byte state with a 40-byte subject was compressed. States below
/// `AUTO_MIN_LEN` bytes of JSON stay uncompressed under `Auto`, whatever the subject.
#[test]
fn regression_the_auto_threshold_applies_to_the_state() {
    let subject = "s".repeat(40);
    let below = format!(
        "\"{}\"",
        "a".repeat(sealed_session::Compression::AUTO_MIN_LEN - 3)
    );
    assert_eq!(below.len(), sealed_session::Compression::AUTO_MIN_LEN - 1);
    let state: String = serde_json::from_str(&below).expect("a JSON string");
    let token = sealer().seal_at(&subject, &state, T0).expect("seals");
    assert!(
        !compressed(&token),
        "a state below the threshold is not compressed"
    );
    let at = format!("{state}a");
    let token = sealer().seal_at(&subject, &at, T0).expect("seals");
    assert!(
        compressed(&token),
        "a state at the threshold is compressed when it pays"
    );
}

fn rand_byte() -> u8 {
    use rand::Rng as _;
    let mut byte = [0u8];
    rand::rng().fill_bytes(&mut byte);
    byte[0]
}

#[test]
fn display_strings_are_pinned() {
    let shown: Vec<String> = [
        Error::Expired,
        Error::NotYetValid,
        Error::TooLarge,
        Error::Malformed,
        Error::UnknownKey,
        Error::Invalid,
        Error::StateMismatch,
        Error::Serialize,
        Error::Revoked,
        Error::InvalidKey,
        Error::CorruptSnapshot,
        Error::Config("the TTL must be positive"),
        Error::Random,
        Error::LifetimeExceeded,
        Error::UnknownDictionary,
        Error::CookieBudget,
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(
        shown,
        [
            "token expired",
            "token not yet valid",
            "token or state too large",
            "malformed token",
            "unknown key id",
            "invalid token",
            "session state does not match the requested type",
            "session state cannot be serialized",
            "token revoked",
            "invalid key: expected 32 bytes",
            "corrupt revocation snapshot",
            "invalid configuration: the TTL must be positive",
            "random number generator failed",
            "session past its maximum lifetime",
            "unknown compression dictionary",
            "session does not fit the cookie budget",
        ]
    );
}

#[test]
fn sealer_is_send_sync_and_clone() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<Sealer>();
    check::<Key>();
    check::<sealed_session::Keyring>();
}

#[test]
fn debug_of_sealer_shows_no_key_material() {
    let key = common::fixed_key(0x99);
    let shown = format!("{:?}", Sealer::new(key.clone(), "session"));
    assert!(!shown.contains("153"), "{shown}");
    assert!(!shown.contains("99, 99"), "{shown}");
    assert!(!shown.contains(&key.to_base64()), "{shown}");
    assert!(shown.contains(&key.id().to_string()), "{shown}");
}

proptest! {
    // 2,000 cases, unless PROPTEST_CASES says otherwise (mutation runs lower it).
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(2000)
    ))]

    /// Arbitrary strings never open, and never panic.
    #[test]
    fn random_strings_never_open(text in ".{0,400}") {
        prop_assert!(sealer().open_at::<serde_json::Value>(&text, T0).is_err());
    }

    /// Well-formed base64url of plausible token lengths never opens either.
    #[test]
    fn random_base64_never_opens(bytes in proptest::collection::vec(any::<u8>(), 0..600), version_one in any::<bool>()) {
        let mut bytes = bytes;
        if version_one && bytes.len() > 1 {
            bytes[0] = 1;
            bytes[1] &= 1;
        }
        prop_assert!(sealer().open_at::<serde_json::Value>(&encode(&bytes), T0).is_err());
    }

    /// Any JSON-representable state round-trips.
    #[test]
    fn arbitrary_state_round_trips(subject in ".{0,40}", words in proptest::collection::vec(".{0,30}", 0..60), number in any::<i64>()) {
        let sealer = sealer();
        let state = (words, number);
        let token = sealer.seal_at(&subject, &state, T0).expect("seals");
        let session = sealer.open_at::<(Vec<String>, i64)>(&token, T0).expect("opens");
        prop_assert_eq!(session.subject(), subject.as_str());
        prop_assert_eq!(session.state(), &state);
    }
}

/// What a sealer was built with reads back as set, defaults included (the getters' doctests
/// show the defaults; this pins every getter against values that are not).
#[test]
fn the_settings_read_back_as_set() {
    let plain = Sealer::new(Key::generate(), "session");
    assert_eq!(
        (
            plain.purpose(),
            plain.format(),
            plain.dictionary().is_none()
        ),
        ("session", Format::Compact, true)
    );
    assert_eq!(
        (plain.ttl(), plain.max_lifetime(), plain.leeway()),
        (
            Duration::hours(24),
            Duration::days(7),
            Duration::seconds(60)
        )
    );
    let dictionary = Dictionary::new(r#"{"user_id":0,"roles":["admin"]}"#);
    let tuned = Sealer::builder(Key::generate(), "remember_me")
        .with_ttl(Duration::minutes(90))
        .with_max_lifetime(Duration::days(30))
        .with_leeway(Duration::seconds(5))
        .with_dictionary(dictionary.clone())
        .build()
        .expect("valid settings");
    assert_eq!(tuned.purpose(), "remember_me");
    assert_eq!(
        (tuned.ttl(), tuned.max_lifetime(), tuned.leeway()),
        (
            Duration::minutes(90),
            Duration::days(30),
            Duration::seconds(5)
        )
    );
    assert_eq!(
        tuned.dictionary().map(Dictionary::id),
        Some(dictionary.id())
    );
}

/// The deprecated `Sealer::with_…` setters, for the one release they remain: every setting the
/// builder refuses still makes a sealer that fails closed, at `validate`, `seal` and `open`.
#[test]
#[allow(deprecated)]
fn the_deprecated_setters_still_fail_closed() {
    use sealed_session::{Dictionary, Format, RevocationList};
    use std::sync::Arc;
    use time::Duration;

    let base = || Sealer::new(common::fixed_key(9), "session");
    let token = base().seal_at("u", &(), T0).expect("seals");
    let clash = {
        let current = Dictionary::new("[\"current\"]");
        let other = (0u32..)
            .map(|i| Dictionary::new(format!("[{i}]")))
            .find(|candidate| candidate.id() == current.id())
            .expect("a 16-bit id collides within a few hundred thousand tries");
        base()
            .with_dictionary(current)
            .with_previous_dictionary(other)
    };
    let refused = [
        base().with_ttl(Duration::ZERO),
        base().with_ttl(Duration::MIN),
        base().with_ttl(Duration::MAX),
        base().with_max_lifetime(Duration::seconds(-1)),
        base().with_leeway(Sealer::MAX_LEEWAY + Duration::milliseconds(1)),
        base().with_compression_level(0),
        base().with_compression_level(10),
        clash,
        base()
            .with_format(Format::Jwe)
            .with_dictionary(Dictionary::new("{}")),
        base().with_revocations(Arc::new(RevocationList::new(Duration::days(7)))),
    ];
    for sealer in refused {
        let shown = format!("{sealer:?}");
        assert!(
            matches!(sealer.validate(), Err(Error::Config(_))),
            "{shown}"
        );
        assert!(
            matches!(sealer.seal_at("u", &(), T0), Err(Error::Config(_))),
            "{shown}"
        );
        assert!(
            matches!(sealer.open_at::<()>(&token, T0), Err(Error::Config(_))),
            "{shown}"
        );
        assert!(
            matches!(sealer.to_builder().build(), Err(Error::Config(_))),
            "{shown}"
        );
    }
    assert_eq!(base().with_ttl(Duration::hours(1)).validate(), Ok(()));
}

/// `Sealed`'s `Debug` shows the session and hides the token, which is a bearer credential.
#[test]
fn sealed_debug_shows_the_session_and_hides_the_token() {
    let sealed = sealer().start_session_at("alice", 1u8, T0).expect("seals");
    let shown = format!("{sealed:?}");
    assert!(shown.starts_with("Sealed"), "{shown}");
    assert!(shown.contains("***") && shown.contains("alice"), "{shown}");
    assert!(!shown.contains(&sealed.token), "{shown}");
}
