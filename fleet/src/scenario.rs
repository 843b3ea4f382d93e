//! The faults injected during the load, one scenario each, and when they held (the outages
//! that excuse a logout's 503).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use clap::ValueEnum;
use tokio::time::{Duration, Instant};

use sealed_session_fleet::api::env;

use crate::HarnessError;
use crate::balancer::Balancer;
use crate::instances::Fleet;
use crate::proxy::Proxy;
use crate::redis_server::RedisServer;
use crate::status;

/// How long Redis stays down in `redis-restart`.
pub const REDIS_OUTAGE: Duration = Duration::from_secs(2);

/// After Redis answers again, how long a logout may still answer 503 (the instance's
/// reconnection).
pub const RECONNECTION_GRACE: Duration = Duration::from_secs(1);

/// The dictionary the `dictionary-rotation` scenario starts with.
const OLD_DICTIONARY: &str = "fleet-1";

/// How far ahead the clock of one instance is in `clock-ahead`.
pub const CLOCK_AHEAD: Duration = Duration::from_secs(30);

/// libfaketime, which shifts the system time a process reads (Debian's `libfaketime`).
const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

/// The pause between two instances of a rolling deploy.
const ROLLING_STEP: Duration = Duration::from_millis(250);

/// A fault schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// No fault.
    Steady,
    /// Redis killed (`SIGKILL`) mid-run and started again on the same port, from its
    /// append-only file, 2 s later.
    RedisRestart,
    /// One instance taken out of rotation, killed (`SIGKILL`), and a fresh process started
    /// cold on its port (it loads every revocation from Redis before it answers).
    InstanceRestart,
    /// A rolling key rotation, one instance at a time, the documented way: the new key added
    /// second everywhere (`OLD,NEW`), then first (`NEW,OLD`), then, once every token sealed
    /// under the old key has expired (the TTL plus the leeway), the old key dropped (`NEW`).
    /// Needs a run of about 3 TTLs.
    KeyRotation,
    /// One instance restarted with a horizon three times the fleet's, later another with the
    /// least it accepts again: the namespace keeps the longest.
    Horizon,
    /// Serverless mode (every instance catches up at the start of each request, no follower):
    /// one instance taken out of rotation and frozen (`SIGSTOP`) while the others log users
    /// out, then thawed (`SIGCONT`) and put back: its first answers must refuse what was
    /// revoked meanwhile.
    ServerlessFreeze,
    /// One instance restarted with its clock 30 s ahead (libfaketime), as a host whose time
    /// synchronisation failed.
    ClockAhead,
    /// Redis failover: the primary killed, its replica promoted (`REPLICAOF NO ONE`), the
    /// proxy the instances reach Redis through pointed at it, and a new replica attached.
    /// Every logout is published with `WAIT 1` (durable): none is lost with the primary.
    Failover,
    /// A rolling change of compression dictionary, as the key rotation: the new one added as
    /// previous everywhere, then current, then the old one dropped. Sessions are compressed
    /// with a dictionary throughout. Needs a run of about 3 TTLs.
    DictionaryRotation,
}

impl Scenario {
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Steady => "steady",
            Scenario::RedisRestart => "redis-restart",
            Scenario::InstanceRestart => "instance-restart",
            Scenario::KeyRotation => "key-rotation",
            Scenario::Horizon => "horizon",
            Scenario::ServerlessFreeze => "serverless-freeze",
            Scenario::ClockAhead => "clock-ahead",
            Scenario::DictionaryRotation => "dictionary-rotation",
            Scenario::Failover => "failover",
        }
    }

    /// What every instance of this scenario runs with, over the defaults.
    pub fn instance_env(self, ttl_seconds: u64) -> Vec<(&'static str, String)> {
        match self {
            // A leeway of one TTL: an idle session comes back within 1.3 TTLs of its token,
            // so it never needs more, and the old key can go 2 TTLs after the last promotion.
            Scenario::KeyRotation => vec![(env::LEEWAY_SECONDS, ttl_seconds.to_string())],
            Scenario::DictionaryRotation => vec![
                (env::LEEWAY_SECONDS, ttl_seconds.to_string()),
                (env::DICTIONARIES, OLD_DICTIONARY.to_owned()),
            ],
            Scenario::ServerlessFreeze => vec![(env::SERVERLESS, "1".to_owned())],
            Scenario::Failover => vec![(env::REPLICAS, "1".to_owned())],
            _ => Vec::new(),
        }
    }
}

