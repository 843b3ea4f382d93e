//! The revocation list: "log out everywhere", "log out this device", and nothing else kept.
//!
//! Revocation follows the *session*, not the token: every token carries its session's id and
//! its `auth_at`, the time of the login that started the session, and [`crate::Sealer::reseal`]
//! keeps both. So one entry reaches every token a session ever had, including one resealed by a
//! request that was already under way when the revocation was made.
//!
//! What is stored, why pruning and folding never let a revoked token back in, and why checks
//! never block each other: `docs/DESIGN.md`, "The revocation list".
//!
//! The parts: `store.rs` (the sharded maps and the keyed hash), `snapshot.rs` (the binary
//! snapshot and its format), `replica.rs` (the replication seam a sync uses).

mod replica;
mod snapshot;
mod store;

pub use replica::{Applied, Revocation};
use store::{Entry, KeyedHash, Shard, hash_bytes};

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use rand::{Rng as _, TryRng as _};
use siphasher::sip128::SipHasher13;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};
use zeroize::Zeroize as _;

use crate::Error;
use crate::session::{
    Session, SessionId, duration_millis, from_unix_millis, now_millis, unix_millis,
};

/// Number of shards: a power of two, so that a shard is chosen by the top bits of a hash.
const SHARD_BITS: u32 = 6;
const SHARDS: usize = 1 << SHARD_BITS;

/// Length of the SipHash key.
const HASH_KEY_LEN: usize = 16;

/// [`RevocationList::MAX_AHEAD`] in milliseconds.
const MAX_AHEAD_MILLIS: i64 = 60_000;

/// "No watermark": no session a sealer can start has an `auth_at` this small.
const NO_WATERMARK: i64 = i64::MIN;

/// Revoked users ("log out everywhere", or changed permissions) and revoked sessions ("log out
/// this device"), checked by every [`crate::Sealer`] it is attached to.
///
/// A sealed token cannot be taken back from the client, so the server remembers what it took
/// back, for as long as the tokens can live (the *horizon*), and no longer: the list stays
/// small, in memory, with no lookup over the network on `open`.
///
/// - [`revoke_user`](RevocationList::revoke_user) rejects every token of every session of a
///   user that began until now, on every device. New logins begin after it and open normally.
/// - [`revoke_session`](RevocationList::revoke_session) rejects one token.
/// - [`prune`](RevocationList::prune) forgets what can no longer matter; call it now and then
///   (for example every few minutes, or before [`snapshot`](RevocationList::snapshot)). A list
///   kept in step through Redis is pruned by its sync, once a minute.
/// - [`snapshot`](RevocationList::snapshot) / [`restore`](RevocationList::restore) carry the
///   list over restarts and cold starts; several instances stay in step by replaying each
///   other's revocations with [`revoke_user_at`](RevocationList::revoke_user_at).
///
/// It is `Send + Sync` and every method takes `&self`: share it in an [`std::sync::Arc`]. Checks
/// never block each other; a revocation is visible to the next check on any thread.
///
/// ```
/// use std::sync::Arc;
/// use sealed_session::{Error, Key, RevocationList, Sealer};
/// use time::Duration;
///
/// let revocations = Arc::new(RevocationList::new(Duration::days(8)));
/// let sealer = Sealer::builder(Key::generate(), "session").with_revocations(revocations.clone()).build()?;
///
/// let phone = sealer.seal("alice", &())?;
/// let laptop = sealer.seal("alice", &())?;
/// revocations.revoke_user("alice"); // log out everywhere
/// assert_eq!(sealer.open::<()>(&phone).unwrap_err(), Error::Revoked);
/// assert_eq!(sealer.open::<()>(&laptop).unwrap_err(), Error::Revoked);
///
/// // Logging in again, even within the same millisecond, works.
/// let again = sealer.seal("alice", &())?;
/// assert!(sealer.open::<()>(&again).is_ok());
/// # Ok::<(), sealed_session::Error>(())
/// ```
pub struct RevocationList {
    horizon: Duration,
    max_entries: Option<usize>,
    /// SipHash key for subjects and session ids; wiped on drop.
    key: [u8; HASH_KEY_LEN],
    shards: Box<[Shard; SHARDS]>,
    /// Every session that began at or before this is revoked; [`NO_WATERMARK`] when unset.
    watermark: AtomicI64,
    /// Number of user entries, over all shards.
    users: AtomicUsize,
    /// Number of session entries, over all shards.
    sessions: AtomicUsize,
    /// Serializes writers (revoke, prune, fold, snapshot); readers never take it.
    writer: Mutex<()>,
    /// Whether checks may answer: false while a shared list has not loaded yet (fail closed).
    ready: AtomicBool,
    /// Revocations made here and not yet published, once a sync collects them.
    outbox: Mutex<Option<Vec<Revocation>>>,
    /// The fleet's clock minus this host's, in milliseconds: see
    /// [`RevocationList::set_clock_offset`].
    clock_offset_ms: AtomicI64,
}

