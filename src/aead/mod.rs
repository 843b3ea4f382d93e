//! XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03), on one of two backends, chosen by cargo
//! feature:
//!
//! - `ring` (default): HChaCha20 from the `chacha20` crate, then ChaCha20-Poly1305 in `ring`,
//!   whose assembly is several times faster than a portable implementation on the short
//!   messages sessions are. XChaCha20-Poly1305 with key `k` and 24-byte nonce `n` is, by
//!   definition, ChaCha20-Poly1305 (RFC 8439) with the subkey `HChaCha20(k, n[0..16])` and the
//!   12-byte nonce `0u32 ‖ n[16..24]`.
//! - `rust-crypto`: RustCrypto's pure-Rust `chacha20poly1305`, for targets where `ring`'s
//!   assembly is unwanted or unavailable.
//!
//! Cargo features add up: a build with both uses `ring`. Both pass the same tests: the draft's
//! vector, every Wycheproof XChaCha20-Poly1305 case, and agreement with RustCrypto's
//! implementation on random inputs.

#[cfg(not(any(feature = "ring", feature = "rust-crypto")))]
compile_error!(
    "sealed-session needs an AEAD backend: enable the `ring` (default) or `rust-crypto` feature"
);

#[cfg(feature = "ring")]
mod ring;
#[cfg(feature = "ring")]
use ring as backend;

#[cfg(all(feature = "rust-crypto", not(feature = "ring")))]
mod rust_crypto;
#[cfg(all(feature = "rust-crypto", not(feature = "ring")))]
use rust_crypto as backend;

use crate::key::KEY_LEN;

/// XChaCha20 nonce length.
pub(crate) const NONCE_LEN: usize = 24;
/// Poly1305 tag length.
pub(crate) const TAG_LEN: usize = 16;

/// The name of the backend this build uses, for `Debug` output and the benchmarks.
pub(crate) const BACKEND: &str = backend::NAME;

/// The authentication check failed. Deliberately carries nothing.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct AuthFailed;

/// Encrypts `in_out` in place and returns the tag.
pub(crate) fn seal_in_place(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    in_out: &mut [u8],
) -> [u8; TAG_LEN] {
    backend::seal_in_place(key, nonce, aad, in_out)
}

/// Checks `tag` and decrypts `in_out` in place; on failure `in_out` holds no plaintext.
pub(crate) fn open_in_place(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    in_out: &mut [u8],
    tag: &[u8; TAG_LEN],
) -> Result<(), AuthFailed> {
    backend::open_in_place(key, nonce, aad, in_out, tag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chacha20poly1305::XChaCha20Poly1305;
    use chacha20poly1305::aead::{AeadInOut, KeyInit};
    use rand::Rng as _;

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
                .encrypt_inout_detached((&nonce).into(), &aad, theirs.as_mut_slice().into())
                .expect("reference seals");
            assert_eq!(ours, theirs, "ciphertext, len {len}");
            assert_eq!(&tag[..], &their_tag[..], "tag, len {len}");

            assert_eq!(open_in_place(&key, &nonce, &aad, &mut ours, &tag), Ok(()));
            assert_eq!(ours, message);
        }
    }
}
