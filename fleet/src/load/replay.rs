//! Replays of revoked sessions: a copy of the cookies a session had when a logout revoked it,
//! sent to one instance at once (it may still pass: within the bound) and again once the
//! bound is over (it must be refused). One replayer per instance, on its own connection.

use std::collections::VecDeque;
use std::sync::Arc;

use sealed_session_fleet::api::{Answer, route};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

use super::{Shared, Tally};
use crate::balancer;
use crate::client::{self, Connection};
use crate::invariants::{Belief, Verdict, judge_session, judge_status};

/// How long a replay waits for its instance to come back in rotation (a restart, a freeze)
/// before it is let go.
const REPLAY_PATIENCE: tokio::time::Duration = tokio::time::Duration::from_secs(60);

/// One replay to make.
pub struct Replay {
    /// The `Cookie` header the session was sent with.
    pub cookie: String,
    /// The session's id.
    pub id: String,
    /// When the logout that revoked it answered 200.
    pub revoked_at: Instant,
    /// When to send it.
    pub due: Instant,
    /// Whose session, for the report.
    pub whose: String,
}

/// Replays against one instance.
pub struct Replayer {
    shared: Arc<Shared>,
    instance: usize,
    connection: Connection,
    jobs: UnboundedReceiver<Replay>,
    tally: Tally,
}

impl Replayer {
    pub(super) fn new(
        shared: Arc<Shared>,
        instance: usize,
        jobs: UnboundedReceiver<Replay>,
    ) -> Replayer {
        let connection = Connection::new(shared.ports[instance]);
        Replayer {
            shared,
            instance,
            connection,
            jobs,
            tally: Tally::default(),
        }
    }

    /// Replays each job when due, until every sender is gone and every job is done.
    pub(super) async fn run(mut self) -> Tally {
        let mut later: VecDeque<Replay> = VecDeque::new();
        let mut open = true;
        while open || !later.is_empty() {
            let next = later.front().map(|replay| replay.due);
            tokio::select! {
                job = self.jobs.recv(), if open => match job {
                    Some(job) if job.due <= Instant::now() => self.replay(job).await,
                    Some(job) => later.push_back(job),
                    None => open = false,
                },
                () = tokio::time::sleep_until(next.unwrap_or_else(Instant::now)), if next.is_some() => {
                    if let Some(job) = later.pop_front() {
                        self.replay(job).await;
                    }
                }
            }
        }
        self.tally
    }

    async fn replay(&mut self, job: Replay) {
        // Only to the instance in rotation (a frozen one, once thawed: its first answers).
        let shared = Arc::clone(&self.shared);
        let give_up = Instant::now() + REPLAY_PATIENCE;
        let _in_flight = loop {
            if let Some(admitted) = shared.balancer.admit_to(self.instance) {
                break admitted;
            }
            if Instant::now() >= give_up {
                return;
            }
            tokio::time::sleep(balancer::RETRY).await;
        };
        let port = self.shared.ports[self.instance];
        let request = client::get(port, route::INDEX, Some(&job.cookie));
        let label = format!("replay of GET / ({})", job.whose);
        let sent = Instant::now();
        let record = &self.shared.record;
        let reply = match self.connection.send(request).await {
            Ok(reply) => reply,
            Err(failure) => {
                record.violation(
                    sent,
                    Some(self.instance),
                    label,
                    format!("no answer: {failure}"),
                );
                return;
            }
        };
        if sent < job.revoked_at + self.shared.bound {
            self.tally.replays_early += 1;
        } else {
            self.tally.replays_after_bound += 1;
        }
        if let Some(why) = judge_status(reply.status.as_u16(), false) {
            record.violation(sent, Some(self.instance), label.clone(), why);
        }
        let answer: Option<Answer> = serde_json::from_slice(&reply.body).ok();
        let came_in = answer.as_ref().and_then(|answer| answer.came_in.as_ref());
        let revoked = Belief::Revoked {
            id: job.id,
            at: job.revoked_at,
        };
        let bound = self
            .shared
            .outages
            .stretch(job.revoked_at, self.shared.bound);
        match judge_session(&revoked, true, came_in, sent, bound) {
            Verdict::Fine | Verdict::Caught => {}
            Verdict::WithinBound(after) => self.tally.within_bound(after),
            Verdict::Broken(why) => record.violation(sent, Some(self.instance), label, why),
        }
    }
}
