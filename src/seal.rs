//! The compact sealed token: seal and open.
//!
//! ```text
//! token  = base64url-no-pad( header ‖ nonce ‖ ciphertext ‖ tag )
//! header = version (1 byte, 0x01) ‖ flags (1 byte; bit 0: payload is raw DEFLATE) ‖ key id (4 bytes)
//! nonce  = 24 random bytes (XChaCha20-Poly1305)
//! tag    = 16 bytes (Poly1305)
//! key    = HKDF-SHA256(ikm = key, salt = none, info = "sealed-session v1 token:" ‖ purpose)
//! AAD    = header ‖ purpose
//! plaintext = iat ‖ exp ‖ session id ‖ subject length ‖ subject ‖ state as JSON
//!             (see `claims.rs`), raw DEFLATE when flagged
//! ```
//! `docs/FORMAT.md` is the long form, with a worked example.

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::TryRngCore as _;
use serde::Serialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use time::{Duration, OffsetDateTime};
use zeroize::{Zeroize as _, Zeroizing};

use crate::Error;
use crate::aead::{self, NONCE_LEN, TAG_LEN};
use crate::claims::{
    self, MAX_MILLIS, SESSION_ID_LEN, Session, SessionId, duration_millis, now_millis, unix_millis,
};
use crate::compress::{self, AUTO_MIN_LEN, Compression};
use crate::key::{KEY_ID_LEN, KEY_LEN, KeyId, Keyring};
use crate::revocation::RevocationList;

/// The format version in the first byte of every token.
pub(crate) const VERSION: u8 = 1;
/// Flag bit: the payload is raw DEFLATE.
pub(crate) const FLAG_DEFLATE: u8 = 0x01;
/// version ‖ flags ‖ key id.
pub(crate) const HEADER_LEN: usize = 2 + KEY_ID_LEN;
/// Where the payload starts: after the header and the nonce.
pub(crate) const PAYLOAD_START: usize = HEADER_LEN + NONCE_LEN;
/// Bytes every token adds around its payload.
pub(crate) const OVERHEAD: usize = HEADER_LEN + NONCE_LEN + TAG_LEN;
const _: () = assert!(OVERHEAD == 46);

/// HKDF `info` prefix for the per-purpose sealing key.
pub(crate) const SUBKEY_INFO: &[u8] = b"sealed-session v1 token:";

/// Default lifetime of a token: 24 hours.
pub const DEFAULT_TTL: Duration = Duration::hours(24);
/// Default clock skew tolerated on expiry and issued-at: 60 seconds.
pub const DEFAULT_LEEWAY: Duration = Duration::seconds(60);
/// Default longest token, in characters: 4000, so that the token, a cookie name of up to 30
/// characters and the default cookie attributes fit the 4096 bytes every browser accepts.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 4000;
/// Default largest plaintext (serialized, uncompressed state with its envelope): 64 KiB.
pub const DEFAULT_MAX_STATE_LEN: usize = 64 * 1024;
/// The largest leeway a sealer accepts: one hour. Clocks further apart than that are broken, and
/// a larger leeway would keep expired tokens opening for longer than anyone expects.
pub const MAX_LEEWAY: Duration = Duration::hours(1);

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
/// let sealer = Sealer::new(key, "session").with_ttl(Duration::hours(8));
///
/// let token = sealer.seal("user-42", &("admin", 3))?;
/// let session = sealer.open::<(String, u32)>(&token)?;
/// assert_eq!(session.subject(), "user-42");
/// assert_eq!(session.state(), &("admin".to_string(), 3));
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Clone)]
pub struct Sealer {
    keys: Arc<[SealingKey]>,
    purpose: Arc<str>,
    ttl: Duration,
    leeway: Duration,
    max_token_len: usize,
    max_state_len: usize,
    compression: Compression,
    revocations: Option<Arc<RevocationList>>,
    /// What is wrong with the settings, if anything: found by every builder, reported by every
    /// `seal` and `open` (see [`Sealer::validate`]).
    config_error: Option<&'static str>,
}

/// One key of the keyring, prepared for this sealer's purpose.
struct SealingKey {
    id: KeyId,
    /// Boxed: collecting the keys into the `Arc` moves this struct, never the key bytes.
    subkey: Box<Zeroizing<[u8; KEY_LEN]>>,
    /// `header ‖ purpose` for flags 0 and for `FLAG_DEFLATE`: the header is fixed per key and flag.
    aad: [Box<[u8]>; 2],
}

