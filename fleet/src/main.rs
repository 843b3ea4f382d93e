//! `fleet`: a fleet of sealed-session instances under load, with a fault injected, and the
//! fleet's invariants checked on every response.
//!
//! ```sh
//! cargo run --release -p sealed-session-fleet --bin fleet -- --seconds 30 --scenario redis-restart
//! ```
//!
//! Starts a `redis-server` (append-only file on) and N `fleet-app` instances (same keys, same
//! namespace, revocations shared through Redis), then V virtual users for S seconds, each with
//! two cookie jars (two devices) and a keep-alive HTTP/1.1 connection per instance, sending
//! each request to the next instance in turn. Loopback only. Prints a report: requests,
//! latency, the sessions' events, every violation (the first 20 listed), each instance's
//! resident memory and its slope. Stops Redis and the instances at the end, on Ctrl-C and on
//! a panic.

#![forbid(unsafe_code)]

mod balancer;
mod client;
mod compare;
mod instances;
mod invariants;
mod jar;
mod load;
mod proxy;
mod redis_server;
mod report;
mod scenario;
mod status;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::Parser;
use tokio::sync::watch;
use tokio::time::{Duration, Instant};

use balancer::Balancer;
use instances::Fleet;
use invariants::Record;
use redis_server::RedisServer;
use scenario::{Events, Faults, Outages, Scenario};

/// Every invariant held.
const EXIT_PASSED: u8 = 0;
/// At least one invariant was violated.
const EXIT_VIOLATIONS: u8 = 1;
/// The harness could not run (Redis or an instance would not start, bad arguments).
const EXIT_HARNESS: u8 = 2;

const EXIT_CODES: &str = "\
Exit status:
  0  every invariant held
  1  at least one invariant was violated (listed in the report)
  2  the harness could not run (Redis or an instance would not start, bad arguments)";

/// A fleet of sealed-session instances under load and a fault, its invariants checked on
/// every response: no 5xx, no Set-Cookie over 4096 bytes, a revoked session refused by every
/// instance after the propagation bound, a valid session never refused.
#[derive(Debug, Parser)]
#[command(name = "fleet", after_help = EXIT_CODES)]
struct Args {
    /// The fault injected during the load.
    #[arg(long, value_enum, default_value = "steady")]
    scenario: Scenario,
    /// Instances of the app.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..))]
    instances: u16,
    /// Virtual users.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..))]
    users: u16,
    /// Seconds of load.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Most requests of the users (replays not counted); unlimited by default.
    #[arg(long)]
    max_requests: Option<u64>,
    /// How long after a logout answered 200 every instance must refuse its session, in
    /// milliseconds.
    #[arg(long, default_value_t = 1000)]
    bound_ms: u64,
    /// The sessions' idle timeout, in seconds: users idle past half of it now and then.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u64).range(2..))]
    ttl_seconds: u64,
    /// The sessions' absolute lifetime, in seconds (an hour by default). A long run sets it
    /// below its length, so that the revocation lists (an entry kept for the lifetime plus the
    /// leeway, then pruned) reach their steady size and memory can be seen to be flat.
    #[arg(long)]
    max_lifetime_seconds: Option<u64>,
    /// The instances' follower interval, in milliseconds.
    #[arg(long, default_value_t = 100)]
    follow_ms: u64,
    /// The instances' longest wait between reconnections to Redis, in milliseconds. The
    /// library's default is 10,000: after an outage, an instance whose follower waits out its
    /// backoff applies the revocations made elsewhere only when it reconnects (or publishes a
    /// logout of its own), so with an outage of more than a few seconds the propagation bound
    /// does not hold for up to that long after Redis is back.
    #[arg(long, default_value_t = 200)]
    max_backoff_ms: u64,
    /// Seeds the users' choices (random by default).
    #[arg(long)]
    seed: Option<u64>,
    /// The `redis-server` to run.
    #[arg(long, default_value = "redis-server")]
    redis_server: PathBuf,
    /// The `fleet-app` to run (by default, the one beside this program).
    #[arg(long)]
    app: Option<PathBuf>,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Instead of a scenario: the side-by-side comparison of ways to keep sessions (this
    /// crate's layer, tower-sessions with Redis and in memory, PrivateCookieJar, none), each
    /// read and written for --seconds after --warmup-seconds, by --users over --connections.
    #[arg(long)]
    compare: bool,
    /// The stores compared, in order (`none` first: the others are given as its ratio).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "none,sealed,tower-redis,tower-memory,private-jar"
    )]
    stores: Vec<compare::Store>,
    /// Concurrent requests of the comparison: tasks, each with a keep-alive connection to
    /// every instance.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..))]
    connections: u16,
    /// Seconds of load before each measurement of the comparison.
    #[arg(long, default_value_t = 3)]
    warmup_seconds: u64,
    /// Users revoked in Redis before the comparison's sealed store starts.
    #[arg(long, default_value_t = 0)]
    revoked: usize,
    /// The `peer-app` of the comparison (by default, the one beside this program).
    #[arg(long)]
    peer_app: Option<PathBuf>,
}

