//! `revocations`: one set of actions (revoke a user or a session, prune, show) on either store
//! of revocations, a snapshot file or a namespace in Redis. The actions are written once; each
//! store says how it loads, saves, prunes and shows.

use std::path::Path;

use sealed_session::{RevocationList, SessionId};
use time::Duration;
use time::format_description::well_known::Rfc3339;

use crate::{Failure, RevocationAction, print, snapshot};

/// The horizon of a new snapshot when none is given: the library's default maximum lifetime
/// (7 days) plus a day.
const DEFAULT_SNAPSHOT_HORIZON: Duration = Duration::days(8);

/// Where the revocations live.
enum Store<'a> {
    Snapshot(&'a Path),
    #[cfg(feature = "redis")]
    Redis(Box<sealed_session::redis::RedisSync>),
}

/// Runs `action` on the snapshot at `path` (created by a revocation if missing).
pub fn on_snapshot(path: &Path, action: RevocationAction) -> Result<(), Failure> {
    let list =
        if path.exists() || matches!(action, RevocationAction::Prune | RevocationAction::Show) {
            snapshot::read(path)?
        } else {
            RevocationList::new(given_horizon(&action).unwrap_or(DEFAULT_SNAPSHOT_HORIZON))
        };
    run(&list, &Store::Snapshot(path), action)
}

/// A namespace in Redis, and how to reach it.
#[cfg_attr(
    not(feature = "redis"),
    expect(dead_code, reason = "read only where `--redis` works")
)]
pub struct RedisTarget<'a> {
    /// `redis://`, `rediss://` (TLS) or `unix://`.
    pub url: &'a str,
    /// The CA certificates (PEM) of a `rediss://` server; `None`: the system's roots.
    pub ca: Option<&'a Path>,
    /// The deployment's namespace.
    pub namespace: &'a str,
    /// The environment variable of the shared revocation key.
    pub key_env: &'a str,
}

/// Runs `action` on the revocations shared through Redis at the target: loaded, changed,
/// published.
#[cfg(feature = "redis")]
pub fn on_redis(target: &RedisTarget, action: RevocationAction) -> Result<(), Failure> {
    use std::sync::Arc;

    use sealed_session::Error;
    use sealed_session::redis::{RedisSync, SyncOptions};
    let RedisTarget {
        url,
        ca,
        namespace,
        key_env,
    } = *target;
    let key = crate::keys::KeySource {
        key_env: key_env.to_owned(),
        key_file: None,
    }
    .load_one()?;
    let mut options = SyncOptions::new(namespace);
    if let Some(path) = ca {
        let pem = std::fs::read(path)
            .map_err(|error| Failure::config(format!("cannot read {}: {error}", path.display())))?;
        options.tls_ca_pem = Some(pem);
    }
    // The namespace's horizon, never a default of ours: publishing trims the shared store,
    // and a horizon shorter than the fleet's must not decide what is deleted.
    let mut reading = options.clone();
    reading.timeout = Duration::seconds(2);
    let stored = RedisSync::namespace_horizon(url, &reading).map_err(|error| match error {
        Error::Config(_) => Failure::of(error),
        _ => Failure::config(format!("cannot reach Redis at {}", without_password(url))),
    })?;
    let horizon = match (stored, given_horizon(&action)) {
        (Some(stored), given) => given.map_or(stored, |given| given.max(stored)),
        (None, Some(given)) => given,
        (None, None) if matches!(action, RevocationAction::Show) => {
            // Nothing was ever published there; connecting would declare a horizon.
            let view = serde_json::json!({"entries": 0, "namespace_horizon_seconds": null});
            println!("{}", print::json(&view));
            return Ok(());
        }
        (None, None) => {
            return Err(Failure::config(format!(
                "namespace {namespace} has no horizon in Redis yet (no instance has connected): \
                 pass --horizon (at least the sessions' maximum lifetime plus the leeway)"
            )));
        }
    };
    let list = Arc::new(RevocationList::new_shared(horizon, &key));
    let sync = RedisSync::connect(Arc::clone(&list), url, options).map_err(Failure::of)?;
    if !sync.status().loaded {
        return Err(Failure::config(format!(
            "cannot reach Redis at {}",
            without_password(url)
        )));
    }
    run(&list, &Store::Redis(Box::new(sync)), action)
}

