//! Compression with preset dictionaries: round trips, dictionary changes, unknown dictionaries,
//! bombs, and what `Auto` decides.

use crate::common;

use common::{T0, decode, profile, sealer};
use sealed_session::{Compression, Dictionary, Error, Sealer};
use serde_json::json;

fn dictionary() -> Dictionary {
    Dictionary::new(
        r#"{"user_id":0,"name":"","roles":["admin","editor","viewer"],"prefs":{"theme":"light","langs":["en-US"],"nested":[]},"csrf":""}"#,
    )
}

fn flags(token: &str) -> u8 {
    decode(token)[1]
}

fn state(items: usize) -> serde_json::Value {
    let cart: Vec<_> = (0..items)
        .map(|i| json!({"sku": format!("SKU-{i:05}"), "qty": i % 7, "title": "Blue widget, large"}))
        .collect();
    json!({"user_id": 42, "roles": ["admin", "editor"], "csrf": "Zm9vYmFyYmF6cXV4", "cart": cart})
}

#[test]
fn round_trips_at_every_size_mode_and_level() {
    for items in [0, 1, 5, 30, 120] {
        let value = state(items);
        for compression in [Compression::Auto, Compression::Always, Compression::Never] {
            for level in [1, 2, 6, 9] {
                let sealer = sealer()
                    .to_builder()
                    .with_dictionary(dictionary())
                    .with_compression(compression)
                    .with_compression_level(level)
                    .with_max_token_len(1 << 20)
                    .build()
                    .expect("valid settings");
                let token = sealer.seal_at("user-42", &value, T0).expect("seals");
                let opened = sealer
                    .open_at::<serde_json::Value>(&token, T0)
                    .expect("opens");
                assert_eq!(
                    opened.state(),
                    &value,
                    "{items} items, {compression:?}, {level}"
                );
                let expected = match compression {
                    Compression::Never => 0,
                    _ => 3,
                };
                assert_eq!(flags(&token), expected, "{items} items, {compression:?}");
            }
        }
    }
    // The test suite's awkward state too (unicode, escapes, NUL).
    let sealer = sealer()
        .to_builder()
        .with_dictionary(dictionary())
        .build()
        .expect("valid settings");
    let token = sealer.seal_at("u", &profile(), T0).expect("seals");
    assert_eq!(
        sealer
            .open_at::<common::Profile>(&token, T0)
            .expect("opens")
            .state(),
        &profile()
    );
}

#[test]
fn a_dictionary_makes_small_states_shorter() {
    let small = json!({"user_id": 42, "roles": ["admin", "editor"], "csrf": "Zm9vYmFyYmF6cXV4"});
    let plain = sealer().seal_at("user-42", &small, T0).expect("seals");
    let with = sealer()
        .to_builder()
        .with_dictionary(dictionary())
        .build()
        .expect("valid settings")
        .seal_at("user-42", &small, T0)
        .expect("seals");
    assert_eq!(flags(&plain), 0, "no dictionary: too small to compress");
    assert_eq!(flags(&with), 3);
    assert!(
        with.len() < plain.len(),
        "{} against {}",
        with.len(),
        plain.len()
    );
}

#[test]
fn auto_never_makes_a_token_longer() {
    // Random text next to the dictionary's words: compression cannot pay, so Auto keeps the
    // plain form rather than a longer token.
    let noise: String = (0..300)
        .map(|i| char::from(b"q7Z_x3-kP9wLm2Rv"[(i * 7919 + i / 3) % 16]))
        .collect();
    let sealer = sealer()
        .to_builder()
        .with_dictionary(dictionary())
        .build()
        .expect("valid settings");
    for len in [0, 1, 10, 40, 100, 300] {
        let value = json!(noise[..len]);
        let auto = sealer.seal_at("u", &value, T0).expect("seals");
        let never = sealer
            .to_builder()
            .with_compression(Compression::Never)
            .build()
            .expect("valid settings")
            .seal_at("u", &value, T0)
            .expect("seals");
        assert!(
            auto.len() <= never.len(),
            "{len}: {} > {}",
            auto.len(),
            never.len()
        );
    }
}