impl RevocationList {
    /// An empty list that remembers each revocation for `horizon`.
    ///
    /// The horizon is the longest a session checked against this list can stay alive: it must
    /// be at least the maximum lifetime plus the leeway of every [`crate::Sealer`] the list is
    /// attached to (`seal` and `open` fail with [`Error::Config`] otherwise, because the list
    /// could forget a revocation while a token it rejects still opens). A longer horizon is safe
    /// and only keeps entries longer. A negative horizon counts as zero.
    ///
    /// The list draws a random hash key from the operating system here; building one takes
    /// microseconds and allocates nothing per entry until something is revoked.
    ///
    /// ```
    /// use sealed_session::RevocationList;
    /// use time::Duration;
    ///
    /// // Sealers with the default 7-day maximum lifetime and 60 s leeway: 8 days cover them.
    /// let list = RevocationList::new(Duration::days(8));
    /// assert!(list.is_empty());
    /// ```
    #[must_use]
    pub fn new(horizon: Duration) -> RevocationList {
        let mut key = [0u8; HASH_KEY_LEN];
        // From the OS, so that lists built in forked children differ too; the thread generator
        // (itself seeded by the OS) only if the OS cannot answer.
        if rand::rngs::SysRng.try_fill_bytes(&mut key).is_err() {
            rand::rng().fill_bytes(&mut key);
        }
        RevocationList::with_key(horizon.max(Duration::ZERO), key)
    }

    fn with_key(horizon: Duration, key: [u8; HASH_KEY_LEN]) -> RevocationList {
        RevocationList {
            horizon,
            max_entries: None,
            key,
            shards: Box::new(std::array::from_fn(|_| Shard::default())),
            watermark: AtomicI64::new(NO_WATERMARK),
            users: AtomicUsize::new(0),
            sessions: AtomicUsize::new(0),
            writer: Mutex::new(()),
            ready: AtomicBool::new(true),
            outbox: Mutex::new(None),
            clock_offset_ms: AtomicI64::new(0),
        }
    }

    /// An empty list whose hash key is derived from `secret` (HKDF-SHA256, `info` = `sealed-session
    /// v1 revocation hash key`), not drawn at random: lists built alike on every instance hash
    /// subjects and session ids alike, so that they can exchange revocations (see
    /// `redis::RedisSync`) without sending a subject or a session id anywhere.
    ///
    /// Use a key of its own, not a sealing key, and keep it as secret as one: with it, whoever
    /// reads the shared revocations can test whether a given user was revoked.
    ///
    /// ```
    /// use sealed_session::{Key, RevocationList};
    /// use time::Duration;
    ///
    /// let secret = Key::generate(); // in production: the same Key::from_base64(..) everywhere
    /// let here = RevocationList::new_shared(Duration::days(8), &secret);
    /// let there = RevocationList::new_shared(Duration::days(8), &secret);
    /// assert_eq!(here.snapshot()[33..49], there.snapshot()[33..49]); // the same hash key
    /// ```
    #[must_use]
    pub fn new_shared(horizon: Duration, secret: &crate::Key) -> RevocationList {
        let derived = secret.derive(&[crate::key::REVOCATION_HASH_KEY_INFO]);
        let mut key = [0u8; HASH_KEY_LEN];
        key.copy_from_slice(&derived[..HASH_KEY_LEN]);
        RevocationList::with_key(horizon.max(Duration::ZERO), key)
    }