/// What the faults act on, and where they are written down.
pub struct Faults {
    pub redis: Arc<Mutex<RedisServer>>,
    pub fleet: Arc<Mutex<Fleet>>,
    pub balancer: Arc<Balancer>,
    pub outages: Arc<Outages>,
    pub events: Arc<Events>,
    pub start: Instant,
    pub length: Duration,
    pub ttl: Duration,
    /// The leeway the instances run with (the key rotation waits it out).
    pub leeway: Duration,
    /// The replica and the proxy of the `failover` scenario.
    pub failover: Option<Arc<Failover>>,
}

/// What a failover acts on: the replica, the proxy the instances reach Redis through, and
/// the new replica attached after it (kept until the run ends).
pub struct Failover {
    pub replica: Mutex<RedisServer>,
    pub proxy: Proxy,
    pub binary: PathBuf,
    pub next_replica: Mutex<Option<RedisServer>>,
}

/// What the faults did, and when: for the report.
#[derive(Default)]
pub struct Events {
    done: Mutex<Vec<(Instant, String)>>,
}

impl Events {
    pub fn note(&self, what: impl Into<String>) {
        self.done
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((Instant::now(), what.into()));
    }

    /// The events, in seconds since `start`.
    pub fn seconds_since(&self, start: Instant) -> Vec<(f64, String)> {
        self.done
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(at, what)| {
                (
                    at.saturating_duration_since(start).as_secs_f64(),
                    what.clone(),
                )
            })
            .collect()
    }
}

/// The times Redis was down: from the kill until it answered again.
#[derive(Default)]
pub struct Outages {
    windows: Mutex<Vec<(Instant, Option<Instant>)>>,
}

impl Outages {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(Instant, Option<Instant>)>> {
        self.windows.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn begin(&self, at: Instant) {
        self.lock().push((at, None));
    }

    fn end(&self, at: Instant) {
        if let Some(window) = self.lock().last_mut() {
            window.1 = Some(at);
        }
    }

    /// Whether a request sent at `sent` and answered at `answered` overlaps an outage, or
    /// the [`RECONNECTION_GRACE`] after one.
    pub fn overlaps(&self, sent: Instant, answered: Instant) -> bool {
        self.lock().iter().any(|&(down, up)| {
            let until = up.map(|up| up + RECONNECTION_GRACE);
            down <= answered && until.is_none_or(|until| sent <= until)
        })
    }

    /// The propagation bound of a revocation answered at `revoked_at`: `bound`, unless Redis
    /// went down before that bound was over (or had been down until just before): then
    /// `bound` after Redis is back and the instances have reconnected, since while Redis is
    /// down no other instance can learn of it. A day while Redis is not back.
    pub fn stretch(&self, revoked_at: Instant, bound: Duration) -> Duration {
        self.lock().iter().fold(bound, |stretched, &(down, up)| {
            if down > revoked_at + bound {
                return stretched;
            }
            let Some(up) = up else {
                return Duration::from_secs(86_400);
            };
            let end = up + RECONNECTION_GRACE + bound;
            stretched.max(end.saturating_duration_since(revoked_at))
        })
    }

