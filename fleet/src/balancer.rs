//! What a load balancer knows of the instances: which are in rotation, how many requests each
//! has in flight, and how often each was replaced. A fault takes an instance out, lets it
//! drain, restarts or freezes it, and puts it back, as a deploy behind a balancer does; the
//! users and the replayers send only to instances in rotation.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};

use tokio::time::{Duration, Instant};

/// The longest a drain waits for the requests in flight (a frozen instance answers none).
const DRAIN_TIMEOUT: Duration = Duration::from_secs(15);

/// How often a sender with no instance in rotation looks again.
pub const RETRY: Duration = Duration::from_millis(5);

struct Slot {
    in_rotation: AtomicBool,
    in_flight: AtomicUsize,
    /// Bumped at each restart: the memory samples of the process before it are let go.
    generation: AtomicU32,
}

/// The instances as the balancer sees them, by index.
pub struct Balancer {
    slots: Vec<Slot>,
}

/// A request in flight to one instance; counted until dropped.
pub struct InFlight<'a> {
    slot: &'a Slot,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.slot.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Balancer {
    /// `count` instances, all in rotation.
    pub fn new(count: usize) -> Balancer {
        Balancer {
            slots: (0..count)
                .map(|_| Slot {
                    in_rotation: AtomicBool::new(true),
                    in_flight: AtomicUsize::new(0),
                    generation: AtomicU32::new(0),
                })
                .collect(),
        }
    }

    pub fn count(&self) -> usize {
        self.slots.len()
    }

    /// Admits a request to the first instance in rotation at or after `from` (round robin):
    /// its index and the guard that counts it in flight; `None` while every instance is out.
    pub fn admit(&self, from: usize) -> Option<(usize, InFlight<'_>)> {
        (0..self.slots.len())
            .map(|step| (from + step) % self.slots.len())
            .find_map(|index| Some((index, self.admit_to(index)?)))
    }

    /// Admits a request to `index` if it is in rotation. Counted in flight before the check,
    /// so that a drain that saw no request in flight after taking it out has seen them all.
    pub fn admit_to(&self, index: usize) -> Option<InFlight<'_>> {
        let slot = &self.slots[index];
        slot.in_flight.fetch_add(1, Ordering::SeqCst);
        let admitted = InFlight { slot };
        slot.in_rotation.load(Ordering::SeqCst).then_some(admitted)
    }

    /// Takes `index` out of rotation and waits until its requests in flight have answered
    /// (at most [`DRAIN_TIMEOUT`]); says whether they all did.
    pub async fn drain(&self, index: usize) -> bool {
        let slot = &self.slots[index];
        slot.in_rotation.store(false, Ordering::SeqCst);
        let deadline = Instant::now() + DRAIN_TIMEOUT;
        while slot.in_flight.load(Ordering::SeqCst) > 0 {
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        true
    }

    /// Puts `index` back in rotation; `replaced`: it is a new process.
    pub fn put_back(&self, index: usize, replaced: bool) {
        let slot = &self.slots[index];
        if replaced {
            slot.generation.fetch_add(1, Ordering::SeqCst);
        }
        slot.in_rotation.store(true, Ordering::SeqCst);
    }

    /// How many times `index` was replaced by a new process.
    pub fn generation(&self, index: usize) -> u32 {
        self.slots[index].generation.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_go_round_robin_to_the_instances_in_rotation() {
        let balancer = Balancer::new(3);
        assert_eq!(balancer.admit(1).map(|(index, _)| index), Some(1));
        assert_eq!(balancer.admit(3).map(|(index, _)| index), Some(0));
        balancer.slots[1].in_rotation.store(false, Ordering::SeqCst);
        assert_eq!(balancer.admit(1).map(|(index, _)| index), Some(2));
        for slot in &balancer.slots {
            slot.in_rotation.store(false, Ordering::SeqCst);
        }
        assert!(balancer.admit(0).is_none());
        assert!(
            balancer
                .slots
                .iter()
                .all(|slot| slot.in_flight.load(Ordering::SeqCst) == 0)
        );
    }

    #[tokio::test]
    async fn a_drain_waits_for_the_requests_in_flight() {
        let balancer = std::sync::Arc::new(Balancer::new(2));
        let (index, in_flight) = balancer.admit(0).expect("in rotation");
        assert_eq!(index, 0);
        let draining = {
            let balancer = std::sync::Arc::clone(&balancer);
            tokio::spawn(async move { balancer.drain(0).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!draining.is_finished(), "a request is still in flight");
        assert!(
            balancer.admit_to(0).is_none(),
            "out of rotation while draining"
        );
        drop(in_flight);
        assert!(draining.await.expect("drained"));
        balancer.put_back(0, true);
        assert_eq!(balancer.generation(0), 1);
        assert!(balancer.admit_to(0).is_some());
    }
}
