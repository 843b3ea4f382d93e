//! The attack catalogue: one test per known attack on sessions and JWTs, named after it.
//!
//! Each test builds the hostile input as an attacker would (from the documented formats, with
//! independent code where a valid ciphertext or signature is part of the attack) and asserts
//! the one outcome a careful implementation must give: a clear error of the right kind, never a
//! session, never a panic.
//!
//! | module | attacks |
//! |---|---|
//! | `tampering` | every single change (the tamper contract: bit flips of the decoded bytes among them), non-canonical base64, truncation and extension |
//! | `confusion` | a token of one format presented to another, a key id of another purpose, the fallback-key order bug |
//! | `jwt` | `alg: none` in every casing, the public key as an HMAC secret, duplicate claims, hostile time claims |
//! | `bombs` | DEFLATE bombs in valid ciphertext (compact and JWE) under a bounded peak RSS, JSON nested past serde's depth |
//! | `cookies` | thousands of cookies, duplicate names, stale and shuffled chunks |

mod bombs;
mod confusion;
#[cfg(feature = "http")]
mod cookies;
mod forge;
mod jwt;
mod tampering;
