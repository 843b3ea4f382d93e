//! [`SealerBuilder`]: settings first, then one `build()` that checks them all, so that a
//! [`Sealer`] in a configuration that cannot work never exists (as rustls' config builder).

use std::sync::Arc;

use time::Duration;

use super::{Format, Sealer};
use crate::Error;
use crate::compress::{Compression, Dictionary};
use crate::key::Keyring;
use crate::revocation::RevocationList;

/// Builds a [`Sealer`]: the settings, then [`SealerBuilder::build`], which checks them together
/// and returns the sealer, or the reason it could not work. Every setting has a default.
///
/// ```
/// use std::sync::Arc;
/// use sealed_session::{Duration, Error, Key, RevocationList, Sealer};
///
/// let list = Arc::new(RevocationList::new(Duration::days(8)));
/// let sealer = Sealer::builder(Key::generate(), "session")
///     .with_ttl(Duration::hours(8))
///     .with_revocations(list)
///     .build()?;
/// assert_eq!(sealer.ttl(), Duration::hours(8));
///
/// let short = Arc::new(RevocationList::new(Duration::hours(1)));
/// let refused = Sealer::builder(Key::generate(), "session").with_revocations(short).build();
/// assert!(matches!(refused, Err(Error::Config(_)))); // a 7-day lifetime outlives the list
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct SealerBuilder {
    sealer: Sealer,
}

// The deprecated `Sealer` setters are this builder's implementation until they go.
#[allow(deprecated)]
impl SealerBuilder {
    pub(super) fn new(keyring: impl Into<Keyring>, purpose: &str) -> SealerBuilder {
        SealerBuilder::from_sealer(Sealer::new(keyring, purpose))
    }

    /// Settings on top of `sealer`'s (valid: a sealer of default settings).
    pub(super) fn from_sealer(sealer: Sealer) -> SealerBuilder {
        SealerBuilder { sealer }
    }

    /// The text form of the tokens: [`Format::Compact`] (the default) or, with the `jwt`
    /// feature, [`Format::Jwe`]. The sealer then seals, reseals and opens that format only.
    ///
    /// A JWE sealer refuses a [`Dictionary`] ([`Error::Config`]): other implementations could
    /// not inflate its tokens. Its times are whole seconds, as JWT times are: a token is issued
    /// at the second it is sealed in, and expires at a whole second (at most a second before
    /// the TTL is up).
    ///
    /// ```
    /// use sealed_session::{Format, Key, Sealer};
    /// let sealer = Sealer::builder(Key::generate(), "session").with_format(Format::Compact).build()?;
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn with_format(self, format: Format) -> SealerBuilder {
        SealerBuilder {
            sealer: self.sealer.with_format(format),
        }
    }

    /// How long a token stays valid after it is sealed or resealed: the idle timeout. Defaults
    /// to 24 hours.
    ///
    /// There is always a TTL: a token that never expires can never be taken back once the
    /// revocation list forgets it. A zero or negative TTL, or one above 34 years, makes `seal`
    /// and `open` fail with [`Error::Config`], and so does an expiry past the year 9999 (at
    /// `seal`, from the time of sealing). A token never outlives the session's maximum lifetime
    /// ([`SealerBuilder::with_max_lifetime`](crate::SealerBuilder::with_max_lifetime)), whatever the TTL.
    ///
    /// ```
    /// let sealer = sealed_session::Sealer::builder(sealed_session::Key::generate(), "session")
    ///     .with_ttl(time::Duration::minutes(30)).build()?;
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn with_ttl(self, ttl: Duration) -> SealerBuilder {
        SealerBuilder {
            sealer: self.sealer.with_ttl(ttl),
        }
    }

    /// The absolute lifetime of a session, counted from the login (its
    /// [`Session::authenticated_at`](crate::Session::authenticated_at)), however often it is resealed. Defaults to 7 days.
    ///
    /// `open` refuses a token whose session is older than this (plus the leeway) with
    /// [`Error::LifetimeExceeded`] — "log in again", told apart from [`Error::Expired`], "idle
    /// too long" — and `reseal` never sets an expiry past it. A stolen token can therefore be
    /// rolled for this long at most. Seven days: an active user logs in again once a week,
    /// which suits most consumer sites; for sensitive applications set hours (OWASP's session
    /// cheat sheet suggests 4 to 8 hours for office applications). A revocation list must
    /// remember revocations this long plus the leeway (its horizon).
    ///
    /// ```
    /// let sealer = sealed_session::Sealer::builder(sealed_session::Key::generate(), "session")
    ///     .with_ttl(time::Duration::minutes(30))
    ///     .with_max_lifetime(time::Duration::hours(8)).build()?;
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn with_max_lifetime(self, max_lifetime: Duration) -> SealerBuilder {
        SealerBuilder {
            sealer: self.sealer.with_max_lifetime(max_lifetime),
        }
    }

