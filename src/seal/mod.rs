//! The [`Sealer`]: its settings here, sealing in `sealing.rs`, opening in `opening.rs`, the
//! checked builder in `builder.rs`. The token formats are `crate::token`'s.

mod builder;
mod opening;
mod sealing;
mod tag;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use crate::Error;
use crate::compress::{Compression, DEFAULT_LEVEL, Dictionary};
use crate::key::{Key, Keyring};
use crate::revocation::RevocationList;
use crate::session::{MAX_OFFSET, Session, duration_millis};
pub use crate::token::Format;
use crate::token::{Codec, SealingKey};
pub use builder::SealerBuilder;

/// Default lifetime of a token: 24 hours. With [`Sealer::reseal`], the idle timeout.
pub(crate) const DEFAULT_TTL: Duration = Duration::hours(24);
/// Default absolute lifetime of a session, counted from the login: 7 days.
pub(crate) const DEFAULT_MAX_LIFETIME: Duration = Duration::days(7);
/// Default clock skew tolerated on expiry and issued-at: 60 seconds.
pub(crate) const DEFAULT_LEEWAY: Duration = Duration::seconds(60);
/// Default longest token, in characters: 4000, so that the token, a cookie name of up to 30
/// characters and the default cookie attributes fit the 4096 bytes every browser accepts.
pub(crate) const DEFAULT_MAX_TOKEN_LEN: usize = 4000;
/// Default largest plaintext (the envelope: the serialized, uncompressed state with its subject,
/// times and id): 64 KiB.
pub(crate) const DEFAULT_MAX_STATE_LEN: usize = 64 * 1024;
/// The largest leeway a sealer accepts: one hour. Clocks further apart than that are broken, and
/// a larger leeway would keep expired tokens opening for longer than anyone expects.
pub(crate) const MAX_LEEWAY: Duration = Duration::hours(1);

/// `millis` rounded down to a multiple of `quantum`.
pub(super) fn round_down(millis: i64, quantum: i64) -> i64 {
    millis - millis.rem_euclid(quantum)
}

/// Seals session state into tokens and opens them again, for one purpose.
///
/// Build one per purpose (`"session"`, `"remember_me"`, `"csrf"`…) at start-up and share it:
/// it is `Send + Sync`, cheap to clone, and cheap to build.
///
/// ```
/// use sealed_session::{Key, Sealer};
/// use time::Duration;
///
/// let key = Key::generate(); // in production: Key::from_base64(&env_var)?
/// let sealer = Sealer::builder(key, "session").with_ttl(Duration::hours(8)).build()?;
///
/// let token = sealer.seal("user-42", &("admin", 3))?;
/// let session = sealer.open::<(String, u32)>(&token)?;
/// assert_eq!(session.subject(), "user-42");
/// assert_eq!(session.state(), &("admin".to_string(), 3));
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Clone)]
pub struct Sealer {
    /// The keys, format, compression and size caps: what the token formats need.
    pub(crate) codec: Codec,
    ttl: Duration,
    max_lifetime: Duration,
    leeway: Duration,
    revocations: Option<Arc<RevocationList>>,
    /// What is wrong with the settings, if anything: found by every builder, reported by every
    /// `seal`, `reseal` and `open` (see [`Sealer::validate`]).
    config_error: Option<&'static str>,
}

impl Sealer {
    /// Default lifetime of a token: 24 hours. With [`Sealer::reseal`], the idle timeout.
    pub const DEFAULT_TTL: Duration = DEFAULT_TTL;
    /// Default absolute lifetime of a session, counted from the login: 7 days.
    pub const DEFAULT_MAX_LIFETIME: Duration = DEFAULT_MAX_LIFETIME;
    /// Default clock skew tolerated on expiry and issued-at: 60 seconds.
    pub const DEFAULT_LEEWAY: Duration = DEFAULT_LEEWAY;
    /// The largest leeway a sealer accepts: one hour. Clocks further apart than that are
    /// broken, and a larger leeway would keep expired tokens opening longer than anyone expects.
    pub const MAX_LEEWAY: Duration = MAX_LEEWAY;

