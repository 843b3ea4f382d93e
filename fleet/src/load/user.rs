//! One virtual user: a person with two devices (two browsers: two cookie jars), who logs in on
//! the first, reads, counts, grows and shrinks the session past chunking and back, now and then
//! idles past half the session's life (so that it rolls), logs out, or logs in on the second
//! device and logs out everywhere from there (after which the first device's cookie must be
//! refused). Every answer is judged ([`crate::invariants`]) before the jar takes its cookies.

use std::sync::Arc;

use http::Method;
use rand::RngExt as _;
use rand::rngs::SmallRng;
use sealed_session_fleet::api::{Answer, COOKIE_NAME, MAX_NOTES, SessionView, route};
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::{Duration, Instant};

use super::replay::Replay;
use super::{Shared, Tally};
use crate::balancer;
use crate::client::{self, Connection, Reply};
use crate::invariants::{Belief, Verdict, judge_session, judge_set_cookies, judge_status};
use crate::jar::{Jar, is_session_cookie, sets_value};

/// The devices of a user: the first is used throughout; the second logs in to log out
/// everywhere.
const FIRST: usize = 0;
const SECOND: usize = 1;

/// Pause between tries of a logout that answered 503.
const RETRY_PAUSE: Duration = Duration::from_millis(100);

/// Time between idles, drawn per idle: from 0.5 s to 2.5 s of activity.
const ACTIVE_MS: std::ops::Range<u64> = 500..2500;
/// Length of an idle, as a part of the TTL: past half of it (the session rolls at the next
/// read), well before its end (it is still valid).
const IDLE_OF_TTL: std::ops::Range<f64> = 0.55..0.8;

/// How closely the instances' clocks agree: on one host, exactly, but an instance that follows
/// Redis's clock (its own being off) is within a millisecond or two of the others (the
/// offset in whole milliseconds, half a round trip). Events on two instances closer than this
/// may be dated in either order.
const CLOCK_PRECISION: Duration = Duration::from_millis(10);

/// The system clock in Unix milliseconds, as the instances read it.
fn unix_millis() -> i64 {
    let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    i64::try_from(now).unwrap_or(i64::MAX)
}

/// One browser.
struct Device {
    name: &'static str,
    jar: Jar,
    csrf: Option<String>,
    belief: Belief,
    /// The session was last written as chunks.
    chunked: bool,
}

impl Device {
    fn new(name: &'static str) -> Device {
        Device {
            name,
            jar: Jar::default(),
            csrf: None,
            belief: Belief::None,
            chunked: false,
        }
    }

    /// The session, if it is logged in as far as the harness knows.
    fn valid(&self) -> Option<&SessionView> {
        match &self.belief {
            Belief::Valid(view) | Belief::Exposed(view) => Some(view),
            _ => None,
        }
    }
}

/// One request and its answer, once judged.
struct Exchange {
    status: u16,
    answer: Option<Answer>,
    answered: Instant,
    /// The `Cookie` header it carried.
    cookie: Option<String>,
    /// The answer wrote the session (not a removal).
    wrote_session: bool,
}

/// A virtual user.
pub struct User {
    number: usize,
    name: String,
    rng: SmallRng,
    connections: Vec<Connection>,
    /// The instance the next request goes to.
    next: usize,
    devices: [Device; 2],
    next_idle: Instant,
    /// When the user's last "log out everywhere" answered 200.
    last_everywhere: Option<Instant>,
    shared: Arc<Shared>,
    replays: Vec<UnboundedSender<Replay>>,
    tally: Tally,
}

impl User {
    pub(super) fn new(
        number: usize,
        mut rng: SmallRng,
        shared: Arc<Shared>,
        replays: Vec<UnboundedSender<Replay>>,
    ) -> User {
        let instances = shared.ports.len();
        User {
            number,
            name: format!("user-{number}"),
            next: number % instances,
            next_idle: Instant::now() + Duration::from_millis(rng.random_range(ACTIVE_MS)),
            rng,
            connections: shared
                .ports
                .iter()
                .map(|&port| Connection::new(port))
                .collect(),
            devices: [Device::new("A"), Device::new("B")],
            last_everywhere: None,
            shared,
            replays,
            tally: Tally::default(),
        }
    }

