//! The library's API, one module per subject: one test binary, so that the suite links once.
//! Separate binaries remain only where a test needs the whole process: a global allocator
//! (`bomb_memory`, `key_memory`, `revocation_memory`), `fork` (`fork_safety`), or an external
//! tool (`interop`); and the attack catalogue (`adversarial`). docs/TESTING.md says where a test
//! goes.

mod common;

mod axum;
#[cfg(all(feature = "jwt", feature = "axum"))]
mod bearer;
mod cookie;
mod dictionary;
mod expiry;
mod format;
#[cfg(feature = "jwt")]
mod jwe;
#[cfg(feature = "jwt")]
mod jws;
#[cfg(all(feature = "jwt", feature = "http"))]
mod jws_rotation;
mod readme;
mod request;
mod reseal;
mod revocation;
mod rotation;
mod seal;
mod vector_cases;