    /// The time as this sealer reads it: its revocation list's ([`RevocationList::now`]: the
    /// host's clock plus the fleet's offset, once a sync has measured it), or the host's
    /// clock without a list. Seals, opens and rolls read it; pass it to the `_at` methods to
    /// stay on the same clock.
    ///
    /// ```
    /// let sealer = sealed_session::Sealer::new(sealed_session::Key::generate(), "session");
    /// let before = time::OffsetDateTime::now_utc();
    /// assert!(sealer.now() >= before);
    /// ```
    #[must_use]
    pub fn now(&self) -> OffsetDateTime {
        match &self.revocations {
            Some(list) => list.now(),
            None => OffsetDateTime::now_utc(),
        }
    }

    /// [`Sealer::now`] in Unix milliseconds.
    pub(crate) fn now_millis(&self) -> i64 {
        match &self.revocations {
            Some(list) => list.now_millis(),
            None => crate::session::now_millis(),
        }
    }
    /// Default longest token, in characters: 4000, so that the token, a cookie name of up to
    /// 30 characters and the default cookie attributes fit the 4096 bytes every browser keeps.
    pub const DEFAULT_MAX_TOKEN_LEN: usize = DEFAULT_MAX_TOKEN_LEN;
    /// Default largest plaintext (the serialized, uncompressed state with its subject, times
    /// and id): 64 KiB.
    pub const DEFAULT_MAX_STATE_LEN: usize = DEFAULT_MAX_STATE_LEN;
    /// The longest subject, in bytes: its length is written in two bytes. Sealing a longer
    /// one fails with [`Error::TooLarge`].
    pub const MAX_SUBJECT_LEN: usize = crate::session::MAX_SUBJECT_LEN;

    /// A [`SealerBuilder`]: the settings, then one [`SealerBuilder::build`] that checks them
    /// together, so that no sealer exists in a configuration that cannot work. The same as
    /// [`Sealer::new`] with its `with_…` methods and [`Sealer::validate`], in one step.
    ///
    /// ```
    /// use sealed_session::{Duration, Key, Sealer};
    ///
    /// let sealer = Sealer::builder(Key::generate(), "session")
    ///     .with_ttl(Duration::hours(8))
    ///     .with_max_lifetime(Duration::days(1))
    ///     .build()?;
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn builder(keyring: impl Into<Keyring>, purpose: &str) -> SealerBuilder {
        SealerBuilder::new(keyring, purpose)
    }

    /// A [`SealerBuilder`] that starts from this sealer's keys and settings: a sealer for
    /// another use of the same keys (another TTL, no compression), or settings on top of
    /// [`Sealer::from_jwe_key`]. [`SealerBuilder::build`] checks them again.
    ///
    /// ```
    /// use sealed_session::{Compression, Duration, Key, Sealer};
    ///
    /// let sealer = Sealer::builder(Key::generate(), "session").build()?;
    /// let short = sealer.to_builder().with_ttl(Duration::minutes(5)).build()?;
    /// assert_eq!(short.ttl(), Duration::minutes(5));
    /// let token = short.seal("alice", &1u8)?;
    /// assert_eq!(*sealer.open::<u8>(&token)?.state(), 1); // the same keys and purpose
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn to_builder(&self) -> SealerBuilder {
        SealerBuilder::from_sealer(self.clone())
    }

