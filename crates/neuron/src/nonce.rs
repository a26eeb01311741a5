//! Bounded nonce bookkeeping for the axon's verify step.
//!
//! # Rules (bittensor 10 default verify, hardened)
//! - The endpoint key is `<dendrite hotkey>:<dendrite uuid>`.
//! - For the **first** request of a key the nonce must be newer than `now − (4 s +
//!   timeout)`; `timeout` is the request's, clamped to the axon's `max_timeout` so a caller
//!   cannot widen the window at will. The reference applies this window only to callers
//!   that send version ≥ 7.2.0; here it **always** applies, because the version header is
//!   not signed: dropping it would let a captured request be replayed to a restarted axon
//!   (whose table is empty). Bittensor 10 dendrites send fresh nonces, so they pass.
//! - Later requests of a key must carry a nonce strictly greater than the last accepted one.
//! - Like the reference there is no upper bound on the nonce unless the axon sets
//!   `max_future_skew`.
//! - The nonce is recorded only after the signature verified ([`NonceTable::commit`]).
//!
//! # Bounded memory, fair per hotkey
//! Python keeps every key forever. Here the table ([`crate::fair::FairTable`]) holds at most
//! `capacity` keys, and at most `per_hotkey` keys (uuids) of one hotkey. Keys whose last nonce is older than the widest
//! window (`4 s + max_timeout`) are swept when room is needed: forgetting such a key is
//! safe, because any replay of one of its nonces is older than the window and fails the
//! first-request check. A fresh key is never evicted (that would reopen replays): a hotkey
//! at its quota gets [`VerifyError::HotkeyQuotaFull`] for new keys until its own keys go
//! stale, and only when the whole table is full of fresh keys is a new key refused
//! ([`VerifyError::TableFull`]). One caller can therefore exhaust only its own quota,
//! never push out or lock out another hotkey, unless `capacity / per_hotkey` hotkeys
//! (64 with the axon's defaults) all fill their quotas at once.

use std::sync::Mutex;

use crate::error::VerifyError;
use crate::fair::{FairTable, Refused};

/// The reference's `ALLOWED_DELTA`: 4 seconds.
pub const ALLOWED_DELTA_NS: u64 = 4_000_000_000;

/// The per-endpoint-key nonce table.
#[derive(Debug)]
pub struct NonceTable {
    /// hotkey → uuid → last accepted nonce.
    inner: Mutex<FairTable<String, u64>>,
    max_timeout_ns: u64,
    max_future_ns: Option<u64>,
}

impl NonceTable {
    /// A table of at most `capacity` keys, at most `per_hotkey` of one hotkey;
    /// `max_timeout_s` clamps request timeouts; `max_future_s` (None = reference:
    /// unbounded) bounds nonces ahead of the clock.
    pub fn new(
        capacity: usize,
        per_hotkey: usize,
        max_timeout_s: f64,
        max_future_s: Option<f64>,
    ) -> Self {
        NonceTable {
            inner: Mutex::new(FairTable::new(capacity, per_hotkey)),
            max_timeout_ns: secs_to_ns(max_timeout_s),
            max_future_ns: max_future_s.map(secs_to_ns),
        }
    }

    /// Checks `nonce` for the key (`hotkey`, `uuid`) at `now_ns` (no state change).
    pub fn check(
        &self,
        hotkey: &str,
        uuid: &str,
        nonce: u64,
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
        let last = self.lock().get(hotkey, &uuid.to_string()).copied();
        match last {
            None => {
                let window = ALLOWED_DELTA_NS + secs_to_ns(timeout_s).min(self.max_timeout_ns);
                if nonce <= now_ns.saturating_sub(window) {
                    return Err(VerifyError::TooOld {
                        allowed: window as f64 / 1e9,
                        age: now_ns.saturating_sub(nonce) as f64 / 1e9,
                    });
                }
                Ok(())
            }
            Some(last) if nonce <= last => Err(VerifyError::NotNewer),
            Some(_) => Ok(()),
        }
    }

