//! The revocation list (minimal placeholder implementation, being replaced).

use std::collections::HashMap;
use std::sync::RwLock;

use time::{Duration, OffsetDateTime};

use crate::Error;
use crate::claims::{SessionId, unix_millis};

/// Revoked users and sessions.
///
/// ```
/// let list = sealed_session::RevocationList::new(time::Duration::days(2));
/// list.revoke_user("alice");
/// assert_eq!(list.len(), 1);
/// ```
#[derive(Debug)]
pub struct RevocationList {
    horizon: Duration,
    users: RwLock<HashMap<String, i64>>,
}

impl RevocationList {
    /// A list that remembers revocations for `horizon`.
    ///
    /// ```
    /// let list = sealed_session::RevocationList::new(time::Duration::days(2));
    /// ```
    #[must_use]
    pub fn new(horizon: Duration) -> RevocationList {
        RevocationList {
            horizon,
            users: RwLock::new(HashMap::new()),
        }
    }

    /// The horizon.
    ///
    /// ```
    /// let list = sealed_session::RevocationList::new(time::Duration::days(2));
    /// assert_eq!(list.horizon(), time::Duration::days(2));
    /// ```
    #[must_use]
    pub fn horizon(&self) -> Duration {
        self.horizon
    }

    /// Log out everywhere.
    ///
    /// ```
    /// let list = sealed_session::RevocationList::new(time::Duration::days(2));
    /// list.revoke_user("alice");
    /// ```
    pub fn revoke_user(&self, subject: &str) {
        let now = unix_millis(OffsetDateTime::now_utc());
        if let Ok(mut users) = self.users.write() {
            let entry = users.entry(subject.to_owned()).or_insert(now);
            *entry = (*entry).max(now);
        }
    }

    /// Entries.
    ///
    /// ```
    /// let list = sealed_session::RevocationList::new(time::Duration::days(2));
    /// assert_eq!(list.len(), 0);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.users.read().map(|users| users.len()).unwrap_or(0)
    }

    /// No entries.
    ///
    /// ```
    /// let list = sealed_session::RevocationList::new(time::Duration::days(2));
    /// assert!(list.is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn issue_floor_millis(&self, subject: &str) -> Option<i64> {
        let users = self.users.read().ok()?;
        users.get(subject).map(|last| last + 1)
    }

    pub(crate) fn check(&self, subject: &str, _sid: &SessionId, iat: i64) -> Result<(), Error> {
        let users = self.users.read().map_err(|_| Error::Revoked)?;
        match users.get(subject) {
            Some(last) if iat <= *last => Err(Error::Revoked),
            _ => Ok(()),
        }
    }
}
