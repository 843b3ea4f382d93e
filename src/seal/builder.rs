//! [`SealerBuilder`]: settings first, then one `build()` that checks them all, so that a
//! [`Sealer`] in a configuration that cannot work never exists (as rustls' config builder).

use std::sync::Arc;

use time::Duration;

use super::{Format, Sealer};
use crate::Error;
use crate::compress::{Compression, Dictionary};
use crate::key::Keyring;
use crate::revocation::RevocationList;

/// Builds a [`Sealer`]: each setting as [`Sealer`]'s `with_…` method of the same name
/// documents it, with the same defaults; [`SealerBuilder::build`] checks them together and
/// returns the sealer, or the reason it could not work.
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

/// Setters that hand their value to the `Sealer` method of the same name.
macro_rules! settings {
    ($($(#[$doc:meta])* $name:ident($value:ident: $type:ty);)+) => {
        $(
            $(#[$doc])*
            pub fn $name(self, $value: $type) -> SealerBuilder {
                SealerBuilder { sealer: self.sealer.$name($value) }
            }
        )+
    };
}

impl SealerBuilder {
    pub(super) fn new(keyring: impl Into<Keyring>, purpose: &str) -> SealerBuilder {
        SealerBuilder {
            sealer: Sealer::new(keyring, purpose),
        }
    }

    settings! {
        /// The token format: see [`Sealer::with_format`]. Defaults to [`Format::Compact`].
        with_format(format: Format);
        /// How long a token is valid: see [`Sealer::with_ttl`]. Defaults to 24 hours.
        with_ttl(ttl: Duration);
        /// The absolute lifetime of a session: see [`Sealer::with_max_lifetime`]. Defaults
        /// to 7 days.
        with_max_lifetime(max_lifetime: Duration);
        /// Clock skew tolerated: see [`Sealer::with_leeway`]. Defaults to 60 seconds.
        with_leeway(leeway: Duration);
        /// The longest token sealed or opened: see [`Sealer::with_max_token_len`]. Defaults
        /// to 4000 characters.
        with_max_token_len(max_token_len: usize);
        /// The largest plaintext: see [`Sealer::with_max_state_len`]. Defaults to 64 KiB.
        with_max_state_len(max_state_len: usize);
        /// When to compress: see [`Sealer::with_compression`]. Defaults to
        /// [`Compression::Auto`].
        with_compression(compression: Compression);
        /// The DEFLATE level, 1 to 9: see [`Sealer::with_compression_level`]. Defaults to 2.
        with_compression_level(level: u32);
        /// The preset dictionary new tokens use: see [`Sealer::with_dictionary`].
        with_dictionary(dictionary: Dictionary);
        /// A dictionary older tokens may use: see [`Sealer::with_previous_dictionary`].
        with_previous_dictionary(dictionary: Dictionary);
        /// The revocation list to check: see [`Sealer::with_revocations`].
        with_revocations(revocations: Arc<RevocationList>);
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
