//! The replication seam: one [`Revocation`] as lists exchange it, and the methods a sync uses
//! to read what is revoked here and apply what is revoked elsewhere.

use std::sync::PoisonError;
use std::sync::atomic::Ordering;

use time::Duration;

use super::store::{Entry, hash_of_bytes};
use super::{MAX_AHEAD_MILLIS, RevocationList};
use crate::Error;
use crate::session::{MAX_MILLIS, MIN_MILLIS, duration_millis};

/// One revocation as lists exchange it ([`RevocationList::take_outgoing`],
/// [`RevocationList::apply`]): a user's or a session's, the keyed hash of the subject or the
/// session id (never the subject or the id itself: lists that share it are made with
/// [`RevocationList::new_shared`]), and its time in Unix milliseconds.
///
/// ```
/// use sealed_session::revocation::Revocation;
///
/// let revocation = Revocation::user([7; 16], 1_906_545_600_000).expect("a time in range");
/// assert!(revocation.is_user());
/// assert_eq!(revocation.at_millis(), 1_906_545_600_000);
/// assert!(Revocation::user([7; 16], i64::MAX).is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Revocation {
    pub(super) user: bool,
    pub(super) hash: [u8; 16],
    pub(super) at: i64,
}

impl Revocation {
    /// A user's revocation ("log out everywhere" at `at_millis`), or `None` for a time outside
    /// the years 1 to 9999.
    ///
    /// ```
    /// let revocation = sealed_session::revocation::Revocation::user([1; 16], 0);
    /// assert!(revocation.is_some());
    /// ```
    #[must_use]
    pub fn user(hash: [u8; 16], at_millis: i64) -> Option<Revocation> {
        Revocation::of(true, hash, at_millis)
    }

    /// A session's revocation (the session began at `at_millis`), or `None` for a time outside
    /// the years 1 to 9999.
    ///
    /// ```
    /// let revocation = sealed_session::revocation::Revocation::session([1; 16], 0);
    /// assert!(!revocation.expect("in range").is_user());
    /// ```
    #[must_use]
    pub fn session(hash: [u8; 16], at_millis: i64) -> Option<Revocation> {
        Revocation::of(false, hash, at_millis)
    }

    fn of(user: bool, hash: [u8; 16], at: i64) -> Option<Revocation> {
        (MIN_MILLIS..=MAX_MILLIS)
            .contains(&at)
            .then_some(Revocation { user, hash, at })
    }

    /// Whether it revokes a user (else one session).
    ///
    /// ```
    /// let revocation = sealed_session::revocation::Revocation::user([1; 16], 0).expect("in range");
    /// assert!(revocation.is_user());
    /// ```
    #[must_use]
    pub fn is_user(&self) -> bool {
        self.user
    }

    /// What it revokes, as text: `u` (a user) or `s` (a session), then the keyed hash in 32
    /// lowercase hex digits. A store of revocations keys them by it (the Redis sync's members).
    ///
    /// ```
    /// use sealed_session::revocation::Revocation;
    ///
    /// let revocation = Revocation::session([0xab; 16], 5).expect("in range");
    /// assert_eq!(revocation.label(), format!("s{}", "ab".repeat(16)));
    /// assert_eq!(Revocation::from_label(&revocation.label(), 5), Some(revocation));
    /// ```
    #[must_use]
    pub fn label(&self) -> String {
        let kind = if self.user { 'u' } else { 's' };
        format!("{kind}{}", crate::text::LowerHex(&self.hash))
    }

    /// The revocation a [`label`](Revocation::label) names, at `at_millis`; `None` for any
    /// other text or a time outside the years 1 to 9999.
    ///
    /// ```
    /// use sealed_session::revocation::Revocation;
    ///
    /// let label = format!("u{}", "01".repeat(16));
    /// assert!(Revocation::from_label(&label, 0).expect("a label").is_user());
    /// assert_eq!(Revocation::from_label("x", 0), None);
    /// assert_eq!(Revocation::from_label(&label.to_uppercase(), 0), None);
    /// ```
    #[must_use]
    pub fn from_label(label: &str, at_millis: i64) -> Option<Revocation> {
        let (kind, hex) = label.as_bytes().split_first()?;
        let hash = crate::text::lower_hex(hex)?;
        match kind {
            b'u' => Revocation::user(hash, at_millis),
            b's' => Revocation::session(hash, at_millis),
            _ => None,
        }
    }

    /// The keyed hash of the subject or the session id.
    ///
    /// ```
    /// let revocation = sealed_session::revocation::Revocation::user([1; 16], 0).expect("in range");
    /// assert_eq!(revocation.hash(), [1; 16]);
    /// ```
    #[must_use]
    pub fn hash(&self) -> [u8; 16] {
        self.hash
    }