/// Why the harness could not run.
#[derive(Debug)]
pub struct HarnessError(pub String);

impl std::fmt::Display for HarnessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.compare {
        return compare_main(&args);
    }
    let summary = match run(&args) {
        Ok(summary) => summary,
        Err(error) => {
            eprintln!("fleet: {error}");
            return ExitCode::from(EXIT_HARNESS);
        }
    };
    let written = report::print(&summary, &mut std::io::stdout().lock());
    let json = args.json.as_ref().map(|path| {
        serde_json::to_vec_pretty(&summary)
            .map_err(std::io::Error::other)
            .and_then(|json| std::fs::write(path, json))
    });
    if let Err(error) = written.and(json.unwrap_or(Ok(()))) {
        eprintln!("fleet: cannot write the report: {error}");
        return ExitCode::from(EXIT_HARNESS);
    }
    if summary.violations == 0 {
        ExitCode::from(EXIT_PASSED)
    } else {
        ExitCode::from(EXIT_VIOLATIONS)
    }
}

/// `--compare`: the side-by-side table, on standard output (and as JSON with `--json`).
fn compare_main(args: &Args) -> ExitCode {
    let app = match &args.peer_app {
        Some(app) => Ok(app.clone()),
        None => instances::beside_harness("peer-app"),
    };
    let settings = app.map(|app| compare::Settings {
        stores: args.stores.clone(),
        instances: usize::from(args.instances),
        users: usize::from(args.users),
        connections: usize::from(args.connections),
        warmup: Duration::from_secs(args.warmup_seconds),
        length: Duration::from_secs(args.seconds),
        revoked: args.revoked,
        redis_server: args.redis_server.clone(),
        app,
    });
    let rows = match settings.and_then(|settings| compare::run(&settings)) {
        Ok(rows) => rows,
        Err(error) => {
            eprintln!("fleet: {error}");
            return ExitCode::from(EXIT_HARNESS);
        }
    };
    print!("{}", compare::table(&rows));
    if let Some(path) = &args.json {
        let written = serde_json::to_vec_pretty(&rows)
            .map_err(std::io::Error::other)
            .and_then(|json| std::fs::write(path, json));
        if let Err(error) = written {
            eprintln!("fleet: cannot write {}: {error}", path.display());
            return ExitCode::from(EXIT_HARNESS);
        }
    }
    if rows.iter().any(|row| row.errors > 0) {
        eprintln!("fleet: some requests failed (the errors column)");
        return ExitCode::from(EXIT_VIOLATIONS);
    }
    ExitCode::from(EXIT_PASSED)
}