    /// The user's session until the run ends.
    pub(super) async fn run(mut self) -> Tally {
        while !self.shared.stopped() {
            if self.devices[FIRST].valid().is_none() {
                self.log_in(FIRST).await;
            } else if Instant::now() >= self.next_idle {
                self.idle().await;
                let active = Duration::from_millis(self.rng.random_range(ACTIVE_MS));
                self.next_idle = Instant::now() + active;
            } else {
                match self.rng.random_range(0..100) {
                    0..50 => self.read().await,
                    50..75 => self.write(route::COUNT).await,
                    75..90 => self.grow_or_shrink().await,
                    90..96 => self.log_out().await,
                    // One episode at a time: the sessions of the last one have settled.
                    _ if self.exposed(Instant::now()) => self.read().await,
                    _ => self.log_out_everywhere().await,
                }
            }
        }
        self.tally
    }

    /// Whether a login sent at `at` may be caught by the user's last "log out everywhere":
    /// within the bound after it answered.
    fn exposed(&self, at: Instant) -> bool {
        self.last_everywhere
            .is_some_and(|everywhere| at < everywhere + self.shared.bound)
    }

    async fn log_in(&mut self, device: usize) {
        let form = format!("user={}", self.name);
        let Some(exchange) = self
            .exchange(device, Method::POST, route::LOGIN, Some(form))
            .await
        else {
            return;
        };
        if !self.expect(&exchange, &[200], device, route::LOGIN) {
            return;
        }
        self.tally.logins += 1;
        let fresh = exchange
            .answer
            .as_ref()
            .and_then(|answer| answer.now.as_ref());
        let logged_in =
            fresh.is_some_and(|view| view.user == self.name && view.count == 0 && view.notes == 0);
        if !logged_in || self.devices[device].valid().is_none() {
            self.violation(
                device,
                route::LOGIN,
                "a login that did not log in".to_owned(),
            );
        }
    }

    async fn read(&mut self) {
        if let Some(exchange) = self.exchange(FIRST, Method::GET, route::INDEX, None).await {
            self.expect(&exchange, &[200], FIRST, route::INDEX);
        }
    }

    /// One write to the first device's session; its state must change by exactly that.
    async fn write(&mut self, path: &'static str) {
        let before = self.devices[FIRST].valid().cloned();
        let Some(exchange) = self.exchange(FIRST, Method::POST, path, None).await else {
            return;
        };
        // A 401 of a valid session is an unexpected logout, already recorded.
        if !self.expect(&exchange, &[200, 401], FIRST, path) || exchange.status != 200 {
            return;
        }
        let (Some(before), Some(after)) = (
            before,
            exchange
                .answer
                .as_ref()
                .and_then(|answer| answer.now.as_ref()),
        ) else {
            return;
        };
        let (count, notes) = match path {
            route::COUNT => (before.count + 1, before.notes),
            route::GROW => (before.count, before.notes + 1),
            _ => (before.count, before.notes.saturating_sub(1)),
        };
        if after.id != before.id || after.count != count || after.notes != notes {
            let why = format!(
                "the write left count {} and {} notes, not {count} and {notes}",
                after.count, after.notes
            );
            self.violation(FIRST, path, why);
        }
    }

    async fn grow_or_shrink(&mut self) {
        let notes = self.devices[FIRST].valid().map_or(0, |view| view.notes);
        let grow = notes == 0 || (notes < MAX_NOTES && self.rng.random_bool(0.6));
        self.write(if grow { route::GROW } else { route::SHRINK })
            .await;
    }

    /// Idles past half the session's life, then reads: the session must come back resealed.
    ///
    /// Past half its life by the token's own times: a login right after a "log out
    /// everywhere" of the same user is dated at the next whole second (so that it stays after
    /// the revocation in whole seconds too), and its tokens until then are issued at that time.
    async fn idle(&mut self) {
        self.tally.idles += 1;
        let idle = self.shared.ttl.mul_f64(self.rng.random_range(IDLE_OF_TTL));
        if !self.shared.pause(Instant::now() + idle).await {
            return;
        }
        let sent_ms = unix_millis();
        let Some(exchange) = self.exchange(FIRST, Method::GET, route::INDEX, None).await else {
            return;
        };
        self.expect(&exchange, &[200], FIRST, route::INDEX);
        let came_in = exchange
            .answer
            .as_ref()
            .and_then(|answer| answer.came_in.as_ref());
        let Some(view) = came_in else {
            return;
        };
        let half_life = (view.expires_ms - view.issued_ms) / 2;
        if sent_ms - view.issued_ms >= half_life && !exchange.wrote_session {
            let why = format!(
                "a session past half its life ({} ms after it was issued, half-life {half_life} ms) came back without being resealed",
                sent_ms - view.issued_ms
            );
            self.violation(FIRST, route::INDEX, why);
        }
    }