    /// Its time: a user's revocation, or the start of a revoked session (Unix ms).
    ///
    /// ```
    /// let revocation = sealed_session::revocation::Revocation::user([1; 16], 5).expect("in range");
    /// assert_eq!(revocation.at_millis(), 5);
    /// ```
    #[must_use]
    pub fn at_millis(&self) -> i64 {
        self.at
    }
}

/// What [`RevocationList::apply`] did with a revocation from elsewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Applied {
    /// Applied at its time.
    AsGiven,
    /// Dated more than [`RevocationList::MAX_AHEAD`] after this list's clock: applied at that
    /// bound.
    AtTheBound,
    /// Dated more than an hour after this list's clock ([`Sealer::MAX_LEEWAY`](crate::Sealer::MAX_LEEWAY)), which no clock
    /// of a fleet is: not applied.
    TooFarAhead,
}

/// Replication: the seam through which code that keeps many lists in step (the `redis`
/// module, or a sync of your own) reads the revocations made here and applies those made
/// elsewhere. A sync calls [`RevocationList::start_outbox`] once, then repeatedly publishes
/// [`RevocationList::take_outgoing`] (handing back with [`RevocationList::return_outgoing`]
/// what it could not publish) and [`RevocationList::apply`]s what others published. Only
/// keyed hashes travel, so lists that share revocations share their hash key
/// ([`RevocationList::new_shared`]).
impl RevocationList {
    /// How far after this list's clock a revocation [`RevocationList::apply`] takes may lie:
    /// one minute. Clocks of a fleet a few seconds apart, and `revoke_user`'s step to the next
    /// whole second, fit well within it; it is the default leeway, so that a session started
    /// right after such a revocation is not refused as not yet valid.
    pub const MAX_AHEAD: Duration = Duration::milliseconds(MAX_AHEAD_MILLIS);

