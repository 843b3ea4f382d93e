//! Key rotation: the current key seals, previous keys open, removed keys stop opening.

use crate::common;

use common::T0;
use sealed_session::{Error, Key, Keyring, Sealer};

#[test]
fn current_seals_previous_opens_removed_fails() {
    let (old, new) = (Key::generate(), Key::generate());
    let before = Sealer::new(old.clone(), "session");
    let old_token = before.seal_at("alice", &1u8, T0).expect("seals");

    // Rotation: the new key seals, the old key still opens.
    let during = Sealer::new(
        Keyring::new(new.clone()).with_previous(old.clone()),
        "session",
    );
    assert_eq!(
        *during
            .open_at::<u8>(&old_token, T0)
            .expect("old token opens")
            .state(),
        1
    );
    let new_token = during.seal_at("alice", &2u8, T0).expect("seals");
    let header = common::decode(&new_token);
    assert_eq!(
        &header[2..6],
        new.id().as_bytes(),
        "sealed with the current key"
    );
    assert_eq!(
        *during
            .open_at::<u8>(&new_token, T0)
            .expect("new token opens")
            .state(),
        2
    );

    // The old key is removed: its tokens stop opening; the new ones keep working.
    let after = Sealer::new(new, "session");
    assert_eq!(after.open_at::<u8>(&old_token, T0), Err(Error::UnknownKey));
    assert_eq!(
        *after.open_at::<u8>(&new_token, T0).expect("opens").state(),
        2
    );
    // A sealer that never had the new key does not open its tokens.
    assert_eq!(before.open_at::<u8>(&new_token, T0), Err(Error::UnknownKey));
}

#[test]
fn many_previous_keys() {
    let keys: Vec<Key> = (0..5).map(|_| Key::generate()).collect();
    let tokens: Vec<String> = keys
        .iter()
        .map(|key| {
            Sealer::new(key.clone(), "session")
                .seal_at("u", &key.id().to_string(), T0)
                .expect("seals")
        })
        .collect();
    let ring = keys[1..]
        .iter()
        .fold(Keyring::new(keys[0].clone()), |ring, key| {
            ring.with_previous(key.clone())
        });
    let sealer = Sealer::new(ring, "session");
    for (key, token) in keys.iter().zip(&tokens) {
        assert_eq!(
            sealer.open_at::<String>(token, T0).expect("opens").state(),
            &key.id().to_string()
        );
    }
}

#[test]
fn key_from_environment_style_base64() {
    let key = Key::generate();
    let text = key.to_base64();
    let sealer = Sealer::new(Key::from_base64(&text).expect("valid"), "session");
    let token = Sealer::new(key, "session")
        .seal_at("u", &(), T0)
        .expect("seals");
    assert!(sealer.open_at::<()>(&token, T0).is_ok());
}
