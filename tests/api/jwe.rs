//! `Format::Jwe`: the sealed session as a standard JWE (dir, XC20P, zip DEF), through the
//! public API, with explicit clocks.

use crate::common;

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use common::{T0, profile};
use sealed_session::{Compression, Dictionary, Error, Format, Key, RevocationList, Sealer};
use sealed_session_test_support::tamper::{BASE64URL, assert_every_change_is_refused};
use serde_json::{Value, json};
use time::Duration;

fn key() -> Key {
    common::fixed_key(7)
}

fn jwe() -> Sealer {
    Sealer::builder(key(), "session")
        .with_format(Format::Jwe)
        .build()
        .expect("valid settings")
}

fn segments(token: &str) -> Vec<&str> {
    token.split('.').collect()
}

fn header(token: &str) -> Value {
    let bytes = URL_SAFE_NO_PAD
        .decode(segments(token)[0])
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON header")
}

/// The JWE key of `sealer`, from its exported JWK Set.
fn exported_key(sealer: &Sealer) -> [u8; 32] {
    let set: Value = serde_json::from_str(&sealer.export_jwe_secret_keys()).expect("JSON");
    let k = set["keys"][0]["k"].as_str().expect("k");
    URL_SAFE_NO_PAD
        .decode(k)
        .expect("base64url")
        .try_into()
        .expect("32 bytes")
}

/// A JWE sealed by hand, as another implementation would: `header` as given, `plaintext`
/// raw-DEFLATEd when `zip`.
fn foreign(key: &[u8; 32], header: &str, plaintext: &[u8], zip: bool) -> String {
    let protected = URL_SAFE_NO_PAD.encode(header);
    let mut payload = if zip {
        miniz_oxide::deflate::compress_to_vec(plaintext, 9)
    } else {
        plaintext.to_vec()
    };
    let iv = [9u8; 24];
    let tag = XChaCha20Poly1305::new(key.into())
        .encrypt_inout_detached(
            (&iv).into(),
            protected.as_bytes(),
            payload.as_mut_slice().into(),
        )
        .expect("seals");
    format!(
        "{protected}..{}.{}.{}",
        URL_SAFE_NO_PAD.encode(iv),
        URL_SAFE_NO_PAD.encode(&payload),
        URL_SAFE_NO_PAD.encode(tag)
    )
}

fn claims(exp: i64) -> String {
    format!(
        r#"{{"sub":"alice","jti":"AAAAAAAAAAAAAAAAAAAAAA","auth_time":1906545600,"iat":1906545600,"exp":{exp},"state":{{"n":1}}}}"#
    )
}

#[test]
fn round_trip_keeps_the_session_and_uses_whole_seconds() {
    let sealer = jwe();
    let now = T0 + Duration::milliseconds(1234);
    let token = sealer.seal_at("user-42", &profile(), now).expect("seals");
    assert_eq!(segments(&token).len(), 5);
    assert_eq!(segments(&token)[1], "", "dir: no encrypted key");
    let header = header(&token);
    assert_eq!(header["alg"], "dir");
    assert_eq!(header["enc"], "XC20P");
    assert_eq!(header["kid"], key().id().to_string());
    let session = sealer
        .open_at::<common::Profile>(&token, now)
        .expect("opens");
    assert_eq!(session.state(), &profile());
    assert_eq!(session.subject(), "user-42");
    assert_eq!(
        session.issued_at(),
        T0 + Duration::seconds(1),
        "rounded down to the second"
    );
    assert_eq!(session.authenticated_at(), session.issued_at());
    assert_eq!(
        session.expires_at(),
        session.issued_at() + Duration::hours(24)
    );

    let later = now + Duration::hours(13);
    let rolled = sealer
        .reseal_at(&session, &profile(), later)
        .expect("reseals");
    let rolled = sealer
        .open_at::<common::Profile>(&rolled, later)
        .expect("opens");
    assert_eq!(rolled.session_id(), session.session_id());
    assert_eq!(rolled.authenticated_at(), session.authenticated_at());
    assert_eq!(
        rolled.issued_at(),
        T0 + Duration::seconds(1) + Duration::hours(13)
    );
}

