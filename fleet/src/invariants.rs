//! The fleet's invariants, as pure rules over what the harness believes of a session and what
//! an instance answered; and the record of every violation (request, instance, time, reason).
//!
//! - No 5xx, but the 503 of a logout whose revocation Redis could not take while Redis was
//!   down (the session is then neither known valid nor known revoked: [`Belief::Uncertain`]).
//! - No `Set-Cookie` header over [`MAX_SET_COOKIE`] bytes.
//! - A session revoked by a logout that answered 200 at `T` is refused by every instance from
//!   `T + bound` on; accepted before, it counts as "within the bound". The bound runs while
//!   Redis is up: when Redis goes down before it is over, it runs again from the instances'
//!   reconnection (`Outages::stretch`), since no instance can learn of a revocation meanwhile.
//! - A valid session (not revoked, not expired) is never refused, nor removed by an answer
//!   that let it in (but a logout's), and carries the state of the last write that answered
//!   (no lost write).
//! - A session that a login started within the bound after a "log out everywhere" of its user
//!   may be caught by that revocation ([`Belief::Exposed`]): it is checked as a valid one, but a
//!   refusal is counted, not a violation.

use std::sync::{Arc, Mutex, PoisonError};

use sealed_session_fleet::api::SessionView;
use serde::Serialize;
use tokio::time::{Duration, Instant};

/// The most bytes of one `Set-Cookie` header value that browsers keep.
pub const MAX_SET_COOKIE: usize = 4096;

/// What the harness believes of the session a device's jar holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Belief {
    /// No session (never logged in, logged out, or refused and cleared).
    None,
    /// Logged in and not revoked: the session and the state of its last write.
    Valid(SessionView),
    /// Logged in within the propagation bound after a "log out everywhere" of the same user
    /// answered: on an instance that had not received that revocation yet, the login may be
    /// dated at or before it (in the same millisecond, or before a revocation dated at the
    /// next whole second because the user was revoked twice within one second), and be
    /// refused once it arrives. Checked as [`Belief::Valid`] when it comes in; a refusal is
    /// [`Verdict::Caught`].
    Exposed(SessionView),
    /// Revoked by a logout that answered 200 at `at`.
    Revoked { id: String, at: Instant },
    /// A logout that answered 503: revoked on the instance that answered, and everywhere once
    /// Redis has it; until a logout answers 200, any instance may accept it or refuse it.
    Uncertain,
}

/// The judgement of one answer against the belief.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Fine,
    /// A revoked session accepted this long after its revocation, before the bound.
    WithinBound(Duration),
    /// An exposed session refused.
    Caught,
    Broken(String),
}

/// Judges which session an instance let in (`came_in`), for a request sent at `sent_at`
/// that carried a session cookie or not (`carried`), against what the harness believes.
pub fn judge_session(
    belief: &Belief,
    carried: bool,
    came_in: Option<&SessionView>,
    sent_at: Instant,
    bound: Duration,
) -> Verdict {
    if !carried {
        return match came_in {
            None => Verdict::Fine,
            Some(view) => Verdict::Broken(format!(
                "session {} came in without a session cookie",
                view.id
            )),
        };
    }
    match (belief, came_in) {
        (Belief::Valid(expected), None) => Verdict::Broken(format!(
            "unexpected logout: valid session {} refused",
            expected.id
        )),
        (Belief::Exposed(_), None) => Verdict::Caught,
        (Belief::Valid(expected) | Belief::Exposed(expected), Some(view))
            if view.id != expected.id =>
        {
            Verdict::Broken(format!("session {} came in, not {}", view.id, expected.id))
        }
        (Belief::Valid(expected) | Belief::Exposed(expected), Some(view))
            if (view.count, view.notes) != (expected.count, expected.notes) =>
        {
            Verdict::Broken(format!(
                "lost write: count {} and {} notes came in, the last write left {} and {}",
                view.count, view.notes, expected.count, expected.notes
            ))
        }
        (Belief::Revoked { at, .. }, Some(view)) => {
            let after = sent_at.saturating_duration_since(*at);
            if sent_at < *at + bound {
                Verdict::WithinBound(after)
            } else {
                Verdict::Broken(format!(
                    "revoked session {} accepted {} ms after its revocation (bound {} ms)",
                    view.id,
                    after.as_millis(),
                    bound.as_millis()
                ))
            }
        }
        _ => Verdict::Fine,
    }
}

/// Why a status breaks the rules, if it does: a 5xx, but the 503 of a logout that Redis's
/// outage excuses.
pub fn judge_status(status: u16, excused_503: bool) -> Option<String> {
    match status {
        503 if excused_503 => None,
        500..=599 => Some(format!("{status} answered")),
        _ => None,
    }
}

