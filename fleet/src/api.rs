//! The app's routes and answers, as the load generator reads them.
//!
//! ```text
//! POST /login              body user=NAME        logs NAME in: a new session, state {count: 0, notes: []}
//! GET  /                                         the session, as it came in
//! POST /count                                    count + 1 (a write)
//! POST /grow                                     one note of NOTE_CHARS more (chunked cookies from 3)
//! POST /shrink                                   one note less
//! POST /logout                                   revokes this session, published before the answer
//! POST /logout-everywhere                        revokes every session of the user, the same way
//! GET  /status                                   the sync's status and the resident memory
//! ```
//!
//! Every route but `/status` answers an [`Answer`] as JSON: 200; 401 for a write without a
//! logged-in session; 503 for a logout whose revocation Redis did not take (`error` says why;
//! no `Set-Cookie`: the revocation holds on that instance and is published once Redis is
//! back). POSTs need what a browser's same-origin `fetch` sends: `Sec-Fetch-Site: same-origin`,
//! `Origin`, and, with a session, its token in [`CSRF_HEADER`].

use serde::{Deserialize, Serialize};

/// The session cookie's name (its chunks are `__Host-session.0`, `.1`, …).
pub const COOKIE_NAME: &str = "__Host-session";
/// The request header that carries the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Characters of one note (`/grow`): 750 random bytes in base64.
pub const NOTE_CHARS: usize = 1000;
/// Most notes a session holds: four take two cookies and stay within the cookie budget (6 KiB
/// of `Cookie` header); a fifth does not fit, and `/grow` answers 409 instead.
pub const MAX_NOTES: usize = 4;

/// The app's routes.
pub mod route {
    /// `GET`: the session as it came in.
    pub const INDEX: &str = "/";
    /// `POST`, form `user=NAME`.
    pub const LOGIN: &str = "/login";
    /// `POST`: count + 1.
    pub const COUNT: &str = "/count";
    /// `POST`: one note more.
    pub const GROW: &str = "/grow";
    /// `POST`: one note less.
    pub const SHRINK: &str = "/shrink";
    /// `POST`: revoke this session.
    pub const LOGOUT: &str = "/logout";
    /// `POST`: revoke every session of the user.
    pub const LOGOUT_EVERYWHERE: &str = "/logout-everywhere";
    /// `GET`: the instance's [`Status`](super::Status).
    pub const STATUS: &str = "/status";
}

/// The environment `fleet-app` reads.
pub mod env {
    /// The port on 127.0.0.1; 0 (the default) picks a free one. The app prints
    /// `listening on http://127.0.0.1:PORT` on standard output once bound.
    pub const PORT: &str = "PORT";
    /// The session keys (`Keyring::from_env`): base64, the first seals. Required.
    pub const SESSION_KEYS: &str = "SESSION_KEYS";
    /// The revocation list's shared secret (`Key::from_env`). Required.
    pub const REVOCATION_KEY: &str = "REVOCATION_KEY";
    /// The Redis the revocations are shared through. Required.
    pub const REDIS_URL: &str = "REDIS_URL";
    /// The sync's namespace. Defaults to `fleet`.
    pub const NAMESPACE: &str = "NAMESPACE";
    /// The sessions' idle timeout, in seconds. Defaults to 20.
    pub const TTL_SECONDS: &str = "TTL_SECONDS";
    /// The follower's interval, in milliseconds. Defaults to 100.
    pub const FOLLOW_MS: &str = "FOLLOW_MS";
    /// The sync's longest wait between reconnections, in milliseconds. Defaults to the
    /// library's (10 s).
    pub const MAX_BACKOFF_MS: &str = "MAX_BACKOFF_MS";
    /// `1`: the app stops when its standard input ends, so that it never outlives the harness
    /// that holds the other end. Unset by default.
    pub const EXIT_WITH_STDIN: &str = "EXIT_WITH_STDIN";
    /// The sealer's leeway for clocks apart, in seconds. Defaults to the library's (60 s).
    pub const LEEWAY_SECONDS: &str = "LEEWAY_SECONDS";
    /// The sessions' absolute lifetime, in seconds. Defaults to an hour, above any run's
    /// length; a long run sets it lower, so that its revocation lists reach their steady size
    /// (an entry is kept for the lifetime plus the leeway) and memory can be seen to be flat.
    pub const MAX_LIFETIME_SECONDS: &str = "MAX_LIFETIME_SECONDS";
    /// The revocation list's horizon, in seconds. Defaults to the least the sealer accepts:
    /// the sessions' maximum lifetime plus the leeway.
    pub const HORIZON_SECONDS: &str = "HORIZON_SECONDS";
    /// `1`: serverless mode, as `examples/serverless.rs` runs: no follower thread; each request
    /// first catches up with Redis (for at most 200 ms), as an invocation does. Unset by
    /// default.
    pub const SERVERLESS: &str = "SERVERLESS";
    /// Compression dictionaries by name, separated by commas: the first compresses, the
    /// others only open (previous). Each is made from a sample session that names it
    /// ([`super::dictionary_sample`]). Unset: no compression at all.
    pub const DICTIONARIES: &str = "DICTIONARIES";
    /// `1`: every revocation published waits for one replica's acknowledgement
    /// (`SyncOptions::replicas`), for a failover that loses none. Unset by default.
    pub const REPLICAS: &str = "REPLICAS";
    /// `peer-app` only: the way it keeps sessions (`sealed`, `tower-redis`, `tower-memory`,
    /// `private-jar`, `none`). Required.
    pub const STORE: &str = "STORE";
}