#[test]
fn compresses_with_zip_def_only_when_it_pays() {
    let sealer = jwe();
    let small = sealer.seal_at("u", &1u8, T0).expect("seals");
    assert!(header(&small).get("zip").is_none());
    let big_state = json!({"items": vec!["the same words again and again"; 60]});
    let big = sealer.seal_at("u", &big_state, T0).expect("seals");
    assert_eq!(header(&big)["zip"], "DEF");
    let plain = sealer
        .to_builder()
        .with_compression(Compression::Never)
        .build()
        .expect("valid settings")
        .seal_at("u", &big_state, T0)
        .expect("seals");
    assert!(header(&plain).get("zip").is_none());
    assert!(
        big.len() < plain.len() / 4,
        "{} vs {}",
        big.len(),
        plain.len()
    );
    let forced = sealer
        .to_builder()
        .with_compression(Compression::Always)
        .build()
        .expect("valid settings")
        .seal_at("u", &1u8, T0)
        .expect("seals");
    assert_eq!(header(&forced)["zip"], "DEF");
    for token in [small, big, plain, forced] {
        assert!(sealer.open_at::<Value>(&token, T0).is_ok());
    }
}

#[test]
fn exported_key_decrypts_and_is_bound_to_the_purpose() {
    let sealer = jwe();
    let token = sealer
        .seal_at("alice", &json!({"n": 1}), T0)
        .expect("seals");
    let parts = segments(&token);
    let iv: [u8; 24] = URL_SAFE_NO_PAD
        .decode(parts[2])
        .expect("iv")
        .try_into()
        .expect("24");
    let mut plaintext = URL_SAFE_NO_PAD.decode(parts[3]).expect("ciphertext");
    let tag = URL_SAFE_NO_PAD.decode(parts[4]).expect("tag");
    XChaCha20Poly1305::new((&exported_key(&sealer)).into())
        .decrypt_inout_detached(
            (&iv).into(),
            parts[0].as_bytes(),
            plaintext.as_mut_slice().into(),
            <&[u8; 16]>::try_from(tag.as_slice())
                .expect("16 bytes")
                .into(),
        )
        .expect("the exported key decrypts");
    let claims: Value = serde_json::from_slice(&plaintext).expect("JSON claims");
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["state"], json!({"n": 1}));
    assert_eq!(claims["auth_time"], claims["iat"]);
    assert_eq!(claims["jti"].as_str().map(str::len), Some(22));

    let other = Sealer::builder(key(), "remember_me")
        .with_format(Format::Jwe)
        .build()
        .expect("valid settings");
    assert_ne!(exported_key(&other), exported_key(&sealer));
    assert_eq!(
        other.open_at::<Value>(&token, T0).err(),
        Some(Error::Invalid)
    );
}

