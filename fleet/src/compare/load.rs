//! The comparison's load: users logged in once, then, for a fixed time, each of a fixed number
//! of tasks (one keep-alive connection to each instance) sends its users' requests one after
//! the other, to the instances in turn: a read (`GET /read`) or a write (`POST /write`, with
//! the CSRF token when the store gives one). Every answer must be 200.

use http::Method;
use tokio::time::{Duration, Instant};

use super::Mix;
use crate::HarnessError;
use crate::client::{self, Connection};
use crate::jar::Jar;

/// The variable with the `PrivateCookieJar`'s key (`peer-app`'s).
pub const JAR_KEY: &str = "JAR_KEY";

/// One user: a browser's cookies, and the CSRF token its login answered.
pub struct User {
    jar: Jar,
    csrf: Option<String>,
}

/// What a measurement counted.
#[derive(Default)]
pub struct Tally {
    pub requests: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub latencies_us: Vec<u32>,
    /// Bytes of the `Cookie` headers sent, and of the `Set-Cookie` headers received.
    pub cookie_in: u64,
    pub cookie_out: u64,
    pub set_cookies: u64,
    pub seconds: f64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.requests += other.requests;
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.latencies_us.extend(other.latencies_us);
        self.cookie_in += other.cookie_in;
        self.cookie_out += other.cookie_out;
        self.set_cookies += other.set_cookies;
    }
}

/// Logs in `count` users (`user-N`), each on the instances in turn.
///
/// # Errors
///
/// A login did not answer 200.
pub async fn log_in(ports: &[u16], count: usize) -> Result<Vec<User>, HarnessError> {
    let mut connections: Vec<Connection> =
        ports.iter().map(|&port| Connection::new(port)).collect();
    let mut users = Vec::with_capacity(count);
    for number in 0..count {
        let instance = number % ports.len();
        let form = format!("user=user-{number}");
        let request = client::post(ports[instance], "/login", None, None, Some(form));
        let reply = connections[instance]
            .send(request)
            .await
            .map_err(|failure| HarnessError(format!("login of user-{number}: {failure}")))?;
        if !reply.status.is_success() {
            return Err(HarnessError(format!(
                "login of user-{number} answered {}: {}",
                reply.status,
                String::from_utf8_lossy(&reply.body)
            )));
        }
        let mut jar = Jar::default();
        let now = Instant::now();
        for set_cookie in &reply.set_cookies {
            let _ = jar.store(set_cookie, now);
        }
        let csrf = String::from_utf8_lossy(&reply.body).trim().to_owned();
        users.push(User {
            jar,
            csrf: (!csrf.is_empty()).then_some(csrf),
        });
    }
    Ok(users)
}

/// Sends `mix` requests for `length` from `tasks` tasks, each with its share of `users`;
/// gives the users back (their cookies as the answers left them) and what was counted.
pub async fn drive(
    ports: &[u16],
    users: Vec<User>,
    mix: Mix,
    tasks: usize,
    length: Duration,
) -> (Vec<User>, Tally) {
    let tasks = tasks.clamp(1, users.len().max(1));
    let mut shares: Vec<Vec<(usize, User)>> = (0..tasks).map(|_| Vec::new()).collect();
    for (number, user) in users.into_iter().enumerate() {
        shares[number % tasks].push((number, user));
    }
    let start = Instant::now();
    let deadline = start + length;
    let handles: Vec<_> = shares
        .into_iter()
        .map(|share| tokio::spawn(run_task(ports.to_vec(), share, mix, deadline)))
        .collect();
    let mut tally = Tally::default();
    let mut users = Vec::new();
    for handle in handles {
        match handle.await {
            Ok((share, counted)) => {
                users.extend(share);
                tally.add(counted);
            }
            Err(error) => {
                tally.errors += 1;
                tally
                    .first_error
                    .get_or_insert(format!("a task failed: {error}"));
            }
        }
    }
    tally.seconds = start.elapsed().as_secs_f64();
    users.sort_by_key(|(number, _)| *number);
    (users.into_iter().map(|(_, user)| user).collect(), tally)
}

async fn run_task(
    ports: Vec<u16>,
    mut users: Vec<(usize, User)>,
    mix: Mix,
    deadline: Instant,
) -> (Vec<(usize, User)>, Tally) {
    let mut connections: Vec<Connection> =
        ports.iter().map(|&port| Connection::new(port)).collect();
    let mut tally = Tally::default();
    let mut next_instance = 0;
    'load: loop {
        for (_, user) in &mut users {
            if Instant::now() >= deadline {
                break 'load;
            }
            let instance = next_instance;
            next_instance = (next_instance + 1) % ports.len();
            let now = Instant::now();
            let cookie = user.jar.header(now);
            let request = match mix {
                Mix::Read => client::get(ports[instance], "/read", cookie.as_deref()),
                Mix::Write => client::post(
                    ports[instance],
                    "/write",
                    cookie.as_deref(),
                    user.csrf.as_deref(),
                    None,
                ),
            };
            debug_assert_eq!(request.method() == Method::GET, mix == Mix::Read);
            let sent = Instant::now();
            let reply = connections[instance].send(request).await;
            let latency = sent.elapsed();
            tally.requests += 1;
            let reply = match reply {
                Ok(reply) => reply,
                Err(failure) => {
                    tally.errors += 1;
                    tally
                        .first_error
                        .get_or_insert(format!("no answer: {failure}"));
                    continue;
                }
            };
            tally
                .latencies_us
                .push(u32::try_from(latency.as_micros()).unwrap_or(u32::MAX));
            tally.cookie_in += cookie.map_or(0, |cookie| cookie.len() as u64);
            tally.set_cookies += reply.set_cookies.len() as u64;
            let answered = Instant::now();
            for set_cookie in &reply.set_cookies {
                tally.cookie_out += set_cookie.len() as u64;
                let _ = user.jar.store(set_cookie, answered);
            }
            if !reply.status.is_success() {
                tally.errors += 1;
                tally.first_error.get_or_insert(format!(
                    "{} answered {}: {}",
                    match mix {
                        Mix::Read => "GET /read",
                        Mix::Write => "POST /write",
                    },
                    reply.status,
                    String::from_utf8_lossy(&reply.body)
                ));
            }
        }
    }
    (users, tally)
}