    /// Logs the first device out: once the logout answers 200, the session must be refused by
    /// every instance after the bound.
    async fn log_out(&mut self) {
        let id = self.devices[FIRST].valid().map(|view| view.id.clone());
        let Some(exchange) = self.published(FIRST, route::LOGOUT).await else {
            return;
        };
        self.tally.logouts += 1;
        // (Refused at every try, the session revoked nothing: already judged.)
        if let (Some(id), Some(cookie)) = (id, exchange.cookie.clone()) {
            self.replay_everywhere(cookie, id, exchange.answered, FIRST);
        }
    }

    /// Logs in on the second device, and logs out everywhere from there: both sessions, the
    /// first device's too, must be refused by every instance after the bound.
    async fn log_out_everywhere(&mut self) {
        let second = &mut self.devices[SECOND];
        second.jar.clear();
        second.csrf = None;
        second.belief = Belief::None;
        self.log_in(SECOND).await;
        let Some(second_id) = self.devices[SECOND].valid().map(|view| view.id.clone()) else {
            return;
        };
        let first_id = self.devices[FIRST].valid().map(|view| view.id.clone());
        let first_cookie = self.devices[FIRST].jar.header(Instant::now());
        // Two events on two instances closer than their clocks agree have no order: a login
        // answered a millisecond before a "log out everywhere" made elsewhere may be dated
        // after it. A person takes longer than CLOCK_PRECISION between the two.
        if !self.shared.pause(Instant::now() + CLOCK_PRECISION).await {
            return;
        }
        let Some(exchange) = self.published(SECOND, route::LOGOUT_EVERYWHERE).await else {
            return;
        };
        self.tally.logouts_everywhere += 1;
        let at = exchange.answered;
        self.last_everywhere = Some(at);
        if let Some(cookie) = exchange.cookie.clone() {
            self.replay_everywhere(cookie, second_id, at, SECOND);
        }
        if let (Some(id), Some(cookie)) = (first_id, first_cookie) {
            self.replay_everywhere(cookie, id.clone(), at, FIRST);
            let first = &mut self.devices[FIRST];
            if first.jar.has_session(Instant::now()) {
                first.belief = Belief::Revoked { id, at };
            }
            // The first device goes on at once: it may pass until the bound, never after.
            self.read().await;
        }
    }

    /// Posts a logout from `device` until one answers 200 (a 503 while Redis is down is
    /// tried again, however long the outage): that answer, whose cookie removal the jar has
    /// taken, with the cookie of the first try. `None` when the run ended first, or no try let
    /// the session in (nothing was revoked then).
    async fn published(&mut self, device: usize, path: &'static str) -> Option<Exchange> {
        let mut first: Option<Exchange> = None;
        let mut revoked = false;
        loop {
            let exchange = self.exchange(device, Method::POST, path, None).await?;
            if !self.expect(&exchange, &[200, 503], device, path) {
                return None;
            }
            revoked |= exchange
                .answer
                .as_ref()
                .is_some_and(|answer| answer.came_in.is_some());
            let first_cookie = first
                .as_ref()
                .map_or(exchange.cookie.clone(), |f| f.cookie.clone());
            if exchange.status == 200 {
                if !revoked {
                    return None;
                }
                if self.devices[device].jar.has_session(exchange.answered) {
                    self.violation(
                        device,
                        path,
                        "a logout that left the session cookie".to_owned(),
                    );
                }
                // The session replayed is the one the first try carried.
                return Some(Exchange {
                    cookie: first_cookie,
                    ..exchange
                });
            }
            self.tally.logouts_refused += 1;
            // Revoked where it was answered, published once Redis is back: until a try
            // answers 200, any instance may let the user's sessions in, or not.
            for each in &mut self.devices {
                if !matches!(each.belief, Belief::None) {
                    each.belief = Belief::Uncertain;
                }
            }
            first.get_or_insert(exchange);
            if !self.shared.pause(Instant::now() + RETRY_PAUSE).await {
                return None;
            }
        }
    }

