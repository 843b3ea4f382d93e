//! Revocation lists kept in step through a real Redis (started here, on a free port): two
//! processes, an outage, a cold start of 100,000 entries, duplicates and reordering, a trimmed
//! log, garbage, and the start policies; failover to a replica (`failover.rs`), the blocking
//! follower and publication that waits for a replica (`follower.rs`), a Redis Cluster and a
//! slot migration (`cluster.rs`); a JWS issued for a session, refused once the session or its
//! user is revoked in the other process (`jws.rs`).

mod acl;
mod cluster;
mod failover;
mod follower;
#[cfg(feature = "jwks")]
mod jws;

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sealed_session::redis::{RedisSync, StartPolicy, SyncOptions};
use sealed_session::{Error, Key, RevocationList, Sealer};
use sealed_session_test_support::fixtures::fixed_key;
use sealed_session_test_support::redis_server::{self, RedisServer};

const HORIZON: time::Duration = time::Duration::days(8);

fn secret() -> Key {
    fixed_key(0x31)
}

fn session_key() -> Key {
    fixed_key(0x32)
}

/// One instance in this process: a shared list, its sync (shared, so that a test may start a
/// follower on it), and a sealer.
struct Instance {
    list: Arc<RevocationList>,
    sync: Arc<RedisSync>,
    sealer: Sealer,
}

fn instance(server: &RedisServer, namespace: &str) -> Instance {
    instance_at(&server.url(), namespace, StartPolicy::FailClosed)
}

fn instance_at(url: &str, namespace: &str, start: StartPolicy) -> Instance {
    let mut options = test_options(namespace);
    options.start = start;
    instance_with(url, options)
}

/// The options of the tests' instances: retries after 50 ms at most, no catch-up interval.
fn test_options(namespace: &str) -> SyncOptions {
    let mut options = SyncOptions::new(namespace);
    options.max_backoff = time::Duration::milliseconds(50);
    options.min_catch_up_interval = time::Duration::ZERO;
    options
}

/// An instance at `url` with these options.
fn instance_with(url: &str, options: SyncOptions) -> Instance {
    let list = Arc::new(RevocationList::new_shared(HORIZON, &secret()));
    let sync = RedisSync::connect(Arc::clone(&list), url, options).expect("a Redis URL");
    let sealer = Sealer::builder(session_key(), "session")
        .with_revocations(Arc::clone(&list))
        .build()
        .expect("valid settings");
    Instance {
        list,
        sync: Arc::new(sync),
        sealer,
    }
}

/// The other process: `examples/sync_peer`, built by `cargo test` with the examples.
struct Peer {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Peer {
    fn start(server: &RedisServer, follow_ms: u64) -> Peer {
        Peer::start_in(server, follow_ms, "sync-peer")
    }

    fn start_in(server: &RedisServer, follow_ms: u64, namespace: &str) -> Peer {
        Peer::start_at(&server.url(), follow_ms, namespace, 0)
    }

    /// A peer on the Redis at `url`, whose publications need `replicas` acknowledgements.
    fn start_at(url: &str, follow_ms: u64, namespace: &str, replicas: u32) -> Peer {
        Peer::start_with(url, follow_ms, namespace, replicas, &[])
    }

    /// A peer whose clock reads `seconds` off this host's (libfaketime), following Redis's
    /// clock or not.
    fn start_with_clock(server: &RedisServer, namespace: &str, seconds: i64, follow: bool) -> Peer {
        assert!(
            std::path::Path::new(redis_server::LIBFAKETIME).exists(),
            "{} is missing: run scripts/install-redis.sh (scripts/test.sh does)",
            redis_server::LIBFAKETIME
        );
        let env = [
            ("LD_PRELOAD", redis_server::LIBFAKETIME.to_owned()),
            ("FAKETIME", format!("{seconds:+}s")),
            ("FAKETIME_DONT_FAKE_MONOTONIC", "1".to_owned()),
            ("DONT_FAKE_MONOTONIC", "1".to_owned()),
            (
                "FOLLOW_REDIS_CLOCK",
                if follow { "1" } else { "0" }.to_owned(),
            ),
        ];
        Peer::start_with(&server.url(), 100, namespace, 0, &env)
    }

