//! [`RedisSync`]: a [`RevocationList`] kept in step with every other instance through Redis.
//!
//! # Layout
//!
//! Two keys per namespace, with one hash tag so that both live in one Redis Cluster slot (a
//! `MULTI` may span them):
//!
//! ```text
//! sealed-session:{<namespace>}:live   sorted set   member "u" or "s" ‖ 32 hex digits of the keyed
//!                                                  hash, score = time (Unix ms): every live
//!                                                  revocation, the latest time per member (ZADD GT)
//! sealed-session:{<namespace>}:log    stream       fields m = member, t = time: every publication,
//!                                                  in order, trimmed at the horizon (XADD MINID)
//! sealed-session:{<namespace>}:horizon sorted set  member "ms", score = the namespace's horizon
//!                                                  (ms): the longest any instance declared
//! ```
//!
//! Why both: the sorted set is what a cold start loads (ZSCAN, in pages, never missing a member
//! that is there throughout) and what is trimmed by time (ZREMRANGEBYSCORE below now − horizon);
//! the stream is what a running instance follows, from the last id it applied, so that nothing
//! sent while it was disconnected is lost (pub/sub would lose it). A publication writes both in
//! one `MULTI`. Neither holds more than one horizon of revocations.
//!
//! # The namespace's horizon
//!
//! Trimming deletes revocations for every instance of the namespace, so it uses the
//! namespace's horizon, never the publisher's own: every list that connects raises the stored
//! horizon to its own (`ZADD GT`, atomic), and trims with the stored one. An instance (or the
//! CLI) with a shorter horizon than the fleet's cannot delete what the others still need; a
//! longer one raises it for everyone. The horizon of a namespace only grows: to shrink it, use
//! a new namespace (or delete the key by hand once every instance runs with the shorter one).
//! The time trimmed at is the earlier of the publisher's clock and Redis's (read with `TIME`
//! at each load), less one minute, so that a publisher whose clock runs ahead deletes nothing
//! early.
//!
//! # What travels
//!
//! Keyed hashes only, never a subject or a session id: the lists must share their hash key,
//! derived from a configured secret ([`RevocationList::new_shared`]).
//!
//! # Applying
//!
//! Every revocation is applied with "keep the later time": applying one twice, or two out of
//! order, gives the same list. A cold start reads the stream's last id first, then the sorted
//! set, then the stream from that id: what is published meanwhile is applied from the stream.
//! When the stream no longer holds the entry after the last id applied (it was trimmed past
//! it), the instance reloads the sorted set. Entries that do not parse are skipped, counted and
//! logged; they never stop the load, never empty the list, never panic. An entry dated more
//! than a minute after the local clock is applied at that bound, and one more than an hour
//! after it is not applied ([`SyncStatus::future_dated`]): no clock of a fleet is that far
//! ahead, and such a time would keep its user out for good, or, folded, every user.
//! Every exchange is bounded in time ([`SyncOptions::max_exchange`]) and in pages: a server
//! that never ends a scan or a stream fails the exchange as a fault.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Instant;

use ::redis::Value;
use time::{Duration, OffsetDateTime};

use super::link::{Link, Target};
use super::reply::{
    Fault, Position, Reader, Step, position_of, redis_time, redis_time_micros, score_of,
};
use crate::revocation::Revocation;
use crate::{Error, RevocationList, Session};

/// [`RevocationList::MAX_AHEAD`] in milliseconds: how far ahead of the clock a time may lie.
const MAX_AHEAD_MILLIS: i64 = RevocationList::MAX_AHEAD.whole_milliseconds() as i64;

/// The system clock, in Unix milliseconds (saturated: the clock is never past year 9999).
fn now_millis() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
        .unwrap_or(i64::MAX)
}

/// A duration in whole milliseconds, saturated.
fn duration_millis(duration: Duration) -> i64 {
    i64::try_from(duration.whole_milliseconds()).unwrap_or(i64::MAX)
}

/// Most pages one exchange reads (a scan of the sorted set, or the stream): with the default
/// page of 10,000, a billion entries. A server whose scan never ends fails the exchange.
const MAX_PAGES: u32 = 100_000;

/// What an instance does while its first load has not succeeded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum StartPolicy {
    /// Every check against the list is refused with [`Error::RevocationsUnavailable`] until the
    /// first full load succeeds: no token revoked elsewhere can pass. The default.
    #[default]
    FailClosed,
    /// Checks answer from what the list holds (nothing, at a cold start) until the first load:
    /// **stale**, tokens revoked elsewhere pass meanwhile; [`SyncStatus::loaded`] tells.
    ServeStaleDangerously,
}

