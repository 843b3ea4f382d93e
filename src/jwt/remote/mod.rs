//! [`RemoteKeySet`]: an issuer's JWK Set, fetched from its URL and kept fresh (feature
//! `jwks-remote`).
//!
//! The rules, each a lesson of verifiers that got one wrong:
//!
//! - **Cached for the issuer's `Cache-Control: max-age`**, bounded below (so that a verifier
//!   does not fetch on every token) and above (so that it learns of new keys), and revalidated
//!   with `If-None-Match` once stale.
//! - **Never waits on a fetch it does not need**: a token whose key is in hand is verified at
//!   once; a stale set is refreshed on a task of its own. No lock is held across a fetch.
//! - **One fetch at a time** (single flight): every caller that needs a fetch waits for the
//!   same one and gets its result.
//! - **Unknown `kid`s refetch, within limits**: at most one fetch per cooldown, and a `kid` that
//!   a fresh set did not hold is refused without a fetch for a while (a negative cache,
//!   bounded), so that forged `kid`s cannot make this verifier hammer the issuer.
//! - **Stale-if-error, bounded**: while the issuer is down or serves no usable set, the last
//!   good set keeps verifying its `kid`s up to a bound past its freshness; then tokens are
//!   refused with [`Error::KeysUnavailable`] (a 503, not a 401).
//! - **Refuses** plain HTTP but to a loopback address, redirects to another origin, documents
//!   over a size, and slow responses (one timeout for the whole exchange).

mod cache_control;
mod fetch;
mod options;
mod verify;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use tokio::sync::watch;

use super::VerifyingKeys;
use crate::Error;
use fetch::{FetchError, Fetched, Fetcher};
pub use options::RemoteKeySetOptions;

#[cfg(fuzzing)]
pub use cache_control::fuzzing;

/// An issuer's JWK Set, fetched from its URL (`https://…/.well-known/jwks.json`) and kept
/// fresh: give it to [`JwsVerifier::remote`](super::JwsVerifier::remote) and verify with
/// [`JwsVerifier::verify_async`](super::JwsVerifier::verify_async). Cheap to clone (the clones
/// share one cache); made once per process (outside a serverless handler, so that the cache
/// lives across warm invocations). Needs a tokio runtime to fetch.
///
/// ```no_run
/// use sealed_session::jwt::{JwsVerifier, RemoteKeySet, RemoteKeySetOptions};
///
/// # async fn run(token: &str) -> Result<(), sealed_session::Error> {
/// let keys = RemoteKeySet::new(
///     "https://auth.example/.well-known/jwks.json",
///     RemoteKeySetOptions::default(),
/// )?;
/// let verifier = JwsVerifier::remote(keys, "https://auth.example", "orders");
/// let verified = verifier.verify_async::<serde_json::Value>(token).await?;
/// println!("{}", verified.subject());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RemoteKeySet {
    shared: Arc<Shared>,
}

struct Shared {
    url: String,
    fetcher: Fetcher,
    options: RemoteKeySetOptions,
    state: Mutex<State>,
}

/// The cache, behind a mutex held only to read or update it, never across a fetch.
#[derive(Default)]
struct State {
    keys: Option<Arc<VerifyingKeys>>,
    etag: Option<String>,
    /// Until when the set is used without a refresh (and, the stale bound added, at all).
    fresh_until: Option<Instant>,
    /// When the last fetch started: the cooldown counts from it.
    last_attempt: Option<Instant>,
    /// The fetch under way, if any: every caller that needs one waits on it.
    in_flight: Option<watch::Receiver<bool>>,
    /// `kid`s a fresh set did not hold, with when they may be looked for again.
    unknown_kids: HashMap<String, Instant>,
    status: RemoteKeySetStatus,
}

/// What a [`RemoteKeySet`] has done: for metrics, health checks and tests.
///
/// ```no_run
/// # use sealed_session::jwt::{RemoteKeySet, RemoteKeySetOptions};
/// # let keys = RemoteKeySet::new("https://auth.example/jwks.json", RemoteKeySetOptions::default())?;
/// let status = keys.status();
/// println!("{} fetched, {} revalidated, {} failed", status.sets_fetched, status.not_modified, status.failures);
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RemoteKeySetStatus {
    /// Fetches that brought a set (`200`).
    pub sets_fetched: u64,
    /// Revalidations answered `304 Not Modified`.
    pub not_modified: u64,
    /// Fetches that failed (unreachable, timeout, status, redirect, size, document).
    pub failures: u64,
    /// Fetches started by a token with an unknown `kid`.
    pub unknown_kid_fetches: u64,
    /// Tokens with an unknown `kid` refused without a fetch (cooldown or negative cache).
    pub unknown_kids_refused: u64,
    /// Why the last fetch failed, if it did.
    pub last_error: Option<String>,
    /// How many keys the set in hand holds.
    pub keys: usize,
}

