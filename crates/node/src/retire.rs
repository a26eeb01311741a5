//! Freeing replaced states off the block path.
//!
//! A finalized block replaces the chain's and the pool's copies of the finalized state. The
//! old copies share almost everything with the new one, but the nodes that the block rewrote
//! (Merkle branches on every changed record's path, map nodes holding changed records) are
//! owned by the old copy alone, and freeing them costs as much as a large part of committing
//! the block: at a million accounts a 5,000-transfer block replaces hundreds of thousands of
//! nodes. [`retire`] hands such values to one background thread that drops them, so
//! finalization returns without waiting.
//!
//! # Rules
//! - At most [`QUEUE`] values wait; when the queue is full (or the thread could not start),
//!   the value is dropped on the caller's thread, so retired memory stays bounded.
//! - Only memory is released there: the values have no `Drop` with effects beyond freeing.

use std::sync::OnceLock;
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};

/// Values waiting to be dropped, at most.
pub const QUEUE: usize = 8;

type Retired = Box<dyn Send>;

fn sender() -> Option<&'static SyncSender<Retired>> {
    static SENDER: OnceLock<Option<SyncSender<Retired>>> = OnceLock::new();
    SENDER
        .get_or_init(|| {
            let (tx, rx) = sync_channel::<Retired>(QUEUE);
            std::thread::Builder::new()
                .name("taonet-free".into())
                .spawn(move || {
                    for value in rx {
                        drop(value);
                    }
                })
                .ok()
                .map(|_| tx)
        })
        .as_ref()
}

/// Drops `value` on the background thread (or here, when the queue is full).
pub fn retire<T: Send + 'static>(value: T) {
    let Some(tx) = sender() else {
        return;
    };
    match tx.try_send(Box::new(value)) {
        Ok(()) => {}
        // Dropped right here, with the returned box.
        Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Counted(Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn every_retired_value_is_dropped() {
        let dropped = Arc::new(AtomicUsize::new(0));
        // More than the queue holds: the overflow is dropped inline, the rest in the thread.
        for _ in 0..(QUEUE * 4) {
            retire(Counted(dropped.clone()));
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while dropped.load(Ordering::SeqCst) < QUEUE * 4 {
            assert!(std::time::Instant::now() < deadline, "not all dropped");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(dropped.load(Ordering::SeqCst), QUEUE * 4);
    }
}