#[test]
fn tokens_sealed_elsewhere_open_with_and_without_zip() {
    let sealer = jwe();
    let key = exported_key(&sealer);
    let kid = key_id();
    for zip in [false, true] {
        let head = if zip {
            format!(r#"{{"alg":"dir","enc":"XC20P","zip":"DEF","kid":"{kid}"}}"#)
        } else {
            format!(r#"{{"kid":"{kid}","enc":"XC20P","alg":"dir"}}"#)
        };
        let token = foreign(&key, &head, claims(1906549200).as_bytes(), zip);
        let session = sealer.open_at::<Value>(&token, T0).expect("opens");
        assert_eq!(session.state(), &json!({"n": 1}));
    }
    // No kid: the only key.
    let token = foreign(
        &key,
        r#"{"alg":"dir","enc":"XC20P"}"#,
        claims(1906549200).as_bytes(),
        false,
    );
    assert!(sealer.open_at::<Value>(&token, T0).is_ok());
}

fn key_id() -> String {
    key().id().to_string()
}

/// The tamper contract (test-support) on a JWE: every change of one character, separators
/// included, every removal, addition, truncation and cut is refused.
#[test]
fn tampering_is_refused() {
    let sealer = jwe();
    let token = sealer.seal_at("alice", &profile(), T0).expect("seals");
    assert_eq!(token.split('.').count(), 5);
    assert_every_change_is_refused(
        &token,
        |changed| sealer.open_at::<Value>(changed, T0),
        |_, error| matches!(error, Error::Invalid | Error::Malformed | Error::UnknownKey),
    );
}

#[test]
fn header_rules() {
    let sealer = jwe();
    let key = exported_key(&sealer);
    let kid = key_id();
    let body = claims(1906549200);
    let cases = [
        (
            format!(r#"{{"alg":"A256KW","enc":"XC20P","kid":"{kid}"}}"#),
            Error::Malformed,
        ),
        (
            format!(r#"{{"alg":"dir","enc":"A256GCM","kid":"{kid}"}}"#),
            Error::Malformed,
        ),
        (
            format!(r#"{{"alg":"dir","enc":"XC20P","zip":"GZIP","kid":"{kid}"}}"#),
            Error::Malformed,
        ),
        (
            format!(r#"{{"alg":"dir","enc":"XC20P","kid":"{kid}","crit":["exp"],"exp":1}}"#),
            Error::Malformed,
        ),
        (
            format!(r#"{{"alg":"dir","enc":"XC20P","kid":"{kid}","kid":"{kid}"}}"#),
            Error::Malformed,
        ),
        (
            r#"{"alg":"dir","enc":"XC20P","kid":"00000000"}"#.to_owned(),
            Error::UnknownKey,
        ),
        (
            r#"{"alg":"dir","enc":"XC20P","kid":"a name"}"#.to_owned(),
            Error::UnknownKey,
        ),
    ];
    for (head, expected) in cases {
        let token = foreign(&key, &head, body.as_bytes(), false);
        assert_eq!(
            sealer.open_at::<Value>(&token, T0).err(),
            Some(expected),
            "{head}"
        );
    }
    // An encrypted key with dir, five segments exactly.
    let good = foreign(
        &key,
        r#"{"alg":"dir","enc":"XC20P"}"#,
        body.as_bytes(),
        false,
    );
    let parts = segments(&good);
    let with_key = format!("{}.AAAA.{}.{}.{}", parts[0], parts[2], parts[3], parts[4]);
    assert_eq!(
        sealer.open_at::<Value>(&with_key, T0).err(),
        Some(Error::Malformed)
    );
    assert_eq!(
        sealer.open_at::<Value>(&format!("{good}."), T0).err(),
        Some(Error::Malformed)
    );
    let four = parts[..4].join(".");
    assert_eq!(
        sealer.open_at::<Value>(&four, T0).err(),
        Some(Error::Malformed)
    );
    // Several keys and no kid: which one is not guessed.
    let ring = sealed_session::Keyring::new(key_two()).with_previous(self::key());
    let two = Sealer::builder(ring, "session")
        .with_format(Format::Jwe)
        .build()
        .expect("valid settings");
    assert_eq!(
        two.open_at::<Value>(&good, T0).err(),
        Some(Error::UnknownKey)
    );
}

fn key_two() -> Key {
    common::fixed_key(8)
}

#[test]
fn claims_rules() {
    let sealer = jwe();
    let key = exported_key(&sealer);
    let head = r#"{"alg":"dir","enc":"XC20P"}"#;
    let open = |plaintext: &str| {
        sealer.open_at::<Value>(&foreign(&key, head, plaintext.as_bytes(), false), T0)
    };
    let base =
        r#""sub":"alice","jti":"AAAAAAAAAAAAAAAAAAAAAA","auth_time":1906545600,"iat":1906545600"#;
    assert!(
        open(&format!(
            r#"{{{base},"exp":1906549200,"state":1,"other":"ignored"}}"#
        ))
        .is_ok()
    );
    for bad in [
        format!(r#"{{{base},"exp":"1906549200","state":1}}"#),
        format!(r#"{{{base},"exp":1906549200.0,"state":1}}"#),
        format!(r#"{{{base},"exp":1e10,"state":1}}"#),
        format!(r#"{{{base},"exp":99999999999999999999,"state":1}}"#),
        format!(r#"{{{base},"exp":-1,"state":1}}"#),
        format!(r#"{{{base},"exp":1906549200,"exp":4000000000,"state":1}}"#),
        format!(r#"{{{base},"exp":1906549200,"state":1,"sub":"admin"}}"#),
        format!(r#"{{{base},"state":1}}"#),
        format!(r#"{{{base},"exp":1906549200}}"#),
        format!(r#"{{{base},"exp":1906545600,"state":1}}"#),
        r#"{"sub":"alice","jti":"x","auth_time":1,"iat":1,"exp":2,"state":1}"#.to_owned(),
        "not json".to_owned(),
    ] {
        assert_eq!(open(&bad).err(), Some(Error::Malformed), "{bad}");
    }
}

#[test]
fn expiry_and_future_issue_with_an_explicit_clock() {
    let sealer = jwe()
        .to_builder()
        .with_ttl(Duration::minutes(10))
        .with_leeway(Duration::seconds(5))
        .build()
        .expect("valid settings");
    let token = sealer.seal_at("u", &(), T0).expect("seals");
    let expiry = T0 + Duration::minutes(10);
    assert!(
        sealer
            .open_at::<()>(&token, expiry + Duration::seconds(4))
            .is_ok()
    );
    assert_eq!(
        sealer
            .open_at::<()>(&token, expiry + Duration::seconds(5))
            .err(),
        Some(Error::Expired)
    );
    assert!(
        sealer
            .open_at::<()>(&token, T0 - Duration::seconds(5))
            .is_ok()
    );
    assert_eq!(
        sealer
            .open_at::<()>(&token, T0 - Duration::seconds(6))
            .err(),
        Some(Error::NotYetValid)
    );
    let short = jwe()
        .to_builder()
        .with_max_lifetime(Duration::hours(1))
        .build()
        .expect("valid settings");
    let token = short.seal_at("u", &(), T0).expect("seals");
    assert_eq!(
        short.open_at::<()>(&token, T0 + Duration::hours(2)).err(),
        Some(Error::LifetimeExceeded)
    );
}

#[test]
fn formats_never_open_each_other() {
    let compact = Sealer::new(key(), "session");
    let jwe = jwe();
    assert_eq!(
        (compact.format(), jwe.format()),
        (Format::Compact, Format::Jwe)
    );
    let compact_token = compact.seal_at("u", &1u8, T0).expect("seals");
    let jwe_token = jwe.seal_at("u", &1u8, T0).expect("seals");
    assert_eq!(
        jwe.open_at::<u8>(&compact_token, T0).err(),
        Some(Error::Malformed)
    );
    assert_eq!(
        compact.open_at::<u8>(&jwe_token, T0).err(),
        Some(Error::Malformed)
    );
    let session = compact.open_at::<u8>(&compact_token, T0).expect("opens");
    let rolled = jwe
        .reseal_at(&session, &2u8, T0)
        .expect("a session rolls into the other format");
    assert_eq!(
        compact.open_at::<u8>(&rolled, T0).err(),
        Some(Error::Malformed)
    );
}

#[test]
fn a_dictionary_is_refused() {
    let refused = jwe()
        .to_builder()
        .with_dictionary(Dictionary::new("{\"roles\":[]}"))
        .build();
    assert!(matches!(refused, Err(Error::Config(_))));
}

#[test]
fn oversized_tokens_and_zip_bombs_are_too_large() {
    let sealer = jwe();
    let long = "a".repeat(sealed_session::Sealer::DEFAULT_MAX_TOKEN_LEN + 1);
    assert_eq!(
        sealer.open_at::<Value>(&long, T0).err(),
        Some(Error::TooLarge)
    );
    let huge_state = json!({"blob": URL_SAFE_NO_PAD.encode(vec![1u8; 8000])});
    assert_eq!(
        sealer
            .to_builder()
            .with_compression(Compression::Never)
            .build()
            .expect("valid settings")
            .seal_at("u", &huge_state, T0)
            .err(),
        Some(Error::TooLarge)
    );
    // 10 MiB of claims JSON in a few KiB of DEFLATE, sealed with the right key.
    let bomb = format!(
        r#"{{"sub":"u","jti":"AAAAAAAAAAAAAAAAAAAAAA","auth_time":1906545600,"iat":1906545600,"exp":1906549200,"state":"{}"}}"#,
        "A".repeat(10 << 20)
    );
    let token = foreign(
        &exported_key(&sealer),
        r#"{"alg":"dir","enc":"XC20P","zip":"DEF"}"#,
        bomb.as_bytes(),
        true,
    );
    assert!(token.len() < 16 * 1024, "{}", token.len());
    let roomy = sealer
        .to_builder()
        .with_max_token_len(64 * 1024)
        .build()
        .expect("valid settings");
    assert_eq!(
        roomy.open_at::<Value>(&token, T0).err(),
        Some(Error::TooLarge)
    );
}

#[test]
fn revocation_applies_to_jwe_sessions() {
    let list = Arc::new(RevocationList::new(Duration::days(8)));
    let sealer = jwe()
        .to_builder()
        .with_revocations(list.clone())
        .build()
        .expect("valid settings");
    let now = time::OffsetDateTime::now_utc();
    let first = sealer.seal_at("alice", &(), now).expect("seals");
    let second = sealer.seal_at("alice", &(), now).expect("seals");
    let session = sealer.open_at::<()>(&second, now).expect("opens");
    list.revoke_session(&session);
    assert!(sealer.open_at::<()>(&first, now).is_ok());
    assert_eq!(
        sealer.open_at::<()>(&second, now).err(),
        Some(Error::Revoked)
    );
    let revoked_at = list.revoke_user("alice");
    assert_eq!(
        sealer.open_at::<()>(&first, revoked_at).err(),
        Some(Error::Revoked)
    );
    // A login right after "log out everywhere" starts at the next whole second, and opens.
    let fresh = sealer.seal_at("alice", &(), revoked_at).expect("seals");
    let session = sealer
        .open_at::<()>(&fresh, revoked_at + Duration::seconds(1))
        .expect("a new login opens");
    assert!(session.authenticated_at() > revoked_at);
    // Regression: that session starts at a whole second ahead of the clock; a second "log out
    // everywhere" within the same second must still reach it.
    let again = list.revoke_user("alice");
    assert!(again >= session.authenticated_at());
    assert_eq!(
        sealer
            .open_at::<()>(&fresh, again + Duration::seconds(1))
            .err(),
        Some(Error::Revoked)
    );
}

#[test]
fn a_shared_raw_key_opens_tokens_sealed_with_it() {
    let raw = [5u8; 32];
    let sealer = Sealer::from_jwe_key(Key::try_from(&raw[..]).expect("32 bytes"), "session");
    let token = foreign(
        &raw,
        r#"{"alg":"dir","enc":"XC20P"}"#,
        claims(1906549200).as_bytes(),
        false,
    );
    assert!(sealer.open_at::<Value>(&token, T0).is_ok());
    let ours = sealer.seal_at("u", &1u8, T0).expect("seals");
    assert_eq!(exported_key(&sealer), raw);
    assert!(sealer.open_at::<u8>(&ours, T0).is_ok());
}

/// The state cap bounds the JWE plaintext (the claims) in both directions, inclusively, with
/// and without `zip`: the smallest cap that seals opens the token, one byte less refuses both.
#[test]
fn the_state_cap_is_an_exact_inclusive_bound() {
    for compression in [Compression::Never, Compression::Always] {
        let state = json!({"note": "y".repeat(700)});
        let sealer = common::fixed_builder(4)
            .with_format(Format::Jwe)
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
        let high = common::smallest_passing(8192, |cap| seals(cap).is_ok());
        assert!(high > 700 && high < 8192, "{compression:?}: {high}");
        assert_eq!(seals(high - 1), Err(Error::TooLarge), "{compression:?}");
        let token = seals(high).expect("seals");
        let opener = |cap: usize| {
            sealer
                .to_builder()
                .with_max_state_len(cap)
                .build()
                .expect("valid settings")
                .open_at::<Value>(&token, T0)
        };
        assert_eq!(opener(high).expect("opens").state(), &state);
        assert_eq!(
            opener(high - 1).err(),
            Some(Error::TooLarge),
            "{compression:?}"
        );
    }
}

/// The subject's bound is the compact format's, `MAX_SUBJECT_LEN` bytes inclusive, whatever
/// room the caps leave.
#[test]
fn the_subject_bound_is_exact_and_inclusive() {
    let roomy = jwe()
        .to_builder()
        .with_max_token_len(1 << 20)
        .with_max_state_len(1 << 20)
        .build()
        .expect("valid settings");
    let longest = "x".repeat(sealed_session::Sealer::MAX_SUBJECT_LEN);
    let token = roomy.seal_at(&longest, &(), T0).expect("seals");
    let session = roomy.open_at::<()>(&token, T0).expect("opens");
    assert_eq!(session.subject(), longest);
    assert_eq!(
        roomy.seal_at(&format!("{longest}x"), &(), T0).err(),
        Some(Error::TooLarge)
    );
}

/// `max_token_len` bounds the token's characters exactly, inclusively, on both sides.
#[test]
fn the_token_cap_is_an_exact_inclusive_bound() {
    let sealer = jwe()
        .to_builder()
        .with_compression(Compression::Never)
        .build()
        .expect("valid settings");
    let state = json!({"note": "z".repeat(300)});
    let seals = |cap: usize| {
        sealer
            .to_builder()
            .with_max_token_len(cap)
            .build()
            .expect("valid settings")
            .seal_at("u", &state, T0)
    };
    let high = common::smallest_passing(8192, |cap| seals(cap).is_ok());
    let token = seals(high).expect("seals");
    assert_eq!(token.len(), high, "the cap counts every character");
    assert_eq!(
        token.capacity(),
        token.len(),
        "one allocation, of the token's length"
    );
    assert_eq!(seals(high - 1).err(), Some(Error::TooLarge));
    let opener = |cap: usize| {
        sealer
            .to_builder()
            .with_max_token_len(cap)
            .build()
            .expect("valid settings")
            .open_at::<Value>(&token, T0)
    };
    assert!(opener(high).is_ok());
    assert_eq!(opener(high - 1).err(), Some(Error::TooLarge));
}

/// `Auto` writes `zip: DEF` only when the token is strictly shorter for it: short, nearly
/// random states come out longer compressed (the Huffman tables, the longer header), or
/// exactly as long, and stay plain; repetitive ones shrink. Each state is sealed under
/// several random token ids, which move the compressed length by a character or two.
#[test]
fn auto_zips_only_when_the_token_is_strictly_shorter() {
    const ALPHABET: &[u8] = BASE64URL.as_bytes();
    let sealer = jwe();
    let never = sealer
        .to_builder()
        .with_compression(Compression::Never)
        .build()
        .expect("valid settings");
    let always = sealer
        .to_builder()
        .with_compression(Compression::Always)
        .build()
        .expect("valid settings");
    let (mut zipped, mut plain, mut pays) = (0, 0, 0);
    for len in 0..480usize {
        let noise: String = (0..len)
            .map(|i| char::from(ALPHABET[(i * 7919 + i * i / 7 + len) % 64]))
            .collect();
        let repetitive = json!({"items": vec!["again"; len / 8]});
        for state in [json!(noise), json!(noise), json!(noise), repetitive] {
            let token = sealer.seal_at("u", &state, T0).expect("seals");
            let plain_token = never.seal_at("u", &state, T0).expect("seals");
            let forced = always.seal_at("u", &state, T0).expect("seals");
            let claims_len = URL_SAFE_NO_PAD
                .decode(segments(&plain_token)[3])
                .expect("base64url")
                .len();
            if claims_len >= sealed_session::Compression::AUTO_MIN_LEN
                && forced.len() + 3 < plain_token.len()
            {
                pays += 1;
                assert!(header(&token).get("zip").is_some(), "it pays: {state}");
            }
            if header(&token).get("zip").is_some() {
                assert!(
                    token.len() < plain_token.len(),
                    "{state}: zipped to {} characters, plain {}",
                    token.len(),
                    plain_token.len()
                );
                zipped += 1;
            } else {
                assert_eq!(token.len(), plain_token.len(), "{state}");
                plain += 1;
            }
        }
    }
    assert!(
        zipped > 50 && plain > 50 && pays > 20,
        "{zipped} zipped, {plain} plain, {pays} paying"
    );
}

/// A protected header of up to 512 characters is read; a longer one is refused before it is
/// decoded. (`typ` is free text: it pads the header here.)
#[test]
fn the_header_bound_is_exact_and_inclusive() {
    let sealer = jwe();
    let key = exported_key(&sealer);
    let header_of_chars = |chars: usize| {
        let bytes = chars / 4 * 3;
        let head = r#"{"alg":"dir","enc":"XC20P","typ":""}"#;
        let header = format!(
            r#"{{"alg":"dir","enc":"XC20P","typ":"{}"}}"#,
            "J".repeat(bytes - head.len())
        );
        assert_eq!(URL_SAFE_NO_PAD.encode(&header).len(), chars);
        foreign(&key, &header, claims(1906549200).as_bytes(), false)
    };
    assert!(sealer.open_at::<Value>(&header_of_chars(512), T0).is_ok());
    assert_eq!(
        sealer.open_at::<Value>(&header_of_chars(516), T0).err(),
        Some(Error::Malformed)
    );
}

/// `Auto` leaves claims under `AUTO_MIN_LEN` bytes plain, and tries DEFLATE from exactly that
/// length on (a run of one letter always pays).
#[test]
fn auto_tries_from_auto_min_len_on() {
    let sealer = jwe();
    let never = sealer
        .to_builder()
        .with_compression(Compression::Never)
        .build()
        .expect("valid settings");
    let mut lengths = Vec::new();
    for n in 300..700 {
        let state = json!("a".repeat(n));
        let plain = never.seal_at("u", &state, T0).expect("seals");
        let claims_len = URL_SAFE_NO_PAD
            .decode(segments(&plain)[3])
            .expect("base64url")
            .len();
        let token = sealer.seal_at("u", &state, T0).expect("seals");
        let zipped = header(&token).get("zip").is_some();
        assert_eq!(
            zipped,
            claims_len >= sealed_session::Compression::AUTO_MIN_LEN,
            "{claims_len}"
        );
        lengths.push(claims_len);
    }
    assert!(lengths.contains(&sealed_session::Compression::AUTO_MIN_LEN));
}

/// The exported JWK Set is written in one member order, the one docs/FORMAT.md gives
/// (`alg`, `k`, `kid`, `kty`, `use`; current key first), by hand rather than through a JSON
/// map, whose order turns with serde_json's `preserve_order` feature in an application's build.
#[test]
fn exported_jwe_keys_keep_their_documented_member_order() {
    let example: Vec<u8> = (0..32).collect();
    let example = Key::try_from(&example[..]).expect("32 bytes");
    let sealer = Sealer::builder(example, "session")
        .with_format(Format::Jwe)
        .build()
        .expect("valid settings");
    assert_eq!(
        sealer.export_jwe_secret_keys(),
        r#"{"keys":[{"alg":"dir","k":"L9mRgpoGeCX_rhJPD1RPpdHcHUTbxheW9nekbMSs_JA","kid":"fd55ef40","kty":"oct","use":"enc"}]}"#
    );
    let ring = sealed_session::Keyring::new(key_two()).with_previous(key());
    let two = Sealer::builder(ring, "session")
        .with_format(Format::Jwe)
        .build()
        .expect("valid settings");
    let text = two.export_jwe_secret_keys();
    let set: Value = serde_json::from_str(&text).expect("JSON");
    let keys = set["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0]["kid"], key_two().id().to_string(), "current first");
    assert_eq!(keys[1]["kid"], key_id());
    for jwk in keys {
        let members: Vec<&str> = jwk
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(members, ["alg", "k", "kid", "kty", "use"]);
        let written = format!(
            r#"{{"alg":"dir","k":"{}","kid":"{}","kty":"oct","use":"enc"}}"#,
            jwk["k"].as_str().expect("k"),
            jwk["kid"].as_str().expect("kid")
        );
        assert!(text.contains(&written), "{text}");
    }
}

/// "JSON integers" means the integer grammar: a time written with a fraction or an exponent
/// is malformed even when its value is whole (`1.9e9`, `1906549200.0`), in every time claim.
#[test]
fn times_with_a_fraction_or_an_exponent_are_malformed_even_when_whole() {
    let sealer = jwe();
    let key = exported_key(&sealer);
    let open = |auth_time: &str, iat: &str, exp: &str| {
        let plaintext = format!(
            r#"{{"sub":"alice","jti":"AAAAAAAAAAAAAAAAAAAAAA","auth_time":{auth_time},"iat":{iat},"exp":{exp},"state":1}}"#
        );
        let token = foreign(
            &key,
            r#"{"alg":"dir","enc":"XC20P"}"#,
            plaintext.as_bytes(),
            false,
        );
        sealer.open_at::<Value>(&token, T0).err()
    };
    let (auth, iat, exp) = ("1906545600", "1906545600", "1906549200");
    assert_eq!(open(auth, iat, exp), None, "the integers open");
    for (auth, iat, exp) in [
        ("1.9e9", iat, exp),
        ("1906545600.0", iat, exp),
        (auth, "1.9065456e9", exp),
        (auth, "1906545600.0", exp),
        (auth, iat, "1.9065492e9"),
        (auth, iat, "1906549200.0"),
        (auth, iat, "1906549200e0"),
        (auth, iat, "1906549200E+0"),
    ] {
        assert_eq!(
            open(auth, iat, exp),
            Some(Error::Malformed),
            "{auth} {iat} {exp}"
        );
    }
}

/// The JWE claims' latest `exp` is 9999-12-31T23:59:59Z (253402300799), inclusive.
#[test]
fn the_latest_exp_is_the_last_second_of_9999() {
    let sealer = jwe();
    let key = exported_key(&sealer);
    let open = |exp: i64| {
        let token = foreign(
            &key,
            r#"{"alg":"dir","enc":"XC20P"}"#,
            claims(exp).as_bytes(),
            false,
        );
        sealer.open_at::<Value>(&token, T0).err()
    };
    assert_eq!(open(253_402_300_799), None);
    assert_eq!(open(253_402_300_800), Some(Error::Malformed));
}

/// The JSON types of the header's `kid` and `typ` and of the claim `sub`, as docs/FORMAT.md
/// gives them: header members are strings without escape sequences (`null` reads as absent);
/// `sub` is any JSON string, escapes included, and nothing else.
#[test]
fn the_json_types_of_kid_typ_and_sub() {
    let sealer = jwe();
    let key = exported_key(&sealer);
    let kid = key_id();
    let body = claims(1906549200);
    let with_header = |head: &str| {
        let token = foreign(&key, head, body.as_bytes(), false);
        sealer.open_at::<Value>(&token, T0).err()
    };
    let escaped_kid = format!(r#"{}\u00{:x}"#, &kid[..7], kid.as_bytes()[7]);
    for (head, expected) in [
        (
            format!(r#"{{"alg":"dir","enc":"XC20P","kid":"{kid}","typ":"JWT"}}"#),
            None,
        ),
        (
            format!(r#"{{"alg":"dir","enc":"XC20P","kid":"{kid}","typ":"any text"}}"#),
            None,
        ),
        (
            r#"{"alg":"dir","enc":"XC20P","kid":null,"typ":null}"#.to_owned(),
            None,
        ),
        (
            format!(r#"{{"alg":"dir","enc":"XC20P","kid":"{escaped_kid}"}}"#),
            Some(Error::Malformed),
        ),
        (
            format!(r#"{{"alg":"dir","enc":"XC20P","kid":"{kid}","typ":"a\/b"}}"#),
            Some(Error::Malformed),
        ),
        (
            format!(r#"{{"alg":"dir","enc":"XC20P","kid":"{kid}","typ":1}}"#),
            Some(Error::Malformed),
        ),
        (
            r#"{"alg":"dir","enc":"XC20P","kid":1}"#.to_owned(),
            Some(Error::Malformed),
        ),
    ] {
        assert_eq!(with_header(&head), expected, "{head}");
    }

    let with_sub = |sub: &str| {
        let plaintext = format!(
            r#"{{"sub":{sub},"jti":"AAAAAAAAAAAAAAAAAAAAAA","auth_time":1906545600,"iat":1906545600,"exp":1906549200,"state":1}}"#
        );
        let token = foreign(
            &key,
            r#"{"alg":"dir","enc":"XC20P"}"#,
            plaintext.as_bytes(),
            false,
        );
        sealer.open_at::<Value>(&token, T0)
    };
    let session = with_sub(r#""al\u0069ce \"A\"""#).expect("escapes are JSON");
    assert_eq!(session.subject(), r#"alice "A""#);
    assert_eq!(with_sub(r#""""#).expect("empty").subject(), "");
    for bad in ["null", "42", r#"["alice"]"#, r#"{"id":"alice"}"#] {
        assert_eq!(with_sub(bad).err(), Some(Error::Malformed), "{bad}");
    }
    // Opening bounds `sub` by the state cap only, not by what a sealer writes.
    let longer = "x".repeat(sealed_session::Sealer::MAX_SUBJECT_LEN + 1);
    let plaintext = format!(
        r#"{{"sub":"{longer}","jti":"AAAAAAAAAAAAAAAAAAAAAA","auth_time":1906545600,"iat":1906545600,"exp":1906549200,"state":1}}"#
    );
    let token = foreign(
        &key,
        r#"{"alg":"dir","enc":"XC20P"}"#,
        plaintext.as_bytes(),
        false,
    );
    let roomy = jwe()
        .to_builder()
        .with_max_token_len(1 << 20)
        .with_max_state_len(1 << 20)
        .build()
        .expect("valid settings");
    let session = roomy.open_at::<Value>(&token, T0).expect("opens");
    assert_eq!(
        session.subject().len(),
        sealed_session::Sealer::MAX_SUBJECT_LEN + 1
    );
}
