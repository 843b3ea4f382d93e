//! Tokens built by hand, from docs/FORMAT.md and RFC 7515/7516, with RustCrypto primitives that
//! are not the crate's own sealing code: what an attacker who holds (or guesses) a key can send.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use hmac::{Hmac, Mac as _};
use sha2::Sha256;

/// The instant every test runs at: the workspace's fixed instant.
pub use sealed_session_test_support::fixtures::T0 as NOW;
/// Unix seconds of [`NOW`].
pub const NOW_SECONDS: i64 = 1_906_545_600;

/// A compact token: `header ‖ nonce ‖ XChaCha20-Poly1305(payload)`, with the purpose subkey and
/// AAD of docs/FORMAT.md (no dictionary).
pub fn compact(
    key: &[u8; 32],
    purpose: &str,
    flags: u8,
    key_id: [u8; 4],
    payload: &[u8],
) -> String {
    let mut subkey = [0u8; 32];
    hkdf::Hkdf::<Sha256>::new(None, key)
        .expand_multi_info(
            &[b"sealed-session v1 token:", purpose.as_bytes()],
            &mut subkey,
        )
        .expect("32 bytes");
    let mut header = vec![1, flags];
    header.extend_from_slice(&key_id);
    let mut aad = header.clone();
    aad.extend_from_slice(purpose.as_bytes());
    let nonce = [0x24u8; 24];
    let mut body = payload.to_vec();
    let tag = XChaCha20Poly1305::new((&subkey).into())
        .encrypt_inout_detached((&nonce).into(), &aad, body.as_mut_slice().into())
        .expect("encrypts");
    URL_SAFE_NO_PAD.encode([&header[..], &nonce, &body, &tag].concat())
}

/// The compact envelope of docs/FORMAT.md: login, issued and expiry times, session id, subject,
/// state JSON.
pub fn envelope(subject: &str, auth_at_ms: i64, lifetime_ms: u64, state: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&auth_at_ms.to_be_bytes()[2..]);
    out.extend_from_slice(&[0; 5]);
    out.extend_from_slice(&lifetime_ms.to_be_bytes()[3..]);
    out.extend_from_slice(&[7; 16]);
    out.extend_from_slice(&u16::try_from(subject.len()).expect("short").to_be_bytes());
    out.extend_from_slice(subject.as_bytes());
    out.extend_from_slice(state);
    out
}

/// A JWE compact token under a raw `dir` key: `header` as given, the plaintext encrypted with
/// XChaCha20-Poly1305, AAD the encoded header.
pub fn jwe(key: &[u8; 32], header: &str, plaintext: &[u8]) -> String {
    let protected = URL_SAFE_NO_PAD.encode(header);
    let iv = [0x33u8; 24];
    let mut body = plaintext.to_vec();
    let tag = XChaCha20Poly1305::new(key.into())
        .encrypt_inout_detached(
            (&iv).into(),
            protected.as_bytes(),
            body.as_mut_slice().into(),
        )
        .expect("encrypts");
    format!(
        "{protected}..{}.{}.{}",
        URL_SAFE_NO_PAD.encode(iv),
        URL_SAFE_NO_PAD.encode(&body),
        URL_SAFE_NO_PAD.encode(tag)
    )
}

/// A JWS compact token: `header` and `payload` as given, signed with HMAC-SHA256 under `secret`.
pub fn hs256(secret: &[u8], header: &str, payload: &str) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("any length");
    mac.update(input.as_bytes());
    format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

/// Valid claims for the verifiers of the suite (issuer `auth`, audience `orders`), as JSON.
pub fn claims_json() -> String {
    format!(
        r#"{{"iss":"auth","aud":"orders","sub":"alice","iat":{NOW_SECONDS},"exp":{}}}"#,
        NOW_SECONDS + 600
    )
}
