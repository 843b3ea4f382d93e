//! Test code shared by the packages of the workspace: fixed instants and keys (`fixtures`), the
//! reader of `tests/vectors/` (`vectors`), the one tamper contract every token format is held to
//! (`tamper`), and a throwaway `redis-server`, plain or TLS only (`redis_server`, feature `redis`).
//!
//! `freed-scan` (test-support/freed-scan), the allocator that scans freed blocks for key bytes,
//! is a crate of its own: it needs `unsafe`, which this crate forbids.
//!
//! The library's unit tests (`src/**`) cannot use this crate (it depends on the library: a cycle
//! that cargo allows only for integration tests); they read vectors through `src/test_vectors.rs`.
#![forbid(unsafe_code)]

pub mod fixtures;
pub mod proxy;
#[cfg(feature = "redis")]
pub mod redis_cluster;
#[cfg(feature = "redis")]
pub mod redis_server;
pub mod tamper;
pub mod vectors;