/// Settings of a [`RedisSync`].
///
/// ```
/// let options = sealed_session::redis::SyncOptions::new("my-app");
/// assert_eq!(options.namespace, "my-app");
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct SyncOptions {
    /// Names this deployment's keys, so that several share one Redis.
    pub namespace: String,
    /// Before the first load succeeds: fail closed (the default) or serve stale.
    pub start: StartPolicy,
    /// [`RedisSync::catch_up`] talks to Redis at most once per this interval. Default 1 s.
    pub min_catch_up_interval: Duration,
    /// Connect, read and write timeout of each command. Default 1 s.
    pub timeout: Duration,
    /// The longest one exchange may take, a full load included: past it, the exchange fails
    /// as a fault (and holds the sync's lock no longer). Default 30 s.
    pub max_exchange: Duration,
    /// Longest wait between reconnection attempts after failures (backoff doubles from 100 ms
    /// up to it). Default 10 s.
    pub max_backoff: Duration,
    /// Entries per page of a full load, and most stream entries per catch-up. Default 10,000.
    pub page: usize,
    /// How many replicas must acknowledge a publication (`WAIT`) before it leaves this
    /// instance's care. Until they have, the revocations are kept and published again after
    /// every reconnection, so that a failover to a replica that lacked them loses nothing;
    /// [`RedisSync::flush`] answers [`Error::NotReplicated`]. Default 0: Redis's own
    /// acknowledgement is enough (what a single server, or one that persists with
    /// `appendfsync always`, gives).
    pub replicas: u32,
    /// The longest a publication waits for [`SyncOptions::replicas`] (inside one exchange,
    /// which holds the sync's lock meanwhile). Default 500 ms.
    pub replica_timeout: Duration,
    /// The CA certificates (PEM) that sign the server's certificate, for a `rediss://` URL;
    /// `None` trusts the system's roots. The certificate is always verified, for the URL's
    /// host. Certificates that do not parse, or given with another URL, are an
    /// [`Error::Config`]. Default `None`.
    pub tls_ca_pem: Option<Vec<u8>>,
    /// Whether the list (and the sealers attached to it) follow Redis's clock when this
    /// host's is off: at each load the sync reads Redis's `TIME`, and when the two differ by
    /// more than 100 ms plus half the exchange's round trip, sets the host's offset from it
    /// ([`RevocationList::set_clock_offset`]), so that every instance dates revocations,
    /// logins and expiries on one clock, whatever its own clock says. Default `true`: a host
    /// whose clock is off would otherwise let sessions begun there escape a "log out
    /// everywhere" made elsewhere (clock ahead), or miss sessions begun elsewhere in its own
    /// (clock behind). Closer than that, the host's clock is kept: hosts kept in sync by NTP
    /// agree to a few milliseconds, better than one reading of another clock over the network
    /// measures, and hosts that each followed their own noisy reading would disagree more.
    /// Offsets beyond an hour are not followed (logged as errors): repair that clock.
    pub follow_redis_clock: bool,
}

impl SyncOptions {
    /// The defaults, for `namespace`.
    ///
    /// ```
    /// let options = sealed_session::redis::SyncOptions::new("my-app");
    /// assert_eq!(options.page, 10_000);
    /// ```
    #[must_use]
    pub fn new(namespace: &str) -> SyncOptions {
        SyncOptions {
            namespace: namespace.to_owned(),
            start: StartPolicy::FailClosed,
            min_catch_up_interval: Duration::seconds(1),
            timeout: Duration::seconds(1),
            max_exchange: Duration::seconds(30),
            max_backoff: Duration::seconds(10),
            page: 10_000,
            replicas: 0,
            replica_timeout: Duration::milliseconds(500),
            tls_ca_pem: None,
            follow_redis_clock: true,
        }
    }
}

/// Every setting, the CA certificates as their length (a PEM file is long, and says nothing
/// at a glance).
impl std::fmt::Debug for SyncOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncOptions")
            .field("namespace", &self.namespace)
            .field("start", &self.start)
            .field("min_catch_up_interval", &self.min_catch_up_interval)
            .field("timeout", &self.timeout)
            .field("max_exchange", &self.max_exchange)
            .field("max_backoff", &self.max_backoff)
            .field("page", &self.page)
            .field("replicas", &self.replicas)
            .field("replica_timeout", &self.replica_timeout)
            .field(
                "tls_ca_pem",
                &self
                    .tls_ca_pem
                    .as_ref()
                    .map(|pem| format!("{} bytes of PEM", pem.len())),
            )
            .field("follow_redis_clock", &self.follow_redis_clock)
            .finish()
    }
}

/// What a [`RedisSync`] has done so far: for a health check, a metrics exporter, or the logs
/// (every change of state is also logged with `tracing`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SyncStatus {
    /// A full load has succeeded: the list holds every revocation published before it.
    pub loaded: bool,
    /// The last exchange with Redis succeeded.
    pub connected: bool,
    /// The id of the last stream entry applied (`None` before the first load).
    pub position: Option<String>,
    /// How long ago the list was last known to hold everything published: the last exchange
    /// that succeeded, or the follower's last wait that ended with nothing new. `None` before
    /// the first load. Growing past the follower's interval (or the catch-up interval) means
    /// revocations made elsewhere may not be arriving.
    pub lag: Option<Duration>,
    /// Revocations made here that wait to be published.
    pub pending: usize,
    /// Revocations in Redis that fewer than [`SyncOptions::replicas`] replicas have
    /// acknowledged: kept here, and published again after a reconnection.
    pub unacknowledged: usize,
    /// Why the last exchange failed, while it is the last one (`None` once one succeeds).
    pub last_error: Option<String>,
    /// Revocations applied from Redis (loads and the stream), duplicates included.
    pub applied: u64,
    /// Entries in Redis that did not parse, skipped.
    pub skipped: u64,
    /// Entries dated more than a minute after the local clock: applied at that bound, or not
    /// at all when more than an hour ahead (a clock far ahead elsewhere, or a time written into
    /// Redis by mistake or on purpose).
    pub future_dated: u64,
    /// Full loads (the first, and every reload after the stream was trimmed past us).
    pub loads: u64,
    /// The namespace's horizon as Redis holds it (the longest any instance declared), once
    /// loaded: what publications trim at.
    pub namespace_horizon: Option<Duration>,
    /// How far Redis's clock was ahead of this host's at the last load (negative: behind),
    /// which the list follows when [`SyncOptions::follow_redis_clock`] is on; `None` before
    /// the first load.
    pub clock_offset: Option<Duration>,
}

/// This host's clock in Unix microseconds (0 before 1970).
fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_micros()).unwrap_or(i64::MAX)
        })
}

/// How far this host's clock may be from Redis's (beyond half the round trip of the reading)
/// before the list follows Redis's: see [`SyncOptions::follow_redis_clock`].
const CLOCK_TOLERANCE: Duration = Duration::milliseconds(100);

/// Readings of Redis's `TIME` at each load, besides the one in the load's pipeline: the
/// shortest round trip gives the offset.
const CLOCK_READINGS: usize = 3;

