//! The snapshot of a [`RevocationList`]: written by [`RevocationList::snapshot`], read back by
//! [`RevocationList::restore`].
//!
//! # Format, version 1
//!
//! All integers little-endian.
//!
//! ```text
//! magic        4  "SSRL"
//! version      1  0x01
//! horizon     12  whole seconds (i64) ‖ subsecond nanoseconds (i32), same sign
//! max_entries  8  u64, 0 = no cap
//! watermark    8  i64 Unix ms, i64::MIN = none
//! hash key    16  the SipHash key
//! users        8  u64 count
//! sessions     8  u64 count
//! entries     24 each: users, then sessions: hash (16) ‖ i64 Unix ms
//! checksum    16  SHA-256 of all bytes above, first 16 bytes
//! ```

use std::sync::atomic::Ordering;

use sha2::{Digest as _, Sha256};
use time::Duration;

use super::store::KeyedHash;
use super::{HASH_KEY_LEN, RevocationList};
use crate::Error;

const SNAPSHOT_MAGIC: [u8; 4] = *b"SSRL";
const SNAPSHOT_VERSION: u8 = 1;
/// magic ‖ version ‖ horizon ‖ max_entries ‖ watermark ‖ key ‖ user count ‖ session count.
const SNAPSHOT_HEADER_LEN: usize = 4 + 1 + 12 + 8 + 8 + HASH_KEY_LEN + 8 + 8;
const SNAPSHOT_ENTRY_LEN: usize = 16 + 8;
const SNAPSHOT_CHECKSUM_LEN: usize = 16;
const _: () = assert!(SNAPSHOT_HEADER_LEN == 65);

impl RevocationList {
    /// The whole list in a compact, versioned binary form, for [`RevocationList::restore`]:
    /// 24 bytes per entry plus 81. Write one before a restart or into shared storage for cold
    /// starts; [`RevocationList::prune`] first keeps it small.
    ///
    /// The snapshot holds the list's hash key: with it, anyone can test whether a given user
    /// was revoked, and craft subjects that collide in a table. Treat it as moderately
    /// sensitive: store it where your session data would go, not in public logs.
    ///
    /// ```
    /// let list = sealed_session::RevocationList::new(time::Duration::days(8));
    /// list.revoke_user("alice");
    /// let bytes = list.snapshot();
    /// assert_eq!(bytes.len(), 81 + 24);
    /// ```
    #[must_use]
    pub fn snapshot(&self) -> Vec<u8> {
        let _writer = self.lock_writer();
        let entries = self.len();
        let mut out = Vec::with_capacity(
            SNAPSHOT_HEADER_LEN + entries * SNAPSHOT_ENTRY_LEN + SNAPSHOT_CHECKSUM_LEN,
        );
        out.extend_from_slice(&SNAPSHOT_MAGIC);
        out.push(SNAPSHOT_VERSION);
        out.extend_from_slice(&self.horizon.whole_seconds().to_le_bytes());
        out.extend_from_slice(&self.horizon.subsec_nanoseconds().to_le_bytes());
        let cap = self.max_entries.map_or(0, |cap| cap as u64);
        out.extend_from_slice(&cap.to_le_bytes());
        out.extend_from_slice(&self.watermark.load(Ordering::Acquire).to_le_bytes());
        out.extend_from_slice(&self.key);
        let counts_at = out.len();
        out.extend_from_slice(&[0; 16]); // counts, filled in below
        let write = |out: &mut Vec<u8>, hash: &KeyedHash, ms: i64| {
            out.extend_from_slice(&hash.0[0].to_le_bytes());
            out.extend_from_slice(&hash.0[1].to_le_bytes());
            out.extend_from_slice(&ms.to_le_bytes());
        };
        let (mut users, mut sessions) = (0u64, 0u64);
        for shard in self.shards.iter() {
            for (hash, &ms) in &shard.read().users {
                write(&mut out, hash, ms);
                users += 1;
            }
        }
        for shard in self.shards.iter() {
            for (hash, &ms) in &shard.read().sessions {
                write(&mut out, hash, ms);
                sessions += 1;
            }
        }
        out[counts_at..counts_at + 8].copy_from_slice(&users.to_le_bytes());
        out[counts_at + 8..counts_at + 16].copy_from_slice(&sessions.to_le_bytes());
        let checksum = Sha256::digest(&out);
        out.extend_from_slice(&checksum[..SNAPSHOT_CHECKSUM_LEN]);
        out
    }

