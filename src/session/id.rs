//! [`SessionId`]: 16 random bytes that name a session across every token it has.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// Length of a [`SessionId`] in bytes.
pub(crate) const SESSION_ID_LEN: usize = 16;
/// Length of a [`SessionId`] as base64url text.
const SESSION_ID_TEXT_LEN: usize = 22;

/// A random 128-bit id, fresh for every session: drawn by `seal` (a login) and kept by every
/// `reseal` of that session.
///
/// Use it to log out one device server-side ([`crate::RevocationList::revoke_session`]) or to tie
/// server logs to a session without logging the token. Shown as 22 base64url characters.
///
/// ```
/// use sealed_session::{Key, Sealer};
///
/// let sealer = Sealer::new(Key::generate(), "session");
/// let a = sealer.open::<()>(&sealer.seal("alice", &())?)?;
/// let b = sealer.open::<()>(&sealer.seal("alice", &())?)?;
/// assert_ne!(a.session_id(), b.session_id());
/// assert_eq!(a.session_id().to_string().len(), 22);
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(pub(crate) [u8; SESSION_ID_LEN]);

impl SessionId {
    /// Length of a session id in bytes: 16.
    pub const LEN: usize = SESSION_ID_LEN;

    /// The id's bytes.
    ///
    /// ```
    /// # use sealed_session::{Key, Sealer};
    /// # let sealer = Sealer::new(Key::generate(), "session");
    /// let session = sealer.open::<()>(&sealer.seal("alice", &())?)?;
    /// assert_eq!(session.session_id().as_bytes().len(), 16);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; SESSION_ID_LEN] {
        &self.0
    }

    /// Builds an id from its bytes (for example when reading it back from your own logs).
    ///
    /// ```
    /// let id = sealed_session::SessionId::from_bytes([7; 16]);
    /// assert_eq!(id.as_bytes(), &[7; 16]);
    /// ```
    #[must_use]
    pub fn from_bytes(bytes: [u8; SESSION_ID_LEN]) -> SessionId {
        SessionId(bytes)
    }

    /// A fresh id, 16 bytes straight from the operating system (as every session's): for a
    /// token that stands for no sealed session, such as a signed JWT's `jti`.
    ///
    /// # Errors
    ///
    /// [`Error::Random`] if the operating system cannot supply randomness.
    ///
    /// ```
    /// let id = sealed_session::SessionId::generate()?;
    /// assert_ne!(id, sealed_session::SessionId::generate()?);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn generate() -> Result<SessionId, Error> {
        crate::random::os_random().map(SessionId)
    }

    /// Parses the 22-character base64url form shown by `Display`.
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`] if `text` is not exactly that form.
    ///
    /// ```
    /// let id = sealed_session::SessionId::from_bytes([7; 16]);
    /// assert_eq!(sealed_session::SessionId::parse(&id.to_string())?, id);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn parse(text: &str) -> Result<SessionId, Error> {
        let mut bytes = [0u8; SESSION_ID_LEN + 2];
        if text.len() != SESSION_ID_TEXT_LEN {
            return Err(Error::Malformed);
        }
        match URL_SAFE_NO_PAD.decode_slice(text, &mut bytes) {
            Ok(SESSION_ID_LEN) => {
                let mut id = [0u8; SESSION_ID_LEN];
                id.copy_from_slice(&bytes[..SESSION_ID_LEN]);
                Ok(SessionId(id))
            }
            _ => Err(Error::Malformed),
        }
    }

    fn encode(&self) -> [u8; SESSION_ID_TEXT_LEN] {
        let mut text = [0u8; SESSION_ID_TEXT_LEN];
        match URL_SAFE_NO_PAD.encode_slice(self.0, &mut text) {
            Ok(SESSION_ID_TEXT_LEN) => text,
            _ => unreachable!("16 bytes are 22 base64 characters"),
        }
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.encode();
        // base64url output is ASCII.
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({self})")
    }
}

impl Serialize for SessionId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = self.encode();
        serializer.serialize_str(std::str::from_utf8(&text).map_err(serde::ser::Error::custom)?)
    }
}

impl<'de> Deserialize<'de> for SessionId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<SessionId, D::Error> {
        struct SessionIdText;
        impl Visitor<'_> for SessionIdText {
            type Value = SessionId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a 22-character base64url session id")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<SessionId, E> {
                SessionId::parse(text).map_err(|_| E::custom("bad session id"))
            }
        }
        deserializer.deserialize_str(SessionIdText)
    }
}