/// How often the sync forgets the list's entries past its horizon
/// ([`RevocationList::prune`]): Redis trims the namespace at its horizon, and without this a
/// long-running instance would keep every revocation it ever applied. Pruning a million
/// entries takes about 7 ms (release build, half of them past the horizon) and blocks no
/// reader; it runs outside the sync's lock.
const PRUNE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Binds a [`RevocationList`] to Redis: loads it, publishes its revocations, applies others'.
///
/// ```no_run
/// use std::sync::Arc;
/// use sealed_session::{Key, RevocationList, Sealer};
/// use sealed_session::redis::{RedisSync, SyncOptions};
/// use time::Duration;
///
/// let secret = Key::from_base64(&std::env::var("REVOCATION_KEY")?)?;
/// let list = Arc::new(RevocationList::new_shared(Duration::days(8), &secret));
/// let sync = Arc::new(RedisSync::connect(list.clone(), "redis://127.0.0.1/", SyncOptions::new("shop"))?);
/// let _follower = sync.follow(Duration::milliseconds(100)); // long-running server
/// let sealer = Sealer::builder(Key::generate(), "session").with_revocations(list.clone()).build()?;
/// list.revoke_user("alice"); // published to every instance
/// // A serverless handler instead calls, at the start of each request:
/// let _ = sync.catch_up();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RedisSync {
    list: Arc<RevocationList>,
    target: Target,
    live_key: String,
    log_key: String,
    horizon_key: String,
    options: SyncOptions,
    state: Mutex<State>,
    reader: Reader,
    loads: AtomicU64,
}

struct State {
    connection: Option<Link>,
    /// The last stream entry applied; `None` until the first load.
    position: Option<Position>,
    last_exchange: Option<Instant>,
    connected: bool,
    failures: u32,
    next_attempt: Option<Instant>,
    /// The namespace's horizon (ms), read at each load.
    namespace_horizon: Option<i64>,
    /// Redis's clock (Unix ms) at the last load, and when it was read here.
    redis_clock: Option<(i64, Instant)>,
    /// Redis's clock minus this host's at the last load, in milliseconds.
    clock_offset: Option<i64>,
    /// Published on the current connection, not yet acknowledged by the required replicas:
    /// published again after a reconnection (the server may be another one after a failover).
    unacknowledged: Vec<Revocation>,
    /// The last publication was acknowledged as configured (for logging its changes).
    replicated: bool,
    /// Why the last exchange failed, until one succeeds.
    last_error: Option<String>,
    /// When the list was last known to hold everything published.
    current_at: Option<Instant>,
    /// When the list was last pruned by an exchange.
    pruned_at: Option<Instant>,
}

