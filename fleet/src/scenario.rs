//! The faults injected during the load, one scenario each, and when they held (the outages
//! that excuse a logout's 503).

use std::sync::{Arc, Mutex, PoisonError};

use clap::ValueEnum;
use tokio::time::{Duration, Instant};

use crate::HarnessError;
use crate::redis_server::RedisServer;

/// How long Redis stays down in `redis-restart`.
pub const REDIS_OUTAGE: Duration = Duration::from_secs(2);

/// After Redis answers again, how long a logout may still answer 503 (the instance's
/// reconnection).
pub const RECONNECTION_GRACE: Duration = Duration::from_secs(1);

/// A fault schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// No fault.
    Steady,
    /// Redis killed (`SIGKILL`) mid-run and started again on the same port, from its
    /// append-only file, 2 s later.
    RedisRestart,
}

impl Scenario {
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Steady => "steady",
            Scenario::RedisRestart => "redis-restart",
        }
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

    /// The outages, in seconds since `start`.
    pub fn seconds_since(&self, start: Instant) -> Vec<(f64, Option<f64>)> {
        let since = |at: Instant| at.saturating_duration_since(start).as_secs_f64();
        self.lock()
            .iter()
            .map(|&(down, up)| (since(down), up.map(since)))
            .collect()
    }
}

/// Runs `scenario`'s faults on a run of `length` that began at `start`.
///
/// # Errors
///
/// Redis could not be started again.
pub async fn inject(
    scenario: Scenario,
    redis: Arc<Mutex<RedisServer>>,
    outages: Arc<Outages>,
    start: Instant,
    length: Duration,
) -> Result<(), HarnessError> {
    match scenario {
        Scenario::Steady => Ok(()),
        Scenario::RedisRestart => {
            // Down in the middle of the run, with time left after it to see the recovery.
            let kill_at = start + length.saturating_sub(REDIS_OUTAGE) / 2;
            tokio::time::sleep_until(kill_at).await;
            // Down from the moment the kill is sent: answers may fail before it returns.
            outages.begin(Instant::now());
            let server = Arc::clone(&redis);
            blocking(move || {
                server.lock().unwrap_or_else(PoisonError::into_inner).kill();
                Ok(())
            })
            .await?;
            tokio::time::sleep(REDIS_OUTAGE).await;
            blocking(move || {
                redis
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .restart()
            })
            .await?;
            outages.end(Instant::now());
            Ok(())
        }
    }
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
}
