//! `fleet --compare`: the same load against each way of keeping a session, one after the
//! other in one run: this crate's layer (revocations shared through Redis, the follower
//! running), tower-sessions with its Redis store and with its memory store, axum-extra's
//! `PrivateCookieJar`, and the same app with no session, whose requests per second the others
//! are given as a ratio of. For each: requests per second at a fixed concurrency, latency,
//! Redis commands per request (`INFO commandstats`), cookie bytes per request in and out,
//! `Set-Cookie` headers per request, and CPU time of the instances per request.

mod load;
mod measure;

use std::collections::BTreeMap;
use std::path::PathBuf;

use base64::Engine as _;
use clap::ValueEnum;
use sealed_session_fleet::api::env;
use serde::Serialize;
use tokio::time::Duration;

use crate::HarnessError;
use crate::instances::{self, Fleet};
use crate::redis_server::RedisServer;

/// A way of keeping sessions: the `STORE` of `peer-app`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Store {
    /// No session: the ceiling.
    None,
    /// This crate's layer, revocations shared through Redis.
    Sealed,
    /// tower-sessions with its Redis store.
    TowerRedis,
    /// tower-sessions with its memory store (one instance only).
    TowerMemory,
    /// axum-extra's `PrivateCookieJar` (no revocation).
    PrivateJar,
}

impl Store {
    pub fn name(self) -> &'static str {
        match self {
            Store::None => "none",
            Store::Sealed => "sealed",
            Store::TowerRedis => "tower-redis",
            Store::TowerMemory => "tower-memory",
            Store::PrivateJar => "private-jar",
        }
    }

    fn needs_redis(self) -> bool {
        matches!(self, Store::Sealed | Store::TowerRedis)
    }

    /// How many instances it runs: a memory store serves one instance only.
    fn instances(self, asked: usize) -> usize {
        if self == Store::TowerMemory { 1 } else { asked }
    }
}

/// What is measured: reading the session, or writing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mix {
    Read,
    Write,
}

/// What a comparison is given.
pub struct Settings {
    pub stores: Vec<Store>,
    pub instances: usize,
    pub users: usize,
    pub connections: usize,
    pub warmup: Duration,
    pub length: Duration,
    /// Users revoked in Redis before the sealed store starts (they load into every list).
    pub revoked: usize,
    pub redis_server: PathBuf,
    pub app: PathBuf,
}

/// One measurement.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub store: &'static str,
    pub mix: Mix,
    pub instances: usize,
    pub requests: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub seconds: f64,
    pub requests_per_second: f64,
    /// Of the same app with no session, for the same mix.
    pub ratio_to_none: Option<f64>,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// `None` without Redis.
    pub redis_commands_per_request: Option<f64>,
    /// Every command Redis ran during the measurement, and how often.
    pub redis_commands: BTreeMap<String, u64>,
    pub cookie_bytes_in: f64,
    pub cookie_bytes_out: f64,
    pub set_cookies_per_request: f64,
    /// CPU time (user and system) of all the instances, per request.
    pub cpu_us_per_request: f64,
    /// Live revocations in Redis (sealed only).
    pub revoked: usize,
    /// From an instance's process start until it listens (after its first load from Redis,
    /// for the sealed store), in milliseconds: the mean over the instances.
    pub startup_ms: f64,
}

/// Runs every store's read and write measurements, in order.
///
/// # Errors
///
/// Redis or an instance would not start, or a store answered a login with an error.
pub fn run(settings: &Settings) -> Result<Vec<Row>, HarnessError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| HarnessError(format!("no tokio runtime: {error}")))?;
    let mut rows = Vec::new();
    for &store in &settings.stores {
        eprintln!("fleet --compare: {}", store.name());
        rows.extend(measure_store(settings, store, &runtime)?);
    }
    let snapshot = rows.clone();
    for row in &mut rows {
        row.ratio_to_none = snapshot
            .iter()
            .find(|none| none.store == Store::None.name() && none.mix == row.mix)
            .filter(|none| none.requests_per_second > 0.0)
            .map(|none| row.requests_per_second / none.requests_per_second);
    }
    Ok(rows)
}