impl RemoteKeySet {
    /// The key set at `url`, nothing fetched yet: the first verification fetches it (or call
    /// [`RemoteKeySet::refresh`] at start-up to fail early).
    ///
    /// # Errors
    ///
    /// [`Error::Config`]: `url` is not an absolute `https://` URL (plain `http://` is allowed
    /// to a loopback address only), the CA certificates do not parse, or there are no trusted
    /// roots.
    ///
    /// ```
    /// use sealed_session::{Error, jwt::{RemoteKeySet, RemoteKeySetOptions}};
    /// let plain = RemoteKeySet::new("http://auth.example/jwks.json", RemoteKeySetOptions::default());
    /// assert!(matches!(plain, Err(Error::Config(_))));
    /// ```
    pub fn new(url: &str, options: RemoteKeySetOptions) -> Result<RemoteKeySet, Error> {
        let fetcher = Fetcher::new(url, &options)?;
        Ok(RemoteKeySet {
            shared: Arc::new(Shared {
                url: url.to_owned(),
                fetcher,
                options,
                state: Mutex::default(),
            }),
        })
    }

    /// Fetches the set now (or waits for the fetch under way), whatever the cache says.
    ///
    /// # Errors
    ///
    /// [`Error::KeysUnavailable`] if the fetch failed (the reason is in
    /// [`RemoteKeySet::status`] and the log); the set in hand, if any, stays in use.
    ///
    /// ```no_run
    /// # use sealed_session::jwt::{RemoteKeySet, RemoteKeySetOptions};
    /// # async fn run(keys: RemoteKeySet) -> Result<(), sealed_session::Error> {
    /// keys.refresh().await?; // at start-up: fail early if the issuer is unreachable
    /// # Ok(()) }
    /// ```
    pub async fn refresh(&self) -> Result<(), Error> {
        let fetch = {
            let mut state = self.shared.lock();
            self.start_fetch(&mut state, Instant::now())?
        };
        if self.wait(fetch).await {
            Ok(())
        } else {
            Err(Error::KeysUnavailable)
        }
    }