    /// The outages, in seconds since `start`.
    pub fn seconds_since(&self, start: Instant) -> Vec<(f64, Option<f64>)> {
        let since = |at: Instant| at.saturating_duration_since(start).as_secs_f64();
        self.lock()
            .iter()
            .map(|&(down, up)| (since(down), up.map(since)))
            .collect()
    }
}

/// How long a frozen instance stays frozen: tens of seconds on a long run, less on a short
/// one.
fn freeze_length(length: Duration) -> Duration {
    (length * 2 / 5).clamp(Duration::from_secs(2), Duration::from_secs(30))
}

/// Runs `scenario`'s faults on a run that began at `faults.start`.
///
/// # Errors
///
/// Redis or an instance could not be started again, or the run is too short for the
/// scenario.
pub async fn inject(scenario: Scenario, faults: Faults) -> Result<(), HarnessError> {
    let at = |fraction: f64| faults.start + faults.length.mul_f64(fraction);
    match scenario {
        Scenario::Steady => Ok(()),
        Scenario::RedisRestart => {
            // Down in the middle of the run, with time left after it to see the recovery.
            let kill_at = faults.start + faults.length.saturating_sub(REDIS_OUTAGE) / 2;
            tokio::time::sleep_until(kill_at).await;
            // Down from the moment the kill is sent: answers may fail before it returns.
            faults.outages.begin(Instant::now());
            faults.events.note("Redis killed (SIGKILL)");
            let server = Arc::clone(&faults.redis);
            blocking(move || {
                server.lock().unwrap_or_else(PoisonError::into_inner).kill();
                Ok(())
            })
            .await?;
            tokio::time::sleep(REDIS_OUTAGE).await;
            let server = Arc::clone(&faults.redis);
            blocking(move || {
                server
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .restart()
            })
            .await?;
            faults.outages.end(Instant::now());
            faults
                .events
                .note("Redis started again from its append-only file");
            Ok(())
        }
        Scenario::InstanceRestart => {
            tokio::time::sleep_until(at(0.4)).await;
            replace(
                &faults,
                1,
                Vec::new(),
                "instance 1 killed, a fresh one started cold".to_owned(),
            )
            .await
        }
        Scenario::KeyRotation => {
            let old = lock(&faults.fleet).session_keys().to_owned();
            let new = sealed_session::Key::generate().to_base64();
            roll(&faults, env::SESSION_KEYS, "key", &old, &new).await
        }
        Scenario::DictionaryRotation => {
            roll(
                &faults,
                env::DICTIONARIES,
                "dictionary",
                OLD_DICTIONARY,
                "fleet-2",
            )
            .await
        }
        Scenario::Horizon => {
            let fleet_horizon = Duration::from_secs(3600) + faults.leeway;
            let longer = (fleet_horizon * 3).as_secs().to_string();
            tokio::time::sleep_until(at(0.3)).await;
            let env = vec![(env::HORIZON_SECONDS, longer.clone())];
            replace(
                &faults,
                2,
                env,
                format!("instance 2 restarted with a horizon of {longer} s"),
            )
            .await?;
            tokio::time::sleep_until(at(0.6)).await;
            let least = fleet_horizon.as_secs().to_string();
            let env = vec![(env::HORIZON_SECONDS, least.clone())];
            replace(
                &faults,
                0,
                env,
                format!("instance 0 restarted with a horizon of {least} s"),
            )
            .await
        }
        Scenario::Failover => {
            let failover = faults
                .failover
                .clone()
                .ok_or_else(|| HarnessError("the failover has no replica".to_owned()))?;
            tokio::time::sleep_until(at(0.4)).await;
            faults.outages.begin(Instant::now());
            faults.events.note("the primary killed (SIGKILL)");
            let primary = Arc::clone(&faults.redis);
            blocking(move || {
                lock(&primary).kill();
                Ok(())
            })
            .await?;
            let promoted = Arc::clone(&failover);
            let port = blocking_value(move || {
                let replica = lock(&promoted.replica);
                replica.promote()?;
                Ok(replica.port())
            })
            .await?;
            failover.proxy.retarget(port);
            faults
                .events
                .note("the replica promoted; the proxy points at it");
            let attach = Arc::clone(&failover);
            blocking(move || {
                let next = RedisServer::start_replica(&attach.binary, port)?;
                *lock(&attach.next_replica) = Some(next);
                Ok(())
            })
            .await?;
            faults.outages.end(Instant::now());
            faults.events.note("a new replica attached and synced");
            Ok(())
        }
        Scenario::ClockAhead => {
            tokio::time::sleep_until(at(0.2)).await;
            let ahead = 1;
            let env = vec![
                ("LD_PRELOAD", LIBFAKETIME.to_owned()),
                ("FAKETIME", format!("+{}s", CLOCK_AHEAD.as_secs())),
                // Monotonic time as it is: only the system time is wrong.
                ("FAKETIME_DONT_FAKE_MONOTONIC", "1".to_owned()),
                ("DONT_FAKE_MONOTONIC", "1".to_owned()),
            ];
            let what = format!(
                "instance {ahead} restarted with its clock {} s ahead",
                CLOCK_AHEAD.as_secs()
            );
            replace(&faults, ahead, env, what).await?;
            let port = lock(&faults.fleet).ports()[ahead];
            let offset = status::clock_offset_ms(port)
                .await
                .ok_or_else(|| HarnessError(format!("instance {ahead} does not tell its clock")))?;
            let wanted = i64::try_from(CLOCK_AHEAD.as_millis()).unwrap_or(i64::MAX);
            if (offset - wanted).abs() > 1000 {
                return Err(HarnessError(format!(
                    "instance {ahead}'s clock is {offset} ms off, not {wanted}: is libfaketime \
                     ({LIBFAKETIME}) installed?"
                )));
            }
            faults
                .events
                .note(format!("instance {ahead}'s clock reads {offset} ms ahead"));
            Ok(())
        }
        Scenario::ServerlessFreeze => {
            tokio::time::sleep_until(at(0.2)).await;
            let frozen = 1;
            let drained = faults.balancer.drain(frozen).await;
            signal(&faults, frozen, "STOP").await?;
            faults.events.note(format!(
                "instance {frozen} frozen (SIGSTOP){}",
                if drained {
                    ""
                } else {
                    " with requests in flight"
                }
            ));
            tokio::time::sleep(freeze_length(faults.length)).await;
            signal(&faults, frozen, "CONT").await?;
            faults.balancer.put_back(frozen, false);
            faults.events.note(format!(
                "instance {frozen} thawed (SIGCONT) and back in rotation"
            ));
            Ok(())
        }
    }
}

/// The documented rolling rotation of what `variable` holds (a list, the first in use, the
/// others only opening), one instance at a time: `new` added second everywhere, then first,
/// then, once every token made with `old` has expired (the TTL plus the leeway), `old` dropped.
async fn roll(
    faults: &Faults,
    variable: &'static str,
    what: &str,
    old: &str,
    new: &str,
) -> Result<(), HarnessError> {
    let count = faults.balancer.count();
    // The expiry of every token made with the old one, and the leeway after it.
    let wait_out = faults.ttl + faults.leeway + Duration::from_millis(500);
    let started = Instant::now();
    tokio::time::sleep_until(faults.start + faults.length / 10).await;
    for (list, step) in [
        (format!("{old},{new}"), "added second"),
        (format!("{new},{old}"), "promoted"),
    ] {
        for index in 0..count {
            let env = vec![(variable, list.clone())];
            let done = format!("instance {index}: the new {what} {step}");
            replace(faults, index, env, done).await?;
            // A while with instances of both kinds, as in a real rolling deploy.
            tokio::time::sleep(ROLLING_STEP).await;
        }
    }
    tokio::time::sleep(wait_out).await;
    for index in 0..count {
        let env = vec![(variable, new.to_owned())];
        let done = format!("instance {index}: the old {what} dropped");
        replace(faults, index, env, done).await?;
    }
    let end = faults.start + faults.length;
    if Instant::now() + Duration::from_secs(1) > end {
        return Err(HarnessError(format!(
            "the run is too short for the {what} rotation: it took {:.1} s, and needs a second of \
             load after it (use --seconds {} or more)",
            started.elapsed().as_secs_f64(),
            (faults.length / 10 + started.elapsed() + Duration::from_secs(2)).as_secs()
        )));
    }
    Ok(())
}

/// Takes instance `index` out of rotation, lets it drain, kills it, starts a fresh process
/// cold with `env` on its port, and puts it back once it listens.
async fn replace(
    faults: &Faults,
    index: usize,
    env: Vec<(&'static str, String)>,
    what: String,
) -> Result<(), HarnessError> {
    if !faults.balancer.drain(index).await {
        return Err(HarnessError(format!("instance {index} did not drain")));
    }
    let fleet = Arc::clone(&faults.fleet);
    blocking(move || lock(&fleet).restart(index, &env)).await?;
    faults.balancer.put_back(index, true);
    faults.events.note(what);
    Ok(())
}

async fn signal(faults: &Faults, index: usize, signal: &'static str) -> Result<(), HarnessError> {
    let fleet = Arc::clone(&faults.fleet);
    blocking(move || lock(&fleet).signal(index, signal)).await
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `work` (process control, which blocks) on tokio's blocking pool, for its value.
async fn blocking_value<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, HarnessError> + Send + 'static,
) -> Result<T, HarnessError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| HarnessError(format!("a fault did not finish: {error}")))?
}

