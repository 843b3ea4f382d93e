//! Helpers shared by the integration tests.
#![allow(dead_code)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sealed_session::Sealer;
use serde::{Deserialize, Serialize};

pub use sealed_session_test_support::fixtures::{T0, fixed_builder, fixed_key, fixed_sealer};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub user_id: u64,
    pub name: String,
    pub roles: Vec<String>,
    pub prefs: Prefs,
    pub csrf: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prefs {
    pub theme: Option<String>,
    pub langs: Vec<String>,
    pub nested: Vec<Vec<(String, i64)>>,
}

pub fn profile() -> Profile {
    Profile {
        user_id: 42,
        name: "Zoë Ångström 🦀 \"quoted\" \\ back\nslash \u{0}".into(),
        roles: vec!["admin".into(), "éditeur".into(), "閲覧者".into()],
        prefs: Prefs {
            theme: Some("dark".into()),
            langs: vec!["fr-CH".into(), "ja".into()],
            nested: vec![vec![("a".into(), -1), ("b".into(), i64::MAX)], vec![]],
        },
        csrf: "Zm9vYmFyYmF6cXV4".into(),
    }
}

/// The sealer of most tests: key 7.
pub fn sealer() -> Sealer {
    fixed_sealer(7)
}

pub fn decode(token: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(token).expect("base64url")
}

pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The smallest `n` in `1..=high` for which `passes(n)` holds, given that it holds for every
/// larger one (and for `high`): a binary search for a boundary such as the smallest cap that
/// lets a state seal.
pub fn smallest_passing(high: usize, passes: impl Fn(usize) -> bool) -> usize {
    assert!(passes(high), "{high} does not pass");
    let (mut low, mut high) = (0usize, high);
    while low + 1 < high {
        let mid = (low + high) / 2;
        if passes(mid) {
            high = mid;
        } else {
            low = mid;
        }
    }
    high
}