    /// What this set has done so far.
    ///
    /// ```
    /// use sealed_session::jwt::{RemoteKeySet, RemoteKeySetOptions};
    /// let keys = RemoteKeySet::new("https://auth.example/jwks.json", RemoteKeySetOptions::default())?;
    /// assert_eq!(keys.status().sets_fetched, 0);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn status(&self) -> RemoteKeySetStatus {
        let state = self.shared.lock();
        let mut status = state.status.clone();
        status.keys = state.keys.as_ref().map_or(0, |keys| keys.len());
        status
    }

    /// The URL of the set.
    ///
    /// ```
    /// use sealed_session::jwt::{RemoteKeySet, RemoteKeySetOptions};
    /// let keys = RemoteKeySet::new("https://auth.example/jwks.json", RemoteKeySetOptions::default())?;
    /// assert_eq!(keys.url(), "https://auth.example/jwks.json");
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn url(&self) -> &str {
        &self.shared.url
    }

    /// The set in hand if it may be used now; a stale one is refreshed on a task of its own
    /// meanwhile (when a tokio runtime is at hand).
    pub(crate) fn keys_now(&self) -> Option<Arc<VerifyingKeys>> {
        let now = Instant::now();
        let mut state = self.shared.lock();
        let stale_bound = to_std(self.shared.options.max_stale);
        let keys = state.keys.clone().filter(|_| {
            state
                .fresh_until
                .is_some_and(|until| now < until + stale_bound)
        })?;
        let stale = state.fresh_until.is_none_or(|until| now >= until);
        if stale && self.may_fetch(&state, now) && tokio::runtime::Handle::try_current().is_ok() {
            // Not awaited: this token is verified with the set in hand.
            let _ = self.start_fetch(&mut state, now);
        }
        Some(keys)
    }

    /// A set that may be used, fetched first when there is none (once per cooldown).
    pub(crate) async fn usable_keys(&self) -> Result<Arc<VerifyingKeys>, Error> {
        if let Some(keys) = self.keys_now() {
            return Ok(keys);
        }
        let fetch = {
            let mut state = self.shared.lock();
            let now = Instant::now();
            if state.in_flight.is_none() && !self.may_fetch(&state, now) {
                return Err(Error::KeysUnavailable);
            }
            self.start_fetch(&mut state, now)?
        };
        self.wait(fetch).await;
        self.keys_now().ok_or(Error::KeysUnavailable)
    }

    /// For a token whose `kid` the set in hand lacks: fetches the set again (joining the fetch
    /// under way, or starting one if the cooldown allows and the `kid` is not known to be
    /// unknown), and says whether the set then holds the `kid`.
    pub(crate) async fn refetch_for(&self, kid: &str) -> bool {
        let fetch = {
            let mut state = self.shared.lock();
            // A fetch that ended since this token was tried may have brought its key.
            if state
                .keys
                .as_ref()
                .is_some_and(|keys| keys.find(Some(kid)).is_ok())
            {
                return true;
            }
            let now = Instant::now();
            state.unknown_kids.retain(|_, until| *until > now);
            let alive = state
                .in_flight
                .as_ref()
                .is_some_and(|fetch| fetch.has_changed().is_ok());
            if state.unknown_kids.contains_key(kid) || (!alive && !self.may_fetch(&state, now)) {
                state.status.unknown_kids_refused += 1;
                return false;
            }
            if !alive {
                state.status.unknown_kid_fetches += 1;
            }
            match self.start_fetch(&mut state, now) {
                Ok(fetch) => fetch,
                Err(_) => return false,
            }
        };
        self.wait(fetch).await;
        let mut state = self.shared.lock();
        let known = state
            .keys
            .as_ref()
            .is_some_and(|keys| keys.find(Some(kid)).is_ok());
        if !known && state.unknown_kids.len() < self.shared.options.max_unknown_kids {
            let until = Instant::now() + to_std(self.shared.options.unknown_kid_ttl);
            state.unknown_kids.insert(kid.to_owned(), until);
        }
        known
    }

    /// Whether a new fetch may start: never fetched, or the cooldown has passed since the last.
    fn may_fetch(&self, state: &State, now: Instant) -> bool {
        state.last_attempt.is_none_or(|last| {
            now.saturating_duration_since(last) >= to_std(self.shared.options.cooldown)
        })
    }

    /// The fetch under way, or a new one on its own task.
    fn start_fetch(
        &self,
        state: &mut MutexGuard<'_, State>,
        now: Instant,
    ) -> Result<watch::Receiver<bool>, Error> {
        if let Some(fetch) = &state.in_flight
            && fetch.has_changed().is_ok()
        {
            return Ok(fetch.clone());
        }
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| Error::Config("fetching a JWK Set needs a tokio runtime"))?;
        let (done, fetch) = watch::channel(false);
        state.in_flight = Some(fetch.clone());
        state.last_attempt = Some(now);
        let etag = state.keys.as_ref().and(state.etag.clone());
        let shared = Arc::clone(&self.shared);
        runtime.spawn(async move {
            let outcome = shared.fetcher.fetch(etag.as_deref()).await;
            shared.apply(outcome);
            let _ = done.send(true);
        });
        Ok(fetch)
    }

    /// Waits for a fetch; whether it brought or confirmed a set.
    async fn wait(&self, mut fetch: watch::Receiver<bool>) -> bool {
        let _ = fetch.wait_for(|done| *done).await;
        self.shared.lock().status.last_error.is_none()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes a fetch's outcome into the cache.
    fn apply(&self, outcome: Result<Fetched, FetchError>) {
        let now = Instant::now();
        let options = &self.options;
        let mut state = self.lock();
        state.in_flight = None;
        let freshness = match outcome {
            Ok(Fetched::Set(keys, freshness)) => {
                state.keys = Some(Arc::new(keys));
                state.etag.clone_from(&freshness.etag);
                // A new set may hold what was unknown.
                state.unknown_kids.clear();
                state.status.sets_fetched += 1;
                freshness
            }
            Ok(Fetched::NotModified(freshness)) if state.keys.is_some() => {
                if freshness.etag.is_some() {
                    state.etag.clone_from(&freshness.etag);
                }
                state.status.not_modified += 1;
                freshness
            }
            Ok(Fetched::NotModified(_)) => {
                return self.failed(&mut state, "304 Not Modified with no set in hand".into());
            }
            Err(error) => return self.failed(&mut state, error.to_string()),
        };
        let lifetime =
            freshness.bounded(options.default_cache, options.min_cache, options.max_cache);
        state.fresh_until = Some(now + to_std(lifetime));
        state.status.last_error = None;
    }

    fn failed(&self, state: &mut State, why: String) {
        tracing::warn!(url = %self.url, error = %why, "JWK Set fetch failed; the set in hand, if any, stays in use");
        state.status.failures += 1;
        state.status.last_error = Some(why);
    }
}

/// A non-negative `time::Duration` as a `std` one.
fn to_std(duration: time::Duration) -> std::time::Duration {
    std::time::Duration::try_from(duration).unwrap_or_default()
}

impl fmt::Debug for RemoteKeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteKeySet")
            .field("url", &self.shared.url)
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}
