//! JWS keys from the environment, checked as the session keys are ([`Key::from_env`]): a clear
//! error naming the variable (never its value), and no key that anybody can read in this crate's
//! docs, or that no random generator makes.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use zeroize::Zeroizing;

use super::jwk::MIN_HS256_SECRET_LEN;
use super::{JwsSigningKey, KeySchedule, VerifyingKeys};
use crate::{Error, Key};

impl JwsSigningKey {
    /// The Ed25519 key whose 32-byte seed is in the environment variable `name`, in base64
    /// (as [`JwsSigningKey::to_base64`] writes it; either alphabet, padded or not).
    ///
    /// # Errors
    ///
    /// [`Error::Environment`], naming the variable, never its value: not set, not base64 of 32
    /// bytes, printed in this crate's docs, or not random.
    ///
    /// ```
    /// use sealed_session::Error;
    /// use sealed_session::jwt::JwsSigningKey;
    ///
    /// // JWS_SIGNING_KEY: the seed `sealed-session keygen --ed25519 --out FILE` writes.
    /// let missing = JwsSigningKey::ed25519_from_env("A_VARIABLE_NOBODY_SET");
    /// assert!(matches!(missing, Err(Error::Environment { .. })));
    /// ```
    pub fn ed25519_from_env(name: &str) -> Result<JwsSigningKey, Error> {
        let secret = secret_of(name, std::env::var(name).ok())?;
        let seed: &[u8; 32] = secret[..]
            .try_into()
            .map_err(|_| problem(name, "is not base64 of a 32-byte Ed25519 seed"))?;
        Ok(JwsSigningKey::ed25519_from_seed(seed))
    }

    /// The HS256 secret in the environment variable `name`, in base64: at least 32 bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Environment`] as [`JwsSigningKey::ed25519_from_env`], and for a secret shorter
    /// than 32 bytes.
    ///
    /// ```
    /// use sealed_session::jwt::JwsSigningKey;
    /// assert!(JwsSigningKey::hs256_from_env("A_VARIABLE_NOBODY_SET").is_err());
    /// ```
    pub fn hs256_from_env(name: &str) -> Result<JwsSigningKey, Error> {
        let secret = hs256_secret_of(name, std::env::var(name).ok())?;
        JwsSigningKey::hs256(&secret)
    }
}

impl KeySchedule {
    /// The schedule of [`KeySchedule::ed25519`] whose master secret (32 bytes, base64, either
    /// alphabet) is in the environment variable `name`: `sealed-session keygen` makes one.
    ///
    /// # Errors
    ///
    /// [`Error::Environment`] as [`JwsSigningKey::ed25519_from_env`]; [`Error::Config`] for a
    /// period under a second.
    ///
    /// ```
    /// use sealed_session::jwt::KeySchedule;
    /// let missing = KeySchedule::ed25519_from_env("A_VARIABLE_NOBODY_SET", time::Duration::days(1));
    /// assert!(missing.is_err());
    /// ```
    pub fn ed25519_from_env(name: &str, period: time::Duration) -> Result<KeySchedule, Error> {
        let secret = secret_of(name, std::env::var(name).ok())?;
        let master: &[u8; 32] = secret[..]
            .try_into()
            .map_err(|_| problem(name, "is not base64 of a 32-byte master secret"))?;
        KeySchedule::ed25519(master, period)
    }
}

impl VerifyingKeys {
    /// Adds the HS256 secret in the environment variable `name` (as
    /// [`JwsSigningKey::hs256_from_env`] reads it) under `kid`.
    ///
    /// # Errors
    ///
    /// [`Error::Environment`] as [`JwsSigningKey::hs256_from_env`].
    ///
    /// ```
    /// use sealed_session::jwt::VerifyingKeys;
    /// assert!(VerifyingKeys::new().with_hs256_from_env("k1", "A_VARIABLE_NOBODY_SET").is_err());
    /// ```
    pub fn with_hs256_from_env(self, kid: &str, name: &str) -> Result<VerifyingKeys, Error> {
        let secret = hs256_secret_of(name, std::env::var(name).ok())?;
        self.with_hs256(kid, &secret)
    }
}