/// Starts Redis and the instances, runs the load and the scenario, and stops everything
/// (the guards' `Drop`, also on a panic).
fn run(args: &Args) -> Result<report::Summary, HarnessError> {
    let app = match &args.app {
        Some(app) => app.clone(),
        None => instances::app_beside_harness()?,
    };
    let redis = RedisServer::start(&args.redis_server)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| HarnessError(format!("no tokio runtime: {error}")))?;
    // A failover needs a replica, and a proxy to point the instances at the promoted one.
    let failover = match args.scenario {
        Scenario::Failover => {
            let replica = RedisServer::start_replica(&args.redis_server, redis.port())?;
            let proxy = runtime.block_on(proxy::Proxy::start(redis.port()))?;
            Some(Arc::new(scenario::Failover {
                replica: Mutex::new(replica),
                proxy,
                binary: args.redis_server.clone(),
                next_replica: Mutex::new(None),
            }))
        }
        _ => None,
    };
    let redis_url = failover
        .as_ref()
        .map_or_else(|| redis.url(), |failover| failover.proxy.url());
    let settings = instances::Settings {
        app,
        redis_url,
        namespace: "fleet".to_owned(),
        ttl_seconds: args.ttl_seconds,
        follow_ms: args.follow_ms,
        max_backoff_ms: Some(args.max_backoff_ms),
        env: {
            let mut env = args.scenario.instance_env(args.ttl_seconds);
            if let Some(seconds) = args.max_lifetime_seconds {
                env.push((
                    sealed_session_fleet::api::env::MAX_LIFETIME_SECONDS,
                    seconds.to_string(),
                ));
            }
            env
        },
    };
    let fleet = Fleet::start(&settings, usize::from(args.instances))?;
    let ports = fleet.ports();
    let fleet = Arc::new(Mutex::new(fleet));
    let redis = Arc::new(Mutex::new(redis));
    let summary = runtime.block_on(drive(
        args,
        ports,
        Arc::clone(&fleet),
        Arc::clone(&redis),
        failover.clone(),
    ));
    // The runtime first (its tasks may hold Redis), then the instances, then Redis.
    drop(runtime);
    drop(fleet);
    drop(failover);
    drop(redis);
    summary
}

/// The run itself, once Redis and the instances are up.
async fn drive(
    args: &Args,
    ports: Vec<u16>,
    fleet: Arc<Mutex<Fleet>>,
    redis: Arc<Mutex<RedisServer>>,
    failover: Option<Arc<scenario::Failover>>,
) -> Result<report::Summary, HarnessError> {
    let start = Instant::now();
    let length = Duration::from_secs(args.seconds);
    let record = Record::new(start);
    let outages = Arc::new(Outages::default());
    let events = Arc::new(Events::default());
    let balancer = Arc::new(Balancer::new(ports.len()));
    let (stop, _) = watch::channel(false);
    let (sampled, sampling) = watch::channel(false);

    let interrupt = {
        let stop = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("fleet: interrupted; stopping");
                stop.send_replace(true);
            }
        })
    };
    let sampler = tokio::spawn(status::sample(
        ports.clone(),
        Arc::clone(&balancer),
        start,
        sampling,
    ));
    let ttl = Duration::from_secs(args.ttl_seconds);
    let leeway = args
        .scenario
        .instance_env(args.ttl_seconds)
        .iter()
        .find(|(name, _)| *name == sealed_session_fleet::api::env::LEEWAY_SECONDS)
        .and_then(|(_, seconds)| seconds.parse().ok())
        .map_or(Duration::from_secs(60), Duration::from_secs);
    let faults = tokio::spawn(scenario::inject(
        args.scenario,
        Faults {
            redis,
            fleet,
            balancer: Arc::clone(&balancer),
            outages: Arc::clone(&outages),
            events: Arc::clone(&events),
            start,
            length,
            ttl,
            leeway,
            failover,
        },
    ));
    let settings = load::Settings {
        users: usize::from(args.users),
        ttl: Duration::from_secs(args.ttl_seconds),
        bound: Duration::from_millis(args.bound_ms),
        deadline: start + length,
        max_requests: args.max_requests.unwrap_or(u64::MAX),
        seed: args.seed.unwrap_or_else(rand::random),
    };
    let (tally, stopped) = load::run(
        settings,
        ports.clone(),
        Arc::clone(&balancer),
        record.clone(),
        Arc::clone(&outages),
        stop.clone(),
    )
    .await;

    // Interrupted: the fault under way is not waited for, nor are the syncs.
    let interrupted = interrupt.is_finished();
    if interrupted {
        faults.abort();
    }
    match faults.await {
        Ok(result) => result?,
        Err(error) if error.is_cancelled() => {}
        Err(error) => return Err(HarnessError(format!("the scenario failed: {error}"))),
    }
    let syncs = if interrupted {
        Vec::new()
    } else {
        status::settle(&ports, &record).await
    };
    sampled.send_replace(true);
    let samples = sampler.await.unwrap_or_default();
    interrupt.abort();

    Ok(report::summarize(report::Run {
        scenario: args.scenario.name(),
        interrupted,
        users: usize::from(args.users),
        bound_ms: args.bound_ms,
        seconds: stopped.saturating_duration_since(start).as_secs_f64(),
        tally,
        outages: outages.seconds_since(start),
        faults: events.seconds_since(start),
        violations: record.violations(),
        ports: &ports,
        samples,
        syncs,
    }))
}