/// `--redis` in a build without Redis.
#[cfg(not(feature = "redis"))]
pub fn on_redis(_: &RedisTarget, _: RevocationAction) -> Result<(), Failure> {
    Err(Failure::config(
        "--redis needs the `redis` feature: cargo install --path cli --features redis".into(),
    ))
}

/// The horizon given with a revocation, if any.
fn given_horizon(action: &RevocationAction) -> Option<Duration> {
    match action {
        RevocationAction::RevokeUser { horizon, .. }
        | RevocationAction::RevokeSession { horizon, .. } => *horizon,
        RevocationAction::Prune | RevocationAction::Show => None,
    }
}

/// The actions, once for both stores.
fn run(list: &RevocationList, store: &Store, action: RevocationAction) -> Result<(), Failure> {
    match action {
        RevocationAction::RevokeUser { subject, .. } => {
            let at = list.revoke_user(&subject);
            let saved = store.save(list)?;
            println!(
                "revoked {subject} at {}{saved}",
                at.format(&Rfc3339).unwrap_or_default()
            );
        }
        RevocationAction::RevokeSession {
            session_id,
            authenticated_at,
            ..
        } => {
            let id = SessionId::parse(&session_id).map_err(|_| {
                Failure::config("not a session id (22 characters of base64url)".into())
            })?;
            list.revoke_session_id(id, authenticated_at);
            let saved = store.save(list)?;
            println!("revoked session {session_id}{saved}");
        }
        RevocationAction::Prune => store.prune(list)?,
        RevocationAction::Show => store.show(list),
    }
    Ok(())
}

impl Store<'_> {
    /// Writes the list back (the snapshot) or publishes what it revoked (Redis); returns what
    /// to add to the message.
    fn save(&self, list: &RevocationList) -> Result<&'static str, Failure> {
        match self {
            Store::Snapshot(path) => snapshot::write(path, list).map(|()| ""),
            #[cfg(feature = "redis")]
            Store::Redis(sync) => match sync.flush() {
                Ok(()) => Ok(", published"),
                Err(_) => Err(Failure::config(
                    "revoked here, but Redis did not take it: run again".into(),
                )),
            },
        }
    }

    fn prune(&self, list: &RevocationList) -> Result<(), Failure> {
        match self {
            Store::Snapshot(path) => {
                let before = list.len();
                list.prune();
                snapshot::write(path, list)?;
                println!(
                    "pruned {} entries, {} left",
                    before - list.len(),
                    list.len()
                );
                Ok(())
            }
            #[cfg(feature = "redis")]
            Store::Redis(_) => Err(Failure::config(
                "Redis trims by itself at the horizon: nothing to prune".into(),
            )),
        }
    }

    fn show(&self, list: &RevocationList) {
        let view = match self {
            Store::Snapshot(path) => serde_json::json!({
                "entries": list.len(),
                "horizon_seconds": list.horizon().whole_seconds(),
                "watermark": list.watermark().map(|at| at.format(&Rfc3339).unwrap_or_default()),
                "max_entries": list.max_entries(),
                "snapshot_bytes": std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
            }),
            #[cfg(feature = "redis")]
            Store::Redis(sync) => {
                let status = sync.status();
                serde_json::json!({
                    "entries": list.len(),
                    "namespace_horizon_seconds": status.namespace_horizon.map(|h| h.whole_seconds()),
                    "status": format!("{status:?}"),
                })
            }
        };
        println!("{}", print::json(&view));
    }
}

/// `url` for a message: its password, if any, replaced by `***` (the message goes to a
/// terminal or a CI log).
#[cfg(feature = "redis")]
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split_once(':').map_or("", |(user, _)| user);
            format!("{scheme}://{user}:***@{host}{path}")
        }
        None => url.to_owned(),
    }
}

#[cfg(all(test, feature = "redis"))]
mod url_tests {
    use super::without_password;

    #[test]
    fn a_password_never_reaches_a_message() {
        assert_eq!(
            without_password("rediss://revocations:s3cret@cache.example:6380/0"),
            "rediss://revocations:***@cache.example:6380/0"
        );
        assert_eq!(
            without_password("redis://:s3cret@10.0.0.5/"),
            "redis://:***@10.0.0.5/"
        );
        assert_eq!(
            without_password("redis://10.0.0.5:6379/"),
            "redis://10.0.0.5:6379/"
        );
        assert_eq!(without_password("not a url"), "not a url");
        assert!(!without_password("redis://u:p@ss@h/").contains("p@ss"));
    }
}