impl RedisSync {
    /// Binds `list` to the Redis at `url` and tries a first load at once. An unreachable Redis
    /// is not an error here: the sync keeps trying (with every [`RedisSync::catch_up`] and
    /// from a follower), and until it succeeds the list follows [`SyncOptions::start`].
    ///
    /// Every revocation made on `list` from now on (by [`RevocationList::revoke_user`] and the
    /// others, whoever calls them) is published.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a URL the `redis` crate cannot read.
    ///
    /// ```no_run
    /// # use std::sync::Arc;
    /// # use sealed_session::{Key, RevocationList, redis::{RedisSync, SyncOptions}};
    /// let list = Arc::new(RevocationList::new_shared(time::Duration::days(8), &Key::generate()));
    /// let sync = RedisSync::connect(list, "redis://127.0.0.1:6379/", SyncOptions::new("app"))?;
    /// assert!(sync.status().loaded);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn connect(
        list: Arc<RevocationList>,
        url: &str,
        options: SyncOptions,
    ) -> Result<RedisSync, Error> {
        let client = super::client::client(url, options.tls_ca_pem.as_deref())?;
        Ok(RedisSync::bind(list, Target::Server(client), options))
    }

    /// Binds `list` to a Redis Cluster, given the URLs of some of its nodes (the client learns
    /// the rest, and follows `MOVED` and `ASK`), and tries a first load at once. The
    /// namespace's keys live in one slot; every exchange goes to its primary, and
    /// [`SyncOptions::replicas`] counts that primary's replicas. Otherwise as
    /// [`RedisSync::connect`].
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for no URL, or one the `redis` crate cannot read.
    ///
    /// ```no_run
    /// # use std::sync::Arc;
    /// # use sealed_session::{Key, RevocationList, redis::{RedisSync, SyncOptions}};
    /// let list = Arc::new(RevocationList::new_shared(time::Duration::days(8), &Key::generate()));
    /// let nodes = ["redis://10.0.0.1:6379/", "redis://10.0.0.2:6379/", "redis://10.0.0.3:6379/"];
    /// let sync = RedisSync::connect_cluster(list, &nodes, SyncOptions::new("app"))?;
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn connect_cluster(
        list: Arc<RevocationList>,
        nodes: &[&str],
        options: SyncOptions,
    ) -> Result<RedisSync, Error> {
        if nodes.is_empty() {
            return Err(Error::Config(
                "a Redis Cluster needs the URL of at least one node",
            ));
        }
        let client = super::client::cluster_client(nodes, options.tls_ca_pem.as_deref())?;
        Ok(RedisSync::bind(list, Target::Cluster(client), options))
    }

    fn bind(list: Arc<RevocationList>, target: Target, options: SyncOptions) -> RedisSync {
        list.start_outbox();
        if options.start == StartPolicy::FailClosed {
            list.set_ready(false);
        }
        let tag = &options.namespace;
        let sync = RedisSync {
            live_key: format!("sealed-session:{{{tag}}}:live"),
            log_key: format!("sealed-session:{{{tag}}}:log"),
            horizon_key: horizon_key(tag),
            reader: Reader::new(Arc::clone(&list)),
            list,
            target,
            options,
            state: Mutex::new(State {
                connection: None,
                position: None,
                last_exchange: None,
                connected: false,
                failures: 0,
                next_attempt: None,
                namespace_horizon: None,
                redis_clock: None,
                clock_offset: None,
                unacknowledged: Vec::new(),
                replicated: true,
                last_error: None,
                current_at: None,
                pruned_at: None,
            }),
            loads: AtomicU64::new(0),
        };
        let _ = sync.sync_now();
        sync
    }

    /// Brings the list up to date, at most once per [`SyncOptions::min_catch_up_interval`]:
    /// for serverless handlers, at the start of a request. One pipelined round trip when
    /// connected and current (publish what waits, read the stream from the last id); a full
    /// load when needed.
    ///
    /// # Errors
    ///
    /// [`Error::SyncUnavailable`] when Redis cannot be reached (the list keeps what it knows;
    /// revocations made here wait, and are published by a later call).
    pub fn catch_up(&self) -> Result<(), Error> {
        {
            let state = self.state();
            if state
                .last_exchange
                .is_some_and(|at| at.elapsed() < self.options.min_catch_up_interval)
            {
                return Ok(());
            }
        }
        self.sync_now()
    }

    /// [`RedisSync::catch_up`] now, whatever the interval.
    ///
    /// # Errors
    ///
    /// As [`RedisSync::catch_up`].
    pub fn sync_now(&self) -> Result<(), Error> {
        self.attempt(Backoff::Respect).map(|_replicated| ())
    }

    /// Publishes every revocation made on the list so far and returns once Redis has them
    /// (and [`SyncOptions::replicas`] of its replicas, when set): what a "log out everywhere"
    /// handler calls before it tells the user "done". Applies what others published too.
    /// Tries at once, even while the sync waits out a backoff after failures.
    ///
    /// # Errors
    ///
    /// [`Error::SyncUnavailable`] when Redis cannot be reached, [`Error::NotReplicated`] when
    /// fewer replicas than required acknowledged in [`SyncOptions::replica_timeout`]. Either
    /// way the revocations are in force on this instance and stay queued: they are published
    /// (again) by the next exchange, and reach the others then.
    ///
    /// ```no_run
    /// # use std::sync::Arc;
    /// # use sealed_session::{Key, RevocationList, redis::{RedisSync, SyncOptions}};
    /// # let list = Arc::new(RevocationList::new_shared(time::Duration::days(8), &Key::generate()));
    /// let mut options = SyncOptions::new("app");
    /// options.replicas = 1; // survive a failover to the replica
    /// let sync = RedisSync::connect(Arc::clone(&list), "redis://127.0.0.1/", options)?;
    /// list.revoke_user("alice");
    /// match sync.flush() {
    ///     Ok(()) => println!("alice is logged out everywhere"),
    ///     Err(error) => println!("alice is logged out here; everywhere once Redis is back ({error})"),
    /// }
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn flush(&self) -> Result<(), Error> {
        match self.attempt(Backoff::Ignore)? {
            true => Ok(()),
            false => Err(Error::NotReplicated),
        }
    }

    /// Revokes every session of `subject` ([`RevocationList::revoke_user`]) and
    /// [`RedisSync::flush`]es: returns once the revocation is as durable as configured.
    ///
    /// # Errors
    ///
    /// As [`RedisSync::flush`]; the revocation is in force here either way.
    ///
    /// ```no_run
    /// # use std::sync::Arc;
    /// # use sealed_session::{Key, RevocationList, redis::{RedisSync, SyncOptions}};
    /// # let list = Arc::new(RevocationList::new_shared(time::Duration::days(8), &Key::generate()));
    /// let sync = RedisSync::connect(list, "redis://127.0.0.1/", SyncOptions::new("app"))?;
    /// let revoked_at = sync.revoke_user_durably("alice")?;
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn revoke_user_durably(&self, subject: &str) -> Result<OffsetDateTime, Error> {
        let at = self.list.revoke_user(subject);
        self.flush().map(|()| at)
    }

    /// Revokes one session ([`RevocationList::revoke_session`]) and [`RedisSync::flush`]es.
    ///
    /// # Errors
    ///
    /// As [`RedisSync::flush`]; the revocation is in force here either way.
    ///
    /// ```no_run
    /// # use std::sync::Arc;
    /// # use sealed_session::{Key, RevocationList, Sealer, redis::{RedisSync, SyncOptions}};
    /// # let list = Arc::new(RevocationList::new_shared(time::Duration::days(8), &Key::generate()));
    /// let sync = RedisSync::connect(Arc::clone(&list), "redis://127.0.0.1/", SyncOptions::new("app"))?;
    /// let sealer = Sealer::builder(Key::generate(), "session").with_revocations(list).build()?;
    /// let session = sealer.open::<()>(&sealer.seal("alice", &())?)?;
    /// sync.revoke_session_durably(&session)?;
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn revoke_session_durably<T>(&self, session: &Session<T>) -> Result<(), Error> {
        self.list.revoke_session(session);
        self.flush()
    }

    /// One exchange, unless a backoff is respected and not over; records the outcome. `Ok`
    /// says whether every publication so far is acknowledged as configured.
    fn attempt(&self, backoff: Backoff) -> Result<bool, Error> {
        let (outcome, prune_due) = {
            let mut state = self.state();
            if backoff == Backoff::Respect
                && state.next_attempt.is_some_and(|at| Instant::now() < at)
            {
                return Err(Error::SyncUnavailable);
            }
            state.last_exchange = Some(Instant::now());
            let result = self.exchange(&mut state);
            // Whether or not Redis answered: what is past the horizon is past it either way.
            let prune_due = state.pruned_at.is_none_or(|at| at.elapsed() >= PRUNE_EVERY);
            if prune_due {
                state.pruned_at = Some(Instant::now());
            }
            (self.record(&mut state, result), prune_due)
        };
        // Outside the sync's lock, so that `status` and the other callers never wait on it.
        if prune_due {
            self.list.prune();
        }
        outcome
    }

    /// Records the outcome of an exchange in `state`, logging each change of state once.
    fn record(&self, state: &mut State, result: Result<bool, Fault>) -> Result<bool, Error> {
        match result {
            Ok(replicated) => {
                if !state.connected {
                    tracing::info!(
                        namespace = %self.options.namespace,
                        position = state.position.as_ref().map(|p| p.id.as_str()),
                        "revocation sync connected"
                    );
                }
                if replicated != state.replicated {
                    if replicated {
                        tracing::info!(namespace = %self.options.namespace, "replicas acknowledge revocations again");
                    } else {
                        tracing::warn!(
                            namespace = %self.options.namespace,
                            replicas = self.options.replicas,
                            unacknowledged = state.unacknowledged.len(),
                            "revocations not acknowledged by the required replicas; kept to publish again"
                        );
                    }
                }
                state.replicated = replicated;
                state.connected = true;
                state.failures = 0;
                state.next_attempt = None;
                state.last_error = None;
                state.current_at = Some(Instant::now());
                Ok(replicated)
            }
            Err(error) => {
                let error = shortened(error.to_string());
                if state.connected || state.last_error.as_ref() != Some(&error) {
                    tracing::warn!(
                        namespace = %self.options.namespace,
                        %error,
                        "revocation sync failed; serving the last known list"
                    );
                } else {
                    tracing::debug!(%error, "revocation sync still failing");
                }
                state.last_error = Some(error);
                state.connection = None;
                state.connected = false;
                state.failures = state.failures.saturating_add(1);
                let backoff = std::time::Duration::from_millis(100)
                    .saturating_mul(1 << state.failures.min(16))
                    .min(to_std(self.options.max_backoff));
                state.next_attempt = Some(Instant::now() + backoff);
                Err(Error::SyncUnavailable)
            }
        }
    }

    /// Follows Redis from a background thread until the returned handle is dropped: for
    /// long-running servers. The thread waits on the stream on a connection of its own
    /// (`XREAD BLOCK`), so a revocation made elsewhere is applied here about two round trips
    /// after it is published, whatever `interval` is. `interval` bounds the wait: at least
    /// that often the thread publishes what was revoked here without a [`RedisSync::flush`],
    /// and retries after a failure (with backoff); dropping the handle returns within it.
    ///
    /// ```no_run
    /// # use std::sync::Arc;
    /// # use sealed_session::{Key, RevocationList, redis::{RedisSync, SyncOptions}};
    /// # let list = Arc::new(RevocationList::new_shared(time::Duration::days(8), &Key::generate()));
    /// let sync = Arc::new(RedisSync::connect(list, "redis://127.0.0.1/", SyncOptions::new("app"))?);
    /// let follower = sync.follow(time::Duration::milliseconds(100));
    /// // ... serve ...
    /// drop(follower); // stops the thread
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn follow(self: &Arc<Self>, interval: Duration) -> Follower {
        let stop = Arc::new(AtomicBool::new(false));
        let sync = Arc::clone(self);
        let stopping = Arc::clone(&stop);
        let interval = to_std(interval);
        let thread = std::thread::spawn(move || {
            let mut waiting = None;
            while !stopping.load(Ordering::Acquire) {
                let synced = sync.sync_now().is_ok();
                if stopping.load(Ordering::Acquire) {
                    break;
                }
                if !synced || sync.wait_for_news(&mut waiting, interval).is_err() {
                    waiting = None;
                    std::thread::park_timeout(interval);
                }
            }
        });
        Follower {
            stop,
            thread: Some(thread),
        }
    }

    /// What the sync has done so far.
    ///
    /// ```no_run
    /// # use std::sync::Arc;
    /// # use sealed_session::{Key, RevocationList, redis::{RedisSync, SyncOptions}};
    /// # let list = Arc::new(RevocationList::new_shared(time::Duration::days(8), &Key::generate()));
    /// let sync = RedisSync::connect(list, "redis://127.0.0.1/", SyncOptions::new("app"))?;
    /// if !sync.status().connected {
    ///     eprintln!("revocations from other instances are not arriving");
    /// }
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn status(&self) -> SyncStatus {
        let state = self.state();
        SyncStatus {
            loaded: state.position.is_some(),
            connected: state.connected,
            position: state.position.as_ref().map(|position| position.id.clone()),
            lag: state
                .current_at
                .map(|at| Duration::try_from(at.elapsed()).unwrap_or(Duration::MAX)),
            pending: self.list.outgoing_len(),
            unacknowledged: state.unacknowledged.len(),
            last_error: state.last_error.clone(),
            applied: self.reader.applied(),
            skipped: self.reader.skipped(),
            future_dated: self.reader.future_dated(),
            loads: self.loads.load(Ordering::Relaxed),
            namespace_horizon: state.namespace_horizon.map(Duration::milliseconds),
            clock_offset: state.clock_offset.map(Duration::milliseconds),
        }
    }

    /// The horizon stored for the namespace of `options` in the Redis at `url` (the longest any
    /// instance declared), or `None` if no instance has connected to it yet: for tools that
    /// publish to a namespace without being one of its instances, such as the CLI. Uses the
    /// options' timeout and CA.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a URL the `redis` crate cannot read (or CA certificates that do
    /// not parse), [`Error::SyncUnavailable`] when Redis cannot be reached or answers something
    /// else than a horizon.
    ///
    /// ```no_run
    /// use sealed_session::redis::{RedisSync, SyncOptions};
    /// let horizon = RedisSync::namespace_horizon("redis://127.0.0.1/", &SyncOptions::new("shop"))?;
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn namespace_horizon(url: &str, options: &SyncOptions) -> Result<Option<Duration>, Error> {
        let (namespace, timeout) = (&options.namespace, options.timeout);
        let client = super::client::client(url, options.tls_ca_pem.as_deref())?;
        let read = || -> Result<Option<i64>, Fault> {
            let mut connection = client.get_connection_with_timeout(to_std(timeout))?;
            connection.set_read_timeout(Some(to_std(timeout)))?;
            let score: Value = ::redis::cmd("ZSCORE")
                .arg(horizon_key(namespace))
                .arg("ms")
                .query(&mut connection)?;
            match score {
                Value::Nil => Ok(None),
                score => score_of(&score)
                    .filter(|&ms| ms >= 0)
                    .map(Some)
                    .ok_or(Fault::Protocol("a namespace horizon that is not a time")),
            }
        };
        read()
            .map(|ms| ms.map(Duration::milliseconds))
            .map_err(|error| {
                tracing::warn!(%error, "cannot read the namespace's horizon");
                Error::SyncUnavailable
            })
    }

    /// The list this sync keeps in step.
    ///
    /// ```no_run
    /// # use std::sync::Arc;
    /// # use sealed_session::{Key, RevocationList, redis::{RedisSync, SyncOptions}};
    /// # let list = Arc::new(RevocationList::new_shared(time::Duration::days(8), &Key::generate()));
    /// let sync = RedisSync::connect(list, "redis://127.0.0.1/", SyncOptions::new("app"))?;
    /// println!("{} live revocations", sync.list().len());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn list(&self) -> &Arc<RevocationList> {
        &self.list
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One exchange: connect if needed, load if never loaded, publish, follow the stream; all
    /// within [`SyncOptions::max_exchange`]. Says whether every publication so far is
    /// acknowledged as configured.
    fn exchange(&self, state: &mut State) -> Result<bool, Fault> {
        let deadline = Deadline(Instant::now() + to_std(self.options.max_exchange));
        if state.connection.is_none() {
            let timeout = to_std(self.options.timeout);
            state.connection = Some(self.target.connect(timeout)?);
            // A new connection may reach another server (a failover, a re-pointed URL): what
            // the old one took but its replicas did not acknowledge is published again.
            if !state.unacknowledged.is_empty() {
                self.list
                    .return_outgoing(std::mem::take(&mut state.unacknowledged));
            }
        }
        if state.position.is_none() {
            self.load(state, deadline)?;
            self.list.set_ready(true);
        }
        let cutoff = self.trim_cutoff(state)?;
        let replicated = self.publish(state, cutoff)?;
        let Some(connection) = state.connection.as_mut() else {
            return Err(Fault::Protocol("no connection"));
        };
        let position = state.position.clone().unwrap_or(Position {
            id: "0-0".to_owned(),
            added: None,
        });
        match self.follow_stream(connection, position, deadline)? {
            Some(newest) => state.position = Some(newest),
            None => {
                // Trimmed past our position, or not the stream we followed (a failover lost
                // its tail): what we may have missed is in the sorted set.
                tracing::info!(namespace = %self.options.namespace, "the stream no longer holds our position: reloading");
                self.load(state, deadline)?;
            }
        }
        Ok(replicated)
    }

    /// Waits on the follower's own connection (`XREAD BLOCK`) until the stream has an entry
    /// after the position, or `wait` passes (then the list is current as of now).
    fn wait_for_news(
        &self,
        waiting: &mut Option<Link>,
        wait: std::time::Duration,
    ) -> Result<(), Fault> {
        let Some(position) = self.state().position.as_ref().map(|at| at.id.clone()) else {
            return Err(Fault::Protocol("not loaded"));
        };
        let timeout = to_std(self.options.timeout);
        let connection = match waiting {
            Some(connection) => connection,
            None => {
                let connection = self.target.connect(timeout)?;
                connection.set_timeouts(wait.saturating_add(timeout), timeout)?;
                waiting.insert(connection)
            }
        };
        let block_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1);
        let news: Value = ::redis::cmd("XREAD")
            .arg("COUNT")
            .arg(1)
            .arg("BLOCK")
            .arg(block_ms)
            .arg("STREAMS")
            .arg(&self.log_key)
            .arg(&position)
            .query(connection)?;
        if news == Value::Nil {
            let mut state = self.state();
            if state.connected && state.position.as_ref().is_some_and(|at| at.id == position) {
                state.current_at = Some(Instant::now());
            }
        }
        Ok(())
    }

    /// Below this time (Unix ms) publications trim: see the module's "The namespace's horizon".
    fn trim_cutoff(&self, state: &State) -> Result<i64, Fault> {
        let horizon = state
            .namespace_horizon
            .ok_or(Fault::Protocol("the namespace's horizon is not loaded"))?;
        let redis_now = state.redis_clock.map(|(at, read)| {
            let elapsed = i64::try_from(read.elapsed().as_millis()).unwrap_or(i64::MAX);
            at.saturating_add(elapsed)
        });
        Ok(trim_cutoff(now_millis(), redis_now, horizon))
    }

    /// A full load: the namespace's horizon (raised to ours) and Redis's clock, the stream's
    /// last id, then every live member of the sorted set, in pages. Sets the position to
    /// follow the stream from.
    fn load(&self, state: &mut State, deadline: Deadline) -> Result<(), Fault> {
        let Some(connection) = state.connection.as_mut() else {
            return Err(Fault::Protocol("no connection"));
        };
        let ours = duration_millis(self.list.horizon());
        let sent_ms = now_millis();
        let sent_at = Instant::now();
        let (stored, clock): (Value, Value) = ::redis::pipe()
            .atomic()
            .cmd("ZADD")
            .arg(&self.horizon_key)
            .arg("GT")
            .arg(ours)
            .arg("ms")
            .ignore()
            .cmd("ZSCORE")
            .arg(&self.horizon_key)
            .arg("ms")
            .cmd("TIME")
            .query(connection)?;
        let read_at = Instant::now();
        // The host's clock at the middle of the exchange, to compare with Redis's.
        let local_mid = sent_ms.saturating_add(now_millis()) / 2;
        // A reply that is not a horizon (or is shorter than ours, which ZADD GT rules out)
        // counts as ours: never trim with less than this list needs.
        let stored = score_of(&stored).unwrap_or(ours).max(ours);
        if stored != ours {
            tracing::info!(
                namespace = %self.options.namespace,
                ours_ms = ours,
                namespace_ms = stored,
                "the namespace's horizon is longer than this list's: trimming uses the namespace's"
            );
        }
        let redis_now = redis_time(&clock).ok_or(Fault::Protocol("TIME that is not a time"))?;
        // Redis's clock against this host's: of a few readings, the one with the shortest
        // round trip (the pipeline above waits for the writes too).
        let mut best = (
            redis_now.saturating_sub(local_mid),
            read_at.saturating_duration_since(sent_at),
        );
        for _ in 0..CLOCK_READINGS {
            let (before_us, before) = (now_micros(), Instant::now());
            let clock: Value = ::redis::cmd("TIME").query(connection)?;
            let (after_us, round_trip) = (now_micros(), before.elapsed());
            let redis_now =
                redis_time_micros(&clock).ok_or(Fault::Protocol("TIME that is not a time"))?;
            if round_trip < best.1 {
                // In microseconds, rounded to the nearest millisecond.
                let offset = redis_now.saturating_sub(before_us.saturating_add(after_us) / 2);
                best = (offset.saturating_add(500).div_euclid(1000), round_trip);
            }
        }
        state.clock_offset = Some(best.0);
        self.follow_redis_clock(best.0, best.1);

        // The stream must exist for XINFO: an empty one, with a group nobody reads.
        let created: ::redis::RedisResult<Value> = ::redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(&self.log_key)
            .arg("sealed-session")
            .arg("$")
            .arg("MKSTREAM")
            .query(connection);
        if let Err(error) = created
            && error.code() != Some("BUSYGROUP")
        {
            return Err(error.into());
        }
        let info: Value = ::redis::cmd("XINFO")
            .arg("STREAM")
            .arg(&self.log_key)
            .query(connection)?;
        let position = position_of(&info)?;
        let oldest_live = now_millis().saturating_sub(duration_millis(self.list.horizon()));
        let mut cursor = "0".to_owned();
        for _ in 0..MAX_PAGES {
            deadline.check()?;
            let page: Value = ::redis::cmd("ZSCAN")
                .arg(&self.live_key)
                .arg(&cursor)
                .arg("COUNT")
                .arg(self.options.page)
                .query(connection)?;
            cursor = self.reader.scan_page(page, oldest_live)?;
            if cursor == "0" {
                self.loads.fetch_add(1, Ordering::Relaxed);
                state.position = Some(position);
                state.namespace_horizon = Some(stored);
                state.redis_clock = Some((redis_now, read_at));
                return Ok(());
            }
        }
        Err(Fault::Protocol("a ZSCAN that does not end"))
    }

    /// Follows Redis's clock, if the options say so: `offset` is Redis's time minus this
    /// host's, in milliseconds, read in an exchange that took `round_trip` (see
    /// [`SyncOptions::follow_redis_clock`]). Within [`CLOCK_TOLERANCE`] plus half the round
    /// trip, the host's clock is kept (the offset is reset to zero).
    fn follow_redis_clock(&self, offset: i64, round_trip: std::time::Duration) {
        if !self.options.follow_redis_clock {
            return;
        }
        let noise = CLOCK_TOLERANCE + Duration::try_from(round_trip / 2).unwrap_or(Duration::MAX);
        let offset = Duration::milliseconds(offset);
        let offset = if offset.abs() > noise {
            offset
        } else {
            Duration::ZERO
        };
        let previous = self.list.clock_offset();
        match self.list.set_clock_offset(offset) {
            Ok(()) if offset.abs() >= Duration::SECOND && offset != previous => {
                tracing::warn!(
                    offset_ms = offset.whole_milliseconds(),
                    "this host's clock is a second or more off Redis's: dating on Redis's"
                );
            }
            Ok(()) => {}
            Err(_) => tracing::error!(
                offset_ms = offset.whole_milliseconds(),
                "this host's clock is more than an hour off Redis's: not followed; repair the clock"
            ),
        }
    }

    /// Publishes what waits, a `MULTI` per page: each into the sorted set (latest time kept)
    /// and the stream (trimmed at `cutoff`), then the sorted set trimmed. What could not be
    /// sent waits for the next exchange, in order. Then, when replicas are required, waits for
    /// them (`WAIT`, which covers every earlier write of this connection): says whether they
    /// acknowledged everything published on it.
    fn publish(&self, state: &mut State, cutoff: i64) -> Result<bool, Fault> {
        let State {
            connection,
            unacknowledged,
            ..
        } = state;
        let Some(connection) = connection.as_mut() else {
            return Err(Fault::Protocol("no connection"));
        };
        let mut outgoing = self.list.take_outgoing();
        while !outgoing.is_empty() {
            let rest = outgoing.split_off(outgoing.len().min(self.options.page.max(1)));
            if let Err(error) = self.publish_page(connection, &outgoing, cutoff) {
                outgoing.extend(rest);
                self.list.return_outgoing(outgoing);
                return Err(error);
            }
            unacknowledged.append(&mut outgoing);
            outgoing = rest;
        }
        if self.options.replicas == 0 {
            unacknowledged.clear();
            return Ok(true);
        }
        // Past the horizon a revocation rejects nothing: never worth keeping for a replica
        // (with more replicas required than there are, the list would otherwise only grow).
        let oldest_live = now_millis().saturating_sub(duration_millis(self.list.horizon()));
        unacknowledged.retain(|revocation| revocation.at_millis() >= oldest_live);
        if unacknowledged.is_empty() {
            return Ok(true);
        }
        let wait = to_std(self.options.replica_timeout);
        let timeout = to_std(self.options.timeout);
        connection.set_timeouts(wait.saturating_add(timeout), timeout)?;
        let acknowledged = connection.wait(
            &self.live_key,
            self.options.replicas,
            u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1),
        )?;
        connection.set_timeouts(timeout, timeout)?;
        if acknowledged >= i64::from(self.options.replicas) {
            unacknowledged.clear();
            return Ok(true);
        }
        Ok(false)
    }

    fn publish_page(
        &self,
        connection: &mut Link,
        page: &[Revocation],
        cutoff: i64,
    ) -> Result<(), Fault> {
        let mut pipe = ::redis::pipe();
        pipe.atomic();
        for revocation in page {
            let member = revocation.label();
            pipe.cmd("ZADD")
                .arg(&self.live_key)
                .arg("GT")
                .arg(revocation.at_millis())
                .arg(&member)
                .ignore();
            pipe.cmd("XADD")
                .arg(&self.log_key)
                .arg("MINID")
                .arg("~")
                .arg(cutoff)
                .arg("*")
                .arg("m")
                .arg(&member)
                .arg("t")
                .arg(revocation.at_millis())
                .ignore();
        }
        pipe.cmd("ZREMRANGEBYSCORE")
            .arg(&self.live_key)
            .arg("-inf")
            .arg(format!("({cutoff}"))
            .ignore();
        pipe.query::<()>(connection)?;
        Ok(())
    }

    /// Applies the stream after `position`, one atomic pipelined round trip per page (the
    /// stream's info and the entries). Returns the new position, or `None` if entries after
    /// `position` were trimmed before they were read.
    fn follow_stream(
        &self,
        connection: &mut Link,
        mut position: Position,
        deadline: Deadline,
    ) -> Result<Option<Position>, Fault> {
        for _ in 0..MAX_PAGES {
            deadline.check()?;
            let (info, entries): (Value, Value) = ::redis::pipe()
                .atomic()
                .cmd("XINFO")
                .arg("STREAM")
                .arg(&self.log_key)
                .cmd("XRANGE")
                .arg(&self.log_key)
                .arg(format!("({}", position.id))
                .arg("+")
                .arg("COUNT")
                .arg(self.options.page)
                .query(connection)?;
            match self.reader.stream_page(
                &mut position,
                &info,
                entries,
                self.options.page as u64,
            )? {
                Step::More => {}
                Step::Done => return Ok(Some(position)),
                Step::Reload => return Ok(None),
            }
        }
        Err(Fault::Protocol("a stream that does not end"))
    }
}