impl SealingKey {
    fn header(&self, flags: u8) -> &[u8] {
        &self.aad[usize::from(flags & FLAG_DEFLATE)][..HEADER_LEN]
    }
}

/// Reusable per-thread buffers, so that sealing and opening allocate only what they return.
///
/// Every call wipes what it wrote before it returns (plaintext, compressed plaintext), so that
/// no session's state or CSRF token stays behind in a buffer between calls.
#[derive(Default)]
struct Scratch {
    /// The compressed plaintext, while sealing.
    packed: Vec<u8>,
    /// The token's bytes before base64 (sealing) or after it (opening).
    binary: Vec<u8>,
    /// The inflated plaintext, while opening.
    inflated: Vec<u8>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

fn with_scratch<R>(work: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            let result = work(&mut scratch);
            scratch.wipe();
            result
        }
        // Re-entered (a state's Serialize impl that seals): use fresh buffers.
        Err(_) => {
            let mut scratch = Scratch::default();
            let result = work(&mut scratch);
            scratch.wipe();
            result
        }
    })
}

impl Scratch {
    /// Zeroes what the last call wrote and empties the buffers, keeping their memory.
    ///
    /// `packed` and `binary` are written from their start and never past their length, so
    /// wiping up to the length wipes all they hold. The inflate buffer's length is its working
    /// room, of which a call wrote an unknown part: after a successful inflate `open` wipes the
    /// inflated bytes itself and sets `inflated_len`; anything else wipes the whole buffer.
    fn wipe(&mut self) {
        self.packed.as_mut_slice().zeroize();
        self.packed.clear();
        self.binary.as_mut_slice().zeroize();
        self.binary.clear();
    }
}

/// Fresh random bytes from the operating system, for every nonce and session id.
///
/// Straight from the OS on every call, never from a generator kept in the process: a process
/// that forks would otherwise hand its children the same generator state, and two tokens with
/// the same nonce under the same key (keystream and Poly1305-key reuse, which allows forgery).
/// It costs about 0.4 µs per seal on Linux 6.18 with glibc 2.36 (docs/PERFORMANCE.md), less
/// where the C library answers `getrandom` from the vDSO.
fn os_random<const N: usize>() -> Result<[u8; N], Error> {
    let mut bytes = [0u8; N];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|_| Error::Random)?;
    Ok(bytes)
}

