//! The `ring` backend: HChaCha20 (`chacha20`), then ChaCha20-Poly1305 in `ring`.

use chacha20::R20;
use chacha20::hchacha;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, Tag, UnboundKey};
use zeroize::Zeroize as _;

use super::{AuthFailed, NONCE_LEN, TAG_LEN};
use crate::key::KEY_LEN;

pub(super) const NAME: &str = "ring";

/// Derives the ChaCha20-Poly1305 key and nonce for one XChaCha20-Poly1305 message.
fn inner_key(key: &[u8; KEY_LEN], nonce: &[u8; NONCE_LEN]) -> (LessSafeKey, Nonce) {
    let (head, tail) = nonce.split_at(16);
    let head: &[u8; 16] = match head.try_into() {
        Ok(head) => head,
        Err(_) => unreachable!("a 24-byte nonce splits into 16 and 8 bytes"),
    };
    // Our copy of the subkey is wiped when it goes out of scope. (The working state inside
    // `hchacha` and the key schedule inside `ring` are theirs: neither crate wipes them.)
    let mut subkey = hchacha::<R20>(key.into(), head.into());
    let mut inner_nonce = [0u8; 12];
    inner_nonce[4..].copy_from_slice(tail);
    let unbound = UnboundKey::new(&CHACHA20_POLY1305, &subkey);
    subkey.as_mut_slice().zeroize();
    let unbound = match unbound {
        Ok(unbound) => unbound,
        Err(_) => unreachable!("ChaCha20-Poly1305 takes 32-byte keys"),
    };
    (
        LessSafeKey::new(unbound),
        Nonce::assume_unique_for_key(inner_nonce),
    )
}

/// Encrypts `in_out` in place and returns the tag.
pub(super) fn seal_in_place(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    in_out: &mut [u8],
) -> [u8; TAG_LEN] {
    let (cipher, inner_nonce) = inner_key(key, nonce);
    match cipher.seal_in_place_separate_tag(inner_nonce, Aad::from(aad), in_out) {
        Ok(tag) => {
            let mut out = [0u8; TAG_LEN];
            out.copy_from_slice(tag.as_ref());
            out
        }
        // ring refuses only messages longer than ChaCha20's 256 GiB limit.
        Err(_) => unreachable!("message within ChaCha20's length limit"),
    }
}

/// Checks `tag` and decrypts `in_out` in place; on failure `in_out` holds no plaintext.
pub(super) fn open_in_place(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    in_out: &mut [u8],
    tag: &[u8; TAG_LEN],
) -> Result<(), AuthFailed> {
    let (cipher, inner_nonce) = inner_key(key, nonce);
    let tag = Tag::from(*tag);
    cipher
        .open_in_place_separate_tag(inner_nonce, Aad::from(aad), tag, in_out, 0..)
        .map(|_| ())
        .map_err(|_| AuthFailed)
}