    /// Caps the number of entries (users plus sessions) at `max_entries`, so that no flood of
    /// revocations can exhaust memory. Defaults to no cap. A cap of 0 counts as 1.
    ///
    /// The list never fails open. When a new entry would exceed the cap, the oldest sixteenth of
    /// the entries (at least one) are *folded* into a global watermark: every session that began
    /// at or before the newest folded entry is rejected, **for every user**. So at the cap, some
    /// users who were not revoked are logged out too; that is the price of never forgetting a
    /// revocation. Entries fold in the order of the latest login they reject: a user's
    /// revocation time, a session's start. Both lie at or before the moment of the revocation,
    /// so the watermark never moves into the future: a user who logs in after a fold begins a
    /// session after the watermark, which opens.
    ///
    /// Sizing: an entry is kept for one horizon after its time (a user's revocation, a
    /// session's start), so the list holds at most the revocations made within one horizon.
    /// Set the cap well above that number at your busiest, and prune regularly, so that
    /// folding stays an emergency brake. Each entry takes about 29 to 57 bytes (see
    /// [`RevocationList::len`]).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use sealed_session::{Error, Key, RevocationList, Sealer};
    /// use time::Duration;
    ///
    /// let list = Arc::new(RevocationList::new(Duration::days(8)).with_max_entries(2));
    /// let sealer = Sealer::builder(Key::generate(), "session").with_revocations(list.clone()).build()?;
    /// let tokens = ["a", "b", "c"].map(|user| sealer.seal(user, &()));
    /// for user in ["a", "b", "c"] {
    ///     list.revoke_user(user);
    /// }
    /// assert!(list.len() <= 2);
    /// for token in tokens {
    ///     assert_eq!(sealer.open::<()>(&token?).unwrap_err(), Error::Revoked);
    /// }
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn with_max_entries(mut self, max_entries: usize) -> RevocationList {
        let cap = max_entries.max(1);
        self.max_entries = Some(cap);
        // Entries revoked before the cap was set (the list is ours alone here).
        if self.len() > cap {
            self.fold_down_to(cap);
        }
        self
    }

    /// The horizon: how long each revocation is remembered, and so the longest lifetime (TTL
    /// plus leeway) of any token checked against this list.
    ///
    /// ```
    /// let list = sealed_session::RevocationList::new(time::Duration::days(8));
    /// assert_eq!(list.horizon(), time::Duration::days(8));
    /// ```
    #[must_use]
    pub fn horizon(&self) -> Duration {
        self.horizon
    }

    /// The watermark, if a full list has folded entries into it: every session that began at or
    /// before it is rejected, for every user (see [`RevocationList::with_max_entries`]).
    ///
    /// ```
    /// let list = sealed_session::RevocationList::new(time::Duration::days(8)).with_max_entries(1);
    /// assert_eq!(list.watermark(), None);
    /// list.revoke_user("alice");
    /// list.revoke_user("bob"); // the cap folds alice's entry
    /// assert!(list.watermark().is_some());
    /// ```
    #[must_use]
    pub fn watermark(&self) -> Option<OffsetDateTime> {
        let watermark = self.watermark.load(Ordering::Acquire);
        (watermark != NO_WATERMARK)
            .then(|| from_unix_millis(watermark).unwrap_or(PrimitiveDateTime::MAX.assume_utc()))
    }

    /// The time as this list reads it: the host's clock plus the fleet's offset
    /// ([`RevocationList::set_clock_offset`]; none until a sync sets it). Sealers attached to
    /// the list read the same.
    ///
    /// ```
    /// let list = sealed_session::RevocationList::new(time::Duration::days(8));
    /// let host = time::OffsetDateTime::now_utc();
    /// assert!((list.now() - host).abs() < time::Duration::seconds(1)); // no offset yet
    /// ```
    #[must_use]
    pub fn now(&self) -> OffsetDateTime {
        from_unix_millis(self.now_millis()).unwrap_or(PrimitiveDateTime::MAX.assume_utc())
    }

    /// [`RevocationList::now`] in Unix milliseconds.
    pub(crate) fn now_millis(&self) -> i64 {
        now_millis().saturating_add(self.clock_offset_ms.load(Ordering::Acquire))
    }

    /// The cap set by [`RevocationList::with_max_entries`], if any.
    ///
    /// ```
    /// let list = sealed_session::RevocationList::new(time::Duration::days(8));
    /// assert_eq!(list.max_entries(), None);
    /// assert_eq!(list.with_max_entries(10_000).max_entries(), Some(10_000));
    /// ```
    #[must_use]
    pub fn max_entries(&self) -> Option<usize> {
        self.max_entries
    }