/// Why a response's `Set-Cookie` headers break the rules, if they do.
pub fn judge_set_cookies(set_cookies: &[String]) -> Option<String> {
    let longest = set_cookies.iter().map(String::len).max()?;
    (longest > MAX_SET_COOKIE)
        .then(|| format!("Set-Cookie of {longest} bytes (at most {MAX_SET_COOKIE})"))
}

/// One broken rule.
#[derive(Clone, Debug, Serialize)]
pub struct Violation {
    /// Seconds since the run started, when the request was sent.
    pub at_s: f64,
    /// The instance that answered (from 0), if one did.
    pub instance: Option<usize>,
    /// The request: method, path, who sent it.
    pub request: String,
    pub reason: String,
}

/// Every violation of the run, shared by everything that checks.
#[derive(Clone)]
pub struct Record {
    start: Instant,
    violations: Arc<Mutex<Vec<Violation>>>,
}

impl Record {
    pub fn new(start: Instant) -> Record {
        Record {
            start,
            violations: Arc::default(),
        }
    }

    /// Records a violation of a request sent at `sent_at`.
    pub fn violation(
        &self,
        sent_at: Instant,
        instance: Option<usize>,
        request: String,
        reason: String,
    ) {
        let violation = Violation {
            at_s: sent_at.saturating_duration_since(self.start).as_secs_f64(),
            instance,
            request,
            reason,
        };
        self.lock().push(violation);
    }

    pub fn violations(&self) -> Vec<Violation> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Violation>> {
        self.violations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUND: Duration = Duration::from_secs(1);

    fn view(id: &str, count: u64) -> SessionView {
        SessionView {
            user: "u".into(),
            id: id.into(),
            count,
            notes: 0,
            issued_ms: 0,
            expires_ms: 0,
        }
    }

    #[test]
    fn a_valid_session_must_come_in_as_last_written() {
        let now = Instant::now();
        let valid = Belief::Valid(view("a", 3));
        let judge =
            |came_in: Option<&SessionView>| judge_session(&valid, true, came_in, now, BOUND);
        assert_eq!(judge(Some(&view("a", 3))), Verdict::Fine);
        assert!(
            matches!(judge(None), Verdict::Broken(why) if why.starts_with("unexpected logout"))
        );
        assert!(matches!(judge(Some(&view("b", 3))), Verdict::Broken(_)));
        assert!(
            matches!(judge(Some(&view("a", 2))), Verdict::Broken(why) if why.starts_with("lost write"))
        );
    }

    #[test]
    fn a_revoked_session_may_pass_only_before_the_bound() {
        let at = Instant::now();
        let revoked = Belief::Revoked { id: "a".into(), at };
        let came_in = view("a", 0);
        let judge = |sent_at| judge_session(&revoked, true, Some(&came_in), sent_at, BOUND);
        let early = Duration::from_millis(999);
        assert_eq!(judge(at + early), Verdict::WithinBound(early));
        assert!(matches!(judge(at + BOUND), Verdict::Broken(_)));
        assert_eq!(
            judge_session(&revoked, true, None, at + BOUND, BOUND),
            Verdict::Fine
        );
    }

    #[test]
    fn an_exposed_session_may_be_caught_but_never_loses_a_write() {
        let now = Instant::now();
        let exposed = Belief::Exposed(view("a", 1));
        let judge =
            |came_in: Option<&SessionView>| judge_session(&exposed, true, came_in, now, BOUND);
        assert_eq!(judge(None), Verdict::Caught);
        assert_eq!(judge(Some(&view("a", 1))), Verdict::Fine);
        assert!(matches!(judge(Some(&view("a", 0))), Verdict::Broken(_)));
        assert!(matches!(judge(Some(&view("b", 1))), Verdict::Broken(_)));
    }

    #[test]
    fn an_uncertain_session_may_go_either_way_and_no_cookie_lets_nothing_in() {
        let now = Instant::now();
        for came_in in [None, Some(&view("a", 0))] {
            assert_eq!(
                judge_session(&Belief::Uncertain, true, came_in, now, BOUND),
                Verdict::Fine
            );
        }
        let stray = judge_session(&Belief::None, false, Some(&view("a", 0)), now, BOUND);
        assert!(matches!(stray, Verdict::Broken(_)));
    }

    #[test]
    fn statuses_and_cookie_sizes() {
        assert_eq!(judge_status(200, false), None);
        assert_eq!(judge_status(401, false), None);
        assert!(judge_status(500, true).is_some());
        assert!(judge_status(503, false).is_some());
        assert_eq!(judge_status(503, true), None);
        assert_eq!(judge_set_cookies(&["a".repeat(MAX_SET_COOKIE)]), None);
        assert!(judge_set_cookies(&["a".repeat(MAX_SET_COOKIE + 1)]).is_some());
        assert_eq!(judge_set_cookies(&[]), None);
    }
}