/// Runs `work` (process control, which blocks) on tokio's blocking pool.
async fn blocking(
    work: impl FnOnce() -> Result<(), HarnessError> + Send + 'static,
) -> Result<(), HarnessError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| HarnessError(format!("a fault did not finish: {error}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_overlaps_an_outage_and_its_grace() {
        let t = Instant::now();
        let s = Duration::from_secs;
        let outages = Outages::default();
        assert!(!outages.overlaps(t, t + s(1)));
        outages.begin(t + s(10));
        assert!(outages.overlaps(t + s(20), t + s(21)), "still down");
        assert!(!outages.overlaps(t + s(8), t + s(9)), "before it");
        outages.end(t + s(12));
        assert!(outages.overlaps(t + s(9), t + s(10)));
        assert!(outages.overlaps(t + s(13), t + s(14)), "within the grace");
        assert!(!outages.overlaps(t + s(14), t + s(15)), "after the grace");
    }

    #[test]
    fn a_revocation_just_before_an_outage_propagates_after_it() {
        let t = Instant::now();
        let s = Duration::from_secs;
        let bound = s(1);
        let outages = Outages::default();
        assert_eq!(outages.stretch(t, bound), bound, "no outage");
        outages.begin(t + s(10));
        assert_eq!(outages.stretch(t + s(5), bound), bound, "long before it");
        assert_eq!(
            outages.stretch(t + s(9) + bound / 2, bound),
            s(86_400),
            "not back"
        );
        outages.end(t + s(12));
        // Answered at 9.5 s: Redis down from 10 s to 12 s, reconnected by 13 s, bound 1 s.
        assert_eq!(
            outages.stretch(t + s(9) + bound / 2, bound),
            s(4) + bound / 2
        );
        assert_eq!(outages.stretch(t + s(20), bound), bound, "long after it");
    }
}
