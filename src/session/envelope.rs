//! The plaintext envelope around the application's state, in both token formats' binary form.
//!
//! ```text
//! envelope = auth_at (6) ‖ iat − auth_at (5) ‖ exp − iat (5) ‖ sid (16)
//!            ‖ subject length (2) ‖ subject ‖ state as JSON
//! ```
//! Integers are unsigned big-endian; times are milliseconds: `auth_at` since the Unix epoch (48
//! bits reach the year 10889), the other two as offsets (40 bits, about 34 years). Fixed binary
//! fields, not JSON: they cost nothing to write or read and keep the token about 60 characters
//! shorter than a JSON envelope; offsets, so that carrying `auth_at` costs no byte. Milliseconds,
//! not seconds, so that "log out everywhere" followed by a new login a moment later can tell the
//! two sessions apart (see [`crate::RevocationList`]).

use super::id::{SESSION_ID_LEN, SessionId};
use super::times::{MAX_MILLIS, Times};
use crate::Error;

/// Bytes of the envelope before the subject: auth_at ‖ iat offset ‖ lifetime ‖ sid ‖ subject
/// length.
pub(crate) const ENVELOPE_FIXED_LEN: usize = 6 + 5 + 5 + SESSION_ID_LEN + 2;
const _: () = assert!(ENVELOPE_FIXED_LEN == 34);
/// The longest subject, in bytes: its length is written in two bytes. Sealing a longer one
/// fails with [`Error::TooLarge`].
///
/// ```
/// use sealed_session::{Error, Key, Sealer};
/// let sealer = Sealer::builder(Key::generate(), "session").with_max_token_len(usize::MAX).build()?;
/// let long = "x".repeat(Sealer::MAX_SUBJECT_LEN + 1);
/// assert_eq!(sealer.seal(&long, &()), Err(Error::TooLarge));
/// # Ok::<(), sealed_session::Error>(())
/// ```
pub(crate) const MAX_SUBJECT_LEN: usize = u16::MAX as usize;

/// The largest offset (`iat − auth_at`, `exp − iat`): 40 bits of milliseconds, about 34.8 years.
pub(crate) const MAX_OFFSET: i64 = (1 << 40) - 1;

/// The fields of the envelope, as read when opening; `state` is the JSON that follows them.
pub(crate) struct Envelope<'a> {
    pub(crate) times: Times,
    pub(crate) sid: SessionId,
    pub(crate) subject: &'a str,
    pub(crate) state: &'a [u8],
}

/// Appends the envelope's fixed fields and subject to `out`; the state's JSON goes after them.
/// `times` must have passed [`Times::check`].
pub(crate) fn write_envelope_head(
    out: &mut Vec<u8>,
    times: Times,
    sid: &SessionId,
    subject: &str,
) -> Result<(), Error> {
    let subject_len = u16::try_from(subject.len()).map_err(|_| Error::TooLarge)?;
    let Times { auth_at, iat, exp } = times;
    out.extend_from_slice(&auth_at.to_be_bytes()[2..]);
    out.extend_from_slice(&(iat - auth_at).to_be_bytes()[3..]);
    out.extend_from_slice(&(exp - iat).to_be_bytes()[3..]);
    out.extend_from_slice(&sid.0);
    out.extend_from_slice(&subject_len.to_be_bytes());
    out.extend_from_slice(subject.as_bytes());
    Ok(())
}

/// Splits a plaintext into the envelope's fields and the state's JSON.
///
/// Malformed if too short, if the subject is not UTF-8, or if the times are not what a sealer
/// can write (a zero lifetime, an expiry past the year 9999).
pub(crate) fn read_envelope(plaintext: &[u8]) -> Result<Envelope<'_>, Error> {
    let (fixed, rest) = plaintext
        .split_first_chunk::<ENVELOPE_FIXED_LEN>()
        .ok_or(Error::Malformed)?;
    let (auth_at, fixed) = split_be(fixed, 6);
    let (offset, fixed) = split_be(fixed, 5);
    let (lifetime, fixed) = split_be(fixed, 5);
    let (sid, subject_len) = fixed.split_at(SESSION_ID_LEN);
    let subject_len = usize::from(u16::from_be_bytes([subject_len[0], subject_len[1]]));
    // Within 48 + 40 + 40 bits: no sum overflows. `auth_at ≤ iat ≤ exp`, so the bound on `exp`
    // bounds all three.
    let iat = auth_at + offset;
    let exp = iat + lifetime;
    if lifetime == 0 || exp > MAX_MILLIS {
        return Err(Error::Malformed);
    }
    if rest.len() < subject_len {
        return Err(Error::Malformed);
    }
    let (subject, state) = rest.split_at(subject_len);
    Ok(Envelope {
        times: Times { auth_at, iat, exp },
        sid: SessionId(sid.try_into().map_err(|_| Error::Malformed)?),
        subject: std::str::from_utf8(subject).map_err(|_| Error::Malformed)?,
        state,
    })
}

/// Reads a `len`-byte unsigned big-endian integer (at most 7 bytes) off the front of `bytes`.
fn split_be(bytes: &[u8], len: usize) -> (i64, &[u8]) {
    let (head, rest) = bytes.split_at(len);
    let mut word = [0u8; 8];
    word[8 - len..].copy_from_slice(head);
    (i64::from_be_bytes(word), rest)
}
