//! The fleet harness of sealed-session: what its programs share.
//!
//! `fleet-app` is one instance of a small web app on [`sealed_session::http::SessionLayer`],
//! with its revocations shared through Redis ([`sealed_session::redis::RedisSync`]). A fleet
//! runs several, with the same keys and namespace. The routes and the JSON they answer are
//! [`api`].

#![forbid(unsafe_code)]

pub mod api;
