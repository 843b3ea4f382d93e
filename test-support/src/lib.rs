//! Test code shared by the packages of the workspace. `freed-scan` (test-support/freed-scan),
//! the allocator that scans freed blocks for key bytes, is a crate of its own: it needs `unsafe`,
//! which this crate forbids.
#![forbid(unsafe_code)]

#[cfg(feature = "redis")]
pub mod redis_server;
