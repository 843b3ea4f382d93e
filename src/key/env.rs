//! Keys from the environment: one variable, a list of keys, the first of which seals. Rotation
//! is configuration: prepend a new key, deploy everywhere, and once every token sealed under the
//! last key has expired, drop it.

use std::env::VarError;

use super::published::{is_published, looks_random};
use super::{Key, Keyring};
use crate::Error;

impl Key {
    /// Reads the key in the environment variable `name`: base64 of 32 bytes, as
    /// [`Key::to_base64`] or `sealed-session keygen` writes it.
    ///
    /// # Errors
    ///
    /// [`Error::Environment`], naming the variable but never its value, when it is not set,
    /// holds no key or more than one (use [`Keyring::from_env`] for a list), a key that is not
    /// 32 bytes of base64, or a key that is not secret: one printed in this crate's docs,
    /// examples or vectors, or one no random generator makes (a repeated byte or a short
    /// pattern).
    ///
    /// ```
    /// use sealed_session::{Error, Key};
    ///
    /// // SESSION_KEY=$(sealed-session keygen) in production.
    /// # fn main() {
    /// match Key::from_env("A_VARIABLE_NOBODY_SET") {
    ///     Err(Error::Environment { variable, problem }) => {
    ///         assert_eq!(variable, "A_VARIABLE_NOBODY_SET");
    ///         assert_eq!(problem, "is not set");
    ///     }
    ///     other => panic!("{other:?}"),
    /// }
    /// # }
    /// ```
    pub fn from_env(name: &str) -> Result<Key, Error> {
        key_of(name, std::env::var(name))
    }
}

impl Key {
    /// Why `secret` must not be used as a secret, if it must not: it is printed in this
    /// crate's docs, examples or vectors, or no random generator makes it (fewer than 8
    /// distinct byte values: a repeated byte, a short pattern; for random bytes, a chance below
    /// 2^-100). [`Key::from_env`] refuses such keys; other secrets read from configuration (a
    /// JWS signing key) are checked with it too.
    ///
    /// ```
    /// use sealed_session::Key;
    ///
    /// assert!(Key::public_secret_problem(&[7u8; 32]).is_some());
    /// let from_the_docs: Vec<u8> = (0u8..32).collect();
    /// assert!(Key::public_secret_problem(&from_the_docs).is_some());
    /// assert!(Key::public_secret_problem(&rand::random::<[u8; 32]>()).is_none());
    /// ```
    #[must_use]
    pub fn public_secret_problem(secret: &[u8]) -> Option<&'static str> {
        if is_published(secret) {
            Some(
                "is printed in sealed-session's docs or examples: generate your own \
                 (sealed-session keygen)",
            )
        } else if !looks_random(secret) {
            Some(
                "is not random (a repeated byte or a short pattern): generate one \
                 (sealed-session keygen)",
            )
        } else {
            None
        }
    }
}

impl Keyring {
    /// Reads a keyring from the environment variable `name`: keys as [`Key::from_env`] reads
    /// them, separated by commas or white space. The first seals and opens; the others only open
    /// (previous keys).
    ///
    /// To rotate: put a new key first (`NEW,OLD`) and deploy it everywhere; once the tokens
    /// sealed under the old key have expired (the maximum lifetime), drop it (`NEW`). During
    /// a rolling deploy, instances that still have `OLD` alone cannot open what the new ones
    /// seal: for a fleet, add the new key *second* everywhere first (`OLD,NEW`), then swap the
    /// order (`NEW,OLD`), then drop the old one.
    ///
    /// # Errors
    ///
    /// [`Error::Environment`] as for [`Key::from_env`], naming the position of the key at fault
    /// (from 1), never its value.
    ///
    /// ```
    /// use sealed_session::{Error, Keyring};
    ///
    /// // SESSION_KEYS="$(sealed-session keygen),$OLD_KEY" in production.
    /// let refused = Keyring::from_env("A_VARIABLE_NOBODY_SET");
    /// assert!(matches!(refused, Err(Error::Environment { .. })));
    /// ```
    pub fn from_env(name: &str) -> Result<Keyring, Error> {
        keyring_of(name, std::env::var(name))
    }
}

/// The one key of a variable's value.
fn key_of(name: &str, value: Result<String, VarError>) -> Result<Key, Error> {
    let mut keys = read(name, value)?;
    match (keys.pop(), keys.is_empty()) {
        (Some(key), true) => Ok(key),
        _ => Err(problem(
            name,
            "holds more than one key: read a list with Keyring::from_env".into(),
        )),
    }
}