/// The key of a namespace's horizon.
fn horizon_key(namespace: &str) -> String {
    format!("sealed-session:{{{namespace}}}:horizon")
}

/// Below this time (Unix ms) a publication trims: one namespace horizon before the earlier of
/// the publisher's clock and Redis's, less [`MAX_AHEAD_MILLIS`] for clocks that differ by a
/// little. A publisher whose clock runs ahead trims no earlier than Redis's clock allows; one
/// whose clock runs behind trims later, which only keeps entries longer.
fn trim_cutoff(local_now: i64, redis_now: Option<i64>, namespace_horizon: i64) -> i64 {
    local_now
        .min(redis_now.unwrap_or(local_now))
        .saturating_sub(namespace_horizon)
        .saturating_sub(MAX_AHEAD_MILLIS)
}

/// Most characters of an error kept for the status and the log: a transaction refused during a
/// slot migration names every command of it.
const MAX_ERROR_CHARS: usize = 300;

/// `error`, cut to [`MAX_ERROR_CHARS`] (on a character boundary) with an ellipsis.
fn shortened(mut error: String) -> String {
    if let Some((cut, _)) = error.char_indices().nth(MAX_ERROR_CHARS) {
        error.truncate(cut);
        error.push('…');
    }
    error
}

/// Whether an attempt waits out the backoff after failures.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Backoff {
    /// The follower and `catch_up`: never hammer a Redis that is down.
    Respect,
    /// A durable revocation: the caller waits for the answer, so try now.
    Ignore,
}

