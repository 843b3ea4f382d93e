//! The run's figures: as text for a person, as JSON (`--json PATH`) for a test or a note.

use std::io::Write;

use sealed_session_fleet::api::SyncView;
use serde::Serialize;

use crate::invariants::Violation;
use crate::load::Tally;
use crate::status::{Samples, slope};

/// How many violations the report lists (all are counted).
pub const LISTED_VIOLATIONS: usize = 20;

/// Everything the report says.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub scenario: String,
    /// Stopped by Ctrl-C (the syncs were not checked at the end).
    pub interrupted: bool,
    pub instances: usize,
    pub users: usize,
    /// Seconds of load (until the deadline, the request budget or Ctrl-C).
    pub seconds: f64,
    pub bound_ms: u64,
    pub requests: u64,
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub logins: u64,
    pub logouts: u64,
    pub logouts_everywhere: u64,
    pub logouts_refused: u64,
    pub rolls: u64,
    pub idles: u64,
    pub chunked_writes: u64,
    pub unchunked_writes: u64,
    /// Sessions started within the bound after a "log out everywhere" and caught by it.
    pub caught: u64,
    pub within_bound: u64,
    pub latest_within_bound_ms: f64,
    pub replays_early: u64,
    pub replays_after_bound: u64,
    /// Redis down: seconds since the start, from the kill until it answered again.
    pub outages: Vec<(f64, Option<f64>)>,
    /// What the scenario did: seconds since the start, and what.
    pub faults: Vec<(f64, String)>,
    pub violations: usize,
    pub first_violations: Vec<Violation>,
    pub instance: Vec<InstanceSummary>,
}

/// One instance's memory and sync.
#[derive(Debug, Serialize)]
pub struct InstanceSummary {
    pub port: u16,
    pub samples: usize,
    pub rss_first_kib: Option<u64>,
    pub rss_last_kib: Option<u64>,
    pub rss_max_kib: Option<u64>,
    /// Least squares over the samples.
    pub rss_slope_kib_per_s: Option<f64>,
    /// Least squares over the second half of the samples: past the warm-up (caches, pools,
    /// revocation lists filling up to their horizon), what a leak would show.
    pub rss_slope_second_half_kib_per_s: Option<f64>,
    /// Entries of the revocation list at the last sample.
    pub revocations: Option<usize>,
    /// Every sample: seconds into the run, resident KiB (in the JSON report only).
    pub rss_samples: Vec<(f64, u64)>,
    /// The sync after the load.
    pub sync: Option<SyncView>,
}

/// What a run gave, to summarize.
pub struct Run<'a> {
    pub scenario: &'a str,
    pub interrupted: bool,
    pub users: usize,
    pub bound_ms: u64,
    pub seconds: f64,
    pub tally: Tally,
    pub outages: Vec<(f64, Option<f64>)>,
    pub faults: Vec<(f64, String)>,
    pub violations: Vec<Violation>,
    pub ports: &'a [u16],
    pub samples: Vec<Samples>,
    pub syncs: Vec<Option<SyncView>>,
}

pub fn summarize(run: Run<'_>) -> Summary {
    let Run {
        scenario,
        interrupted,
        users,
        bound_ms,
        seconds,
        mut tally,
        outages,
        faults,
        violations,
        ports,
        samples,
        mut syncs,
    } = run;
    tally.latencies_us.sort_unstable();
    let ms = |p: f64| percentile(&tally.latencies_us, p) as f64 / 1000.0;
    syncs.resize(ports.len(), None);
    let mut samples = samples;
    samples.resize(ports.len(), Samples::default());
    let instance = ports
        .iter()
        .zip(samples)
        .zip(syncs)
        .map(|((&port, samples), sync)| {
            let memory = &samples.memory;
            InstanceSummary {
                port,
                samples: memory.len(),
                rss_first_kib: memory.first().map(|&(_, kib)| kib),
                rss_last_kib: memory.last().map(|&(_, kib)| kib),
                rss_max_kib: memory.iter().map(|&(_, kib)| kib).max(),
                rss_slope_kib_per_s: slope(memory),
                rss_slope_second_half_kib_per_s: slope(&memory[memory.len() / 2..]),
                revocations: samples.revocations,
                rss_samples: memory.clone(),
                sync,
            }
        })
        .collect();
    Summary {
        scenario: scenario.to_owned(),
        interrupted,
        instances: ports.len(),
        users,
        seconds,
        bound_ms,
        requests: tally.requests,
        requests_per_second: if seconds > 0.0 {
            tally.requests as f64 / seconds
        } else {
            0.0
        },
        p50_ms: ms(0.50),
        p99_ms: ms(0.99),
        max_ms: ms(1.0),
        logins: tally.logins,
        logouts: tally.logouts,
        logouts_everywhere: tally.logouts_everywhere,
        logouts_refused: tally.logouts_refused,
        rolls: tally.rolls,
        idles: tally.idles,
        chunked_writes: tally.chunked_writes,
        unchunked_writes: tally.unchunked_writes,
        caught: tally.caught,
        within_bound: tally.within_bound,
        latest_within_bound_ms: tally.latest_within_bound.as_secs_f64() * 1000.0,
        replays_early: tally.replays_early,
        replays_after_bound: tally.replays_after_bound,
        outages,
        faults,
        violations: violations.len(),
        first_violations: violations.into_iter().take(LISTED_VIOLATIONS).collect(),
        instance,
    }
}

