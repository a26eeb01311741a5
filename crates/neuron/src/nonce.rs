//! Bounded nonce bookkeeping for the axon's verify step.
//!
//! # Rules (bittensor 10 default verify)
//! - The endpoint key is `<dendrite hotkey>:<dendrite uuid>`.
//! - For the **first** request of a key (callers ≥ 7.2.0) the nonce must be newer than
//!   `now − (4 s + timeout)`; `timeout` is the request's, clamped to the axon's
//!   `max_timeout` so a caller cannot widen the window at will.
//! - Later requests of a key must carry a nonce strictly greater than the last accepted one.
//! - Like the reference there is no upper bound on the nonce unless the axon sets
//!   `max_future_skew`.
//! - The nonce is recorded only after the signature verified ([`NonceTable::commit`]).
//!
//! # Bounded memory
//! Python keeps every key forever. Here the table holds at most `capacity` keys. When it is
//! full, keys whose last nonce is older than the widest window (`4 s + max_timeout`) are
//! swept: forgetting such a key is safe, because any replay of one of its nonces is older
//! than the window and fails the first-request check. If the table is still full of fresh
//! keys, a new key is refused ([`VerifyError::TableFull`]) rather than evicting a fresh
//! one, which would reopen replays.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::VerifyError;

/// The reference's `ALLOWED_DELTA`: 4 seconds.
pub const ALLOWED_DELTA_NS: u64 = 4_000_000_000;

/// Versions from which the first-request window applies (7.2.0).
pub const V_7_2_0: u64 = 7_002_000;

/// The per-endpoint-key nonce table.
#[derive(Debug)]
pub struct NonceTable {
    inner: Mutex<Inner>,
    capacity: usize,
    max_timeout_ns: u64,
    max_future_ns: Option<u64>,
}

#[derive(Debug, Default)]
struct Inner {
    last: HashMap<String, u64>,
    last_sweep_ns: u64,
}

impl NonceTable {
    /// A table of at most `capacity` keys; `max_timeout_s` clamps request timeouts;
    /// `max_future_s` (None = reference: unbounded) bounds nonces ahead of the clock.
    pub fn new(capacity: usize, max_timeout_s: f64, max_future_s: Option<f64>) -> Self {
        NonceTable {
            inner: Mutex::new(Inner::default()),
            capacity: capacity.max(1),
            max_timeout_ns: secs_to_ns(max_timeout_s),
            max_future_ns: max_future_s.map(secs_to_ns),
        }
    }

    /// Checks `nonce` for `key` at `now_ns` (no state change).
    pub fn check(
        &self,
        key: &str,
        nonce: u64,
        version: Option<u64>,
        timeout_s: f64,
        now_ns: u64,
    ) -> Result<(), VerifyError> {
        if let Some(max) = self.max_future_ns
            && nonce > now_ns.saturating_add(max)
        {
            return Err(VerifyError::TooFarAhead {
                ahead: (nonce - now_ns) as f64 / 1e9,
            });
        }
        let last = self.lock().last.get(key).copied();
        let windowed = version.is_some_and(|v| v >= V_7_2_0);
        match last {
            None if windowed => {
                let window = ALLOWED_DELTA_NS + secs_to_ns(timeout_s).min(self.max_timeout_ns);
                if nonce <= now_ns.saturating_sub(window) {
                    return Err(VerifyError::TooOld {
                        allowed: window as f64 / 1e9,
                        age: now_ns.saturating_sub(nonce) as f64 / 1e9,
                    });
                }
                Ok(())
            }
            None => Ok(()),
            Some(last) if nonce <= last => Err(VerifyError::NotNewer),
            Some(_) => Ok(()),
        }
    }

    /// Records `nonce` for `key` after a good signature; re-checks monotonicity under the
    /// lock so two concurrent requests with the same nonce cannot both pass.
    pub fn commit(&self, key: &str, nonce: u64, now_ns: u64) -> Result<(), VerifyError> {
        let mut inner = self.lock();
        if let Some(last) = inner.last.get_mut(key) {
            if nonce <= *last {
                return Err(VerifyError::NotNewer);
            }
            *last = nonce;
            return Ok(());
        }
        if inner.last.len() >= self.capacity {
            // Sweep at most every 100 ms so a full table of fresh keys is not rescanned
            // on every request.
            if now_ns.saturating_sub(inner.last_sweep_ns) >= 100_000_000 {
                let horizon = now_ns.saturating_sub(ALLOWED_DELTA_NS + self.max_timeout_ns);
                inner.last.retain(|_, n| *n > horizon);
                inner.last_sweep_ns = now_ns;
            }
            if inner.last.len() >= self.capacity {
                return Err(VerifyError::TableFull);
            }
        }
        inner.last.insert(key.to_string(), nonce);
        Ok(())
    }

    /// Number of keys held.
    pub fn len(&self) -> usize {
        self.lock().last.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Seconds (float) to nanoseconds, saturating; negative and NaN are 0.
pub fn secs_to_ns(s: f64) -> u64 {
    if s.is_nan() || s <= 0.0 {
        0
    } else if s >= 1.8e10 {
        u64::MAX / 2
    } else {
        (s * 1e9) as u64
    }
}

/// Nanoseconds since the Unix epoch.
pub fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000_000_000_000;

    #[test]
    fn first_request_window_then_monotonic() {
        let t = NonceTable::new(4, 60.0, None);
        let v = Some(10_005_000);
        assert!(t.check("k", NOW - 17_000_000_000, v, 12.0, NOW).is_err());
        assert!(t.check("k", NOW - 17_000_000_000, None, 12.0, NOW).is_ok());
        t.check("k", NOW - 1, v, 12.0, NOW).unwrap();
        t.commit("k", NOW - 1, NOW).unwrap();
        assert_eq!(
            t.check("k", NOW - 1, v, 12.0, NOW),
            Err(VerifyError::NotNewer)
        );
        assert_eq!(t.commit("k", NOW - 1, NOW), Err(VerifyError::NotNewer));
        t.check("k", NOW, v, 12.0, NOW).unwrap();
        // Future nonces pass like the reference.
        t.check("k", NOW + 3_600_000_000_000, v, 12.0, NOW).unwrap();
    }

    #[test]
    fn bounded_and_sweeps_only_stale_keys() {
        let t = NonceTable::new(2, 10.0, None);
        t.commit("a", NOW - 20_000_000_000, NOW - 20_000_000_000)
            .unwrap();
        t.commit("b", NOW, NOW).unwrap();
        // "a" is stale (older than 4 + 10 s) and is swept for "c".
        t.commit("c", NOW, NOW).unwrap();
        assert_eq!(t.len(), 2);
        // Both fresh now: a new key is refused rather than evicting one.
        assert_eq!(
            t.commit("d", NOW + 200_000_000, NOW + 200_000_000),
            Err(VerifyError::TableFull)
        );
    }

    #[test]
    fn future_skew_bound() {
        let t = NonceTable::new(4, 60.0, Some(2.0));
        assert!(matches!(
            t.check("k", NOW + 3_000_000_000, None, 12.0, NOW),
            Err(VerifyError::TooFarAhead { .. })
        ));
        t.check("k", NOW + 1_000_000_000, None, 12.0, NOW).unwrap();
    }
}
