//! What the comparison reads besides the load: the instances' CPU time (`/proc/PID/stat`),
//! Redis's command counts (`INFO commandstats`), and the revoked users it publishes first.

use std::collections::BTreeMap;
use std::sync::Arc;

use sealed_session::redis::{RedisSync, SyncOptions};
use sealed_session::{Key, RevocationList, Sealer};

use crate::HarnessError;

/// Microseconds in one clock tick of `/proc/PID/stat` (`CLK_TCK`, 100 on Linux).
pub const MICROS_PER_TICK: f64 = 10_000.0;

/// The CPU time (user and system) of the processes `pids`, in clock ticks.
///
/// # Errors
///
/// A process's `/proc/PID/stat` cannot be read or parsed.
pub fn cpu_ticks(pids: &[u32]) -> Result<u64, HarnessError> {
    pids.iter().try_fold(0, |total, pid| {
        let path = format!("/proc/{pid}/stat");
        let stat = std::fs::read_to_string(&path)
            .map_err(|error| HarnessError(format!("cannot read {path}: {error}")))?;
        // After the command name in parentheses: state, then 10 fields, then utime, stime.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        let tick = |index: usize| {
            fields
                .get(index)
                .and_then(|field| field.parse::<u64>().ok())
        };
        match (tick(11), tick(12)) {
            (Some(user), Some(system)) => Ok(total + user + system),
            _ => Err(HarnessError(format!("{path} does not parse"))),
        }
    })
}

/// The calls of each command in `INFO commandstats` (`cmdstat_get:calls=3,...`), without the
/// comparison's own (`INFO`, `CONFIG`).
pub fn command_stats(info: &str) -> BTreeMap<String, u64> {
    info.lines()
        .filter_map(|line| {
            let (name, stats) = line.trim().strip_prefix("cmdstat_")?.split_once(':')?;
            let calls = stats
                .split(',')
                .find_map(|stat| stat.strip_prefix("calls="))?
                .parse()
                .ok()?;
            Some((name.to_owned(), calls))
        })
        .filter(|(name, _)| !matches!(name.as_str(), "info" | "config|resetstat" | "config"))
        .collect()
}

/// Publishes `count` revoked users (`gone-N`) into `namespace` at `url`, hashed with the
/// instances' `revocation_key`, as instances of the sealed store would have: every list that
/// connects loads them.
///
/// # Errors
///
/// Redis refused them.
pub fn revoke_users(
    url: &str,
    namespace: &str,
    count: usize,
    revocation_key: &Key,
) -> Result<(), HarnessError> {
    let failed = |error: sealed_session::Error| HarnessError(format!("revoking users: {error}"));
    let list = Arc::new(RevocationList::new_shared(
        time::Duration::days(1) + Sealer::DEFAULT_LEEWAY,
        revocation_key,
    ));
    let sync =
        RedisSync::connect(Arc::clone(&list), url, SyncOptions::new(namespace)).map_err(failed)?;
    for number in 0..count {
        list.revoke_user(&format!("gone-{number}"));
    }
    sync.flush().map_err(failed)
}

#[cfg(test)]
mod tests {
    #[test]
    fn command_stats_are_read_and_ours_left_out() {
        let info = "# Commandstats\r\ncmdstat_get:calls=12,usec=30,usec_per_call=2.50,rejected_calls=0,failed_calls=0\r\ncmdstat_info:calls=1,usec=5\r\ncmdstat_set:calls=4,usec=9\r\n";
        let stats = super::command_stats(info);
        assert_eq!(stats.len(), 2);
        assert_eq!(stats["get"], 12);
        assert_eq!(stats["set"], 4);
    }
}