    /// [`Peer::start_at`] with more environment variables.
    fn start_with(
        url: &str,
        follow_ms: u64,
        namespace: &str,
        replicas: u32,
        env: &[(&str, String)],
    ) -> Peer {
        let exe = std::env::current_exe().expect("the test binary");
        let examples = exe
            .parent()
            .and_then(|deps| deps.parent())
            .expect("target/<profile>/deps")
            .join("examples")
            .join("sync_peer");
        assert!(
            examples.exists(),
            "{} is missing: build it with `cargo test --workspace --all-features` (or `cargo build -p sealed-session-examples --example sync_peer --features redis`)",
            examples.display()
        );
        use base64::Engine as _;
        let b64 = |key: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key);
        let mut child = Command::new(examples)
            .env("REDIS_URL", url)
            .env("REPLICAS", replicas.to_string())
            .env("SESSION_KEY", b64(&[0x32; 32]))
            .env("REVOCATION_KEY", b64(&[0x31; 32]))
            .env("FOLLOW_MS", follow_ms.to_string())
            .env("NAMESPACE", namespace)
            .envs(env.iter().map(|(name, value)| (name, value)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the peer starts");
        let input = child.stdin.take().expect("stdin");
        let mut output = BufReader::new(child.stdout.take().expect("stdout"));
        let mut ready = String::new();
        output.read_line(&mut ready).expect("the peer answers");
        assert_eq!(ready.trim(), "ready");
        Peer {
            child,
            input,
            output,
        }
    }

    /// The process's resident memory, from /proc.
    fn resident_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find(|line| line.starts_with("VmRSS:"))
                    .and_then(|line| line.split_whitespace().nth(1))
                    .and_then(|kib| kib.parse().ok())
            })
            .expect("VmRSS of the peer")
    }

    fn ask(&mut self, line: &str) -> String {
        writeln!(self.input, "{line}").expect("command sent");
        let mut answer = String::new();
        self.output
            .read_line(&mut answer)
            .expect("the peer answers");
        answer.trim().to_owned()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `check` until it holds or `limit` passes; returns how long it took.
fn within(limit: Duration, mut check: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if check() {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    None
}

#[test]
fn two_processes_agree_through_redis() {
    let server = RedisServer::start();
    let here = instance(&server, "sync-peer");
    let mut peer = Peer::start(&server, 100);

    let alice = here.sealer.seal("alice", &()).expect("seals");
    let bob = peer.ask("seal bob");
    let bob_other_device = peer.ask("seal bob");
    assert_eq!(peer.ask(&format!("open {alice}")), "ok alice");
    assert!(here.sealer.open::<()>(&bob).is_ok());

    // Revoked here: the peer (following every 100 ms) rejects it within the bound.
    here.list.revoke_user("alice");
    here.sync.sync_now().expect("published");
    let delay = within(Duration::from_secs(2), || {
        peer.ask(&format!("open {alice}"))
            .starts_with("error token revoked")
    })
    .expect("the peer rejects alice's token within 2 s");
    println!("user revocation reached the other process in {delay:?}");

    // A session revoked there: rejected here after one catch-up; bob's other device is not.
    assert_eq!(peer.ask(&format!("revoke-session {bob}")), "done");
    here.sync.sync_now().expect("caught up");
    assert_eq!(here.sealer.open::<()>(&bob).err(), Some(Error::Revoked));
    assert!(here.sealer.open::<()>(&bob_other_device).is_ok());

    // A new login on either opens on both.
    let again = peer.ask("seal alice");
    assert!(here.sealer.open::<()>(&again).is_ok());
    let again_here = here.sealer.seal("alice", &()).expect("seals");
    assert_eq!(peer.ask(&format!("open {again_here}")), "ok alice");
    redis_server::remove_data(server.port);
}

#[test]
fn an_outage_loses_no_revocation() {
    let mut server = RedisServer::start();
    let port = server.port;
    let here = instance(&server, "sync-peer");
    let mut peer = Peer::start(&server, 50);
    let before = here.sealer.seal("dave", &()).expect("seals");
    let during = here.sealer.seal("erin", &()).expect("seals");
    here.list.revoke_user("dave");
    here.sync.sync_now().expect("published");
    within(Duration::from_secs(2), || {
        peer.ask(&format!("open {before}")).contains("revoked")
    })
    .expect("the peer rejects dave's token");

    server.kill();
    // Revoked during the outage: at once here, published later.
    here.list.revoke_user("erin");
    assert_eq!(here.sealer.open::<()>(&during).err(), Some(Error::Revoked));
    assert_eq!(here.sync.sync_now().err(), Some(Error::SyncUnavailable));
    assert_eq!(here.sync.status().pending, 1);
    assert_eq!(
        peer.ask(&format!("open {during}")),
        "ok erin",
        "not yet heard of"
    );
    assert!(
        peer.ask(&format!("open {before}")).contains("revoked"),
        "kept through the outage"
    );

    let _server = RedisServer::start_on(port);
    let published = within(Duration::from_secs(3), || here.sync.sync_now().is_ok());
    assert!(published.is_some(), "reconnects");
    assert_eq!(here.sync.status().pending, 0);
    let delay = within(Duration::from_secs(3), || {
        peer.ask(&format!("open {during}")).contains("revoked")
    })
    .expect("the peer rejects erin's token after reconnecting");
    println!(
        "revocation made during the outage reached the other process {delay:?} after ours reconnected"
    );
    assert!(peer.ask(&format!("open {before}")).contains("revoked"));
    redis_server::remove_data(port);
}

/// 100,000 entries; `COLD_START_ENTRIES=1000000` measures a million (with `--release`).
#[test]
fn a_cold_start_loads_100_000_live_entries() {
    let entries: usize = std::env::var("COLD_START_ENTRIES")
        .ok()
        .and_then(|entries| entries.parse().ok())
        .unwrap_or(100_000);
    let server = RedisServer::start();
    let used_memory = || -> u64 {
        let info: String = redis::cmd("INFO")
            .arg("memory")
            .query(&mut server.connection())
            .expect("INFO answers");
        info.lines()
            .find_map(|line| line.strip_prefix("used_memory:"))
            .and_then(|bytes| bytes.trim().parse().ok())
            .expect("used_memory")
    };
    let empty = used_memory();
    let writer = instance(&server, "cold");
    for user in 0..entries {
        writer.list.revoke_user(&format!("user-{user}"));
    }
    let started = Instant::now();
    writer.sync.sync_now().expect("published");
    println!("published {entries} revocations in {:?}", started.elapsed());
    let held = used_memory().saturating_sub(empty);
    println!(
        "Redis holds them in {} KiB more memory: {} bytes per entry (sorted set and stream)",
        held / 1024,
        held / entries as u64
    );

    let started = Instant::now();
    let cold = instance(&server, "cold");
    let load = started.elapsed();
    let status = cold.sync.status();
    assert!(status.loaded && status.connected, "{status:?}");
    assert_eq!(cold.list.len(), entries);
    assert_eq!(status.skipped, 0);
    println!(
        "cold start: {entries} entries in {load:?} ({} pages)",
        entries.div_ceil(SyncOptions::new("x").page)
    );
    let token = Sealer::new(session_key(), "session")
        .seal_at(
            &format!("user-{}", entries - 1),
            &(),
            time::OffsetDateTime::now_utc() - time::Duration::hours(1),
        )
        .expect("seals");
    assert_eq!(cold.sealer.open::<()>(&token).err(), Some(Error::Revoked));

    // Memory: a fresh process that loads them against one that loads nothing.
    let started = Instant::now();
    let mut loaded = Peer::start_in(&server, 0, "cold");
    let process_start = started.elapsed();
    let empty = Peer::start_in(&server, 0, "nothing-here");
    assert!(
        loaded
            .ask("status")
            .ends_with(&format!(" {entries} entries"))
    );
    println!(
        "a new process is ready with {entries} entries in {process_start:?}; resident memory {} KiB against {} KiB with none",
        loaded.resident_kib(),
        empty.resident_kib()
    );
    redis_server::remove_data(server.port);
}

#[test]
fn duplicates_and_reordering_change_nothing() {
    let server = RedisServer::start();
    let writer = instance(&server, "order");
    let reader = instance(&server, "order");
    let now = time::OffsetDateTime::now_utc();
    let (early, late) = (
        now - time::Duration::hours(2),
        now - time::Duration::hours(1),
    );
    let between = Sealer::new(session_key(), "session")
        .seal_at("frank", &(), now - time::Duration::minutes(90))
        .expect("seals");
    writer.list.revoke_user_at("frank", late);
    writer.list.revoke_user_at("frank", early); // published too; never moves the time back
    writer.sync.sync_now().expect("published");
    // Replay every stream entry again, in reverse order.
    let mut connection = server.connection();
    let entries: Vec<(String, Vec<(String, String)>)> = redis::cmd("XRANGE")
        .arg("sealed-session:{order}:log")
        .arg("-")
        .arg("+")
        .query(&mut connection)
        .expect("entries");
    assert_eq!(entries.len(), 2);
    for (_, fields) in entries.iter().rev() {
        let mut add = redis::cmd("XADD");
        add.arg("sealed-session:{order}:log").arg("*");
        for (name, value) in fields {
            add.arg(name).arg(value);
        }
        let _: String = add.query(&mut connection).expect("added");
    }
    reader.sync.sync_now().expect("caught up");
    assert_eq!(reader.list.len(), 1);
    assert_eq!(
        reader.sealer.open::<()>(&between).err(),
        Some(Error::Revoked)
    );
    let after = Sealer::new(session_key(), "session")
        .seal_at("frank", &(), now - time::Duration::minutes(30))
        .expect("seals");
    assert!(reader.sealer.open::<()>(&after).is_ok());
    redis_server::remove_data(server.port);
}

#[test]
fn a_log_trimmed_past_the_position_forces_a_full_reload() {
    let server = RedisServer::start();
    let writer = instance(&server, "trim");
    let reader = instance(&server, "trim");
    assert_eq!(reader.sync.status().loads, 1);
    let gina = writer.sealer.seal("gina", &()).expect("seals");
    let hank = writer.sealer.seal("hank", &()).expect("seals");
    writer.list.revoke_user("gina");
    writer.sync.sync_now().expect("published");
    // Everything the reader has not read is trimmed away before it looks.
    let mut connection = server.connection();
    let _: i64 = redis::cmd("XTRIM")
        .arg("sealed-session:{trim}:log")
        .arg("MAXLEN")
        .arg(0)
        .query(&mut connection)
        .expect("trimmed");
    writer.list.revoke_user("hank");
    writer.sync.sync_now().expect("published");
    reader.sync.sync_now().expect("caught up");
    assert_eq!(reader.sync.status().loads, 2, "reloaded");
    assert_eq!(reader.sealer.open::<()>(&gina).err(), Some(Error::Revoked));
    assert_eq!(reader.sealer.open::<()>(&hank).err(), Some(Error::Revoked));
    redis_server::remove_data(server.port);
}

#[test]
fn garbage_in_redis_is_skipped_and_counted() {
    let server = RedisServer::start();
    let writer = instance(&server, "junk");
    let ivan = writer.sealer.seal("ivan", &()).expect("seals");
    writer.list.revoke_user("ivan");
    writer.sync.sync_now().expect("published");
    let mut connection = server.connection();
    let live = "sealed-session:{junk}:live";
    let log = "sealed-session:{junk}:log";
    let _: i64 = redis::cmd("ZADD")
        .arg(live)
        .arg(1)
        .arg("not a member")
        .query(&mut connection)
        .expect("added");
    let _: i64 = redis::cmd("ZADD")
        .arg(live)
        .arg(i64::MAX)
        .arg(format!("u{}", "0".repeat(32)))
        .query(&mut connection)
        .expect("added");
    for fields in [
        vec!["m", "x", "t", "1"],
        vec!["t", "1"],
        vec!["m", "u00", "t", "soon"],
        vec!["other", "message"],
    ] {
        let mut add = redis::cmd("XADD");
        add.arg(log).arg("*");
        for field in fields {
            add.arg(field);
        }
        let _: String = add.query(&mut connection).expect("added");
    }
    writer
        .sync
        .sync_now()
        .expect("the follower skips what it cannot read");
    assert_eq!(writer.sync.status().skipped, 4);
    let cold = instance(&server, "junk");
    let status = cold.sync.status();
    assert!(status.loaded, "{status:?}");
    assert!(status.skipped >= 2, "{status:?}");
    assert_eq!(cold.list.len(), 1);
    assert_eq!(cold.sealer.open::<()>(&ivan).err(), Some(Error::Revoked));
    redis_server::remove_data(server.port);
}

#[test]
fn start_policies_when_redis_is_unreachable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let url = format!("redis://127.0.0.1:{port}/");
    let closed = instance_at(&url, "start", StartPolicy::FailClosed);
    let stale = instance_at(&url, "start", StartPolicy::ServeStaleDangerously);
    let token = closed.sealer.seal("judy", &()).expect("seals");
    assert!(!closed.sync.status().loaded);
    assert_eq!(
        closed.sealer.open::<()>(&token).err(),
        Some(Error::RevocationsUnavailable)
    );
    assert!(stale.sealer.open::<()>(&token).is_ok(), "stale, as asked");

    let _server = RedisServer::start_on(port);
    within(Duration::from_secs(3), || closed.sync.sync_now().is_ok()).expect("loads once up");
    assert!(closed.sync.status().loaded);
    assert!(closed.sealer.open::<()>(&token).is_ok());
    redis_server::remove_data(port);
}

#[test]
fn the_sync_forgets_entries_past_the_horizon() {
    // Redis trims the namespace at its horizon; the list must too, or a long-running instance
    // keeps every revocation it ever applied.
    let server = RedisServer::start();
    let list = Arc::new(RevocationList::new_shared(HORIZON, &secret()));
    let now = time::OffsetDateTime::now_utc();
    list.revoke_user_at("long-gone", now - HORIZON - time::Duration::minutes(1));
    list.revoke_user_at("recent", now - time::Duration::minutes(1));
    assert_eq!(list.len(), 2);
    let sync = RedisSync::connect(Arc::clone(&list), &server.url(), test_options("prune"))
        .expect("a Redis URL");
    assert!(sync.status().loaded);
    assert_eq!(list.len(), 1, "the first exchange prunes");
    drop(sync);
    redis_server::remove_data(server.port);
}

/// `catch_up` exchanges with Redis at most once per `min_catch_up_interval` (a request path
/// may call it every time); `sync_now` whatever the interval.
#[test]
fn catch_up_respects_its_interval_and_sync_now_does_not() {
    let server = RedisServer::start();
    let writer = instance(&server, "interval");
    let eager = instance(&server, "interval");
    let list = Arc::new(RevocationList::new_shared(HORIZON, &secret()));
    let mut options = SyncOptions::new("interval");
    options.min_catch_up_interval = time::Duration::hours(1);
    let patient =
        RedisSync::connect(Arc::clone(&list), &server.url(), options).expect("a Redis URL");
    patient.catch_up().expect("the first exchange");
    eager.sync.catch_up().expect("the first exchange");

    writer.list.revoke_user("grace");
    writer.sync.sync_now().expect("published");
    eager.sync.catch_up().expect("caught up");
    assert_eq!(eager.list.len(), 1, "no interval: every call exchanges");
    patient
        .catch_up()
        .expect("within the interval: nothing to do");
    assert_eq!(list.len(), 0, "within the interval, no exchange");
    patient.sync_now().expect("caught up");
    assert_eq!(list.len(), 1);
    redis_server::remove_data(server.port);
}

/// An instance whose list has `horizon`, and a sealer whose sessions live up to a day less.
fn instance_with_horizon(
    server: &RedisServer,
    namespace: &str,
    horizon: time::Duration,
) -> Instance {
    let list = Arc::new(RevocationList::new_shared(horizon, &secret()));
    let sync = RedisSync::connect(Arc::clone(&list), &server.url(), test_options(namespace))
        .expect("a Redis URL");
    let lifetime = horizon - time::Duration::days(1);
    let sealer = Sealer::builder(session_key(), "session")
        .with_ttl(lifetime)
        .with_max_lifetime(lifetime)
        .with_revocations(Arc::clone(&list))
        .build()
        .expect("valid settings");
    Instance {
        list,
        sync: Arc::new(sync),
        sealer,
    }
}

/// Regression (high): a publisher trimmed the shared store at its own horizon. With 30-day
/// sessions (a 31-day namespace), alice revoked 9 days ago; an 8-day instance of the same
/// namespace published a revocation and deleted hers, and the next instance to start opened
/// her stolen, revoked token. Trimming now uses the namespace's horizon.
#[test]
fn any_publisher_trims_the_shared_store_at_its_own_horizon() {
    let server = RedisServer::start();
    let long = instance_with_horizon(&server, "mixed", time::Duration::days(31));
    let now = time::OffsetDateTime::now_utc();
    let stolen = long
        .sealer
        .seal_at("alice", &(), now - time::Duration::days(10))
        .expect("seals");
    long.list
        .revoke_user_at("alice", now - time::Duration::days(9));
    long.sync.sync_now().expect("published");

    let short = instance_with_horizon(&server, "mixed", time::Duration::days(8));
    assert_eq!(
        short.sync.status().namespace_horizon,
        Some(time::Duration::days(31)),
        "the namespace's horizon, not the instance's"
    );
    short.list.revoke_user("bob");
    short.sync.sync_now().expect("published");

    let fresh = instance_with_horizon(&server, "mixed", time::Duration::days(31));
    assert!(fresh.sync.status().loaded);
    assert_eq!(fresh.sealer.open::<()>(&stolen).err(), Some(Error::Revoked));
    assert_eq!(fresh.list.len(), 2, "alice's and bob's");
    redis_server::remove_data(server.port);
}

/// The member of the one revocation in a namespace's sorted set.
fn only_member(server: &RedisServer, namespace: &str) -> String {
    let members: Vec<String> = redis::cmd("ZRANGE")
        .arg(format!("sealed-session:{{{namespace}}}:live"))
        .arg(0)
        .arg(-1)
        .query(&mut server.connection())
        .expect("members");
    assert_eq!(members.len(), 1, "{members:?}");
    members.into_iter().next().expect("one")
}

/// Regression (medium): a revocation time far in the future, read from Redis, was applied as
/// is: its user could never log in again (`the token would expire after the year 9999`), and
/// with a capped list 40 made-up far-future members folded into a year-9999 watermark that
/// locked every user out at every start.
#[test]
fn a_revocation_time_far_in_the_future_read_from_redis_is_applied_as_is() {
    let server = RedisServer::start();
    let writer = instance(&server, "future");
    let stolen = writer.sealer.seal("alice", &()).expect("seals");
    writer.list.revoke_user("alice");
    writer.sync.sync_now().expect("published");
    let alice = only_member(&server, "future");
    let live = "sealed-session:{future}:live";
    let mut connection = server.connection();
    let far = 253_402_300_799_999_i64;
    let _: i64 = redis::cmd("ZADD")
        .arg(live)
        .arg("GT")
        .arg(far)
        .arg(&alice)
        .query(&mut connection)
        .expect("raised");

    let fresh = instance(&server, "future");
    let status = fresh.sync.status();
    assert!(status.loaded && status.future_dated >= 1, "{status:?}");
    // Alice can log in again. A time no clock of the fleet can have is not a revocation: the
    // entry counts as gone for a cold start, as if it had been deleted, which whoever can
    // write to Redis can do anyway (keep Redis private: see SECURITY.md). An instance that
    // had it at its real time keeps refusing the stolen token.
    let again = fresh
        .sealer
        .seal("alice", &())
        .expect("alice can log in again");
    assert!(fresh.sealer.open::<()>(&again).is_ok());
    writer.sync.sync_now().expect("caught up");
    assert_eq!(
        writer.sealer.open::<()>(&stolen).err(),
        Some(Error::Revoked)
    );

    // 40 made-up members far in the future, against lists capped at 40.
    for index in 0..40u32 {
        let _: i64 = redis::cmd("ZADD")
            .arg(live)
            .arg(far)
            .arg(format!("u{index:032x}"))
            .query(&mut connection)
            .expect("added");
    }
    let carol = writer
        .sealer
        .seal_at(
            "carol",
            &(),
            time::OffsetDateTime::now_utc() - time::Duration::minutes(1),
        )
        .expect("seals");
    let list = Arc::new(RevocationList::new_shared(HORIZON, &secret()).with_max_entries(40));
    let sync = RedisSync::connect(Arc::clone(&list), &server.url(), SyncOptions::new("future"))
        .expect("a Redis URL");
    assert!(sync.status().loaded);
    assert!(
        list.watermark()
            .is_none_or(|watermark| watermark <= time::OffsetDateTime::now_utc()),
        "{:?}",
        list.watermark()
    );
    let capped = Sealer::builder(session_key(), "session")
        .with_revocations(Arc::clone(&list))
        .build()
        .expect("valid settings");
    assert!(capped.open::<()>(&carol).is_ok(), "no user is locked out");
    assert!(capped.seal("dave", &()).is_ok());
    redis_server::remove_data(server.port);
}

/// A server that answers like Redis but never ends a scan: every ZSCAN returns cursor 1.
fn endless_scan_server() -> u16 {
    use std::io::{BufRead as _, Read as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = listener.local_addr().expect("an address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            std::thread::spawn(move || {
                let mut writer = stream.try_clone().expect("a clone");
                let mut reader = BufReader::new(stream);
                let mut queued: Vec<Vec<u8>> = Vec::new();
                let mut in_multi = false;
                loop {
                    // One command: *N, then N bulk strings.
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let count: usize = line.trim().trim_start_matches('*').parse().unwrap_or(0);
                    let mut parts = Vec::new();
                    for _ in 0..count {
                        let mut length = String::new();
                        let _ = reader.read_line(&mut length);
                        let length: usize =
                            length.trim().trim_start_matches('$').parse().unwrap_or(0);
                        let mut bytes = vec![0; length + 2];
                        let _ = reader.read_exact(&mut bytes);
                        bytes.truncate(length);
                        parts.push(String::from_utf8_lossy(&bytes).to_uppercase());
                    }
                    let reply: Vec<u8> = match parts.first().map(String::as_str) {
                        Some("ZSCORE") => b"$8\r\n86400000\r\n".to_vec(),
                        Some("TIME") => {
                            let seconds = time::OffsetDateTime::now_utc().unix_timestamp();
                            format!(
                                "*2\r\n${}\r\n{seconds}\r\n$1\r\n0\r\n",
                                seconds.to_string().len()
                            )
                            .into_bytes()
                        }
                        Some("ZADD") => b":0\r\n".to_vec(),
                        Some("XINFO") => {
                            b"*2\r\n$17\r\nlast-generated-id\r\n$3\r\n0-0\r\n".to_vec()
                        }
                        Some("ZSCAN") => b"*2\r\n$1\r\n1\r\n*0\r\n".to_vec(),
                        _ => b"+OK\r\n".to_vec(),
                    };
                    match parts.first().map(String::as_str) {
                        Some("MULTI") => {
                            in_multi = true;
                            let _ = writer.write_all(b"+OK\r\n");
                        }
                        Some("EXEC") => {
                            in_multi = false;
                            let _ = write!(writer, "*{}\r\n", queued.len());
                            for reply in queued.drain(..) {
                                let _ = writer.write_all(&reply);
                            }
                        }
                        _ if in_multi => {
                            queued.push(reply);
                            let _ = writer.write_all(b"+QUEUED\r\n");
                        }
                        _ => {
                            let _ = writer.write_all(&reply);
                        }
                    }
                }
            });
        }
    });
    port
}