/// An HS256 secret of a variable's value: at least 32 bytes, checked.
fn hs256_secret_of(name: &str, value: Option<String>) -> Result<Zeroizing<Vec<u8>>, Error> {
    let secret = secret_of(name, value)?;
    if secret.len() < MIN_HS256_SECRET_LEN {
        return Err(problem(
            name,
            "is shorter than 32 bytes: an HS256 secret needs at least the hash's size",
        ));
    }
    Ok(secret)
}

/// The secret bytes of a variable's value (base64, any alphabet), refused when public.
fn secret_of(name: &str, value: Option<String>) -> Result<Zeroizing<Vec<u8>>, Error> {
    let value = Zeroizing::new(value.ok_or_else(|| problem(name, "is not set"))?);
    let text = value.trim();
    let secret = [URL_SAFE_NO_PAD, URL_SAFE, STANDARD_NO_PAD, STANDARD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
        .map(Zeroizing::new)
        .ok_or_else(|| problem(name, "is not base64"))?;
    if let Some(why) = Key::public_secret_problem(&secret) {
        return Err(problem(name, why));
    }
    Ok(secret)
}

fn problem(variable: &str, problem: &str) -> Error {
    Error::Environment {
        variable: variable.to_owned(),
        problem: problem.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem_of(result: Result<impl Sized, Error>) -> String {
        match result {
            Err(Error::Environment { variable, problem }) => {
                assert_eq!(variable, "JWS_KEY");
                problem
            }
            Err(other) => panic!("{other:?}"),
            Ok(_) => panic!("accepted"),
        }
    }

    /// Every refusal names the problem, never the value; a good seed and secret are read in
    /// either base64 alphabet.
    #[test]
    fn jws_keys_from_a_variables_value() {
        let seed = rand::random::<[u8; 32]>();
        let value = URL_SAFE_NO_PAD.encode(seed);
        let secret = secret_of("JWS_KEY", Some(format!(" {value}\n"))).expect("a random seed");
        assert_eq!(secret[..], seed);
        let padded = STANDARD.encode(seed);
        assert_eq!(
            secret_of("JWS_KEY", Some(padded)).expect("padded")[..],
            seed
        );

        assert_eq!(problem_of(secret_of("JWS_KEY", None)), "is not set");
        assert_eq!(
            problem_of(secret_of("JWS_KEY", Some("not base64!".into()))),
            "is not base64"
        );
        let rfc8037 = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
        assert!(problem_of(secret_of("JWS_KEY", Some(rfc8037.into()))).contains("docs"));
        let repeated = URL_SAFE_NO_PAD.encode([7u8; 48]);
        assert!(problem_of(secret_of("JWS_KEY", Some(repeated))).contains("not random"));
        let short = URL_SAFE_NO_PAD.encode(&seed[..31]);
        assert!(problem_of(hs256_secret_of("JWS_KEY", Some(short))).contains("shorter"));
        let exactly = URL_SAFE_NO_PAD.encode(seed);
        assert_eq!(
            hs256_secret_of("JWS_KEY", Some(exactly))
                .expect("32 bytes")
                .len(),
            32
        );
        assert!(matches!(
            VerifyingKeys::new().with_hs256_from_env("k1", "SEALED_SESSION_TEST_UNSET_VARIABLE"),
            Err(Error::Environment { .. })
        ));
        let long = URL_SAFE_NO_PAD.encode([seed, seed].concat());
        assert_eq!(
            hs256_secret_of("JWS_KEY", Some(long))
                .expect("64 bytes")
                .len(),
            64
        );
        for result in [
            problem_of(secret_of(
                "JWS_KEY",
                Some(URL_SAFE_NO_PAD.encode([9u8; 32])),
            )),
            problem_of(hs256_secret_of("JWS_KEY", None)),
        ] {
            assert!(!result.contains(&value));
        }
    }
}