impl Sealer {
    /// A sealer for `purpose` with the default settings: 24-hour TTL, 60 s leeway, 4000-character
    /// tokens, 64 KiB states, [`Compression::Auto`], no revocation list.
    ///
    /// A token sealed for one purpose never opens under another, even with the same key: the
    /// purpose selects the encryption subkey and is authenticated with every token.
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
            .map(|key| {
                let subkey = key.derive(&[SUBKEY_INFO, purpose.as_bytes()]);
                let aad = [0, FLAG_DEFLATE].map(|flags| {
                    let mut aad = Vec::with_capacity(HEADER_LEN + purpose.len());
                    aad.extend_from_slice(&[VERSION, flags]);
                    aad.extend_from_slice(key.id().as_bytes());
                    aad.extend_from_slice(purpose.as_bytes());
                    aad.into_boxed_slice()
                });
                SealingKey {
                    id: key.id(),
                    subkey,
                    aad,
                }
            })
            .collect();
        Sealer {
            keys,
            purpose: purpose.into(),
            ttl: DEFAULT_TTL,
            leeway: DEFAULT_LEEWAY,
            max_token_len: DEFAULT_MAX_TOKEN_LEN,
            max_state_len: DEFAULT_MAX_STATE_LEN,
            compression: Compression::Auto,
            revocations: None,
            config_error: None,
        }
    }

    /// Checks the settings against each other: what `seal` and `open` will report as
    /// [`Error::Config`] until the settings are fixed. Call it at start-up to fail early.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a TTL that is not positive, a leeway above [`MAX_LEEWAY`], or a
    /// revocation list whose horizon is shorter than the TTL plus the leeway.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use sealed_session::{Error, Key, RevocationList, Sealer};
    /// use time::Duration;
    ///
    /// let list = Arc::new(RevocationList::new(Duration::hours(2)));
    /// let sealer = Sealer::new(Key::generate(), "session").with_revocations(list);
    /// assert!(matches!(sealer.validate(), Err(Error::Config(_)))); // 24 h TTL, 2 h horizon
    /// assert!(sealer.with_ttl(Duration::hours(1)).validate().is_ok());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        self.config_error
            .map_or(Ok(()), |error| Err(Error::Config(error)))
    }

    /// Finds what is wrong with the settings; every builder calls it last.
    fn checked(mut self) -> Sealer {
        self.config_error =
            if duration_millis(self.ttl) <= 0 {
                Some("the TTL must be positive")
            } else if self.leeway > MAX_LEEWAY {
                Some("the leeway must be at most one hour")
            } else if self.revocations.as_ref().is_some_and(|revocations| {
                revocations.horizon() < self.ttl.saturating_add(self.leeway)
            }) {
                Some("the revocation horizon is shorter than the sealer's TTL plus leeway")
            } else {
                None
            };
        self
    }

    /// How long a token stays valid after it is sealed. Defaults to 24 hours.
    ///
    /// There is always a TTL: a token that never expires can never be taken back once the
    /// revocation list forgets it. A zero or negative TTL makes `seal` and `open` fail with
    /// [`Error::Config`], and so does a TTL that would put a token's expiry past the year 9999
    /// (at `seal`, from the time of sealing).
    ///
    /// ```
    /// let sealer = sealed_session::Sealer::new(sealed_session::Key::generate(), "session")
    ///     .with_ttl(time::Duration::minutes(30));
    /// ```
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> Sealer {
        self.ttl = ttl;
        self.checked()
    }

    /// Clock skew tolerated between the servers that seal and open. Defaults to 60 seconds.
    ///
    /// A token still opens up to this long after it expires, and opens when its issued-at lies
    /// up to this far in the future. A negative leeway counts as zero; one above [`MAX_LEEWAY`]
    /// (one hour) makes `seal` and `open` fail with [`Error::Config`].
    ///
    /// ```
    /// let sealer = sealed_session::Sealer::new(sealed_session::Key::generate(), "session")
    ///     .with_leeway(time::Duration::seconds(5));
    /// ```
    #[must_use]
    pub fn with_leeway(mut self, leeway: Duration) -> Sealer {
        self.leeway = leeway.max(Duration::ZERO);
        self.checked()
    }

    /// The longest token, in characters. Defaults to 4000, which fits one cookie.
    ///
    /// `seal` refuses to produce a longer token and `open` refuses longer input before decoding
    /// it, both with [`Error::TooLarge`].
    ///
    /// ```
    /// let sealer = sealed_session::Sealer::new(sealed_session::Key::generate(), "session")
    ///     .with_max_token_len(2048);
    /// ```
    #[must_use]
    pub fn with_max_token_len(mut self, max_token_len: usize) -> Sealer {
        self.max_token_len = max_token_len;
        self
    }

    /// The largest plaintext (the envelope: the state as JSON with its subject, times and id,
    /// before compression). Defaults to 64 KiB.
    ///
    /// Opening stops inflating at this size, so a small token that would decompress to
    /// gigabytes costs no more than this much memory; past it, [`Error::TooLarge`]. Each thread
    /// that opens compressed tokens keeps its inflate buffer for the next one: a power of two
    /// large enough for the largest state it has inflated (and at least four times that token's
    /// compressed payload), never more than this limit plus one byte.
    ///
    /// ```
    /// let sealer = sealed_session::Sealer::new(sealed_session::Key::generate(), "session")
    ///     .with_max_state_len(16 * 1024);
    /// ```
    #[must_use]
    pub fn with_max_state_len(mut self, max_state_len: usize) -> Sealer {
        self.max_state_len = max_state_len;
        self
    }

    /// When to compress. Defaults to [`Compression::Auto`]; see [`Compression`] for when to
    /// turn it off.
    ///
    /// ```
    /// use sealed_session::{Compression, Key, Sealer};
    /// let sealer = Sealer::new(Key::generate(), "session").with_compression(Compression::Never);
    /// ```
    #[must_use]
    pub fn with_compression(mut self, compression: Compression) -> Sealer {
        self.compression = compression;
        self
    }

    /// Checks every opened token against `revocations`, and issues new tokens after their
    /// subject's last revocation, so that logging in right after "log out everywhere" works.
    ///
    /// The list's horizon must cover this sealer's TTL plus leeway; `seal` and `open` fail with
    /// [`Error::Config`] otherwise (see [`Sealer::validate`]), since the list could forget a
    /// revocation while a token it rejects is still valid. And since a token may have been
    /// sealed elsewhere with a longer TTL, `open` also refuses, with [`Error::Config`], every
    /// token whose lifetime plus this sealer's leeway exceeds the horizon: it fails closed
    /// rather than trust a list that may already have forgotten the token's revocation.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use sealed_session::{Error, Key, RevocationList, Sealer};
    /// use time::Duration;
    ///
    /// let revocations = Arc::new(RevocationList::new(Duration::days(2)));
    /// let sealer = Sealer::new(Key::generate(), "session").with_revocations(revocations.clone());
    /// let token = sealer.seal("alice", &())?;
    /// revocations.revoke_user("alice"); // log out everywhere
    /// assert_eq!(sealer.open::<()>(&token).unwrap_err(), Error::Revoked);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn with_revocations(mut self, revocations: Arc<RevocationList>) -> Sealer {
        self.revocations = Some(revocations);
        self.checked()
    }

    /// The purpose this sealer was built for.
    ///
    /// ```
    /// let sealer = sealed_session::Sealer::new(sealed_session::Key::generate(), "session");
    /// assert_eq!(sealer.purpose(), "session");
    /// ```
    #[must_use]
    pub fn purpose(&self) -> &str {
        &self.purpose
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

    /// Seals `state` for `subject` (a user id), valid from now for the TTL.
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`] if the state, the subject ([`crate::MAX_SUBJECT_LEN`]) or the token
    /// exceeds its limit, [`Error::Serialize`] if the state cannot be written as JSON,
    /// [`Error::Config`] for settings that [`Sealer::validate`] refuses or an expiry past the
    /// year 9999, [`Error::Random`] if the operating system cannot supply randomness.
    ///
    /// ```
    /// let sealer = sealed_session::Sealer::new(sealed_session::Key::generate(), "session");
    /// let token = sealer.seal("user-42", &serde_json::json!({"roles": ["admin"]}))?;
    /// assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn seal<T: Serialize + ?Sized>(&self, subject: &str, state: &T) -> Result<String, Error> {
        self.seal_at_millis(subject, state, now_millis())
    }

    /// [`Sealer::seal`] as if the time were `now`.
    ///
    /// # Errors
    ///
    /// As [`Sealer::seal`].
    ///
    /// ```
    /// use time::macros::datetime;
    /// let sealer = sealed_session::Sealer::new(sealed_session::Key::generate(), "session");
    /// let token = sealer.seal_at("alice", &1u8, datetime!(2030-01-01 0:00 UTC))?;
    /// let session = sealer.open_at::<u8>(&token, datetime!(2030-01-01 12:00 UTC))?;
    /// assert_eq!(session.expires_at(), datetime!(2030-01-02 0:00 UTC));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn seal_at<T: Serialize + ?Sized>(
        &self,
        subject: &str,
        state: &T,
        now: OffsetDateTime,
    ) -> Result<String, Error> {
        self.seal_at_millis(subject, state, unix_millis(now))
    }

    fn seal_at_millis<T: Serialize + ?Sized>(
        &self,
        subject: &str,
        state: &T,
        now_ms: i64,
    ) -> Result<String, Error> {
        let random = os_random::<{ SESSION_ID_LEN + NONCE_LEN }>()?;
        let (sid, nonce) = random.split_at(SESSION_ID_LEN);
        let sid = SessionId(sid.try_into().map_err(|_| Error::Random)?);
        let nonce: &[u8; NONCE_LEN] = nonce.try_into().map_err(|_| Error::Random)?;
        self.seal_with(subject, state, now_ms, sid, nonce)
    }

    /// Seals with the given session id and nonce: the deterministic core of `seal_at`.
    pub(crate) fn seal_with<T: Serialize + ?Sized>(
        &self,
        subject: &str,
        state: &T,
        now_ms: i64,
        sid: SessionId,
        nonce: &[u8; NONCE_LEN],
    ) -> Result<String, Error> {
        self.validate()?;
        let ttl = duration_millis(self.ttl);
        let mut iat = now_ms;
        if let Some(revocations) = &self.revocations {
            // Issue after the subject's last revocation, even within the same millisecond.
            if let Some(floor) = revocations.issue_floor_millis(subject) {
                iat = iat.max(floor);
            }
        }
        let exp = iat.saturating_add(ttl);
        if exp > MAX_MILLIS {
            return Err(Error::Config("the token would expire after the year 9999"));
        }
        let key = &self.keys[0];
        with_scratch(|Scratch { packed, binary, .. }| {
            // header ‖ nonce ‖ plaintext, then encrypt the plaintext in place and append the tag.
            binary.clear();
            binary.extend_from_slice(key.header(0));
            binary.extend_from_slice(nonce);
            claims::write_envelope_head(binary, iat, exp, &sid, subject)?;
            let state_start = binary.len();
            serde_json::to_writer(&mut *binary, state).map_err(|_| Error::Serialize)?;
            let plaintext_len = binary.len() - PAYLOAD_START;
            if plaintext_len > self.max_state_len {
                return Err(Error::TooLarge);
            }

            // The threshold applies to the state's JSON, as documented, not to the envelope.
            let state_len = binary.len() - state_start;
            let budget = match self.compression {
                Compression::Never => None,
                Compression::Auto => (state_len >= AUTO_MIN_LEN).then(|| plaintext_len - 1),
                Compression::Always => Some(plaintext_len + plaintext_len / 1000 + 64),
            };
            let mut flags = 0;
            if let Some(budget) = budget {
                packed.clear();
                if compress::deflate_into(&binary[PAYLOAD_START..], packed, budget) {
                    binary.truncate(PAYLOAD_START);
                    binary.extend_from_slice(packed);
                    flags = FLAG_DEFLATE;
                }
            }
            binary[1] = flags;

            if encoded_len(binary.len() + TAG_LEN) > self.max_token_len {
                return Err(Error::TooLarge);
            }
            let aad = &key.aad[usize::from(flags)];
            let tag = aead::seal_in_place(&key.subkey, nonce, aad, &mut binary[PAYLOAD_START..]);
            binary.extend_from_slice(&tag);
            Ok(URL_SAFE_NO_PAD.encode(&binary))
        })
    }

    /// Opens a token: checks its length, decodes, authenticates, decrypts, inflates, parses,
    /// checks expiry and the revocation list, and returns the session.
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`], [`Error::Malformed`], [`Error::UnknownKey`], [`Error::Invalid`],
    /// [`Error::StateMismatch`], [`Error::Expired`], [`Error::NotYetValid`] or
    /// [`Error::Revoked`]: see [`Error`]. Log them; answer the client as if it were logged out.
    ///
    /// ```
    /// use sealed_session::{Error, Key, Sealer};
    ///
    /// let sealer = Sealer::new(Key::generate(), "session");
    /// let token = sealer.seal("alice", &42u64)?;
    /// assert_eq!(*sealer.open::<u64>(&token)?.state(), 42);
    /// assert_eq!(sealer.open::<String>(&token).unwrap_err(), Error::StateMismatch);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn open<T: DeserializeOwned>(&self, token: &str) -> Result<Session<T>, Error> {
        self.open_at_millis(token, now_millis())
    }

    /// [`Sealer::open`] as if the time were `now`.
    ///
    /// # Errors
    ///
    /// As [`Sealer::open`].
    ///
    /// ```
    /// use sealed_session::{Error, Key, Sealer};
    /// use time::{Duration, OffsetDateTime};
    ///
    /// let sealer = Sealer::new(Key::generate(), "session").with_ttl(Duration::hours(1));
    /// let now = OffsetDateTime::now_utc();
    /// let token = sealer.seal_at("alice", &(), now)?;
    /// let later = now + Duration::hours(2);
    /// assert_eq!(sealer.open_at::<()>(&token, later).unwrap_err(), Error::Expired);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn open_at<T: DeserializeOwned>(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<Session<T>, Error> {
        self.open_at_millis(token, unix_millis(now))
    }

    fn open_at_millis<T: DeserializeOwned>(
        &self,
        token: &str,
        now_ms: i64,
    ) -> Result<Session<T>, Error> {
        self.validate()?;
        if token.len() > self.max_token_len {
            return Err(Error::TooLarge);
        }
        with_scratch(|scratch| {
            let Scratch {
                binary, inflated, ..
            } = scratch;
            binary.clear();
            URL_SAFE_NO_PAD
                .decode_vec(token, binary)
                .map_err(|_| Error::Malformed)?;
            let flags = binary.get(1).copied().unwrap_or(0);
            let payload = self.authenticate(binary)?;
            if flags & FLAG_DEFLATE != 0 {
                let plaintext = match compress::inflate_into(payload, self.max_state_len, inflated)
                {
                    Ok(plaintext) => plaintext,
                    Err(error) => {
                        // How much of the room a failed stream wrote is unknown: wipe it all.
                        inflated.zeroize();
                        return Err(error);
                    }
                };
                let accepted = self.accept(plaintext, now_ms);
                let len = plaintext.len();
                inflated[..len].zeroize();
                accepted
            } else if payload.len() > self.max_state_len {
                Err(Error::TooLarge)
            } else {
                self.accept(payload, now_ms)
            }
        })
    }

    /// Reads the authentic plaintext, applies the time rules and the revocation list, and
    /// parses the state.
    fn accept<T: DeserializeOwned>(
        &self,
        plaintext: &[u8],
        now_ms: i64,
    ) -> Result<Session<T>, Error> {
        let envelope = claims::read_envelope(plaintext)?;
        let leeway = duration_millis(self.leeway);
        claims::check_times(envelope.iat, envelope.exp, now_ms, leeway)?;
        if let Some(revocations) = &self.revocations {
            // The list forgets a revocation one horizon after it: a token that lives longer
            // could outlive its revocation. Refuse it rather than trust the list (fail closed).
            let lifetime = envelope.exp.saturating_sub(envelope.iat);
            if lifetime.saturating_add(leeway) > duration_millis(revocations.horizon()) {
                return Err(Error::Config(
                    "a token's lifetime plus the leeway exceeds the revocation horizon",
                ));
            }
            revocations.check(envelope.subject, &envelope.sid, envelope.iat)?;
        }
        Ok(Session {
            issued_at_ms: claims::checked_millis(envelope.iat)?,
            expires_at_ms: claims::checked_millis(envelope.exp)?,
            subject: envelope.subject.to_owned(),
            state: parse_state(envelope.state)?,
            session_id: envelope.sid,
        })
    }

    /// Checks the header, picks the key by id and decrypts in place; returns the plaintext.
    fn authenticate<'b>(&self, binary: &'b mut [u8]) -> Result<&'b [u8], Error> {
        if binary.len() < OVERHEAD {
            return Err(Error::Malformed);
        }
        let (version, flags) = (binary[0], binary[1]);
        if version != VERSION || flags & !FLAG_DEFLATE != 0 {
            return Err(Error::Malformed);
        }
        let id: [u8; KEY_ID_LEN] = binary[2..HEADER_LEN]
            .try_into()
            .map_err(|_| Error::Malformed)?;
        let mut candidates = self.keys.iter().filter(|key| key.id.as_bytes() == &id);
        let first = candidates.next().ok_or(Error::UnknownKey)?;
        // Two keys of one keyring share an id with chance 2^-32 per pair; then each gets a try
        // on its own copy, since a failed attempt leaves the buffer garbled.
        let second = candidates.next();

        let (header_and_nonce, rest) = binary.split_at_mut(HEADER_LEN + NONCE_LEN);
        let nonce: &[u8; NONCE_LEN] = header_and_nonce[HEADER_LEN..]
            .try_into()
            .map_err(|_| Error::Malformed)?;
        let (ciphertext, tag) = rest.split_at_mut(rest.len() - TAG_LEN);
        let tag: &[u8; TAG_LEN] = (&*tag).try_into().map_err(|_| Error::Malformed)?;
        let aad_index = usize::from(flags);
        if second.is_some() {
            let original = ciphertext.to_vec();
            for key in std::iter::once(first).chain(second).chain(candidates) {
                ciphertext.copy_from_slice(&original);
                if aead::open_in_place(&key.subkey, nonce, &key.aad[aad_index], ciphertext, tag)
                    .is_ok()
                {
                    return Ok(ciphertext);
                }
            }
            return Err(Error::Invalid);
        }
        aead::open_in_place(&first.subkey, nonce, &first.aad[aad_index], ciphertext, tag)
            .map_err(|_| Error::Invalid)?;
        Ok(ciphertext)
    }
}