    /// A sealer for `purpose` with the default settings: 24-hour TTL, 7-day maximum lifetime,
    /// 60 s leeway, 4000-character tokens, 64 KiB states, [`Compression::Auto`] at level 2, no
    /// dictionary, no revocation list.
    ///
    /// A token sealed for one purpose never opens under another, even with the same key: the
    /// purpose (its UTF-8 bytes, as given) selects the encryption subkey and is authenticated
    /// with every token.
    ///
    /// ```
    /// use sealed_session::{Error, Key, Sealer};
    ///
    /// let key = Key::generate();
    /// let session = Sealer::new(key.clone(), "session");
    /// let remember = Sealer::new(key, "remember_me");
    /// let token = session.seal("alice", &())?;
    /// assert_eq!(remember.open::<()>(&token).unwrap_err(), Error::Invalid);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn new(keyring: impl Into<Keyring>, purpose: &str) -> Sealer {
        let keyring = keyring.into();
        let keys = keyring
            .keys()
            .map(|key| SealingKey::new(key, purpose))
            .collect();
        Sealer {
            codec: Codec {
                keys,
                purpose: purpose.into(),
                format: Format::Compact,
                compression: Compression::Auto,
                level: DEFAULT_LEVEL,
                dictionary: None,
                previous_dictionaries: Arc::new([]),
                max_token_len: DEFAULT_MAX_TOKEN_LEN,
                max_state_len: DEFAULT_MAX_STATE_LEN,
            },
            ttl: DEFAULT_TTL,
            max_lifetime: DEFAULT_MAX_LIFETIME,
            leeway: DEFAULT_LEEWAY,
            revocations: None,
            config_error: None,
        }
    }

    /// Checks the settings against each other: what `seal`, `reseal` and `open` report as
    /// [`Error::Config`] until the settings are fixed. A sealer from [`Sealer::new`] or
    /// [`SealerBuilder::build`] always passes; only the deprecated `with_…` setters of `Sealer`
    /// can make one that does not.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a TTL or maximum lifetime that is not positive or above 34 years,
    /// a leeway above [`Sealer::MAX_LEEWAY`], a compression level outside 1 to 9, two dictionaries that
    /// share an id, or a revocation list whose horizon is shorter than the maximum lifetime
    /// plus the leeway.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use sealed_session::{Error, Key, RevocationList, Sealer};
    /// use time::Duration;
    ///
    /// let list = Arc::new(RevocationList::new(Duration::hours(2)));
    /// #[allow(deprecated)] // the setters that can make a sealer that cannot work
    /// let sealer = Sealer::new(Key::generate(), "session").with_revocations(list);
    /// assert!(matches!(sealer.validate(), Err(Error::Config(_)))); // 7-day lifetime, 2 h horizon
    /// assert!(matches!(sealer.seal("alice", &()), Err(Error::Config(_))));
    /// assert!(Sealer::builder(Key::generate(), "session").build()?.validate().is_ok());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        self.config_error
            .map_or(Ok(()), |error| Err(Error::Config(error)))
    }

    /// Finds what is wrong with the settings; every builder calls it last.
    fn checked(mut self) -> Sealer {
        let (ttl, lifetime) = (
            duration_millis(self.ttl),
            duration_millis(self.max_lifetime),
        );
        let dictionaries: Vec<&Dictionary> = self.dictionaries().collect();
        let clash = dictionaries
            .iter()
            .enumerate()
            .any(|(i, a)| dictionaries[..i].iter().any(|b| a.id() == b.id() && a != b));
        self.config_error = if ttl <= 0 {
            Some("the TTL must be positive")
        } else if lifetime <= 0 {
            Some("the maximum lifetime must be positive")
        } else if ttl > MAX_OFFSET || lifetime > MAX_OFFSET {
            Some("a TTL or lifetime above 34 years cannot be sealed")
        } else if self.leeway > MAX_LEEWAY {
            Some("the leeway must be at most one hour")
        } else if !(1..=9).contains(&self.codec.level) {
            Some("the compression level must be 1 to 9")
        } else if clash {
            Some("two dictionaries share an id: change a byte of one of them")
        } else if self.codec.format != Format::Compact && self.codec.dictionary.is_some() {
            Some("a JWE cannot use a preset dictionary: other implementations do not have it")
        } else if self.revocations.as_ref().is_some_and(|revocations| {
            revocations.horizon() < self.max_lifetime.saturating_add(self.leeway)
        }) {
            Some("the revocation horizon is shorter than the sealer's maximum lifetime plus leeway")
        } else {
            None
        };
        self
    }

    /// Deprecated: [`SealerBuilder::with_format`], whose [`build`](SealerBuilder::build) checks
    /// the settings together, so that no sealer exists in a configuration that cannot work.
    #[deprecated(
        since = "0.2.0",
        note = "use `Sealer::builder(..).with_format(..).build()`"
    )]
    #[must_use]
    pub fn with_format(mut self, format: Format) -> Sealer {
        self.codec.format = format;
        self.checked()
    }

    /// The text form of this sealer's tokens.
    ///
    /// ```
    /// let sealer = sealed_session::Sealer::new(sealed_session::Key::generate(), "session");
    /// assert_eq!(sealer.format(), sealed_session::Format::Compact);
    /// ```
    #[must_use]
    pub fn format(&self) -> Format {
        self.codec.format
    }

    /// Deprecated: [`SealerBuilder::with_ttl`], whose [`build`](SealerBuilder::build) checks
    /// the settings together, so that no sealer exists in a configuration that cannot work.
    #[deprecated(
        since = "0.2.0",
        note = "use `Sealer::builder(..).with_ttl(..).build()`"
    )]
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> Sealer {
        self.ttl = ttl;
        self.checked()
    }

    /// Deprecated: [`SealerBuilder::with_max_lifetime`], whose [`build`](SealerBuilder::build) checks
    /// the settings together, so that no sealer exists in a configuration that cannot work.
    #[deprecated(
        since = "0.2.0",
        note = "use `Sealer::builder(..).with_max_lifetime(..).build()`"
    )]
    #[must_use]
    pub fn with_max_lifetime(mut self, max_lifetime: Duration) -> Sealer {
        self.max_lifetime = max_lifetime;
        self.checked()
    }

    /// Deprecated: [`SealerBuilder::with_leeway`], whose [`build`](SealerBuilder::build) checks
    /// the settings together, so that no sealer exists in a configuration that cannot work.
    #[deprecated(
        since = "0.2.0",
        note = "use `Sealer::builder(..).with_leeway(..).build()`"
    )]
    #[must_use]
    pub fn with_leeway(mut self, leeway: Duration) -> Sealer {
        self.leeway = leeway.max(Duration::ZERO);
        self.checked()
    }

    /// Deprecated: [`SealerBuilder::with_max_token_len`], whose [`build`](SealerBuilder::build) checks
    /// the settings together, so that no sealer exists in a configuration that cannot work.
    #[deprecated(
        since = "0.2.0",
        note = "use `Sealer::builder(..).with_max_token_len(..).build()`"
    )]
    #[must_use]
    pub fn with_max_token_len(mut self, max_token_len: usize) -> Sealer {
        self.codec.max_token_len = max_token_len;
        self
    }

    /// Deprecated: [`SealerBuilder::with_max_state_len`], whose [`build`](SealerBuilder::build) checks
    /// the settings together, so that no sealer exists in a configuration that cannot work.
    #[deprecated(
        since = "0.2.0",
        note = "use `Sealer::builder(..).with_max_state_len(..).build()`"
    )]
    #[must_use]
    pub fn with_max_state_len(mut self, max_state_len: usize) -> Sealer {
        self.codec.max_state_len = max_state_len;
        self
    }

    /// Deprecated: [`SealerBuilder::with_compression`], whose [`build`](SealerBuilder::build) checks
    /// the settings together, so that no sealer exists in a configuration that cannot work.
    #[deprecated(
        since = "0.2.0",
        note = "use `Sealer::builder(..).with_compression(..).build()`"
    )]
    #[must_use]
    pub fn with_compression(mut self, compression: Compression) -> Sealer {
        self.codec.compression = compression;
        self
    }

    /// Deprecated: [`SealerBuilder::with_compression_level`], whose [`build`](SealerBuilder::build) checks
    /// the settings together, so that no sealer exists in a configuration that cannot work.
    #[deprecated(
        since = "0.2.0",
        note = "use `Sealer::builder(..).with_compression_level(..).build()`"
    )]
    #[must_use]
    pub fn with_compression_level(mut self, level: u32) -> Sealer {
        self.codec.level = level;
        self.checked()
    }

    /// Deprecated: [`SealerBuilder::with_dictionary`], whose [`build`](SealerBuilder::build) checks
    /// the settings together, so that no sealer exists in a configuration that cannot work.
    #[deprecated(
        since = "0.2.0",
        note = "use `Sealer::builder(..).with_dictionary(..).build()`"
    )]
    #[must_use]
    pub fn with_dictionary(mut self, dictionary: Dictionary) -> Sealer {
        self.codec.dictionary = Some(dictionary);
        self.checked()
    }

    /// Deprecated: [`SealerBuilder::with_previous_dictionary`], whose [`build`](SealerBuilder::build) checks
    /// the settings together, so that no sealer exists in a configuration that cannot work.
    #[deprecated(
        since = "0.2.0",
        note = "use `Sealer::builder(..).with_previous_dictionary(..).build()`"
    )]
    #[must_use]
    pub fn with_previous_dictionary(mut self, dictionary: Dictionary) -> Sealer {
        if !self.dictionaries().any(|known| *known == dictionary) {
            let mut previous = self.codec.previous_dictionaries.to_vec();
            previous.push(dictionary);
            self.codec.previous_dictionaries = previous.into();
        }
        self.checked()
    }

    /// Deprecated: [`SealerBuilder::with_revocations`], whose [`build`](SealerBuilder::build) checks
    /// the settings together, so that no sealer exists in a configuration that cannot work.
    #[deprecated(
        since = "0.2.0",
        note = "use `Sealer::builder(..).with_revocations(..).build()`"
    )]
    #[must_use]
    pub fn with_revocations(mut self, revocations: Arc<RevocationList>) -> Sealer {
        self.revocations = Some(revocations);
        self.checked()
    }

    /// The revocation list this sealer checks, if any: what a log-out handler revokes in.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use sealed_session::{Key, RevocationList, Sealer};
    ///
    /// let list = Arc::new(RevocationList::new(time::Duration::days(8)));
    /// let sealer = Sealer::builder(Key::generate(), "session").with_revocations(list.clone()).build()?;
    /// assert!(sealer.revocations().is_some_and(|it| Arc::ptr_eq(it, &list)));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn revocations(&self) -> Option<&Arc<RevocationList>> {
        self.revocations.as_ref()
    }

    /// The purpose this sealer was built for.
    ///
    /// ```
    /// let sealer = sealed_session::Sealer::new(sealed_session::Key::generate(), "session");
    /// assert_eq!(sealer.purpose(), "session");
    /// ```
    #[must_use]
    pub fn purpose(&self) -> &str {
        &self.codec.purpose
    }

    /// The TTL given to new tokens.
    ///
    /// ```
    /// let sealer = sealed_session::Sealer::new(sealed_session::Key::generate(), "session");
    /// assert_eq!(sealer.ttl(), time::Duration::hours(24));
    /// ```
    #[must_use]
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The absolute lifetime of a session.
    ///
    /// ```
    /// let sealer = sealed_session::Sealer::new(sealed_session::Key::generate(), "session");
    /// assert_eq!(sealer.max_lifetime(), time::Duration::days(7));
    /// ```
    #[must_use]
    pub fn max_lifetime(&self) -> Duration {
        self.max_lifetime
    }

    /// The clock skew tolerated on expiry and issued-at.
    ///
    /// ```
    /// let sealer = sealed_session::Sealer::new(sealed_session::Key::generate(), "session");
    /// assert_eq!(sealer.leeway(), time::Duration::seconds(60));
    /// ```
    #[must_use]
    pub fn leeway(&self) -> Duration {
        self.leeway
    }

    /// The dictionary new tokens are compressed with, if any.
    ///
    /// ```
    /// let sealer = sealed_session::Sealer::new(sealed_session::Key::generate(), "session");
    /// assert!(sealer.dictionary().is_none());
    /// ```
    #[must_use]
    pub fn dictionary(&self) -> Option<&Dictionary> {
        self.codec.dictionary.as_ref()
    }

    /// Every dictionary that opens tokens: the current one first, then the previous ones.
    pub(crate) fn dictionaries(&self) -> impl Iterator<Item = &Dictionary> {
        self.codec.dictionaries()
    }

    /// The JWE keys of this sealer's purpose as a JWK Set (RFC 7517) of `oct` keys, current key
    /// first: what another service needs to decrypt (and to forge) this purpose's JWE tokens.
    /// Each key's members are written in one fixed order, `alg`, `k`, `kid`, `kty`, `use`
    /// (`docs/FORMAT.md` documents it), whatever features serde_json is built with.
    ///
    /// **Secret**: whoever holds it can read and make sessions of this purpose. Give it only to
    /// services you trust as much as this one, over a secret channel. It opens no compact token
    /// and no other purpose's token (each is a key of its own, derived from the keyring).
    ///
    /// ```
    /// use sealed_session::{Key, Sealer};
    ///
    /// let sealer = Sealer::new(Key::generate(), "session");
    /// let set: serde_json::Value = serde_json::from_str(&sealer.export_jwe_secret_keys())?;
    /// assert_eq!(set["keys"][0]["kty"], "oct");
    /// assert_eq!(set["keys"][0]["alg"], "dir");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn export_jwe_secret_keys(&self) -> String {
        crate::token::jwk_set(&self.codec)
    }

    /// A [`Format::Jwe`](crate::Format::Jwe) sealer whose JWE key is `key` itself, not a
    /// key derived from it: for tokens another implementation seals with a key it shares as an
    /// `oct` JWK (read its `k` with [`crate::Key::from_base64`]). Its `kid` is `key`'s
    /// [`crate::Key::id`]; tokens without a `kid` open too.
    ///
    /// Nothing binds such a key to `purpose`: use each shared key for one purpose only.
    /// Between Rust services, prefer [`Sealer::builder`] with
    /// [`SealerBuilder::with_format`], whose JWE key is bound to the purpose. For other
    /// settings, [`Sealer::to_builder`].
    ///
    /// ```
    /// use sealed_session::{Format, Key, Sealer};
    ///
    /// let shared = Key::generate(); // as received: Key::from_base64(&jwk_k)?
    /// let sealer = Sealer::from_jwe_key(shared, "session");
    /// assert_eq!(sealer.format(), Format::Jwe);
    /// let token = sealer.seal("alice", &7u8)?;
    /// assert_eq!(*sealer.open::<u8>(&token)?.state(), 7);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn from_jwe_key(key: Key, purpose: &str) -> Sealer {
        let mut sealer = Sealer::builder(key.clone(), purpose)
            .with_format(Format::Jwe)
            .build()
            .expect("valid settings");
        crate::token::use_raw_jwe_key(&mut sealer.codec, key.bytes());
        sealer
    }
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealer")
            .field("purpose", &self.codec.purpose)
            .field("format", &self.codec.format)
            .field("aead", &crate::aead::BACKEND)
            .field(
                "key_ids",
                &self.codec.keys.iter().map(|key| key.id).collect::<Vec<_>>(),
            )
            .field("ttl", &self.ttl)
            .field("max_lifetime", &self.max_lifetime)
            .field("leeway", &self.leeway)
            .field("max_token_len", &self.codec.max_token_len)
            .field("max_state_len", &self.codec.max_state_len)
            .field("compression", &self.codec.compression)
            .field("level", &self.codec.level)
            .field(
                "dictionary_ids",
                &self.dictionaries().map(Dictionary::id).collect::<Vec<_>>(),
            )
            .field("revocations", &self.revocations.is_some())
            .field("config_error", &self.config_error)
            .finish()
    }
}

/// A token just sealed, and the session it carries ([`Sealer::start_session`],
/// [`Sealer::roll_session`]). `Debug` shows the session, never the token: a token is a bearer
/// credential.
pub struct Sealed<T> {
    /// The token: the cookie value, or the JWE.
    pub token: String,
    /// The session the token carries: its subject, id, state and times.
    pub session: Session<T>,
}

impl<T: fmt::Debug> fmt::Debug for Sealed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealed")
            .field("token", &"***")
            .field("session", &self.session)
            .finish()
    }
}