    /// Clock skew tolerated between the servers that seal and open. Defaults to 60 seconds.
    ///
    /// A token still opens up to this long after it expires (or its session reaches its
    /// maximum lifetime), and opens when its issued-at lies up to this far in the future. A
    /// negative leeway counts as zero; one above [`Sealer::MAX_LEEWAY`] (one hour) makes `seal` and
    /// `open` fail with [`Error::Config`].
    ///
    /// ```
    /// let sealer = sealed_session::Sealer::builder(sealed_session::Key::generate(), "session")
    ///     .with_leeway(time::Duration::seconds(5)).build()?;
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn with_leeway(self, leeway: Duration) -> SealerBuilder {
        SealerBuilder {
            sealer: self.sealer.with_leeway(leeway),
        }
    }

    /// The longest token, in characters (a token is ASCII, so characters and bytes agree).
    /// Defaults to 4000, which fits one cookie.
    ///
    /// `seal` refuses to produce a longer token and `open` refuses longer input before decoding
    /// it, both with [`Error::TooLarge`].
    ///
    /// ```
    /// let sealer = sealed_session::Sealer::builder(sealed_session::Key::generate(), "session")
    ///     .with_max_token_len(2048).build()?;
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn with_max_token_len(self, max_token_len: usize) -> SealerBuilder {
        SealerBuilder {
            sealer: self.sealer.with_max_token_len(max_token_len),
        }
    }

    /// The largest plaintext: the whole envelope (the state as JSON with its subject, times and
    /// id, 34 bytes more than the subject and the JSON), before compression. A plaintext of
    /// exactly this size passes. Defaults to 64 KiB.
    ///
    /// Opening stops inflating at this size, so a small token that would decompress to
    /// gigabytes costs no more than this much memory; past it, [`Error::TooLarge`]. Each thread
    /// that opens compressed tokens keeps its inflate buffer for the next one: a power of two
    /// large enough for the largest state it has inflated (and at least four times that token's
    /// compressed payload), never more than this limit plus one byte.
    ///
    /// ```
    /// let sealer = sealed_session::Sealer::builder(sealed_session::Key::generate(), "session")
    ///     .with_max_state_len(16 * 1024).build()?;
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn with_max_state_len(self, max_state_len: usize) -> SealerBuilder {
        SealerBuilder {
            sealer: self.sealer.with_max_state_len(max_state_len),
        }
    }

    /// When to compress. Defaults to [`Compression::Auto`]; see [`Compression`] for when to
    /// turn it off.
    ///
    /// ```
    /// use sealed_session::{Compression, Key, Sealer};
    /// let sealer = Sealer::builder(Key::generate(), "session").with_compression(Compression::Never).build()?;
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn with_compression(self, compression: Compression) -> SealerBuilder {
        SealerBuilder {
            sealer: self.sealer.with_compression(compression),
        }
    }

    /// The DEFLATE level, 1 (fastest) to 9 (smallest), for plaintexts of 256 bytes and more
    /// (shorter ones always use level 1, on the hot path of a request). Defaults to
    /// [`Compression::DEFAULT_LEVEL`], 2, the first level with lazy matching: on the benchmark's
    /// session JSON of 1 to 3.5 KB it makes streams 3 to 5% shorter than level 1 with a
    /// dictionary, for 9 to 19% more compression time; levels above it save at most 1% more for
    /// up to 66% more time (docs/PERFORMANCE.md). A token's size is paid on every request, its
    /// seal only when the session changes or rolls; opening costs the same at every level.
    /// Another level makes `seal` fail with [`Error::Config`]. Openers read every level.
    ///
    /// ```
    /// let sealer = sealed_session::Sealer::builder(sealed_session::Key::generate(), "session")
    ///     .with_compression_level(1).build()?;
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn with_compression_level(self, level: u32) -> SealerBuilder {
        SealerBuilder {
            sealer: self.sealer.with_compression_level(level),
        }
    }