    /// Logs `subject` out everywhere: rejects every token of every session of `subject` that
    /// began until now, on every device, however often it is resealed later. Use it on
    /// logout-everywhere, password change, or any change to what the user may do that their
    /// open sessions must not outlive. (After a password change, keep the current device logged
    /// in with [`crate::Sealer::log_out_other_sessions`].)
    ///
    /// Sessions that `seal` starts for `subject` afterwards begin later and open normally, even
    /// when sealed within the same millisecond: within the second of a revocation, a new
    /// session starts at the next whole second, so that it is after the revocation in a JWT's
    /// whole seconds too. So that such a session is caught by a second revocation within the
    /// same second, the time recorded may then lie up to a second after the clock (and each
    /// further revoke-and-log-in-again within that second moves it one more second ahead); it
    /// is returned, to be handed to the other instances' lists with
    /// [`RevocationList::revoke_user_at`].
    ///
    /// **What "until now" means when seals run concurrently.** The revocation takes effect at
    /// one instant inside the call: once it holds the list's writer lock and has made room for
    /// the entry (folding a full list), it reads the clock. Every session of `subject` started
    /// by a `seal` that returned before that instant is rejected, with every token it will ever
    /// have (its `auth_at` is at most the time recorded, and `reseal` keeps it); every `seal`
    /// that starts after `revoke_user` returns begins a session after it, which opens; a `seal`
    /// running at that very instant may go either way. Waiting for the lock and folding come
    /// before the instant, so no session started meanwhile escapes. This assumes the system
    /// clock does not step backwards in between (keep it disciplined, e.g. with NTP slewing),
    /// as does every time rule here.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use sealed_session::{Error, Key, RevocationList, Sealer};
    ///
    /// let list = Arc::new(RevocationList::new(time::Duration::days(8)));
    /// let sealer = Sealer::builder(Key::generate(), "session").with_revocations(list.clone()).build()?;
    /// let token = sealer.seal("alice", &())?;
    /// let at = list.revoke_user("alice");
    /// assert_eq!(sealer.open::<()>(&token).unwrap_err(), Error::Revoked);
    /// // publish (`"alice"`, `at`) to the other instances
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn revoke_user(&self, subject: &str) -> OffsetDateTime {
        let at = self.revoke_user_with_clock(subject, || self.now_millis());
        // Past the largest date only after revoke_user_at(that date): answer that date.
        from_unix_millis(at).unwrap_or(PrimitiveDateTime::MAX.assume_utc())
    }

    /// `revoke_user`, reading the time from `clock` once it holds the writer lock and has made
    /// room for the entry: the moment the revocation takes effect. Waiting for the lock or
    /// folding a full list therefore lets no token sealed meanwhile escape.
    fn revoke_user_with_clock(&self, subject: &str, clock: impl FnOnce() -> i64) -> i64 {
        let hash = self.hash(subject.as_bytes());
        let _writer = self.lock_writer();
        if self.last_modified(hash).is_none() {
            self.make_room();
        }
        // Everything a sealer may have issued until now: up to the clock, and up to the first
        // whole second at or after the issue floor, where a session starts after a revocation
        // within this second (see `Sealer::seal`).
        let floor = self
            .floor(hash)
            .map_or(NO_WATERMARK, crate::session::ceil_to_second);
        let at = clock().max(floor);
        self.record(Entry::User, hash, at);
        self.post(Entry::User, hash, at);
        at
    }

