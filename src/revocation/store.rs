//! Where a [`RevocationList`](super::RevocationList) keeps its entries: maps sharded behind
//! their own locks, keyed by a 128-bit keyed hash that the maps use as it is.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// One shard, on its own cache lines so that readers of different shards do not contend.
#[repr(align(128))]
#[derive(Default)]
pub(super) struct Shard(pub(super) RwLock<Maps>);

#[derive(Default)]
pub(super) struct Maps {
    /// Subject hash -> last_modified (Unix ms).
    pub(super) users: HashMap<KeyedHash, i64, PassThrough>,
    /// Session id hash -> authenticated_at (Unix ms): when the session began.
    pub(super) sessions: HashMap<KeyedHash, i64, PassThrough>,
}

impl Shard {
    pub(super) fn read(&self) -> RwLockReadGuard<'_, Maps> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn write(&self) -> RwLockWriteGuard<'_, Maps> {
        self.0.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A keyed 128-bit hash, as two words: 16 bytes with 8-byte alignment (a `u128` would pad every
/// map entry to 32 bytes).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct KeyedHash(pub(super) [u64; 2]);

impl Hash for KeyedHash {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Already a keyed hash: hand the map the first word as it is. The second word picks
        // the shard, so that the shard and the bucket are chosen by independent bits.
        state.write_u64(self.0[0]);
    }
}

pub(super) fn hash_bytes(hash: KeyedHash) -> [u8; 16] {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&hash.0[0].to_le_bytes());
    bytes[8..].copy_from_slice(&hash.0[1].to_le_bytes());
    bytes
}

pub(super) fn hash_of_bytes(bytes: [u8; 16]) -> KeyedHash {
    let (first, second) = bytes.split_at(8);
    let word = |half: &[u8]| {
        let mut word = [0u8; 8];
        word.copy_from_slice(half);
        u64::from_le_bytes(word)
    };
    KeyedHash([word(first), word(second)])
}

/// The map's hasher: passes the one `u64` that [`KeyedHash`] writes straight through.
pub(super) type PassThrough = BuildHasherDefault<PassThroughHasher>;

#[derive(Default)]
pub(super) struct PassThroughHasher(pub(super) u64);

impl Hasher for PassThroughHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = word;
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not reached: `KeyedHash` writes one u64. Kept correct (if slow) all the same.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }
}

/// Which map an entry goes to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Entry {
    User,
    Session,
}

impl Maps {
    pub(super) fn of(&mut self, entry: Entry) -> &mut HashMap<KeyedHash, i64, PassThrough> {
        match entry {
            Entry::User => &mut self.users,
            Entry::Session => &mut self.sessions,
        }
    }
}
