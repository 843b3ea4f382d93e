//! XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03), built from HChaCha20 and ChaCha20-Poly1305.
//!
//! XChaCha20-Poly1305 with key `k` and 24-byte nonce `n` is, by definition, ChaCha20-Poly1305
//! (RFC 8439) with the subkey `HChaCha20(k, n[0..16])` and the 12-byte nonce `0u32 ‖ n[16..24]`.
//! We compute HChaCha20 with the `chacha20` crate and run the AEAD in `ring`, whose assembly is
//! several times faster than a portable implementation on the short messages sessions are. The
//! tests check this against the draft's vector and every Wycheproof XChaCha20-Poly1305 case, and
//! against RustCrypto's `chacha20poly1305` on random inputs.

use chacha20::R20;
use chacha20::hchacha;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, Tag, UnboundKey};
use zeroize::Zeroize as _;

use crate::key::KEY_LEN;

/// XChaCha20 nonce length.
pub(crate) const NONCE_LEN: usize = 24;
/// Poly1305 tag length.
pub(crate) const TAG_LEN: usize = 16;

/// The authentication check failed. Deliberately carries nothing.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct AuthFailed;

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
pub(crate) fn seal_in_place(
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
pub(crate) fn open_in_place(
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

#[cfg(test)]
mod tests {
    use super::*;
    use chacha20poly1305::XChaCha20Poly1305;
    use chacha20poly1305::aead::{AeadInPlace, KeyInit};
    use rand::RngCore as _;

    use crate::test_vectors::{unhex, vector_file};

    /// draft-irtf-cfrg-xchacha-03, A.3.1, byte for byte.
    #[test]
    fn draft_example() {
        let file = vector_file("drafts/draft-irtf-cfrg-xchacha-03_A3.json");
        let case = &file["A.3.1_AEAD_XChaCha20_Poly1305"];
        let key: [u8; 32] = unhex(&case["key_hex"]).try_into().expect("32-byte key");
        let nonce: [u8; 24] = unhex(&case["iv_hex"]).try_into().expect("24-byte nonce");
        let aad = unhex(&case["aad_hex"]);
        let plaintext = unhex(&case["plaintext_hex"]);
        let mut text = plaintext.clone();
        let tag = seal_in_place(&key, &nonce, &aad, &mut text);
        assert_eq!(text, unhex(&case["ciphertext_hex"]));
        assert_eq!(tag.to_vec(), unhex(&case["tag_hex"]));
        assert_eq!(open_in_place(&key, &nonce, &aad, &mut text, &tag), Ok(()));
        assert_eq!(text, plaintext);
    }

    /// Every Wycheproof XChaCha20-Poly1305 case with a 24-byte nonce: valid ones seal to the
    /// expected bytes and open; invalid ones never open. (Cases with other nonce sizes cannot be
    /// expressed through this API, whose nonce is a `[u8; 24]`.)
    #[test]
    fn wycheproof() {
        let file = vector_file("wycheproof/xchacha20_poly1305_test.json");
        let (mut valid, mut invalid) = (0, 0);
        for group in file["testGroups"].as_array().expect("groups") {
            for case in group["tests"].as_array().expect("tests") {
                let id = &case["tcId"];
                let Ok(nonce) = <[u8; 24]>::try_from(unhex(&case["iv"])) else {
                    continue;
                };
                let key: [u8; 32] = unhex(&case["key"]).try_into().expect("32-byte key");
                let Ok(tag) = <[u8; 16]>::try_from(unhex(&case["tag"])) else {
                    assert_eq!(case["result"], "invalid", "tcId {id}");
                    continue;
                };
                let (aad, msg, ct) = (unhex(&case["aad"]), unhex(&case["msg"]), unhex(&case["ct"]));
                let mut opened = ct.clone();
                let result = open_in_place(&key, &nonce, &aad, &mut opened, &tag);
                if case["result"] == "valid" {
                    valid += 1;
                    assert_eq!(result, Ok(()), "tcId {id}");
                    assert_eq!(opened, msg, "tcId {id}");
                    let mut sealed = msg.clone();
                    assert_eq!(
                        seal_in_place(&key, &nonce, &aad, &mut sealed),
                        tag,
                        "tcId {id}"
                    );
                    assert_eq!(sealed, ct, "tcId {id}");
                } else {
                    invalid += 1;
                    assert_eq!(result, Err(AuthFailed), "tcId {id}");
                }
            }
        }
        assert!(
            valid > 200 && invalid > 40,
            "ran {valid} valid, {invalid} invalid"
        );
    }

    /// Agrees with RustCrypto's XChaCha20-Poly1305 on random keys, nonces, AADs and lengths.
    #[test]
    fn matches_reference_implementation() {
        let mut rng = rand::rng();
        for len in (0..300).chain([1023, 1024, 4096]) {
            let mut key = [0u8; 32];
            let mut nonce = [0u8; 24];
            let mut aad = vec![0u8; len % 41];
            let mut message = vec![0u8; len];
            rng.fill_bytes(&mut key);
            rng.fill_bytes(&mut nonce);
            rng.fill_bytes(&mut aad);
            rng.fill_bytes(&mut message);

            let mut ours = message.clone();
            let tag = seal_in_place(&key, &nonce, &aad, &mut ours);
            let mut theirs = message.clone();
            let reference = XChaCha20Poly1305::new((&key).into());
            let their_tag = reference
                .encrypt_in_place_detached((&nonce).into(), &aad, &mut theirs)
                .expect("reference seals");
            assert_eq!(ours, theirs, "ciphertext, len {len}");
            assert_eq!(&tag[..], &their_tag[..], "tag, len {len}");

            assert_eq!(open_in_place(&key, &nonce, &aad, &mut ours, &tag), Ok(()));
            assert_eq!(ours, message);
        }
    }
}