    /// Rejects every token of every session of `subject` that began at or before `at`
    /// (millisecond precision).
    ///
    /// For replaying revocations made elsewhere (another instance, a shared store) or recorded
    /// with their own time. A user's revocation time never moves backwards: an earlier `at`
    /// than the one already recorded changes nothing. A time in the future rejects sessions that
    /// begin until then, and new sessions for `subject` begin after it, so their tokens will not
    /// open before it (less the leeway).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use sealed_session::{Error, Key, RevocationList, Sealer};
    /// use time::{Duration, OffsetDateTime};
    ///
    /// let list = Arc::new(RevocationList::new(Duration::days(8)));
    /// let sealer = Sealer::builder(Key::generate(), "session").with_revocations(list.clone()).build()?;
    /// let t = OffsetDateTime::now_utc();
    /// let before = sealer.seal_at("alice", &(), t - Duration::minutes(1))?;
    /// let after = sealer.seal_at("alice", &(), t + Duration::seconds(1))?;
    /// list.revoke_user_at("alice", t);
    /// let later = t + Duration::seconds(2);
    /// assert_eq!(sealer.open_at::<()>(&before, later).unwrap_err(), Error::Revoked);
    /// assert!(sealer.open_at::<()>(&after, later).is_ok());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn revoke_user_at(&self, subject: &str, at: OffsetDateTime) {
        let hash = self.hash(subject.as_bytes());
        let _writer = self.lock_writer();
        self.record(Entry::User, hash, unix_millis(at));
        self.post(Entry::User, hash, unix_millis(at));
    }

    /// Logs out one session ("log out this device"): rejects every token with this session's id.
    ///
    /// The entry is kept one horizon after the session's start, the longest its tokens can
    /// open. Other sessions of the same user are not affected.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use sealed_session::{Error, Key, RevocationList, Sealer};
    ///
    /// let list = Arc::new(RevocationList::new(time::Duration::days(8)));
    /// let sealer = Sealer::builder(Key::generate(), "session").with_revocations(list.clone()).build()?;
    /// let phone = sealer.seal("alice", &())?;
    /// let laptop = sealer.seal("alice", &())?;
    /// let session = sealer.open::<()>(&phone)?;
    /// list.revoke_session(&session);
    /// assert_eq!(sealer.open::<()>(&phone).unwrap_err(), Error::Revoked);
    /// assert!(sealer.open::<()>(&laptop).is_ok());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn revoke_session<T>(&self, session: &Session<T>) {
        self.revoke_session_id(session.session_id(), session.authenticated_at());
    }

    /// [`RevocationList::revoke_session`] from the session's id and start alone: for replaying
    /// revocations made elsewhere, or an id read from your logs.
    ///
    /// `authenticated_at` is the session's [`Session::authenticated_at`]. A later time is safe (the entry
    /// is kept longer); an earlier one is not: the entry would be forgotten while the session's
    /// tokens still open. The entry also folds at this time when a capped list is full, so a time
    /// in the future would reject every session that began before it; pass the session's own.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use sealed_session::{Error, Key, RevocationList, Sealer};
    ///
    /// let list = Arc::new(RevocationList::new(time::Duration::days(8)));
    /// let sealer = Sealer::builder(Key::generate(), "session").with_revocations(list.clone()).build()?;
    /// let token = sealer.seal("alice", &())?;
    /// let session = sealer.open::<()>(&token)?;
    /// let (id, authenticated_at) = (session.session_id(), session.authenticated_at()); // e.g. from a log
    /// list.revoke_session_id(id, authenticated_at);
    /// assert_eq!(sealer.open::<()>(&token).unwrap_err(), Error::Revoked);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn revoke_session_id(&self, session_id: SessionId, authenticated_at: OffsetDateTime) {
        let hash = self.hash(session_id.as_bytes());
        let _writer = self.lock_writer();
        self.record(Entry::Session, hash, unix_millis(authenticated_at));
        self.post(Entry::Session, hash, unix_millis(authenticated_at));
    }

    /// Forgets what can no longer reject a token that opens: user entries and session entries
    /// whose time (a user's revocation, a session's start) lies more than one horizon before now,
    /// and the watermark once it is older than one horizon.
    ///
    /// Checks do not wait for it (only the readers of one shard at a time, briefly).
    ///
    /// ```
    /// let list = sealed_session::RevocationList::new(time::Duration::days(8));
    /// list.revoke_user("alice");
    /// list.prune();
    /// assert_eq!(list.len(), 1); // still within the horizon
    /// ```
    pub fn prune(&self) {
        self.prune_at(self.now());
    }

    /// [`RevocationList::prune`] as if the time were `now`.
    ///
    /// ```
    /// use sealed_session::RevocationList;
    /// use time::{Duration, OffsetDateTime};
    ///
    /// let list = RevocationList::new(Duration::days(2));
    /// let now = OffsetDateTime::now_utc();
    /// list.revoke_user_at("alice", now - Duration::days(3));
    /// list.revoke_user_at("bob", now - Duration::days(1));
    /// list.prune_at(now);
    /// assert_eq!(list.len(), 1); // alice's tokens have all expired; bob's may not have
    /// ```
    pub fn prune_at(&self, now: OffsetDateTime) {
        // Entries with a time below `limit` reject only expired tokens (see the module docs).
        let limit = unix_millis(now).saturating_sub(duration_millis(self.horizon));
        let _writer = self.lock_writer();
        if self.watermark.load(Ordering::Acquire) < limit {
            self.watermark.store(NO_WATERMARK, Ordering::Release);
        }
        self.retain(|ms| ms >= limit);
    }

    /// The number of entries: revoked users plus revoked sessions (what the cap bounds).
    ///
    /// Each entry takes 24 bytes in a hash table kept at most 7/8 full and grown by doubling,
    /// so about 29 to 57 bytes of memory; a million entries take about 50 MiB.
    ///
    /// ```
    /// let list = sealed_session::RevocationList::new(time::Duration::days(8));
    /// list.revoke_user("alice");
    /// list.revoke_user("alice");
    /// assert_eq!(list.len(), 1);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.users.load(Ordering::Acquire) + self.sessions.load(Ordering::Acquire)
    }

    /// Whether nothing is revoked (no entries; a watermark may still be set).
    ///
    /// ```
    /// let list = sealed_session::RevocationList::new(time::Duration::days(8));
    /// assert!(list.is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The earliest issued-at (Unix ms) a new token for `subject` may carry without being
    /// rejected: just after the subject's revocation and after the watermark. `None` when
    /// neither applies.
    ///
    /// On every seal: like `check`, it skips hashing and the maps while no user is revoked.
    pub(crate) fn issue_floor_millis(&self, subject: &str) -> Option<i64> {
        let user = (self.users.load(Ordering::Acquire) != 0)
            .then(|| self.last_modified(self.hash(subject.as_bytes())))
            .flatten();
        Self::floor_after(user, self.watermark.load(Ordering::Acquire))
    }

    /// Whether a token of `subject` with this session id, of a session that began at
    /// `authenticated_at_ms`, is revoked.
    /// The hot path of `open`.
    ///
    /// The watermark is read last: a fold raises it before it removes entries, so a check that
    /// no longer finds an entry is sure to see the watermark that replaced it.
    pub(crate) fn check(
        &self,
        subject: &str,
        session_id: &SessionId,
        authenticated_at_ms: i64,
    ) -> Result<(), Error> {
        if !self.ready.load(Ordering::Acquire) {
            return Err(Error::RevocationsUnavailable);
        }
        if self.users.load(Ordering::Acquire) != 0 {
            let hash = self.hash(subject.as_bytes());
            let last_modified = self.last_modified(hash);
            if last_modified.is_some_and(|last_modified| authenticated_at_ms <= last_modified) {
                return Err(Error::Revoked);
            }
        }
        if self.sessions.load(Ordering::Acquire) != 0 {
            let hash = self.hash(session_id.as_bytes());
            if self.shard(hash).read().sessions.contains_key(&hash) {
                return Err(Error::Revoked);
            }
        }
        if authenticated_at_ms <= self.watermark.load(Ordering::Acquire) {
            return Err(Error::Revoked);
        }
        Ok(())
    }

    /// Queues a revocation made here for publishing, if a sync collects them. Call with the
    /// writer lock held, so that the queue keeps the order the list saw.
    fn post(&self, entry: Entry, hash: KeyedHash, at: i64) {
        let mut outbox = self.outbox.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(outbox) = outbox.as_mut() {
            outbox.push(Revocation {
                user: entry == Entry::User,
                hash: hash_bytes(hash),
                at,
            });
        }
    }

    fn hash(&self, bytes: &[u8]) -> KeyedHash {
        let hash = SipHasher13::new_with_key(&self.key).hash(bytes);
        KeyedHash([hash.h1, hash.h2])
    }

    fn shard(&self, hash: KeyedHash) -> &Shard {
        // The top bits of the second word: the map hashes with the first.
        &self.shards[(hash.0[1] >> (64 - SHARD_BITS)) as usize]
    }

    fn lock_writer(&self) -> MutexGuard<'_, ()> {
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn floor(&self, hash: KeyedHash) -> Option<i64> {
        Self::floor_after(
            self.last_modified(hash),
            self.watermark.load(Ordering::Acquire),
        )
    }

    fn last_modified(&self, hash: KeyedHash) -> Option<i64> {
        self.shard(hash).read().users.get(&hash).copied()
    }

    /// Just after the later of a user's revocation and the watermark.
    fn floor_after(user: Option<i64>, watermark: i64) -> Option<i64> {
        let watermark = Some(watermark).filter(|&w| w != NO_WATERMARK);
        user.max(watermark).map(|ms| ms.saturating_add(1))
    }

    /// Records a user's revocation time or a session's start. Call with the writer lock held.
    fn record(&self, entry: Entry, hash: KeyedHash, at: i64) {
        if at <= self.watermark.load(Ordering::Acquire) {
            return; // every token it rejects is already rejected by the watermark
        }
        if let Some(kept) = self.shard(hash).write().of(entry).get_mut(&hash) {
            *kept = (*kept).max(at);
            return;
        }
        self.make_room();
        if at <= self.watermark.load(Ordering::Acquire) {
            return; // the fold raised the watermark over it
        }
        self.shard(hash).write().of(entry).insert(hash, at);
        match entry {
            Entry::User => self.users.fetch_add(1, Ordering::Release),
            Entry::Session => self.sessions.fetch_add(1, Ordering::Release),
        };
    }

    /// Makes room for one new entry under the cap. Call with the writer lock held.
    fn make_room(&self) {
        if let Some(cap) = self.max_entries
            && self.len() >= cap
        {
            self.fold_down_to(cap - (cap / 16).max(1));
        }
    }

    /// Folds the oldest entries into the watermark until at most `keep` remain. Call with the
    /// writer lock held.
    fn fold_down_to(&self, keep: usize) {
        let mut points = Vec::with_capacity(self.len());
        for shard in self.shards.iter() {
            let maps = shard.read();
            points.extend(maps.users.values().chain(maps.sessions.values()).copied());
        }
        let Some(index) = points.len().checked_sub(keep + 1) else {
            return;
        };
        // The fold point of the entry that leaves exactly `keep` newer ones (ties fold too).
        // Entries lie at most a minute after the clock (`apply` bounds those from elsewhere),
        // so the watermark never moves further into the future than that.
        let (_, &mut fold, _) = points.select_nth_unstable(index);
        // Raise the watermark before removing anything: see `check`.
        self.watermark.fetch_max(fold, Ordering::Release);
        self.retain(|ms| ms > fold);
    }

    /// Keeps the entries whose time `keep` accepts, shard by shard, and gives memory back when a
    /// map has become mostly empty. Call with the writer lock held.
    fn retain(&self, keep: impl Fn(i64) -> bool) {
        for shard in self.shards.iter() {
            let mut guard = shard.write();
            let maps = &mut *guard;
            let (users, sessions) = (maps.users.len(), maps.sessions.len());
            // Measured before removing: a removed entry may leave a tombstone that `capacity()`
            // stops counting, so a map pruned from full would read as still nearly full.
            let capacities = (maps.users.capacity(), maps.sessions.capacity());
            maps.users.retain(|_, &mut ms| keep(ms));
            maps.sessions.retain(|_, &mut ms| keep(ms));
            let removed = (users - maps.users.len(), sessions - maps.sessions.len());
            for (map, capacity) in [
                (&mut maps.users, capacities.0),
                (&mut maps.sessions, capacities.1),
            ] {
                if map.len() < capacity / 4 {
                    map.shrink_to_fit();
                }
            }
            drop(guard);
            self.users.fetch_sub(removed.0, Ordering::Release);
            self.sessions.fetch_sub(removed.1, Ordering::Release);
        }
    }
}

impl fmt::Debug for RevocationList {
    /// Counts and settings; never the hash key or the entries.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let watermark = self.watermark.load(Ordering::Acquire);
        f.debug_struct("RevocationList")
            .field("horizon", &format_args!("{}", self.horizon))
            .field("max_entries", &self.max_entries)
            .field("users", &self.users.load(Ordering::Acquire))
            .field("sessions", &self.sessions.load(Ordering::Acquire))
            .field(
                "watermark_ms",
                &Some(watermark).filter(|&w| w != NO_WATERMARK),
            )
            .finish_non_exhaustive()
    }
}

impl Drop for RevocationList {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

#[cfg(test)]
mod tests;