    /// Replays `cookie` (session `id`, revoked at `at`) against every instance, at once and
    /// after the bound.
    fn replay_everywhere(&self, cookie: String, id: String, at: Instant, device: usize) {
        let whose = format!("user {}, device {}", self.number, self.devices[device].name);
        for replays in &self.replays {
            for due in [Instant::now(), at + self.shared.bound] {
                let _ = replays.send(Replay {
                    cookie: cookie.clone(),
                    id: id.clone(),
                    revoked_at: at,
                    due,
                    whose: whose.clone(),
                });
            }
        }
    }

    /// Records an unexpected status (5xx are recorded by [`User::exchange`]); says whether
    /// the status is one of `expected`.
    fn expect(&self, exchange: &Exchange, expected: &[u16], device: usize, path: &str) -> bool {
        if expected.contains(&exchange.status) {
            return true;
        }
        if exchange.status < 500 {
            let error = exchange
                .answer
                .as_ref()
                .and_then(|answer| answer.error.as_deref());
            let why = format!("unexpected {}: {}", exchange.status, error.unwrap_or("-"));
            self.violation(device, path, why);
        }
        false
    }

    fn violation(&self, device: usize, path: &str, reason: String) {
        let request = self.label(device, path);
        self.shared
            .record
            .violation(Instant::now(), None, request, reason);
    }

    fn label(&self, device: usize, path: &str) -> String {
        let method = if path == route::INDEX { "GET" } else { "POST" };
        format!(
            "{method} {path} (user {}, device {})",
            self.number, self.devices[device].name
        )
    }

    /// Sends one request from `device` to the next instance, judges the answer, and lets the
    /// jar take its cookies. `None` when the run is over or no answer came (recorded).
    async fn exchange(
        &mut self,
        device: usize,
        method: Method,
        path: &'static str,
        form: Option<String>,
    ) -> Option<Exchange> {
        if !self.shared.take_request() {
            return None;
        }
        self.tally.requests += 1;
        // As a balancer sends it: to the next instance in rotation, once one is.
        let shared = Arc::clone(&self.shared);
        let (instance, _in_flight) = loop {
            if let Some(admitted) = shared.balancer.admit(self.next) {
                break admitted;
            }
            if !shared.pause(Instant::now() + balancer::RETRY).await {
                return None;
            }
        };
        self.next = (instance + 1) % self.connections.len();
        let port = self.shared.ports[instance];
        let label = self.label(device, path);
        let exposed = self.exposed(Instant::now());
        let now = Instant::now();
        let this = &mut self.devices[device];
        let carried = this.jar.has_session(now);
        let cookie = this.jar.header(now);
        let belief = this.belief.clone();
        let request = if method == Method::GET {
            client::get(port, path, cookie.as_deref())
        } else {
            let csrf = this.csrf.as_deref().filter(|_| carried);
            client::post(port, path, cookie.as_deref(), csrf, form)
        };

        let sent = Instant::now();
        let reply = self.connections[instance].send(request).await;
        let answered = Instant::now();
        let at = Sent {
            instance,
            sent,
            answered,
            label,
        };
        let reply = match reply {
            Ok(reply) => reply,
            Err(failure) => {
                at.violation(&self.shared, format!("no answer: {failure}"));
                return None;
            }
        };
        let latency = answered.saturating_duration_since(sent);
        self.tally
            .latencies_us
            .push(u32::try_from(latency.as_micros()).unwrap_or(u32::MAX));
        let answer = self.judge(&at, path, &reply, &belief, carried);
        let wrote_session = self.take(device, path, &at, &reply, answer.as_ref(), exposed);
        Some(Exchange {
            status: reply.status.as_u16(),
            answer,
            answered,
            cookie,
            wrote_session,
        })
    }