fn measure_store(
    settings: &Settings,
    store: Store,
    runtime: &tokio::runtime::Runtime,
) -> Result<Vec<Row>, HarnessError> {
    let redis = store
        .needs_redis()
        .then(|| RedisServer::start(&settings.redis_server))
        .transpose()?;
    let redis_url = redis
        .as_ref()
        .map_or_else(|| "redis://127.0.0.1:1/".to_owned(), RedisServer::url);
    let revoked = if store == Store::Sealed {
        settings.revoked
    } else {
        0
    };
    let revocation_key = sealed_session::Key::generate();
    if revoked > 0 {
        eprintln!("fleet --compare: publishing {revoked} revoked users");
        measure::revoke_users(&redis_url, NAMESPACE, revoked, &revocation_key)?;
    }
    let jar_key = base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 64]>());
    let count = store.instances(settings.instances);
    let starting = std::time::Instant::now();
    let fleet = Fleet::start_sharing(
        &instances::Settings {
            app: settings.app.clone(),
            redis_url,
            namespace: NAMESPACE.to_owned(),
            ttl_seconds: 8 * 3600,
            follow_ms: 100,
            max_backoff_ms: None,
            env: vec![
                (env::STORE, store.name().to_owned()),
                (load::JAR_KEY, jar_key),
            ],
        },
        count,
        &revocation_key,
    )?;
    let started = Started {
        store,
        instances: count,
        revoked,
        startup_ms: starting.elapsed().as_secs_f64() * 1000.0 / count as f64,
    };
    let ports = fleet.ports();
    let pids = fleet.pids();
    let mut users = runtime.block_on(load::log_in(&ports, settings.users))?;
    let mut rows = Vec::new();
    for mix in [Mix::Read, Mix::Write] {
        let (warm, _) = runtime.block_on(load::drive(
            &ports,
            users,
            mix,
            settings.connections,
            settings.warmup,
        ));
        users = warm;
        if let Some(redis) = &redis {
            redis.cli(&["CONFIG", "RESETSTAT"])?;
        }
        let cpu_before = measure::cpu_ticks(&pids)?;
        let (done, tally) = runtime.block_on(load::drive(
            &ports,
            users,
            mix,
            settings.connections,
            settings.length,
        ));
        users = done;
        let cpu = measure::cpu_ticks(&pids)?.saturating_sub(cpu_before);
        let commands = match &redis {
            Some(redis) => Some(measure::command_stats(
                &redis.cli(&["INFO", "commandstats"])?,
            )),
            None => None,
        };
        rows.push(row(&started, mix, &tally, commands, cpu));
    }
    drop(fleet);
    drop(redis);
    Ok(rows)
}

/// The namespace of the sealed store's revocations.
const NAMESPACE: &str = "compare";

/// A store's fleet as it started: what each of its rows repeats.
struct Started {
    store: Store,
    instances: usize,
    revoked: usize,
    startup_ms: f64,
}

fn row(
    started: &Started,
    mix: Mix,
    tally: &load::Tally,
    commands: Option<BTreeMap<String, u64>>,
    cpu_ticks: u64,
) -> Row {
    let requests = tally.requests.max(1) as f64;
    let mut latencies = tally.latencies_us.clone();
    latencies.sort_unstable();
    let ms = |p: f64| crate::report::percentile(&latencies, p) as f64 / 1000.0;
    let total_commands = commands
        .as_ref()
        .map(|commands| commands.values().sum::<u64>() as f64 / requests);
    Row {
        store: started.store.name(),
        mix,
        instances: started.instances,
        requests: tally.requests,
        errors: tally.errors,
        first_error: tally.first_error.clone(),
        seconds: tally.seconds,
        requests_per_second: tally.requests as f64 / tally.seconds.max(f64::EPSILON),
        ratio_to_none: None,
        p50_ms: ms(0.50),
        p99_ms: ms(0.99),
        redis_commands_per_request: total_commands,
        redis_commands: commands.unwrap_or_default(),
        cookie_bytes_in: tally.cookie_in as f64 / requests,
        cookie_bytes_out: tally.cookie_out as f64 / requests,
        set_cookies_per_request: tally.set_cookies as f64 / requests,
        cpu_us_per_request: cpu_ticks as f64 * measure::MICROS_PER_TICK / requests,
        revoked: started.revoked,
        startup_ms: started.startup_ms,
    }
}

/// The rows as a Markdown table.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| store | mix | instances | requests/s | × no session | p50 ms | p99 ms | Redis commands/request | cookie bytes in / out | Set-Cookie/request | CPU µs/request | start ms | errors |\n\
         |---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|\n",
    );
    for row in rows {
        let redis = row.redis_commands_per_request.map_or_else(
            || "–".to_owned(),
            |total| {
                let requests = row.requests.max(1) as f64;
                let each: Vec<String> = row
                    .redis_commands
                    .iter()
                    .map(|(name, calls)| format!("{name} {:.2}", *calls as f64 / requests))
                    .collect();
                if each.is_empty() {
                    format!("{total:.2}")
                } else {
                    format!("{total:.2} ({})", each.join(", "))
                }
            },
        );
        out.push_str(&format!(
            "| {}{} | {} | {} | {:.0} | {} | {:.2} | {:.2} | {} | {:.0} / {:.0} | {:.2} | {:.1} | {:.0} | {} |\n",
            row.store,
            if row.revoked > 0 {
                format!(" ({} revoked)", row.revoked)
            } else {
                String::new()
            },
            match row.mix {
                Mix::Read => "read",
                Mix::Write => "write",
            },
            row.instances,
            row.requests_per_second,
            row.ratio_to_none
                .map_or_else(|| "–".to_owned(), |ratio| format!("{ratio:.2}")),
            row.p50_ms,
            row.p99_ms,
            redis,
            row.cookie_bytes_in,
            row.cookie_bytes_out,
            row.set_cookies_per_request,
            row.cpu_us_per_request,
            row.startup_ms,
            row.errors,
        ));
    }
    out
}