/// Length of the unpadded base64 text of `bytes` bytes.
pub(crate) const fn encoded_len(bytes: usize) -> usize {
    (bytes * 4).div_ceil(3)
}

/// Parses the state's JSON; tells a state of the wrong type apart from JSON that is broken.
fn parse_state<T: DeserializeOwned>(json: &[u8]) -> Result<T, Error> {
    serde_json::from_slice::<T>(json).map_err(|_| {
        match serde_json::from_slice::<IgnoredAny>(json) {
            Ok(_) => Error::StateMismatch,
            Err(_) => Error::Malformed,
        }
    })
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealer")
            .field("purpose", &self.purpose)
            .field(
                "key_ids",
                &self.keys.iter().map(|key| key.id).collect::<Vec<_>>(),
            )
            .field("ttl", &self.ttl)
            .field("leeway", &self.leeway)
            .field("max_token_len", &self.max_token_len)
            .field("max_state_len", &self.max_state_len)
            .field("compression", &self.compression)
            .field("revocations", &self.revocations.is_some())
            .field("config_error", &self.config_error)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Key;
    use crate::test_vectors::{hex, unhex, vector_file};

    /// The worked example of docs/FORMAT.md, rebuilt byte for byte from its inputs.
    #[test]
    fn format_example_is_reproduced() {
        let example = vector_file("format_example.json");
        let key = Key::try_from(&unhex(&example["key_hex"])[..]).expect("32-byte key");
        let purpose = example["purpose"].as_str().expect("purpose");
        let sealer = Sealer::new(key.clone(), purpose);
        let now = OffsetDateTime::parse(
            example["now"].as_str().expect("now"),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("RFC 3339 time");
        let sid = SessionId(
            unhex(&example["session_id_hex"])
                .try_into()
                .expect("16 bytes"),
        );
        let nonce: [u8; NONCE_LEN] = unhex(&example["nonce_hex"]).try_into().expect("24 bytes");
        let token = sealer
            .seal_with(
                example["subject"].as_str().expect("subject"),
                &example["state"],
                unix_millis(now),
                sid,
                &nonce,
            )
            .expect("seals");

        let derived = key.derive(&[SUBKEY_INFO, purpose.as_bytes()]);
        let binary = URL_SAFE_NO_PAD.decode(&token).expect("base64url");
        let mut plaintext = binary[PAYLOAD_START..binary.len() - TAG_LEN].to_vec();
        let tag: [u8; TAG_LEN] = binary[binary.len() - TAG_LEN..]
            .try_into()
            .expect("16 bytes");
        let nonce_in_token: [u8; NONCE_LEN] = binary[HEADER_LEN..PAYLOAD_START]
            .try_into()
            .expect("24 bytes");
        aead::open_in_place(
            &derived,
            &nonce_in_token,
            &sealer.keys[0].aad[0],
            &mut plaintext,
            &tag,
        )
        .expect("authentic");
        let plaintext = hex(&plaintext);
        let computed = serde_json::json!({
            "key_id_hex": hex(key.id().as_bytes()),
            "subkey_hex": hex(&derived[..]),
            "header_hex": hex(&binary[..HEADER_LEN]),
            "aad_hex": hex(&sealer.keys[0].aad[0]),
            "plaintext_hex": plaintext,
            "ciphertext_hex": hex(&binary[HEADER_LEN + NONCE_LEN..binary.len() - TAG_LEN]),
            "tag_hex": hex(&binary[binary.len() - TAG_LEN..]),
            "token": token,
        });
        for (field, value) in computed.as_object().expect("object") {
            assert_eq!(&example[field], value, "{field}");
        }

        let session = sealer
            .open_at::<serde_json::Value>(&token, now)
            .expect("opens");
        assert_eq!(session.state(), &example["state"]);
        let format_doc =
            std::fs::read_to_string(format!("{}/docs/FORMAT.md", env!("CARGO_MANIFEST_DIR")))
                .expect("docs/FORMAT.md present");
        assert!(
            format_doc.contains(&token),
            "docs/FORMAT.md shows the example token"
        );
    }
}