#[test]
fn a_new_dictionary_keeps_the_old_one_as_previous() {
    let key = common::fixed_key(4);
    let old = dictionary();
    let new = Dictionary::new(r#"{"user_id":0,"roles":["admin"],"cart":[{"sku":"","qty":0}]}"#);
    let before = Sealer::builder(key.clone(), "session")
        .with_dictionary(old.clone())
        .build()
        .expect("valid settings");
    let token = before.seal_at("u", &state(3), T0).expect("seals");

    let after = Sealer::builder(key.clone(), "session")
        .with_dictionary(new.clone())
        .with_previous_dictionary(old.clone())
        .build()
        .expect("valid settings");
    assert_eq!(
        after
            .open_at::<serde_json::Value>(&token, T0)
            .expect("opens")
            .state(),
        &state(3)
    );
    // New tokens use the new dictionary, which the old sealer does not have.
    let fresh = after.seal_at("u", &state(3), T0).expect("seals");
    assert_eq!(&decode(&fresh)[6..8], new.id().as_bytes());
    assert_eq!(
        before.open_at::<serde_json::Value>(&fresh, T0),
        Err(Error::UnknownDictionary)
    );
    // Once the old dictionary is dropped, its tokens are a clear error, not garbage.
    let dropped = Sealer::builder(key, "session")
        .with_dictionary(new)
        .build()
        .expect("valid settings");
    assert_eq!(
        dropped.open_at::<serde_json::Value>(&token, T0),
        Err(Error::UnknownDictionary)
    );
    // A previous dictionary given twice, or equal to the current one, counts once.
    let twice = after
        .to_builder()
        .with_previous_dictionary(old.clone())
        .with_previous_dictionary(old)
        .build()
        .expect("valid settings");
    assert_eq!(twice.validate(), Ok(()));
}

#[test]
fn a_token_never_opens_with_other_dictionary_bytes() {
    let key = common::fixed_key(5);
    let sealer = Sealer::builder(key.clone(), "session")
        .with_dictionary(dictionary())
        .build()
        .expect("valid settings");
    let token = sealer.seal_at("u", &state(2), T0).expect("seals");
    // An opener with a different dictionary that happens to carry the same id: forge the id by
    // searching for a colliding dictionary, then check that the AEAD (which authenticates the
    // dictionary's digest) refuses the token.
    let wanted = dictionary().id();
    let collision = (0u32..)
        .map(|i| Dictionary::new(format!("{{\"other\":{i}}}")))
        .find(|candidate| candidate.id() == wanted)
        .expect("a 16-bit id collides within a few hundred thousand tries");
    let impostor = Sealer::builder(key, "session")
        .with_dictionary(collision)
        .build()
        .expect("valid settings");
    assert_eq!(
        impostor.open_at::<serde_json::Value>(&token, T0),
        Err(Error::Invalid)
    );
}

#[test]
fn two_dictionaries_with_one_id_are_a_configuration_error() {
    let current = dictionary();
    let clash = (0u32..)
        .map(|i| Dictionary::new(format!("[{i}]")))
        .find(|candidate| candidate.id() == current.id())
        .expect("a 16-bit id collides within a few hundred thousand tries");
    let refused = sealer()
        .to_builder()
        .with_dictionary(current)
        .with_previous_dictionary(clash)
        .build();
    assert!(matches!(refused, Err(Error::Config(_))));
}

#[test]
fn a_dictionary_bomb_is_too_large() {
    let dict = Dictionary::new("0".repeat(2000));
    let bomb = sealer()
        .to_builder()
        .with_dictionary(dict.clone())
        .with_compression(Compression::Always)
        .with_max_state_len(usize::MAX)
        .with_max_token_len(usize::MAX)
        .build()
        .expect("valid settings")
        .seal_at("u", &"0".repeat(4 << 20), T0)
        .expect("seals");
    assert!(bomb.len() < 20_000, "{} characters", bomb.len());
    let opener = sealer()
        .to_builder()
        .with_dictionary(dict)
        .with_max_token_len(bomb.len())
        .build()
        .expect("valid settings");
    assert_eq!(opener.open_at::<String>(&bomb, T0), Err(Error::TooLarge));
}

#[test]
fn compression_levels_outside_one_to_nine_are_refused() {
    for level in [0, 10, u32::MAX] {
        let refused = sealer().to_builder().with_compression_level(level).build();
        assert!(matches!(refused, Err(Error::Config(_))), "{level}");
    }
    for level in 1..=9 {
        assert_eq!(
            sealer()
                .to_builder()
                .with_compression_level(level)
                .build()
                .expect("valid settings")
                .validate(),
            Ok(())
        );
    }
}

#[test]
fn dictionaries_are_built_from_samples() {
    let dict = Dictionary::from_sample(&state(1)).expect("serializes");
    assert_eq!(
        dict.as_bytes(),
        serde_json::to_vec(&state(1)).expect("JSON")
    );
    let map_with_non_string_keys: std::collections::HashMap<(u8, u8), u8> =
        [((1, 2), 3)].into_iter().collect();
    assert_eq!(
        Dictionary::from_sample(&map_with_non_string_keys),
        Err(Error::Serialize)
    );
}

#[test]
fn a_dictionary_shows_its_id_and_length_never_its_bytes() {
    let dictionary = Dictionary::new("a sample of 24 bytes....");
    let id = dictionary.id();
    let [high, low] = *id.as_bytes();
    let hex = format!("{high:02x}{low:02x}");
    assert_eq!(id.to_string(), hex);
    assert_eq!(format!("{id:?}"), format!("DictionaryId({hex})"));
    assert_eq!(
        format!("{dictionary:?}"),
        format!("Dictionary {{ id: DictionaryId({hex}), len: 24 }}")
    );
    assert!(!dictionary.is_empty());
    assert!(Dictionary::new("").is_empty());
}

#[test]
fn a_dictionary_keeps_its_last_32_kib() {
    let bytes: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
    let window = &bytes[bytes.len() - 32 * 1024..];
    let dictionary = Dictionary::new(bytes.clone());
    assert_eq!(dictionary.len(), 32 * 1024);
    assert_eq!(dictionary.as_bytes(), window);
    assert_eq!(dictionary, Dictionary::new(window.to_vec()));
    assert_eq!(Dictionary::new(window.to_vec()).len(), 32 * 1024);
}
