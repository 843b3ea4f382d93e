//! [`RemoteKeySetOptions`]: how a [`RemoteKeySet`](super::RemoteKeySet) caches, refreshes and
//! fetches.

use time::Duration;

/// How a [`RemoteKeySet`](super::RemoteKeySet) caches, refreshes and fetches. The defaults
/// suit an identity provider or a service of this crate; every bound is a setting.
///
/// ```
/// use sealed_session::jwt::RemoteKeySetOptions;
/// use time::Duration;
///
/// let options = RemoteKeySetOptions::default()
///     .with_cache_bounds(Duration::minutes(1), Duration::hours(6))
///     .with_stale_bound(Duration::hours(2));
/// assert_eq!(options.refetch_cooldown(), Duration::seconds(30));
/// ```
#[derive(Clone, Debug)]
pub struct RemoteKeySetOptions {
    pub(super) min_cache: Duration,
    pub(super) max_cache: Duration,
    pub(super) default_cache: Duration,
    pub(super) max_stale: Duration,
    pub(super) cooldown: Duration,
    pub(super) unknown_kid_ttl: Duration,
    pub(super) max_unknown_kids: usize,
    pub(super) timeout: std::time::Duration,
    pub(super) max_document_len: usize,
    pub(super) ca_pem: Option<Vec<u8>>,
}

impl Default for RemoteKeySetOptions {
    /// Cached for the issuer's `max-age` between 1 minute and 1 day (15 minutes without one);
    /// the last good set used up to 12 hours past that while the issuer cannot be reached; at
    /// most one fetch per 30 seconds for unknown `kid`s, each remembered as unknown for 5
    /// minutes (1,024 at most); 5 seconds for a fetch; documents up to 64 KiB; the system's
    /// root certificates.
    fn default() -> RemoteKeySetOptions {
        RemoteKeySetOptions {
            min_cache: Duration::minutes(1),
            max_cache: Duration::days(1),
            default_cache: Duration::minutes(15),
            max_stale: Duration::hours(12),
            cooldown: Duration::seconds(30),
            unknown_kid_ttl: Duration::minutes(5),
            max_unknown_kids: 1024,
            timeout: std::time::Duration::from_secs(5),
            max_document_len: 64 * 1024,
            ca_pem: None,
        }
    }
}

impl RemoteKeySetOptions {
    /// The shortest and longest time a fetched set is used before it is revalidated,
    /// whatever the issuer's `Cache-Control` says. At least a second.
    ///
    /// ```
    /// use sealed_session::jwt::RemoteKeySetOptions;
    /// let options = RemoteKeySetOptions::default()
    ///     .with_cache_bounds(time::Duration::minutes(5), time::Duration::hours(1));
    /// ```
    #[must_use]
    pub fn with_cache_bounds(mut self, min: Duration, max: Duration) -> RemoteKeySetOptions {
        self.min_cache = min.max(Duration::SECOND);
        self.max_cache = max.max(self.min_cache);
        self
    }

    /// How long a set is used when the issuer sends no `max-age` (bounded as above).
    ///
    /// ```
    /// use sealed_session::jwt::RemoteKeySetOptions;
    /// let options = RemoteKeySetOptions::default().with_default_cache(time::Duration::minutes(10));
    /// ```
    #[must_use]
    pub fn with_default_cache(mut self, lifetime: Duration) -> RemoteKeySetOptions {
        self.default_cache = lifetime;
        self
    }

    /// How long past its freshness the last good set keeps verifying while the issuer
    /// cannot be reached or serves no usable set (stale-if-error). After that, tokens are
    /// refused with [`Error::KeysUnavailable`](crate::Error::KeysUnavailable) until a fetch
    /// succeeds: a key the issuer withdrew must not be trusted forever.
    ///
    /// ```
    /// use sealed_session::jwt::RemoteKeySetOptions;
    /// let options = RemoteKeySetOptions::default().with_stale_bound(time::Duration::hours(1));
    /// ```
    #[must_use]
    pub fn with_stale_bound(mut self, max_stale: Duration) -> RemoteKeySetOptions {
        self.max_stale = max_stale.max(Duration::ZERO);
        self
    }

    /// The least time between two fetches started by unknown `kid`s or by a failed
    /// refresh, so that forged `kid`s cannot make this verifier hammer the issuer. At least
    /// a second.
    ///
    /// ```
    /// use sealed_session::jwt::RemoteKeySetOptions;
    /// let options = RemoteKeySetOptions::default().with_refetch_cooldown(time::Duration::minutes(1));
    /// ```
    #[must_use]
    pub fn with_refetch_cooldown(mut self, cooldown: Duration) -> RemoteKeySetOptions {
        self.cooldown = cooldown.max(Duration::SECOND);
        self
    }

    /// The cooldown of [`RemoteKeySetOptions::with_refetch_cooldown`].
    ///
    /// ```
    /// use sealed_session::jwt::RemoteKeySetOptions;
    /// assert_eq!(RemoteKeySetOptions::default().refetch_cooldown().whole_seconds(), 30);
    /// ```
    #[must_use]
    pub fn refetch_cooldown(&self) -> Duration {
        self.cooldown
    }

    /// How long a `kid` that a fresh set did not hold is refused without a fetch, and how
    /// many such `kid`s are remembered.
    ///
    /// ```
    /// use sealed_session::jwt::RemoteKeySetOptions;
    /// let options = RemoteKeySetOptions::default().with_unknown_kid_memory(time::Duration::minutes(1), 256);
    /// ```
    #[must_use]
    pub fn with_unknown_kid_memory(
        mut self,
        ttl: Duration,
        capacity: usize,
    ) -> RemoteKeySetOptions {
        self.unknown_kid_ttl = ttl.max(Duration::ZERO);
        self.max_unknown_kids = capacity;
        self
    }

    /// The longest a fetch may take, connection, redirects and body included.
    ///
    /// ```
    /// use sealed_session::jwt::RemoteKeySetOptions;
    /// let options = RemoteKeySetOptions::default().with_timeout(std::time::Duration::from_secs(2));
    /// ```
    #[must_use]
    pub fn with_timeout(mut self, timeout: std::time::Duration) -> RemoteKeySetOptions {
        self.timeout = timeout;
        self
    }

    /// The largest document accepted, in bytes; a larger one is refused unread.
    ///
    /// ```
    /// use sealed_session::jwt::RemoteKeySetOptions;
    /// let options = RemoteKeySetOptions::default().with_max_document_len(16 * 1024);
    /// ```
    #[must_use]
    pub fn with_max_document_len(mut self, max: usize) -> RemoteKeySetOptions {
        self.max_document_len = max;
        self
    }

    /// Trusts these CA certificates (PEM) for the issuer's HTTPS instead of the system's
    /// roots: a private CA, or a test's.
    ///
    /// ```
    /// use sealed_session::jwt::RemoteKeySetOptions;
    /// let options = RemoteKeySetOptions::default().with_ca_pem(b"-----BEGIN CERTIFICATE-----...".to_vec());
    /// ```
    #[must_use]
    pub fn with_ca_pem(mut self, pem: Vec<u8>) -> RemoteKeySetOptions {
        self.ca_pem = Some(pem);
        self
    }
}
