//! The instances' `/status`: their resident memory, sampled every second, with the slope of
//! the least-squares line through the samples; and their syncs at the end of the run, which
//! must have caught up (connected, nothing waiting to be published).

use std::sync::Arc;

use sealed_session_fleet::api::{Status, SyncView, route};
use tokio::sync::watch;
use tokio::time::{Duration, Instant};

use crate::balancer::Balancer;
use crate::client::{self, Connection};
use crate::invariants::Record;

/// How long the syncs get, after the load, to publish what waits and reconnect.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(5);

/// One sample: seconds since the start, resident memory in KiB.
pub type Sample = (f64, u64);

/// What was sampled of one instance.
#[derive(Clone, Debug, Default)]
pub struct Samples {
    pub memory: Vec<Sample>,
    /// Entries of the revocation list at the last sample.
    pub revocations: Option<usize>,
}

async fn status(connection: &mut Connection, port: u16) -> Option<Status> {
    let reply = connection
        .send(client::get(port, route::STATUS, None))
        .await
        .ok()?;
    serde_json::from_slice(&reply.body).ok()
}

/// How far the clock of the instance on `port` is ahead of this one's, in milliseconds (the
/// midpoint of the request).
pub async fn clock_offset_ms(port: u16) -> Option<i64> {
    let now_ms = || {
        i64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .ok()?
                .as_millis(),
        )
        .ok()
    };
    let before = now_ms()?;
    let status = status(&mut Connection::new(port), port).await?;
    let after = now_ms()?;
    Some(status.clock_ms - (before + after) / 2)
}

/// Samples each instance's resident memory every second until `done`.
///
/// Instances out of rotation are not asked (a frozen one would not answer); a restarted
/// instance's samples start again with its new process.
pub async fn sample(
    ports: Vec<u16>,
    balancer: Arc<Balancer>,
    start: Instant,
    mut done: watch::Receiver<bool>,
) -> Vec<Samples> {
    let mut connections: Vec<Connection> =
        ports.iter().map(|&port| Connection::new(port)).collect();
    let mut samples = vec![Samples::default(); ports.len()];
    let mut generations = vec![0; ports.len()];
    let mut every_second = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = every_second.tick() => {}
            _ = done.wait_for(|done| *done) => break,
        }
        for (index, ((connection, &port), samples)) in connections
            .iter_mut()
            .zip(&ports)
            .zip(&mut samples)
            .enumerate()
        {
            let Some(_in_flight) = balancer.admit_to(index) else {
                continue;
            };
            let generation = balancer.generation(index);
            if generation != generations[index] {
                generations[index] = generation;
                samples.memory.clear();
            }
            let Some(status) = status(connection, port).await else {
                continue;
            };
            if let Some(kib) = status.rss_kib {
                samples.memory.push((start.elapsed().as_secs_f64(), kib));
            }
            samples.revocations = Some(status.revocations);
        }
    }
    samples
}

/// Waits until every instance's sync is connected with nothing left to publish; records a
/// violation for each that is not within [`SETTLE_TIMEOUT`]. Returns the last status of each.
pub async fn settle(ports: &[u16], record: &Record) -> Vec<Option<SyncView>> {
    let mut connections: Vec<Connection> =
        ports.iter().map(|&port| Connection::new(port)).collect();
    let deadline = Instant::now() + SETTLE_TIMEOUT;
    let caught_up = |sync: &Option<SyncView>| {
        sync.as_ref()
            .is_some_and(|sync| sync.loaded && sync.connected && sync.pending == 0)
    };
    loop {
        let mut syncs = Vec::with_capacity(ports.len());
        for (connection, &port) in connections.iter_mut().zip(ports) {
            syncs.push(status(connection, port).await.map(|status| status.sync));
        }
        if syncs.iter().all(caught_up) {
            return syncs;
        }
        if Instant::now() >= deadline {
            for (instance, sync) in syncs
                .iter()
                .enumerate()
                .filter(|(_, sync)| !caught_up(sync))
            {
                record.violation(
                    Instant::now(),
                    Some(instance),
                    "GET /status after the load".to_owned(),
                    format!(
                        "the sync has not caught up {} s after the load: {sync:?}",
                        SETTLE_TIMEOUT.as_secs()
                    ),
                );
            }
            return syncs;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The slope of the least-squares line through `samples`, in KiB per second; `None` for
/// fewer than two samples, or all at one time.
pub fn slope(samples: &[Sample]) -> Option<f64> {
    if samples.len() < 2 {
        return None;
    }
    let n = samples.len() as f64;
    let mean_t = samples.iter().map(|&(t, _)| t).sum::<f64>() / n;
    let mean_kib = samples.iter().map(|&(_, kib)| kib as f64).sum::<f64>() / n;
    let (mut covariance, mut variance) = (0.0, 0.0);
    for &(t, kib) in samples {
        covariance += (t - mean_t) * (kib as f64 - mean_kib);
        variance += (t - mean_t) * (t - mean_t);
    }
    (variance > 0.0).then(|| covariance / variance)
}

#[cfg(test)]
mod tests {
    use super::slope;

    #[test]
    fn the_slope_is_the_least_squares_line() {
        assert_eq!(slope(&[]), None);
        assert_eq!(slope(&[(1.0, 5)]), None);
        assert_eq!(slope(&[(1.0, 5), (1.0, 7)]), None);
        let line: Vec<_> = (0..10)
            .map(|t| (f64::from(t), 1000 + 3 * t as u64))
            .collect();
        assert!((slope(&line).unwrap_or_default() - 3.0).abs() < 1e-9);
        let flat_with_noise = [(0.0, 100), (1.0, 102), (2.0, 98), (3.0, 100)];
        assert!(slope(&flat_with_noise).unwrap_or_default().abs() < 1.0);
    }
}