/// The sample session a dictionary named `name` is made from: the app's field names, and the
/// name, so that two dictionaries differ.
pub fn dictionary_sample(name: &str) -> String {
    format!(r#"{{"count":0,"notes":["{name}"]}}"#)
}

/// A session as the app sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// The logged-in user.
    pub user: String,
    /// The session's id (hex): the same for every token of the session.
    pub id: String,
    /// The counter.
    pub count: u64,
    /// How many notes the session holds.
    pub notes: usize,
    /// When its token was sealed (Unix milliseconds).
    pub issued_ms: i64,
    /// When its token expires (Unix milliseconds).
    pub expires_ms: i64,
}

/// The answer of every route but `/status`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The session the request came in with, if the instance accepted one: `None` when no
    /// session cookie came, or when it was refused (expired, revoked, damaged).
    pub came_in: Option<SessionView>,
    /// The session after the request: what its cookies hold now (`None` once logged out).
    pub now: Option<SessionView>,
    /// A CSRF token of the session after the request, for the next POST.
    pub csrf: Option<String>,
    /// Why the request failed, for a 4xx or 5xx.
    pub error: Option<String>,
    /// Why the session cookie that came in was refused, if it was: for the harness's report
    /// of an unexpected logout. (A real app logs this and never tells the client, whom it
    /// would tell which check a forged cookie failed.)
    pub refused: Option<String>,
}

/// The answer of `/status`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// The instance's clock (the system time it reads), in Unix milliseconds.
    pub clock_ms: i64,
    /// The process's resident memory (`VmRSS` of `/proc/self/status`), in KiB.
    pub rss_kib: Option<u64>,
    /// Entries in the revocation list (kept until the horizon: part of the memory's growth).
    pub revocations: usize,
    /// The Redis sync.
    pub sync: SyncView,
}

/// The parts of `sealed_session::redis::SyncStatus` the harness reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncView {
    /// A full load has succeeded.
    pub loaded: bool,
    /// The last exchange with Redis succeeded.
    pub connected: bool,
    /// How long ago the list was last known to hold everything published, in milliseconds.
    pub lag_ms: Option<i64>,
    /// Revocations made here that wait to be published.
    pub pending: usize,
    /// Revocations applied from Redis.
    pub applied: u64,
    /// Full loads.
    pub loads: u64,
    /// How far Redis's clock was ahead of the instance's at the last load, in milliseconds
    /// (the list follows it).
    pub clock_offset_ms: Option<i64>,
    /// Why the last exchange failed, while it is the last one.
    pub last_error: Option<String>,
}
