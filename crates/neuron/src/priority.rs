//! The axon's priority gate: at most `max` forwards run at once; when saturated, waiters
//! are admitted highest priority first (ties: first come, first served), and a waiter that
//! is not admitted within its deadline gives up (the axon answers 408).

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;

/// The gate itself: hands out up to `max` [`Permit`]s and queues the rest by priority.
#[derive(Debug)]
pub struct PriorityGate {
    max: usize,
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    running: usize,
    seq: u64,
    waiters: BinaryHeap<Waiter>,
}

#[derive(Debug)]
struct Waiter {
    priority: f64,
    seq: u64,
    tx: oneshot::Sender<()>,
}

impl PartialEq for Waiter {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Waiter {}
impl PartialOrd for Waiter {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Waiter {
    fn cmp(&self, other: &Self) -> Ordering {
        self.priority
            .total_cmp(&other.priority)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

/// A running slot; released on drop.
#[derive(Debug)]
pub struct Permit {
    state: Arc<Mutex<State>>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        release(&self.state);
    }
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// Hands the slot to the best live waiter, or frees it.
fn release(state: &Mutex<State>) {
    let mut s = lock(state);
    while let Some(w) = s.waiters.pop() {
        if w.tx.send(()).is_ok() {
            return;
        }
    }
    s.running = s.running.saturating_sub(1);
}

impl PriorityGate {
    /// A gate admitting `max` at once.
    pub fn new(max: usize) -> Self {
        PriorityGate {
            max: max.max(1),
            state: Arc::new(Mutex::new(State::default())),
        }
    }

    /// Waits for a slot at `priority` for at most `wait`; `None` on timeout.
    pub async fn acquire(&self, priority: f64, wait: Duration) -> Option<Permit> {
        let mut rx = {
            let mut s = lock(&self.state);
            if s.running < self.max {
                s.running += 1;
                return Some(Permit {
                    state: self.state.clone(),
                });
            }
            let (tx, rx) = oneshot::channel();
            s.seq += 1;
            let seq = s.seq;
            s.waiters.push(Waiter { priority, seq, tx });
            rx
        };
        match tokio::time::timeout(wait, &mut rx).await {
            Ok(Ok(())) => Some(Permit {
                state: self.state.clone(),
            }),
            _ => {
                rx.close();
                if rx.try_recv().is_ok() {
                    // Admitted just as we gave up: pass the slot on.
                    release(&self.state);
                }
                None
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn highest_priority_first_and_timeouts() {
        let gate = Arc::new(PriorityGate::new(1));
        let order = Arc::new(Mutex::new(Vec::new()));
        let first = gate.acquire(0.0, Duration::from_secs(1)).await.unwrap();
        assert!(gate.acquire(0.0, Duration::from_millis(10)).await.is_none());
        let mut tasks = Vec::new();
        for prio in [1.0, 9.0, 5.0] {
            let (g, o) = (gate.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                let p = g.acquire(prio, Duration::from_secs(5)).await.unwrap();
                o.lock().unwrap().push(prio);
                drop(p);
            }));
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        drop(first);
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), vec![9.0, 5.0, 1.0]);
        assert!(gate.acquire(0.0, Duration::from_millis(1)).await.is_some());
    }
}