/// The keyring of a variable's value: the first key current, the others previous.
fn keyring_of(name: &str, value: Result<String, VarError>) -> Result<Keyring, Error> {
    let mut keys = read(name, value)?.into_iter();
    let Some(current) = keys.next() else {
        unreachable!("read returns at least one key")
    };
    Ok(keys.fold(Keyring::new(current), Keyring::with_previous))
}

/// The keys of a variable's value, each checked; at least one.
fn read(name: &str, value: Result<String, VarError>) -> Result<Vec<Key>, Error> {
    let value = match value {
        Ok(value) => zeroize::Zeroizing::new(value),
        Err(VarError::NotPresent) => return Err(problem(name, "is not set".into())),
        Err(VarError::NotUnicode(_)) => return Err(problem(name, "is not valid Unicode".into())),
    };
    let keys = value
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|text| !text.is_empty())
        .enumerate()
        .map(|(index, text)| {
            let position = index + 1;
            let key = Key::from_base64(text)
                .map_err(|_| problem(name, format!("key {position} is not base64 of 32 bytes")))?;
            match Key::public_secret_problem(key.bytes()) {
                Some(why) => Err(problem(name, format!("key {position} {why}"))),
                None => Ok(key),
            }
        })
        .collect::<Result<Vec<Key>, Error>>()?;
    if keys.is_empty() {
        return Err(problem(name, "holds no key".into()));
    }
    Ok(keys)
}

fn problem(variable: &str, problem: String) -> Error {
    Error::Environment {
        variable: variable.to_owned(),
        problem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> Result<String, VarError> {
        Ok(text.to_owned())
    }

    fn problem_of(result: Result<Vec<Key>, Error>) -> String {
        match result {
            Err(Error::Environment { variable, problem }) => {
                assert_eq!(variable, "KEYS");
                problem
            }
            other => panic!("expected an environment error, got {other:?}"),
        }
    }

    #[test]
    fn a_key_is_one_key_and_a_keyring_is_the_list_in_order() {
        let (a, b) = (Key::generate(), Key::generate());
        let one = a.to_base64();
        let two = format!("{},{}", a.to_base64(), b.to_base64());
        assert_eq!(key_of("KEYS", value(&one)).expect("one key"), a);
        assert_eq!(
            key_of("KEYS", value(&two)).err(),
            Some(Error::Environment {
                variable: "KEYS".into(),
                problem: "holds more than one key: read a list with Keyring::from_env".into(),
            })
        );
        assert!(key_of("KEYS", Err(VarError::NotPresent)).is_err());
        let ring = keyring_of("KEYS", value(&two)).expect("two keys");
        assert_eq!(ring.current(), &a);
        assert_eq!(ring.keys().cloned().collect::<Vec<_>>(), [a.clone(), b]);
        let single = keyring_of("KEYS", value(&one)).expect("one key");
        assert_eq!(single.keys().count(), 1);
        assert!(keyring_of("KEYS", value("")).is_err());
    }

    #[test]
    fn a_list_reads_in_order_with_any_separator() {
        let (a, b, c) = (Key::generate(), Key::generate(), Key::generate());
        let text = format!(
            " {},{}\n\t{} ,",
            a.to_base64(),
            b.to_base64(),
            c.to_base64()
        );
        let keys = read("KEYS", value(&text)).expect("three keys");
        assert_eq!(keys, [a, b, c]);
    }

    #[test]
    fn every_problem_names_the_variable_and_position_and_never_the_value() {
        let good = Key::generate().to_base64();
        let published = Key::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")
            .expect("a key")
            .to_base64();
        let repeated = Key::try_from(&[7u8; 32][..]).expect("a key").to_base64();
        let short = &good[..20];
        let cases = [
            (Err(VarError::NotPresent), "is not set".to_owned()),
            (
                Err(VarError::NotUnicode("\u{fffd}".into())),
                "is not valid Unicode".to_owned(),
            ),
            (value(""), "holds no key".to_owned()),
            (value(" , \n"), "holds no key".to_owned()),
            (
                value(&format!("{good},{short}")),
                "key 2 is not base64 of 32 bytes".to_owned(),
            ),
            (
                value(&published),
                "key 1 is printed in sealed-session's docs or examples: generate your own \
                 (sealed-session keygen)"
                    .to_owned(),
            ),
            (
                value(&format!("{good} {good} {repeated}")),
                "key 3 is not random (a repeated byte or a short pattern): generate one \
                 (sealed-session keygen)"
                    .to_owned(),
            ),
        ];
        for (input, expected) in cases {
            let shown = format!("{input:?}");
            let problem = problem_of(read("KEYS", input));
            assert_eq!(problem, expected, "{shown}");
            for secret in [&good, &published, &repeated] {
                assert!(!problem.contains(secret.as_str()));
            }
        }
    }
}
