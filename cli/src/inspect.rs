//! What a token shows to anyone who holds it, without a key: its kind, header and lengths.
//! Nothing here decrypts or verifies, and nothing secret is printed.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// The public view of `token`, as JSON.
pub fn inspect(token: &str) -> Value {
    let segments: Vec<&str> = token.split('.').collect();
    let mut view = match segments.len() {
        1 => compact(token),
        3 => jws(&segments),
        5 => jwe(&segments),
        n => json!({"kind": "unknown", "problem": format!("{n} segments: not a token of ours")}),
    };
    view["characters"] = json!(token.len());
    view["note"] =
        json!("public information only: nothing was decrypted or verified, and no key was used");
    view
}

fn compact(token: &str) -> Value {
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(token) else {
        return json!({"kind": "unknown", "problem": "not base64url"});
    };
    if bytes.len() < 46 {
        return json!({"kind": "compact?", "problem": "shorter than any compact token", "bytes": bytes.len()});
    }
    let flags = bytes[1];
    let dictionary = flags & 2 != 0;
    let header_len = if dictionary { 8 } else { 6 };
    json!({
        "kind": "compact (docs/FORMAT.md)",
        "version": bytes[0],
        "flags": {"deflate": flags & 1 != 0, "dictionary": dictionary, "unknown_bits": flags & !3},
        "key_id": crate::print::hex(&bytes[2..6]),
        "dictionary_id": dictionary.then(|| crate::print::hex(&bytes[6..8])),
        "bytes": {
            "header": header_len,
            "nonce": 24,
            "ciphertext": bytes.len().saturating_sub(header_len + 24 + 16),
            "tag": 16,
        },
    })
}

fn header_of(segment: &str) -> Value {
    URL_SAFE_NO_PAD
        .decode(segment)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_else(|| json!({"problem": "the header is not base64url JSON"}))
}

fn decoded_len(segment: &str) -> Option<usize> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .ok()
        .map(|bytes| bytes.len())
}

fn jwe(segments: &[&str]) -> Value {
    json!({
        "kind": "JWE (RFC 7516 compact)",
        "protected_header": header_of(segments[0]),
        "bytes": {
            "encrypted_key": decoded_len(segments[1]),
            "iv": decoded_len(segments[2]),
            "ciphertext": decoded_len(segments[3]),
            "tag": decoded_len(segments[4]),
        },
    })
}

fn jws(segments: &[&str]) -> Value {
    json!({
        "kind": "JWS (RFC 7515 compact)",
        "protected_header": header_of(segments[0]),
        "bytes": {
            "payload": decoded_len(segments[1]),
            "signature": decoded_len(segments[2]),
        },
        "payload": "not printed: a JWS is signed, not encrypted, so anyone who holds it can read its claims",
    })
}