    /// Compresses new tokens starting from `dictionary` (see [`Dictionary`] for how to make a
    /// good one), so that small states shrink too. Under [`Compression::Auto`], every state is
    /// then compressed whenever that makes the token shorter.
    ///
    /// The dictionary is named in each token's header (2 bytes) and its digest is
    /// authenticated; an opener needs the same dictionary, and answers
    /// [`Error::UnknownDictionary`] for a token compressed with one it does not have. To ship a
    /// new dictionary, keep the old one with [`SealerBuilder::with_previous_dictionary`](crate::SealerBuilder::with_previous_dictionary) until the
    /// tokens it compressed have expired (the maximum lifetime plus the leeway). Replaces the
    /// current dictionary, if any (keep that one as previous too, if tokens still use it).
    ///
    /// ```
    /// use sealed_session::{Dictionary, Key, Sealer};
    ///
    /// let old = Dictionary::new(r#"{"user_id":0,"roles":[]}"#);
    /// let new = Dictionary::new(r#"{"user_id":0,"roles":[],"theme":"dark"}"#);
    /// let key = Key::generate();
    /// let token = Sealer::builder(key.clone(), "session").with_dictionary(old.clone()).build()?.seal("a", &())?;
    /// let sealer = Sealer::builder(key, "session").with_dictionary(new).with_previous_dictionary(old).build()?;
    /// assert!(sealer.open::<()>(&token).is_ok());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn with_dictionary(self, dictionary: Dictionary) -> SealerBuilder {
        SealerBuilder {
            sealer: self.sealer.with_dictionary(dictionary),
        }
    }

    /// Adds a dictionary that still opens the tokens it compressed, but compresses no new ones.
    /// Adding one that is already present does nothing.
    ///
    /// ```
    /// use sealed_session::{Dictionary, Key, Sealer};
    /// let sealer = Sealer::builder(Key::generate(), "session")
    ///     .with_dictionary(Dictionary::new("{\"v\":2}"))
    ///     .with_previous_dictionary(Dictionary::new("{\"v\":1}")).build()?;
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn with_previous_dictionary(self, dictionary: Dictionary) -> SealerBuilder {
        SealerBuilder {
            sealer: self.sealer.with_previous_dictionary(dictionary),
        }
    }

    /// Checks every opened token against `revocations`, and starts new sessions after their
    /// subject's last revocation, so that logging in right after "log out everywhere" works.
    ///
    /// The list's horizon must cover this sealer's maximum lifetime plus leeway; `seal`,
    /// `reseal` and `open` fail with [`Error::Config`] otherwise (see [`Sealer::validate`]),
    /// since the list could forget a revocation while a session it rejects is still alive. And
    /// since a token may have been sealed elsewhere with other settings, `open` also refuses,
    /// with [`Error::Config`], every token whose lifetime (from its session's login to its
    /// expiry) plus this sealer's leeway exceeds the horizon: it fails closed rather than trust
    /// a list that may already have forgotten the token's revocation.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use sealed_session::{Error, Key, RevocationList, Sealer};
    /// use time::Duration;
    ///
    /// let revocations = Arc::new(RevocationList::new(Duration::days(8)));
    /// let sealer = Sealer::builder(Key::generate(), "session").with_revocations(revocations.clone()).build()?;
    /// let token = sealer.seal("alice", &())?;
    /// revocations.revoke_user("alice"); // log out everywhere
    /// assert_eq!(sealer.open::<()>(&token).unwrap_err(), Error::Revoked);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn with_revocations(self, revocations: Arc<RevocationList>) -> SealerBuilder {
        SealerBuilder {
            sealer: self.sealer.with_revocations(revocations),
        }
    }

    /// The sealer, once every setting has been checked together.
    ///
    /// # Errors
    ///
    /// [`Error::Config`], saying which setting cannot work: see [`Sealer::validate`].
    ///
    /// ```
    /// use sealed_session::{Duration, Key, Sealer};
    ///
    /// let sealer = Sealer::builder(Key::generate(), "session").build()?;
    /// assert!(Sealer::builder(Key::generate(), "session").with_ttl(Duration::ZERO).build().is_err());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn build(self) -> Result<Sealer, Error> {
        self.sealer.validate()?;
        Ok(self.sealer)
    }
}

impl std::fmt::Debug for SealerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealerBuilder")
            .field("sealer", &self.sealer)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Key;

    /// Every setting that `validate` refuses, `build` refuses: no sealer in a configuration
    /// that cannot work comes out of a builder; and one that can, works.
    #[test]
    fn build_refuses_every_configuration_that_cannot_work() {
        let key = Key::generate();
        let builder = || Sealer::builder(key.clone(), "session");
        let dictionary = Dictionary::new(b"{\"roles\":[\"admin\"]}".to_vec());
        let bad = [
            builder().with_ttl(Duration::ZERO),
            builder().with_max_lifetime(Duration::seconds(-1)),
            builder().with_ttl(Duration::days(366 * 35)),
            builder().with_leeway(Duration::hours(2)),
            builder().with_compression_level(0),
            builder().with_compression_level(10),
            builder()
                .with_format(Format::Jwe)
                .with_dictionary(dictionary.clone()),
            builder().with_revocations(Arc::new(RevocationList::new(Duration::hours(1)))),
        ];
        for builder in bad {
            let shown = format!("{builder:?}");
            assert!(matches!(builder.build(), Err(Error::Config(_))), "{shown}");
        }
        let sealer = builder()
            .with_ttl(Duration::hours(1))
            .with_max_lifetime(Duration::hours(2))
            .with_dictionary(dictionary)
            .with_revocations(Arc::new(RevocationList::new(Duration::hours(3))))
            .build()
            .expect("a configuration that works");
        let token = sealer.seal("alice", &1u8).expect("seals");
        assert_eq!(*sealer.open::<u8>(&token).expect("opens").state(), 1);
        assert_eq!(sealer.max_lifetime(), Duration::hours(2));
    }
}
