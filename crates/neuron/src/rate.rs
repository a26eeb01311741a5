//! Per-hotkey rate limits (a token bucket per caller hotkey).
//!
//! Not in the reference axon. Applied **after** verification, so a forger cannot spend a
//! victim's budget; refused requests get 429 `Rate limit exceeded for <hotkey>`. Memory is
//! bounded: when `capacity` buckets exist, full (idle) buckets are dropped; if none is,
//! the new caller is refused until one refills.

use std::collections::HashMap;
use std::sync::Mutex;

/// Token-bucket settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    /// Sustained requests per second per hotkey.
    pub per_second: f64,
    /// Burst size (bucket capacity).
    pub burst: f64,
}

/// One token bucket per caller hotkey, at most `capacity` of them.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    capacity: usize,
    buckets: Mutex<HashMap<String, (f64, u64)>>,
}

impl RateLimiter {
    /// A limiter holding at most `capacity` hotkeys.
    pub fn new(limit: RateLimit, capacity: usize) -> Self {
        RateLimiter {
            limit,
            capacity: capacity.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `hotkey` at `now_ns`; false = over the limit.
    pub fn allow(&self, hotkey: &str, now_ns: u64) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let refill = |(tokens, at): (f64, u64)| {
            let dt = now_ns.saturating_sub(at) as f64 / 1e9;
            (tokens + dt * self.limit.per_second).min(self.limit.burst)
        };
        if let Some(b) = buckets.get_mut(hotkey) {
            let tokens = refill(*b);
            if tokens < 1.0 {
                *b = (tokens, now_ns);
                return false;
            }
            *b = (tokens - 1.0, now_ns);
            return true;
        }
        if buckets.len() >= self.capacity {
            let burst = self.limit.burst;
            buckets.retain(|_, b| refill(*b) < burst);
            if buckets.len() >= self.capacity {
                return false;
            }
        }
        if self.limit.burst < 1.0 {
            return false;
        }
        buckets.insert(hotkey.to_string(), (self.limit.burst - 1.0, now_ns));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_refills() {
        let r = RateLimiter::new(
            RateLimit {
                per_second: 1.0,
                burst: 2.0,
            },
            8,
        );
        assert!(r.allow("a", 0));
        assert!(r.allow("a", 0));
        assert!(!r.allow("a", 0));
        assert!(r.allow("b", 0));
        assert!(r.allow("a", 1_000_000_000));
        assert!(!r.allow("a", 1_000_000_000));
    }
}
