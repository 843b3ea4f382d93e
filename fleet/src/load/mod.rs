//! The load generator: virtual users ([`user`]), each a person with two devices (two cookie
//! jars) and a keep-alive connection to every instance, sending each request to the next
//! instance in turn, as a round-robin balancer would; and the replays of revoked sessions
//! against every instance ([`replay`]). Bounded by a deadline, a request budget and a stop
//! signal (Ctrl-C).

mod replay;
mod user;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rand::SeedableRng as _;
use rand::rngs::SmallRng;
use tokio::sync::watch;
use tokio::time::{Duration, Instant};

use crate::balancer::Balancer;
use crate::invariants::Record;
use crate::scenario::Outages;

/// What a run of the load is given.
pub struct Settings {
    pub users: usize,
    /// The instances' session TTL: users idle past half of it, so that sessions roll.
    pub ttl: Duration,
    /// The propagation bound of revocations.
    pub bound: Duration,
    pub deadline: Instant,
    /// Most requests of the users (replays not counted).
    pub max_requests: u64,
    /// Seeds each user's choices (the interleaving is the scheduler's).
    pub seed: u64,
}

/// What every user and replayer shares.
struct Shared {
    ports: Vec<u16>,
    balancer: Arc<Balancer>,
    ttl: Duration,
    bound: Duration,
    deadline: Instant,
    max_requests: u64,
    requests: AtomicU64,
    stop: watch::Sender<bool>,
    record: Record,
    outages: Arc<Outages>,
}

impl Shared {
    /// Whether the run is over: stopped, or past its deadline.
    fn stopped(&self) -> bool {
        *self.stop.borrow() || Instant::now() >= self.deadline
    }

    /// Takes one request of the budget; once it is spent, stops the run.
    fn take_request(&self) -> bool {
        if self.stopped() {
            return false;
        }
        if self.requests.fetch_add(1, Ordering::Relaxed) >= self.max_requests {
            self.stop.send_replace(true);
            return false;
        }
        true
    }

    /// Waits until `until`, or less if the run ends first; says whether it goes on.
    async fn pause(&self, until: Instant) -> bool {
        let mut stop = self.stop.subscribe();
        tokio::select! {
            () = tokio::time::sleep_until(until.min(self.deadline)) => {}
            _ = stop.wait_for(|stopped| *stopped) => {}
        }
        !self.stopped()
    }
}

/// The counts of a run.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Requests of the users, answered or not.
    pub requests: u64,
    /// Latency of each answered request of the users, in microseconds.
    pub latencies_us: Vec<u32>,
    pub logins: u64,
    pub logouts: u64,
    pub logouts_everywhere: u64,
    /// Logouts answered 503 (Redis down), tried again until one answered 200.
    pub logouts_refused: u64,
    /// Sessions resealed by a read (past half their life).
    pub rolls: u64,
    pub idles: u64,
    /// Writes that made the session chunked, and that made it one cookie again.
    pub chunked_writes: u64,
    pub unchunked_writes: u64,
    /// Sessions started within the bound after a "log out everywhere" of their user, and
    /// refused by it.
    pub caught: u64,
    /// Revoked sessions accepted before the bound, and the latest such acceptance.
    pub within_bound: u64,
    pub latest_within_bound: Duration,
    /// Replays of revoked sessions: before the bound (which may pass) and after it (which
    /// must all be refused).
    pub replays_early: u64,
    pub replays_after_bound: u64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.requests += other.requests;
        self.latencies_us.extend(other.latencies_us);
        self.logins += other.logins;
        self.logouts += other.logouts;
        self.logouts_everywhere += other.logouts_everywhere;
        self.logouts_refused += other.logouts_refused;
        self.rolls += other.rolls;
        self.idles += other.idles;
        self.chunked_writes += other.chunked_writes;
        self.unchunked_writes += other.unchunked_writes;
        self.caught += other.caught;
        self.within_bound += other.within_bound;
        self.latest_within_bound = self.latest_within_bound.max(other.latest_within_bound);
        self.replays_early += other.replays_early;
        self.replays_after_bound += other.replays_after_bound;
    }

    fn within_bound(&mut self, after: Duration) {
        self.within_bound += 1;
        self.latest_within_bound = self.latest_within_bound.max(after);
    }
}

/// Runs the load against the instances on `ports` until the deadline, the budget or `stop`;
/// then replays what is still due (within the bound after the end). Every violation goes to
/// `record`. Returns the counts, and when the users stopped.
pub async fn run(
    settings: Settings,
    ports: Vec<u16>,
    balancer: Arc<Balancer>,
    record: Record,
    outages: Arc<Outages>,
    stop: watch::Sender<bool>,
) -> (Tally, Instant) {
    let shared = Arc::new(Shared {
        ports,
        balancer,
        ttl: settings.ttl,
        bound: settings.bound,
        deadline: settings.deadline,
        max_requests: settings.max_requests,
        requests: AtomicU64::new(0),
        stop,
        record,
        outages,
    });
    let (replays, replayers): (Vec<_>, Vec<_>) = (0..shared.ports.len())
        .map(|instance| {
            let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
            let replayer = replay::Replayer::new(Arc::clone(&shared), instance, receiver);
            (sender, tokio::spawn(replayer.run()))
        })
        .unzip();
    let users: Vec<_> = (0..settings.users)
        .map(|number| {
            let rng = SmallRng::seed_from_u64(
                settings.seed ^ (number as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            let user = user::User::new(number, rng, Arc::clone(&shared), replays.clone());
            tokio::spawn(user.run())
        })
        .collect();
    drop(replays);
    let mut tally = Tally::default();
    let mut join = async |tasks: Vec<tokio::task::JoinHandle<Tally>>| {
        for task in tasks {
            match task.await {
                Ok(counts) => tally.add(counts),
                Err(error) => shared.record.violation(
                    Instant::now(),
                    None,
                    "the load generator".to_owned(),
                    format!("a task failed: {error}"),
                ),
            }
        }
    };
    join(users).await;
    let stopped = Instant::now();
    join(replayers).await;
    (tally, stopped)
}