    /// Records `nonce` for (`hotkey`, `uuid`) after a good signature; re-checks
    /// monotonicity under the lock so two concurrent requests with the same nonce cannot
    /// both pass.
    pub fn commit(
        &self,
        hotkey: &str,
        uuid: &str,
        nonce: u64,
        now_ns: u64,
    ) -> Result<(), VerifyError> {
        let horizon = now_ns.saturating_sub(ALLOWED_DELTA_NS + self.max_timeout_ns);
        let mut table = self.lock();
        let key = uuid.to_string();
        if let Some(last) = table.get_mut(hotkey, &key) {
            if nonce <= *last {
                return Err(VerifyError::NotNewer);
            }
            *last = nonce;
            return Ok(());
        }
        // A key whose last nonce is older than the widest window is stale (module rules).
        let quota = table.per_hotkey();
        table
            .insert(hotkey, key, nonce, now_ns, |last| *last <= horizon)
            .map_err(|refused| match refused {
                Refused::HotkeyQuotaFull => VerifyError::HotkeyQuotaFull { quota },
                Refused::TableFull => VerifyError::TableFull,
            })
    }

    /// Number of keys held.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Number of keys held for `hotkey`.
    pub fn keys_of(&self, hotkey: &str) -> usize {
        self.lock().entries_of(hotkey)
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FairTable<String, u64>> {
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
        let t = NonceTable::new(4, 4, 60.0, None);
        // The window applies whatever the caller's version (there is none here).
        assert!(matches!(
            t.check("h", "k", NOW - 17_000_000_000, 12.0, NOW),
            Err(VerifyError::TooOld { .. })
        ));
        t.check("h", "k", NOW - 1, 12.0, NOW).unwrap();
        t.commit("h", "k", NOW - 1, NOW).unwrap();
        assert_eq!(
            t.check("h", "k", NOW - 1, 12.0, NOW),
            Err(VerifyError::NotNewer)
        );
        assert_eq!(t.commit("h", "k", NOW - 1, NOW), Err(VerifyError::NotNewer));
        t.check("h", "k", NOW, 12.0, NOW).unwrap();
        // Future nonces pass like the reference.
        t.check("h", "k", NOW + 3_600_000_000_000, 12.0, NOW)
            .unwrap();
    }

    #[test]
    fn bounded_and_sweeps_only_stale_keys() {
        let t = NonceTable::new(2, 2, 10.0, None);
        t.commit("h", "a", NOW - 20_000_000_000, NOW - 20_000_000_000)
            .unwrap();
        t.commit("g", "b", NOW, NOW).unwrap();
        // "a" is stale (older than 4 + 10 s) and is swept for "c".
        t.commit("f", "c", NOW, NOW).unwrap();
        assert_eq!(t.len(), 2);
        // Both fresh now: a new key is refused rather than evicting one.
        assert_eq!(
            t.commit("e", "d", NOW + 200_000_000, NOW + 200_000_000),
            Err(VerifyError::TableFull)
        );
    }

    #[test]
    fn one_hotkey_fills_only_its_own_quota() {
        let t = NonceTable::new(8, 3, 10.0, None);
        t.commit("victim", "v", NOW, NOW).unwrap();
        for i in 0..3 {
            t.commit("greedy", &format!("u{i}"), NOW, NOW).unwrap();
        }
        for i in 3..100 {
            assert_eq!(
                t.commit("greedy", &format!("u{i}"), NOW, NOW),
                Err(VerifyError::HotkeyQuotaFull { quota: 3 })
            );
        }
        assert_eq!((t.keys_of("greedy"), t.len()), (3, 4));
        // The victim's key is still there (its replay is refused) and it can add keys.
        assert_eq!(
            t.commit("victim", "v", NOW, NOW),
            Err(VerifyError::NotNewer)
        );
        t.commit("victim", "w", NOW, NOW).unwrap();
        // Once the greedy keys are stale, they make room for its new ones.
        let later = NOW + 15_000_000_000;
        t.commit("greedy", "fresh", later, later).unwrap();
        assert_eq!(t.keys_of("greedy"), 1);
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn future_skew_bound() {
        let t = NonceTable::new(4, 4, 60.0, Some(2.0));
        assert!(matches!(
            t.check("h", "k", NOW + 3_000_000_000, 12.0, NOW),
            Err(VerifyError::TooFarAhead { .. })
        ));
        t.check("h", "k", NOW + 1_000_000_000, 12.0, NOW).unwrap();
    }
}
