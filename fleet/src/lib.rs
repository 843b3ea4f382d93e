//! The fleet harness of sealed-session: what its two programs share.
//!
//! - `fleet-app` is one instance of a small web app on [`sealed_session::http::SessionLayer`],
//!   with its revocations shared through Redis ([`sealed_session::redis::RedisSync`]).
//! - `fleet` starts a Redis server and N instances of `fleet-app` (same keys, same namespace),
//!   drives them with virtual users over keep-alive HTTP/1.1, round robin, checks the fleet's
//!   invariants on every response, injects faults, and reports.
//!
//! The contract between the two, the routes and the JSON they answer, is [`api`].

#![forbid(unsafe_code)]

pub mod api;