/// When an exchange must have ended.
#[derive(Clone, Copy)]
struct Deadline(Instant);

impl Deadline {
    fn check(self) -> Result<(), Fault> {
        if Instant::now() > self.0 {
            return Err(Fault::Protocol(
                "the exchange took longer than max_exchange",
            ));
        }
        Ok(())
    }
}

/// A non-negative `time::Duration` as the standard library's (negative counts as zero).
fn to_std(duration: Duration) -> std::time::Duration {
    std::time::Duration::try_from(duration).unwrap_or(std::time::Duration::ZERO)
}

impl std::fmt::Debug for RedisSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSync")
            .field("live_key", &self.live_key)
            .field("log_key", &self.log_key)
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

/// The background thread of [`RedisSync::follow`]; dropping it stops the thread.
#[derive(Debug)]
pub struct Follower {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression for mixed clocks: a publisher whose clock runs ahead of Redis's trimmed what
    /// the fleet still needed. The cutoff follows the earlier clock, a minute less.
    #[test]
    fn options_show_the_ca_by_its_length() {
        let mut options = SyncOptions::new("shop");
        options.tls_ca_pem = Some(b"-----BEGIN CERTIFICATE-----".to_vec());
        let shown = format!("{options:?}");
        assert!(shown.contains("namespace: \"shop\""), "{shown}");
        assert!(
            shown.contains("tls_ca_pem: Some(\"27 bytes of PEM\")"),
            "{shown}"
        );
        assert!(!shown.contains("BEGIN"), "{shown}");
    }