    /// Rebuilds a list from [`RevocationList::snapshot`]: the same horizon, cap, watermark,
    /// hash key and entries.
    ///
    /// # Errors
    ///
    /// [`Error::CorruptSnapshot`] if `bytes` is not a whole, unchanged snapshot of a known
    /// version: truncated, extended, any byte changed (a SHA-256 checksum covers it all), or
    /// inconsistent. Never a partial list.
    ///
    /// The checksum catches damage, not forgery (it has no key): whoever can write the
    /// snapshot can empty the list, so load snapshots only from storage you trust.
    ///
    /// ```
    /// use sealed_session::{Error, RevocationList};
    ///
    /// let list = RevocationList::new(time::Duration::days(8));
    /// list.revoke_user("alice");
    /// let bytes = list.snapshot();
    /// let restored = RevocationList::restore(&bytes)?;
    /// assert_eq!(restored.len(), 1);
    /// assert_eq!(RevocationList::restore(&bytes[1..]).unwrap_err(), Error::CorruptSnapshot);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn restore(bytes: &[u8]) -> Result<RevocationList, Error> {
        let (body, checksum) = bytes
            .split_last_chunk::<SNAPSHOT_CHECKSUM_LEN>()
            .ok_or(Error::CorruptSnapshot)?;
        if body.len() < SNAPSHOT_HEADER_LEN
            || Sha256::digest(body)[..SNAPSHOT_CHECKSUM_LEN] != checksum[..]
        {
            return Err(Error::CorruptSnapshot);
        }
        let mut input = Reader(body);
        if input.take::<4>()? != SNAPSHOT_MAGIC || input.take::<1>()? != [SNAPSHOT_VERSION] {
            return Err(Error::CorruptSnapshot);
        }
        let seconds = input.i64()?;
        let nanoseconds = i32::from_le_bytes(input.take()?);
        let horizon = Duration::seconds(seconds)
            .checked_add(Duration::nanoseconds(i64::from(nanoseconds)))
            .filter(|horizon| {
                // The canonical form only: what `snapshot` writes for a horizon `new` accepts.
                !horizon.is_negative()
                    && horizon.whole_seconds() == seconds
                    && horizon.subsec_nanoseconds() == nanoseconds
            })
            .ok_or(Error::CorruptSnapshot)?;
        let max_entries = match input.u64()? {
            0 => None,
            cap => Some(usize::try_from(cap).map_err(|_| Error::CorruptSnapshot)?),
        };
        let watermark = input.i64()?;
        let key = input.take::<HASH_KEY_LEN>()?;
        let count = |count: u64| usize::try_from(count).map_err(|_| Error::CorruptSnapshot);
        let users = count(input.u64()?)?;
        let sessions = count(input.u64()?)?;
        // Check the length before allocating anything for the entries.
        let entries = users.checked_add(sessions).ok_or(Error::CorruptSnapshot)?;
        if Some(input.0.len()) != entries.checked_mul(SNAPSHOT_ENTRY_LEN)
            || max_entries.is_some_and(|cap| entries > cap)
        {
            return Err(Error::CorruptSnapshot);
        }

        let mut list = RevocationList::with_key(horizon, key);
        list.max_entries = max_entries;
        list.watermark.store(watermark, Ordering::Relaxed);
        for index in 0..entries {
            let hash = KeyedHash([input.u64()?, input.u64()?]);
            let ms = input.i64()?;
            let mut maps = list.shard(hash).write();
            let map = if index < users {
                &mut maps.users
            } else {
                &mut maps.sessions
            };
            if map.insert(hash, ms).is_some() {
                return Err(Error::CorruptSnapshot); // a duplicate: not written by `snapshot`
            }
        }
        list.users.store(users, Ordering::Relaxed);
        list.sessions.store(sessions, Ordering::Relaxed);
        Ok(list)
    }
}

/// Reads a snapshot front to back.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let (head, rest) = self
            .0
            .split_first_chunk::<N>()
            .ok_or(Error::CorruptSnapshot)?;
        self.0 = rest;
        Ok(*head)
    }

    fn u64(&mut self) -> Result<u64, Error> {
        self.take().map(u64::from_le_bytes)
    }

    fn i64(&mut self) -> Result<i64, Error> {
        self.take().map(i64::from_le_bytes)
    }
}