    /// Judges an answer against the rules and against what the harness believed of the
    /// session the request carried (if `carried`); returns the app's answer.
    fn judge(
        &mut self,
        at: &Sent,
        path: &str,
        reply: &Reply,
        belief: &Belief,
        carried: bool,
    ) -> Option<Answer> {
        let shared = &self.shared;
        let status = reply.status.as_u16();
        let is_logout = path == route::LOGOUT || path == route::LOGOUT_EVERYWHERE;
        let excused = is_logout && shared.outages.overlaps(at.sent, at.answered);
        if let Some(why) = judge_status(status, excused) {
            let said: Option<Answer> = serde_json::from_slice(&reply.body).ok();
            match said.and_then(|answer| answer.error) {
                Some(error) => at.violation(shared, format!("{why}: {error}")),
                None => at.violation(shared, why),
            }
        }
        if let Some(why) = judge_set_cookies(&reply.set_cookies) {
            at.violation(shared, why);
        }
        if status == 503 && !reply.set_cookies.is_empty() {
            at.violation(shared, "a logout answered 503 and wrote cookies".to_owned());
        }
        let answer: Option<Answer> = serde_json::from_slice(&reply.body).ok();
        if answer.is_none() {
            at.violation(shared, format!("{status} answered without the app's JSON"));
        }
        let came_in = answer.as_ref().and_then(|answer| answer.came_in.as_ref());
        let bound = match belief {
            Belief::Revoked { at, .. } => shared.outages.stretch(*at, shared.bound),
            _ => shared.bound,
        };
        match judge_session(belief, carried, came_in, at.sent, bound) {
            Verdict::Fine => {}
            Verdict::WithinBound(after) => self.tally.within_bound(after),
            Verdict::Caught => self.tally.caught += 1,
            Verdict::Broken(why) => {
                let refused = answer.as_ref().and_then(|answer| answer.refused.as_ref());
                let why = match refused {
                    Some(refused) => format!("{why} ({refused})"),
                    None => why,
                };
                at.violation(shared, why);
            }
        }
        answer
    }

    /// Lets `device`'s jar take the answer's cookies, and updates what the harness believes
    /// of its session. Says whether the answer wrote the session (not a removal).
    fn take(
        &mut self,
        device: usize,
        path: &str,
        at: &Sent,
        reply: &Reply,
        answer: Option<&Answer>,
        exposed: bool,
    ) -> bool {
        let this = &mut self.devices[device];
        let mut wrote_session = false;
        let mut chunked = false;
        for set_cookie in &reply.set_cookies {
            if this.jar.store(set_cookie, at.answered).is_err() {
                let why = format!("a Set-Cookie that does not parse: {set_cookie:.40}");
                at.violation(&self.shared, why);
            }
            if let Some((name, true)) = sets_value(set_cookie)
                && is_session_cookie(name)
            {
                wrote_session = true;
                chunked |= name != COOKIE_NAME;
            }
        }
        let came_in = answer.and_then(|answer| answer.came_in.as_ref());
        if wrote_session {
            if chunked && !this.chunked {
                self.tally.chunked_writes += 1;
            } else if !chunked && this.chunked {
                self.tally.unchunked_writes += 1;
            }
            this.chunked = chunked;
            if path == route::INDEX && came_in.is_some() {
                self.tally.rolls += 1;
            }
        }
        if let Some(csrf) = answer.and_then(|answer| answer.csrf.clone()) {
            this.csrf = Some(csrf);
        }
        let now = answer.and_then(|answer| answer.now.as_ref());
        let kept = this.jar.has_session(at.answered);
        let is_logout = path == route::LOGOUT || path == route::LOGOUT_EVERYWHERE;
        if came_in.is_some() && !kept && !is_logout {
            let why = "unexpected logout: the answer removed the session it let in".to_owned();
            at.violation(&self.shared, why);
        }
        if !kept {
            this.belief = Belief::None;
            this.csrf = None;
            this.chunked = false;
        } else if let (200, Some(now)) = (reply.status.as_u16(), now) {
            let same = |view: &SessionView| view.id == now.id;
            this.belief = match &this.belief {
                // Accepted before the bound, or before a logout answered 200: still that.
                Belief::Revoked { id, .. } if *id == now.id => this.belief.clone(),
                Belief::Uncertain if came_in.is_some_and(same) => Belief::Uncertain,
                // Let in after the bound: the revocation, everywhere by then, does not cover it.
                Belief::Exposed(view) if same(view) && !exposed => Belief::Valid(now.clone()),
                Belief::Exposed(view) if same(view) => Belief::Exposed(now.clone()),
                Belief::Valid(view) if same(view) => Belief::Valid(now.clone()),
                // A new session.
                _ if exposed => Belief::Exposed(now.clone()),
                _ => Belief::Valid(now.clone()),
            };
        }
        wrote_session
    }
}

/// Where and when a request went.
struct Sent {
    instance: usize,
    sent: Instant,
    answered: Instant,
    label: String,
}

impl Sent {
    fn violation(&self, shared: &Shared, why: String) {
        let label = self.label.clone();
        shared
            .record
            .violation(self.sent, Some(self.instance), label, why);
    }
}
