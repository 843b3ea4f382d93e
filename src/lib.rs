//! Stateless, client-side sessions.
//!
//! Session state is serialized to JSON, compressed when that pays, encrypted and authenticated
//! with XChaCha20-Poly1305, and handed to the client as a compact token that is a valid cookie
//! value as it stands. The server keeps only keys and, if it wants to take tokens back, a small
//! in-memory [`RevocationList`].
//!
//! # Getting started
//!
//! ```
//! use sealed_session::{Key, Sealer};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize)]
//! struct State {
//!     roles: Vec<String>,
//!     csrf: String,
//! }
//!
//! // Once, at start-up: in production read the key from your secret store,
//! // e.g. Key::from_base64(&std::env::var("SESSION_KEY")?)?.
//! let sealer = Sealer::new(Key::generate(), "session");
//!
//! // Log in: seal the state into the cookie value.
//! let state = State { roles: vec!["admin".into()], csrf: "k3y".into() };
//! let token = sealer.seal("user-42", &state)?;
//!
//! // Every request: open it. Any error means "not logged in".
//! let session = sealer.open::<State>(&token)?;
//! assert_eq!(session.subject(), "user-42");
//! assert_eq!(session.state().roles, ["admin"]);
//! # Ok::<(), sealed_session::Error>(())
//! ```
//!
//! Sessions roll with [`Sealer::reseal`], which keeps the session's id and login time, and end
//! at an absolute lifetime ([`SealerBuilder::with_max_lifetime`](crate::SealerBuilder::with_max_lifetime)). A [`Dictionary`] makes small states
//! compress too. A [`RevocationList`] takes sessions back: one user everywhere, or one device.
//!
//! # Features
//!
//! The core (keys, sealing, compression, revocation) is always on. The AEAD backend is chosen
//! by cargo feature:
//!
//! | feature | default | what it does |
//! |---|---|---|
//! | `ring` | yes | XChaCha20-Poly1305 as HChaCha20 (`chacha20`) + ChaCha20-Poly1305 in `ring`'s assembly, about 3× faster on session-sized tokens |
//! | `rust-crypto` | no | XChaCha20-Poly1305 from RustCrypto's pure-Rust `chacha20poly1305`, for targets where `ring`'s assembly is unwanted |
//! | `http` | yes | `http`: the session as a secure cookie (`http::SessionCookie`), chunked within a budget when it does not fit one and read back strictly (on the `cookie` crate), from an `http::HeaderMap` and into `Set-Cookie` headers: any framework built on `http`, and serverless handlers |
//! | `axum` | no | `http`, plus `http::SessionLayer` and the `http::SessionHandle` extractor |
//! | `jwt` | no | `jwt`: signed JWTs (JWS) on `jsonwebtoken` (HS256, EdDSA) with JWK Sets. [`Format::Jwe`], the session as a standard JWE (`dir`, `XC20P`, `zip: DEF`), needs no feature: it is built on the core's own dependencies |
//! | `redis` | no | `redis::RedisSync`: revocation lists of many instances kept in step through Redis; `rediss://` (TLS) on rustls with `ring` |
//! | `cookie` | no | 0.1's name for `http`, kept as an alias for one release |
//!
//! Features add up: a build with both uses `ring`; a build with neither does not compile. The
//! wire format is specified, and frozen, in `docs/FORMAT.md`. The `sealed-session` command
//! line is its own crate of the workspace (`cli/`), and so are the examples (`examples/`).

mod aead;
mod aliases;
mod compress;
// The DEFLATE encoder, for the `deflate_encoder` fuzz target only.
#[cfg(fuzzing)]
#[doc(hidden)]
pub use compress::fuzzing as deflate_fuzzing;
mod error;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod http;
#[cfg(feature = "jwt")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwt")))]
pub mod jwt;
mod key;
mod per_thread;
mod random;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis;
pub mod revocation;
mod seal;
mod session;
/// The Redis sync under its 0.1 name, which read like `std::sync`: now [`redis`].
///
/// ```
/// #[allow(deprecated)]
/// let options = sealed_session::sync::SyncOptions::new("app");
/// assert_eq!(options.namespace, "app");
/// ```
#[cfg(feature = "redis")]
#[deprecated(since = "0.2.0", note = "use `sealed_session::redis`")]
pub mod sync {
    pub use crate::redis::*;
}
#[cfg(test)]
mod test_vectors;
mod text;
mod token;

#[allow(deprecated)]
pub use aliases::*;
pub use compress::{Compression, Dictionary, DictionaryId};
pub use error::Error;
pub use key::{Key, KeyId, Keyring};
pub use revocation::RevocationList;
pub use seal::{Format, Sealed, Sealer, SealerBuilder};
pub use session::{Session, SessionId};
/// The one duration type and the date type of the whole API (lifetimes, horizons, the sync's
/// timeouts), from the `time` crate: re-exported, so that calling the API needs no `time`
/// dependency of one's own.
pub use time::{Duration, OffsetDateTime};