    /// Sets how far the fleet's clock is ahead of this host's (negative: behind), as a sync
    /// measures it against a clock every instance reads (the Redis sync: Redis's `TIME`, at
    /// each load). From then on, this list and every [`crate::Sealer`] it is attached to read
    /// the time as the host's clock plus `offset` ([`RevocationList::now`]): revocations,
    /// logins, expiries and roll times are dated on one clock across the fleet.
    ///
    /// Why: a revocation rejects what began before it, so dates from different hosts are
    /// compared. On a host whose clock is 30 s ahead, a login made a second before a "log out
    /// everywhere" elsewhere would be dated 29 s after it and escape it; on one 30 s behind,
    /// its own "log out everywhere" would miss sessions begun in the 30 s before. Offsets
    /// beyond [`crate::Sealer::MAX_LEEWAY`] (one hour) are refused with [`Error::Config`] and
    /// change nothing: a clock that far off is a fault to repair, not to follow.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for an offset beyond an hour either way.
    ///
    /// ```
    /// use sealed_session::RevocationList;
    /// use time::Duration;
    ///
    /// let list = RevocationList::new(Duration::days(8));
    /// list.set_clock_offset(Duration::seconds(-30))?; // this host is 30 s ahead
    /// assert_eq!(list.clock_offset(), Duration::seconds(-30));
    /// assert!(list.now() < time::OffsetDateTime::now_utc() - Duration::seconds(29));
    /// assert!(list.set_clock_offset(Duration::hours(2)).is_err());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn set_clock_offset(&self, offset: Duration) -> Result<(), Error> {
        if offset.abs() > crate::Sealer::MAX_LEEWAY {
            return Err(Error::Config(
                "a clock offset of more than an hour: repair the clock (this host's or the reference's)",
            ));
        }
        self.clock_offset_ms
            .store(duration_millis(offset), Ordering::Release);
        Ok(())
    }

    /// The offset set by [`RevocationList::set_clock_offset`]; zero until then.
    ///
    /// ```
    /// let list = sealed_session::RevocationList::new(time::Duration::days(8));
    /// assert_eq!(list.clock_offset(), time::Duration::ZERO);
    /// ```
    #[must_use]
    pub fn clock_offset(&self) -> Duration {
        Duration::milliseconds(self.clock_offset_ms.load(Ordering::Acquire))
    }

    /// Starts collecting the revocations made here (by `revoke_user` and the others, whoever
    /// calls them), for [`RevocationList::take_outgoing`]. Until then none is kept.
    ///
    /// ```
    /// let list = sealed_session::RevocationList::new(time::Duration::days(8));
    /// list.revoke_user("before"); // not collected
    /// list.start_outbox();
    /// list.revoke_user("alice");
    /// assert_eq!(list.take_outgoing().len(), 1);
    /// ```
    pub fn start_outbox(&self) {
        let mut outbox = self.outbox.lock().unwrap_or_else(PoisonError::into_inner);
        outbox.get_or_insert_with(Vec::new);
    }

    /// The revocations made here since the last call, oldest first.
    ///
    /// ```
    /// let list = sealed_session::RevocationList::new(time::Duration::days(8));
    /// list.start_outbox();
    /// list.revoke_user("alice");
    /// let outgoing = list.take_outgoing();
    /// assert!(outgoing[0].is_user());
    /// assert!(list.take_outgoing().is_empty());
    /// ```
    #[must_use]
    pub fn take_outgoing(&self) -> Vec<Revocation> {
        let mut outbox = self.outbox.lock().unwrap_or_else(PoisonError::into_inner);
        outbox.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Puts back revocations that could not be published, before any made since, so that the
    /// next [`RevocationList::take_outgoing`] returns them again, in order.
    ///
    /// ```
    /// let list = sealed_session::RevocationList::new(time::Duration::days(8));
    /// list.start_outbox();
    /// list.revoke_user("alice");
    /// let unsent = list.take_outgoing();
    /// list.return_outgoing(unsent);
    /// assert_eq!(list.outgoing_len(), 1);
    /// ```
    pub fn return_outgoing(&self, mut unsent: Vec<Revocation>) {
        let mut outbox = self.outbox.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(outbox) = outbox.as_mut() {
            unsent.append(outbox);
            *outbox = unsent;
        }
    }

    /// How many revocations wait in the outbox.
    ///
    /// ```
    /// let list = sealed_session::RevocationList::new(time::Duration::days(8));
    /// assert_eq!(list.outgoing_len(), 0);
    /// ```
    #[must_use]
    pub fn outgoing_len(&self) -> usize {
        let outbox = self.outbox.lock().unwrap_or_else(PoisonError::into_inner);
        outbox.as_ref().map_or(0, Vec::len)
    }

    /// Applies a revocation made elsewhere: idempotent, and never moves a time back (a user's
    /// revocation and a session's start keep the later of the two). Not put in the outbox.
    ///
    /// A time more than [`RevocationList::MAX_AHEAD`] after this list's clock is applied at
    /// that bound ([`Applied::AtTheBound`]): the entry still rejects every session that exists
    /// now, so nothing revoked gets back in, and its user can log in again within a minute. A
    /// time more than [`Sealer::MAX_LEEWAY`](crate::Sealer::MAX_LEEWAY) (an hour) ahead is no clock of a fleet: it is not
    /// applied ([`Applied::TooFarAhead`]). So a time far in the future, written into a shared
    /// store by mistake or on purpose, can neither keep a user from logging in for years nor,
    /// folded at the cap, lock every user out: a fold never moves the watermark more than a
    /// minute past now.
    ///
    /// ```
    /// use sealed_session::RevocationList;
    /// use sealed_session::revocation::Applied;
    /// use time::Duration;
    ///
    /// let secret = sealed_session::Key::generate();
    /// let here = RevocationList::new_shared(Duration::days(8), &secret);
    /// let there = RevocationList::new_shared(Duration::days(8), &secret);
    /// here.start_outbox();
    /// here.revoke_user("alice");
    /// for revocation in here.take_outgoing() {
    ///     assert_eq!(there.apply(revocation), Applied::AsGiven);
    /// }
    /// assert_eq!(there.len(), 1);
    /// ```
    pub fn apply(&self, revocation: Revocation) -> Applied {
        let entry = if revocation.user {
            Entry::User
        } else {
            Entry::Session
        };
        let _writer = self.lock_writer();
        let now = self.now_millis();
        if revocation.at > now.saturating_add(duration_millis(crate::Sealer::MAX_LEEWAY)) {
            return Applied::TooFarAhead;
        }
        let bound = now.saturating_add(MAX_AHEAD_MILLIS);
        self.record(
            entry,
            hash_of_bytes(revocation.hash),
            revocation.at.min(bound),
        );
        if revocation.at > bound {
            Applied::AtTheBound
        } else {
            Applied::AsGiven
        }
    }

    /// Whether checks answer (`true`, the default) or refuse with
    /// [`crate::Error::RevocationsUnavailable`] (`false`): a sync that fails closed sets it to
    /// `false` until its first full load, so that no token revoked elsewhere passes meanwhile.
    ///
    /// ```
    /// use sealed_session::{Error, Key, RevocationList, Sealer};
    /// use std::sync::Arc;
    ///
    /// let list = Arc::new(RevocationList::new(time::Duration::days(8)));
    /// let sealer = Sealer::builder(Key::generate(), "session").with_revocations(list.clone()).build()?;
    /// let token = sealer.seal("alice", &())?;
    /// list.set_ready(false);
    /// assert_eq!(sealer.open::<()>(&token).unwrap_err(), Error::RevocationsUnavailable);
    /// list.set_ready(true);
    /// assert!(sealer.open::<()>(&token).is_ok());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Release);
    }

    /// Whether checks answer ([`RevocationList::set_ready`]).
    ///
    /// ```
    /// let list = sealed_session::RevocationList::new(time::Duration::days(8));
    /// assert!(list.is_ready());
    /// ```
    #[must_use]
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }
}