    #[test]
    fn long_errors_are_shortened_on_a_character_boundary() {
        assert_eq!(shortened("short".to_owned()), "short");
        let long = "é".repeat(MAX_ERROR_CHARS + 5);
        let short = shortened(long);
        assert_eq!(short.chars().count(), MAX_ERROR_CHARS + 1);
        assert!(short.ends_with("é…"));
        let exact = "x".repeat(MAX_ERROR_CHARS);
        assert_eq!(shortened(exact.clone()), exact);
    }

    #[test]
    fn a_publisher_whose_clock_runs_ahead_trims_no_earlier_than_redis_allows() {
        let day = 86_400_000;
        let redis_now = 2_000_000_000_000;
        let ahead = redis_now + 3_600_000;
        let expected = redis_now - 31 * day - MAX_AHEAD_MILLIS;
        assert_eq!(trim_cutoff(ahead, Some(redis_now), 31 * day), expected);
        // A publisher behind Redis trims later still: only keeps entries longer.
        let behind = redis_now - 5_000;
        assert_eq!(
            trim_cutoff(behind, Some(redis_now), 31 * day),
            behind - 31 * day - MAX_AHEAD_MILLIS
        );
        // Unknown Redis clock: the local one.
        assert_eq!(
            trim_cutoff(redis_now, None, day),
            redis_now - day - MAX_AHEAD_MILLIS
        );
        assert_eq!(trim_cutoff(i64::MIN, None, i64::MAX), i64::MIN);
    }
}
