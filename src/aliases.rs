//! The crate root's constants of 0.1, each now an associated constant of the type it
//! describes. Kept, deprecated, for one release.

use time::Duration;

use crate::{Compression, Dictionary, DictionaryId, Key, KeyId, Sealer, SessionId};

/// Deprecated alias of [`Sealer::DEFAULT_TTL`].
#[deprecated(since = "0.2.0", note = "use `Sealer::DEFAULT_TTL`")]
pub const DEFAULT_TTL: Duration = Sealer::DEFAULT_TTL;

/// Deprecated alias of [`Sealer::DEFAULT_MAX_LIFETIME`].
#[deprecated(since = "0.2.0", note = "use `Sealer::DEFAULT_MAX_LIFETIME`")]
pub const DEFAULT_MAX_LIFETIME: Duration = Sealer::DEFAULT_MAX_LIFETIME;

/// Deprecated alias of [`Sealer::DEFAULT_LEEWAY`].
#[deprecated(since = "0.2.0", note = "use `Sealer::DEFAULT_LEEWAY`")]
pub const DEFAULT_LEEWAY: Duration = Sealer::DEFAULT_LEEWAY;

/// Deprecated alias of [`Sealer::MAX_LEEWAY`].
#[deprecated(since = "0.2.0", note = "use `Sealer::MAX_LEEWAY`")]
pub const MAX_LEEWAY: Duration = Sealer::MAX_LEEWAY;

/// Deprecated alias of [`Sealer::DEFAULT_MAX_TOKEN_LEN`].
#[deprecated(since = "0.2.0", note = "use `Sealer::DEFAULT_MAX_TOKEN_LEN`")]
pub const DEFAULT_MAX_TOKEN_LEN: usize = Sealer::DEFAULT_MAX_TOKEN_LEN;

/// Deprecated alias of [`Sealer::DEFAULT_MAX_STATE_LEN`].
#[deprecated(since = "0.2.0", note = "use `Sealer::DEFAULT_MAX_STATE_LEN`")]
pub const DEFAULT_MAX_STATE_LEN: usize = Sealer::DEFAULT_MAX_STATE_LEN;

/// Deprecated alias of [`Sealer::MAX_SUBJECT_LEN`].
#[deprecated(since = "0.2.0", note = "use `Sealer::MAX_SUBJECT_LEN`")]
pub const MAX_SUBJECT_LEN: usize = Sealer::MAX_SUBJECT_LEN;

/// Deprecated alias of [`SessionId::LEN`].
#[deprecated(since = "0.2.0", note = "use `SessionId::LEN`")]
pub const SESSION_ID_LEN: usize = SessionId::LEN;

/// Deprecated alias of [`Key::LEN`].
#[deprecated(since = "0.2.0", note = "use `Key::LEN`")]
pub const KEY_LEN: usize = Key::LEN;

/// Deprecated alias of [`KeyId::LEN`].
#[deprecated(since = "0.2.0", note = "use `KeyId::LEN`")]
pub const KEY_ID_LEN: usize = KeyId::LEN;

/// Deprecated alias of [`Compression::AUTO_MIN_LEN`].
#[deprecated(since = "0.2.0", note = "use `Compression::AUTO_MIN_LEN`")]
pub const AUTO_MIN_LEN: usize = Compression::AUTO_MIN_LEN;

/// Deprecated alias of [`Compression::DEFAULT_LEVEL`].
#[deprecated(since = "0.2.0", note = "use `Compression::DEFAULT_LEVEL`")]
pub const DEFAULT_LEVEL: u32 = Compression::DEFAULT_LEVEL;

/// Deprecated alias of [`Dictionary::MAX_LEN`].
#[deprecated(since = "0.2.0", note = "use `Dictionary::MAX_LEN`")]
pub const MAX_DICTIONARY_LEN: usize = Dictionary::MAX_LEN;

/// Deprecated alias of [`DictionaryId::LEN`].
#[deprecated(since = "0.2.0", note = "use `DictionaryId::LEN`")]
pub const DICTIONARY_ID_LEN: usize = DictionaryId::LEN;