/// Regression (low): a ZSCAN cursor that never reaches 0 made `connect` loop for ever (about
/// 115,000 round trips in 5 s) while holding the sync's lock. Every exchange is bounded now:
/// it fails as a fault, and the list stays closed (fail-closed start).
#[test]
fn a_zscan_cursor_that_never_reaches_0_hangs_connect() {
    let port = endless_scan_server();
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let list = Arc::new(RevocationList::new_shared(HORIZON, &secret()));
        let mut options = SyncOptions::new("endless");
        options.max_exchange = time::Duration::seconds(1);
        let url = format!("redis://127.0.0.1:{port}/");
        let sync = RedisSync::connect(Arc::clone(&list), &url, options).expect("a Redis URL");
        let status = sync.status();
        let sealer = Sealer::builder(session_key(), "session")
            .with_revocations(list)
            .build()
            .expect("valid settings");
        let token = Sealer::new(session_key(), "session")
            .seal("erin", &())
            .expect("seals");
        let _ = done.send((status, sealer.open::<()>(&token).err()));
    });
    let (status, refused) = finished
        .recv_timeout(Duration::from_secs(20))
        .expect("connect returns within its bound");
    assert!(!status.loaded && !status.connected, "{status:?}");
    assert_eq!(refused, Some(Error::RevocationsUnavailable));
}

