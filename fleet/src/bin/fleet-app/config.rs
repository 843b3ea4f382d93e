//! The app's settings, from the environment ([`sealed_session_fleet::api::env`]).

use sealed_session::{Key, Keyring};
use sealed_session_fleet::api::env;
use time::Duration;

/// What one instance runs with.
pub struct Config {
    pub port: u16,
    pub keys: Keyring,
    pub revocation_key: Key,
    pub redis_url: String,
    pub namespace: String,
    pub ttl: Duration,
    pub follow: Duration,
    /// `None`: the library's default.
    pub max_backoff: Option<Duration>,
    pub exit_with_stdin: bool,
    /// `None`: the library's default.
    pub leeway: Option<Duration>,
    /// `None`: an hour.
    pub max_lifetime: Option<Duration>,
    /// `None`: the maximum lifetime plus the leeway.
    pub horizon: Option<Duration>,
    pub serverless: bool,
    /// Dictionary names: the first compresses, the others only open. Empty: no compression.
    pub dictionaries: Vec<String>,
    /// Replicas each publication waits for.
    pub replicas: u32,
}

/// A setting that could not be read: which variable, and why (never its value).
#[derive(Debug)]
pub struct BadSetting(pub String);

impl std::fmt::Display for BadSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadSetting {}

impl Config {
    pub fn from_env() -> Result<Config, BadSetting> {
        let unreadable = |error: sealed_session::Error| BadSetting(error.to_string());
        let ttl = duration(env::TTL_SECONDS, 20, Duration::seconds)?;
        if ttl <= Duration::ZERO {
            return Err(BadSetting(format!("{} must be above 0", env::TTL_SECONDS)));
        }
        Ok(Config {
            port: u16::try_from(number(env::PORT, 0)?)
                .map_err(|_| BadSetting(format!("{} is not a port", env::PORT)))?,
            keys: Keyring::from_env(env::SESSION_KEYS).map_err(unreadable)?,
            revocation_key: Key::from_env(env::REVOCATION_KEY).map_err(unreadable)?,
            redis_url: std::env::var(env::REDIS_URL)
                .map_err(|_| BadSetting(format!("{} is not set", env::REDIS_URL)))?,
            namespace: std::env::var(env::NAMESPACE).unwrap_or_else(|_| "fleet".to_owned()),
            ttl,
            follow: duration(env::FOLLOW_MS, 100, Duration::milliseconds)?,
            max_backoff: optional(env::MAX_BACKOFF_MS, Duration::milliseconds)?,
            exit_with_stdin: flag(env::EXIT_WITH_STDIN),
            leeway: optional(env::LEEWAY_SECONDS, Duration::seconds)?,
            max_lifetime: optional(env::MAX_LIFETIME_SECONDS, Duration::seconds)?,
            horizon: optional(env::HORIZON_SECONDS, Duration::seconds)?,
            serverless: flag(env::SERVERLESS),
            dictionaries: std::env::var(env::DICTIONARIES)
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(str::to_owned)
                .collect(),
            replicas: u32::try_from(number(env::REPLICAS, 0)?)
                .map_err(|_| BadSetting(format!("{} is too large", env::REPLICAS)))?,
        })
    }
}

/// Whether `name` is `1`.
fn flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|value| value == "1")
}

/// The whole number in `name` as a duration of `unit`s, or `None` when it is not set.
fn optional(name: &str, unit: fn(i64) -> Duration) -> Result<Option<Duration>, BadSetting> {
    match std::env::var_os(name) {
        None => Ok(None),
        Some(_) => duration(name, 0, unit).map(Some),
    }
}

/// The whole number in `name`, or `default` when it is not set.
fn number(name: &str, default: u64) -> Result<u64, BadSetting> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(text) => text
            .trim()
            .parse()
            .map_err(|_| BadSetting(format!("{name} is not a whole number"))),
    }
}

/// The whole number in `name` (or `default`) as a duration of `unit`s.
fn duration(name: &str, default: u64, unit: fn(i64) -> Duration) -> Result<Duration, BadSetting> {
    let count = i64::try_from(number(name, default)?)
        .map_err(|_| BadSetting(format!("{name} is too large")))?;
    Ok(unit(count))
}
