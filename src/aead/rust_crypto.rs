//! The `rust-crypto` backend: RustCrypto's pure-Rust XChaCha20-Poly1305.

use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{AeadInOut, KeyInit};

use super::{AuthFailed, NONCE_LEN, TAG_LEN};
use crate::key::KEY_LEN;

pub(super) const NAME: &str = "rust-crypto";

/// Encrypts `in_out` in place and returns the tag.
pub(super) fn seal_in_place(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    in_out: &mut [u8],
) -> [u8; TAG_LEN] {
    // The cipher wipes its copy of the key when dropped (`chacha20poly1305`'s `zeroize`).
    let cipher = XChaCha20Poly1305::new(key.into());
    match cipher.encrypt_inout_detached(nonce.into(), aad, in_out.into()) {
        Ok(tag) => tag.into(),
        // Refused only for messages longer than ChaCha20's 256 GiB limit.
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
    let cipher = XChaCha20Poly1305::new(key.into());
    cipher
        .decrypt_inout_detached(nonce.into(), aad, in_out.into(), tag.into())
        .map_err(|_| AuthFailed)
}
