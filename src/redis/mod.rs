//! Keeping the revocation lists of many instances in step (feature `redis`).
//!
//! The in-memory [`RevocationList`](crate::RevocationList) stays the hot path: `open` never
//! waits for the network. [`RedisSync`] binds a list to a Redis (or Valkey) deployment: it
//! loads every live revocation at start, publishes the revocations made here, and applies those
//! made elsewhere — from a background follower in a long-running server, or with one bounded
//! [`RedisSync::catch_up`] at the start of a request in a serverless function.

#[cfg(feature = "redis-async")]
mod asynchronous;
mod client;
mod link;
mod reply;
mod sync;

#[cfg(fuzzing)]
#[doc(hidden)]
pub use self::reply::fuzzing;

pub use self::sync::{Follower, RedisSync, StartPolicy, SyncOptions, SyncStatus};