/// Each load reads Redis's clock, and the list follows it: a peer whose host clock is 30 s
/// ahead (libfaketime) dates its logins on Redis's clock, so that a login there a moment
/// before a "log out everywhere" here is caught by it, and a login after it opens. The same
/// peer on its own clock (`follow_redis_clock` off) dates the login 30 s ahead: it escapes
/// the revocation, which is what following the clock prevents.
#[test]
fn a_host_whose_clock_is_ahead_follows_redis_clock() {
    let server = RedisServer::start();
    let here = instance(&server, "clock");
    let offset = here
        .sync
        .status()
        .clock_offset
        .expect("measured at the load");
    assert!(
        offset.abs() < time::Duration::seconds(1),
        "same host: {offset}"
    );

    let mut ahead = Peer::start_with_clock(&server, "clock", 30, true);
    let bob = ahead.ask("seal bob");
    here.list.revoke_user("bob");
    here.sync.sync_now().expect("published");
    let opened = here
        .sealer
        .open::<()>(&bob)
        .map(|session| session.authenticated_at());
    assert_eq!(
        opened.err(),
        Some(Error::Revoked),
        "{:?} now {}",
        here.sealer.open::<()>(&bob).map(|s| s.authenticated_at()),
        time::OffsetDateTime::now_utc()
    );
    within(Duration::from_secs(2), || {
        ahead
            .ask(&format!("open {bob}"))
            .starts_with("error token revoked")
    })
    .expect("the peer rejects bob's token");
    let again = ahead.ask("seal bob");
    assert!(
        here.sealer.open::<()>(&again).is_ok(),
        "a login after it opens"
    );

    let mut blind = Peer::start_with_clock(&server, "clock", 30, false);
    let carol = blind.ask("seal carol");
    here.list.revoke_user("carol");
    assert!(
        here.sealer.open::<()>(&carol).is_ok(),
        "on its own clock, the login is dated 30 s ahead and escapes the revocation"
    );
    redis_server::remove_data(server.port);
}
