//! The registered claims of a signed JWT (RFC 7519 §4.1, and OpenID's `auth_time`), read
//! strictly: each claim name at most once in the payload (a second `exp` is an error, never a
//! new value), times as JSON integers from 1970 to 9999 (a string, a fraction, a negative or
//! out-of-range number is an error, never rounded or skipped), `aud` a string or an array of
//! strings.

use std::collections::HashSet;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

/// Claim names this crate writes or checks: custom claims may not use them.
pub(crate) const REGISTERED: [&str; 8] =
    ["iss", "sub", "aud", "exp", "nbf", "iat", "jti", "auth_time"];

/// The latest NumericDate accepted: 9999-12-31T23:59:59Z.
pub(crate) const MAX_SECONDS: i64 = 253_402_300_799;

/// The registered claims of a payload, each present at most once.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Registered {
    pub(crate) iss: Option<String>,
    pub(crate) sub: Option<String>,
    pub(crate) aud: Option<Vec<String>>,
    pub(crate) exp: Option<i64>,
    pub(crate) nbf: Option<i64>,
    pub(crate) iat: Option<i64>,
    pub(crate) jti: Option<String>,
    pub(crate) auth_time: Option<i64>,
}

/// A NumericDate: whole seconds since 1970, as a JSON integer.
struct NumericDate(i64);

impl<'de> Deserialize<'de> for NumericDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<NumericDate, D::Error> {
        struct Seconds;
        impl Visitor<'_> for Seconds {
            type Value = NumericDate;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("whole seconds from 1970 to 9999, as a JSON integer")
            }
            fn visit_u64<E: de::Error>(self, seconds: u64) -> Result<NumericDate, E> {
                i64::try_from(seconds)
                    .ok()
                    .filter(|&seconds| seconds <= MAX_SECONDS)
                    .map(NumericDate)
                    .ok_or_else(|| E::custom("time out of range"))
            }
            fn visit_i64<E: de::Error>(self, seconds: i64) -> Result<NumericDate, E> {
                u64::try_from(seconds)
                    .map_err(|_| E::custom("time before 1970"))
                    .and_then(|seconds| self.visit_u64(seconds))
            }
        }
        deserializer.deserialize_i64(Seconds)
    }
}

/// `aud`: one string or an array of strings.
#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl<'de> Deserialize<'de> for Registered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Registered, D::Error> {
        struct Claims;
        impl<'de> Visitor<'de> for Claims {
            type Value = Registered;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object of claims")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Registered, M::Error> {
                let mut claims = Registered::default();
                let mut seen = HashSet::new();
                while let Some(name) = map.next_key::<String>()? {
                    fn once<T, E: de::Error>(slot: &mut Option<T>, value: T) -> Result<(), E> {
                        match slot.replace(value) {
                            None => Ok(()),
                            Some(_) => Err(E::custom("duplicate claim")),
                        }
                    }
                    match name.as_str() {
                        "iss" => once(&mut claims.iss, map.next_value()?)?,
                        "sub" => once(&mut claims.sub, map.next_value()?)?,
                        "jti" => once(&mut claims.jti, map.next_value()?)?,
                        "aud" => {
                            let audience = match map.next_value()? {
                                Audience::One(one) => vec![one],
                                Audience::Many(many) => many,
                            };
                            once(&mut claims.aud, audience)?;
                        }
                        "exp" => once(&mut claims.exp, map.next_value::<NumericDate>()?.0)?,
                        "nbf" => once(&mut claims.nbf, map.next_value::<NumericDate>()?.0)?,
                        "iat" => once(&mut claims.iat, map.next_value::<NumericDate>()?.0)?,
                        "auth_time" => {
                            once(&mut claims.auth_time, map.next_value::<NumericDate>()?.0)?;
                        }
                        _ => {
                            if !seen.insert(name) {
                                return Err(de::Error::custom("duplicate claim"));
                            }
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(claims)
            }
        }
        deserializer.deserialize_map(Claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Registered, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn reads_registered_claims() {
        let claims = parse(
            r#"{"iss":"a","sub":"b","aud":["c","d"],"exp":3,"nbf":1,"iat":2,"jti":"j","auth_time":0,"x":{"exp":"nested is fine"}}"#,
        )
        .expect("parses");
        assert_eq!(claims.aud, Some(vec!["c".to_owned(), "d".to_owned()]));
        assert_eq!(
            (claims.exp, claims.nbf, claims.iat, claims.auth_time),
            (Some(3), Some(1), Some(2), Some(0))
        );
        assert_eq!(
            parse(r#"{"aud":"c"}"#).expect("one").aud,
            Some(vec!["c".to_owned()])
        );
    }

    #[test]
    fn refuses_duplicates_and_loose_times() {
        for bad in [
            r#"{"exp":1,"exp":2}"#,
            r#"{"sub":"a","sub":"admin"}"#,
            r#"{"role":"user","role":"admin"}"#,
            r#"{"exp":"1700000000"}"#,
            r#"{"exp":1700000000.5}"#,
            r#"{"exp":1.7e9}"#,
            r#"{"exp":-1}"#,
            r#"{"exp":253402300800}"#,
            r#"{"exp":18446744073709551616}"#,
            r#"{"iat":null}"#,
            r#"{"nbf":true}"#,
            r#"{"auth_time":"0"}"#,
            r#"{"aud":7}"#,
            r#"{"aud":["a",7]}"#,
            r#"[]"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse(r#"{"exp":253402300799}"#).expect("max").exp,
            Some(MAX_SECONDS)
        );
    }

    /// The parse errors say what was expected, for whoever debugs a refused payload (the
    /// verifier itself answers every one with `Malformed`).
    #[test]
    fn errors_say_what_was_expected() {
        let message = |json| parse(json).expect_err(json).to_string();
        assert!(message(r#"{"exp":"1"}"#).contains("whole seconds from 1970 to 9999"));
        assert!(message(r#"{"exp":-1}"#).contains("time before 1970"));
        assert!(message(r#"{"exp":253402300800}"#).contains("time out of range"));
        assert!(message(r#"{"exp":1,"exp":1}"#).contains("duplicate claim"));
        assert!(message("[]").contains("a JSON object of claims"));
    }
}