/// The value at quantile `q` (0 to 1) of `sorted` (nearest rank), 0 when empty.
pub fn percentile(sorted: &[u32], q: f64) -> u32 {
    let rank = ((sorted.len() as f64) * q).ceil() as usize;
    sorted
        .get(rank.saturating_sub(1).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0)
}

/// The report, as text.
///
/// # Errors
///
/// Writing to `out` failed.
pub fn print(summary: &Summary, out: &mut impl Write) -> std::io::Result<()> {
    let s = summary;
    writeln!(
        out,
        "fleet: scenario {}, {} instances, {} users, {:.1} s, propagation bound {} ms",
        s.scenario, s.instances, s.users, s.seconds, s.bound_ms
    )?;
    if s.interrupted {
        writeln!(
            out,
            "interrupted (Ctrl-C): the syncs were not checked at the end"
        )?;
    }
    writeln!(
        out,
        "requests: {} ({:.0}/s), latency p50 {:.2} ms, p99 {:.2} ms, max {:.1} ms",
        s.requests, s.requests_per_second, s.p50_ms, s.p99_ms, s.max_ms
    )?;
    writeln!(
        out,
        "sessions: {} logins, {} logouts, {} logouts everywhere; {} logout tries answered 503 (Redis down) and tried again",
        s.logins, s.logouts, s.logouts_everywhere, s.logouts_refused
    )?;
    writeln!(
        out,
        "          {} idles, {} rolls, {} writes into chunks, {} back to one cookie",
        s.idles, s.rolls, s.chunked_writes, s.unchunked_writes
    )?;
    writeln!(
        out,
        "          {} logins within the bound after a logout everywhere were caught by it",
        s.caught
    )?;
    writeln!(
        out,
        "revoked sessions: {} replays before the bound, {} after it; {} accepted before the bound (latest {:.0} ms after the revocation)",
        s.replays_early, s.replays_after_bound, s.within_bound, s.latest_within_bound_ms
    )?;
    for (down, up) in &s.outages {
        match up {
            Some(up) => writeln!(out, "Redis down from {down:.2} s to {up:.2} s")?,
            None => writeln!(out, "Redis down from {down:.2} s, not back")?,
        }
    }
    for (at, what) in &s.faults {
        writeln!(out, "at {at:.2} s: {what}")?;
    }
    for (number, instance) in s.instance.iter().enumerate() {
        let kib = |value: Option<u64>| value.map_or_else(|| "-".to_owned(), |kib| kib.to_string());
        let slope = |slope: Option<f64>| {
            slope.map_or_else(|| "-".to_owned(), |slope| format!("{slope:+.1}"))
        };
        let slope = format!(
            "{} (second half {})",
            slope(instance.rss_slope_kib_per_s),
            slope(instance.rss_slope_second_half_kib_per_s)
        );
        let sync = instance.sync.as_ref().map_or_else(
            || "no status".to_owned(),
            |sync| {
                format!(
                    "sync {}, {} applied, {} loads, {} pending, Redis's clock {} ms off",
                    if sync.connected {
                        "connected"
                    } else {
                        "disconnected"
                    },
                    sync.applied,
                    sync.loads,
                    sync.pending,
                    sync.clock_offset_ms
                        .map_or_else(|| "-".to_owned(), |offset| format!("{offset:+}"))
                )
            },
        );
        writeln!(
            out,
            "instance {number} (port {}): RSS {} → {} KiB (max {}, {} samples), slope {slope} KiB/s, {} revocation entries; {sync}",
            instance.port,
            kib(instance.rss_first_kib),
            kib(instance.rss_last_kib),
            kib(instance.rss_max_kib),
            instance.samples,
            instance
                .revocations
                .map_or_else(|| "-".to_owned(), |n| n.to_string()),
        )?;
    }
    writeln!(out, "violations: {}", s.violations)?;
    for violation in &s.first_violations {
        let instance = violation
            .instance
            .map_or_else(String::new, |instance| format!(" instance {instance}"));
        writeln!(
            out,
            "  {:8.3} s{instance}: {}: {}",
            violation.at_s, violation.request, violation.reason
        )?;
    }
    if s.violations > s.first_violations.len() {
        writeln!(
            out,
            "  … and {} more",
            s.violations - s.first_violations.len()
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_by_nearest_rank() {
        let values: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&values, 0.5), 50);
        assert_eq!(percentile(&values, 0.99), 99);
        assert_eq!(percentile(&values, 1.0), 100);
        assert_eq!(percentile(&[7], 0.5), 7);
        assert_eq!(percentile(&[], 0.5), 0);
    }
}
