//! Deterministic fork–join for the epoch's per-row and per-column stages.
//!
//! A stage splits its rows (or columns) into consecutive blocks, runs one job per block —
//! the first on the calling thread, the others on scoped threads — and gets the jobs'
//! results back **in block order**. Every job writes only its own rows (disjoint output
//! slices); what jobs share is combined by the caller in block order, and only with
//! operations whose result does not depend on the grouping (exact integer sums, maxima, and
//! saturating sums of non-negative terms, see `epoch`). So the output is the same for every
//! thread count and every split, bit for bit; the thread count only changes the speed.

use fixed::types::I32F32;
use std::num::NonZeroUsize;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

/// How many threads one epoch may use ([`crate::EpochScratch::with_parallelism`]). The
/// output never depends on it: every choice gives the same bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Parallelism {
    /// Everything on the calling thread; no thread is ever spawned.
    Sequential,
    /// The machine's available parallelism (`std::thread::available_parallelism`, read
    /// once per process, at most 16), used only for epochs large enough to gain from it
    /// (about 32 k weight and bond entries per thread); smaller epochs run sequentially.
    #[default]
    Auto,
    /// This many threads (the calling one included), whatever the epoch's size: for tests
    /// and for callers that manage their own cores.
    Threads(NonZeroUsize),
}

/// How one epoch runs its stages: on `threads` threads, each stage cut into `blocks`
/// blocks (several per thread, so that a delayed thread holds up little).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Plan {
    pub threads: usize,
    pub blocks: usize,
}

impl Plan {
    /// Everything as one block on the calling thread.
    #[cfg(test)]
    pub(crate) const SEQUENTIAL: Self = Self {
        threads: 1,
        blocks: 1,
    };
}

/// Weight and bond entries per thread below which [`Parallelism::Auto`] adds no thread.
const AUTO_ENTRIES_PER_THREAD: usize = 1 << 15;
/// The most threads [`Parallelism::Auto`] uses.
const AUTO_MAX_THREADS: usize = 16;
/// Blocks per thread in a parallel stage.
const BLOCKS_PER_THREAD: usize = 4;

impl Parallelism {
    /// The plan of an epoch with `entries` weight and bond entries.
    pub(crate) fn plan(self, entries: usize) -> Plan {
        let threads = match self {
            Self::Sequential => 1,
            Self::Threads(t) => t.get(),
            Self::Auto => {
                static AVAILABLE: OnceLock<usize> = OnceLock::new();
                let available = *AVAILABLE.get_or_init(|| {
                    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
                });
                available
                    .min(AUTO_MAX_THREADS)
                    .min(entries / AUTO_ENTRIES_PER_THREAD)
                    .max(1)
            }
        };
        Plan {
            threads,
            blocks: if threads > 1 {
                threads.saturating_mul(BLOCKS_PER_THREAD)
            } else {
                1
            },
        }
    }
}

/// Split `0..len` into at most `parts` consecutive, non-empty ranges of about equal total
/// `cost(i) + 1` (one range when `len` is 0 or `parts` is 1).
pub(crate) fn split(len: usize, parts: usize, cost: impl Fn(usize) -> usize) -> Vec<Range<usize>> {
    let parts = parts.min(len).max(1);
    if parts == 1 {
        return std::iter::once(0..len).collect();
    }
    let total: usize = (0..len).fold(0usize, |acc, i| {
        acc.saturating_add(cost(i)).saturating_add(1)
    });
    let mut out = Vec::with_capacity(parts);
    let (mut start, mut acc) = (0usize, 0usize);
    for i in 0..len {
        acc = acc.saturating_add(cost(i)).saturating_add(1);
        // Close block k (1-based) once the running cost reaches k/parts of the total.
        let k = out.len() + 1;
        let target = u128::from(total as u64) * k as u128 / parts as u128;
        // Leave at least one index for each later block.
        if k < parts && u128::from(acc as u64) >= target && len - (i + 1) >= parts - k {
            out.push(start..i + 1);
            start = i + 1;
        }
    }
    out.push(start..len);
    out
}

/// Run `f` on every job on up to `threads` threads (the calling thread and `threads − 1`
/// scoped ones) and return the results in job order. Threads take the next unstarted job
/// until none is left, so a thread that the OS delays holds up at most the job it is on.
/// A thread that cannot be spawned is simply missing (the others run its share); a
/// panicking job (a bug: the epoch never panics) re-raises its panic here, as the
/// sequential code would have.
pub(crate) fn fork_join<T: Send, R: Send>(
    threads: usize,
    jobs: Vec<T>,
    f: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    let workers = threads.min(jobs.len());
    if workers <= 1 {
        return jobs.into_iter().map(f).collect();
    }
    let jobs: Vec<Mutex<Option<T>>> = jobs.into_iter().map(|j| Mutex::new(Some(j))).collect();
    let results: Vec<Mutex<Option<R>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let work = || {
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            let Some(job) = jobs.get(k) else { break };
            let job = job.lock().unwrap_or_else(PoisonError::into_inner).take();
            if let (Some(job), Some(slot)) = (job, results.get(k)) {
                let r = f(job);
                *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(r);
            }
        }
    };
    std::thread::scope(|s| {
        let work = &work;
        let handles: Vec<_> = (1..workers)
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(s, work).ok())
            .collect();
        work();
        for h in handles {
            if let Err(payload) = h.join() {
                std::panic::resume_unwind(payload);
            }
        }
    });
    results
        .into_iter()
        .filter_map(|m| m.into_inner().unwrap_or_else(PoisonError::into_inner))
        .collect()
}

/// `x` cut into the consecutive pieces `ranges` (see [`split`]); a range that does not fit
/// gets an empty piece.
pub(crate) fn chunks_mut<'a, T>(mut x: &'a mut [T], ranges: &[Range<usize>]) -> Vec<&'a mut [T]> {
    let mut out = Vec::with_capacity(ranges.len());
    for r in ranges {
        let k = r.len().min(x.len());
        let (head, tail) = std::mem::take(&mut x).split_at_mut(k);
        out.push(head);
        x = tail;
    }
    out
}

/// `acc[j] = acc[j].saturating_add(x[j])` for the common length. Used to combine the
/// per-block column sums of terms that are all ≥ 0: such saturating sums are
/// `min(exact sum, MAX)` in any grouping and order, so this gives the sequential bits.
pub(crate) fn add_non_negative(acc: &mut [I32F32], x: &[I32F32]) {
    for (a, v) in acc.iter_mut().zip(x.iter()) {
        *a = a.saturating_add(*v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_covers_everything_in_order() {
        for len in 0..40usize {
            for parts in 1..8usize {
                let r = split(len, parts, |i| (i * 7919) % 13);
                assert!(r.len() <= parts.max(1));
                let mut next = 0;
                for x in &r {
                    assert_eq!(x.start, next);
                    assert!(len == 0 || x.start < x.end);
                    next = x.end;
                }
                assert_eq!(next, len);
            }
        }
    }

    #[test]
    fn fork_join_keeps_job_order() {
        let jobs: Vec<usize> = (0..9).collect();
        for threads in 1..5 {
            let got = fork_join(threads, jobs.clone(), |x| x * x);
            assert_eq!(got, vec![0, 1, 4, 9, 16, 25, 36, 49, 64]);
            assert_eq!(
                fork_join(threads, Vec::<u8>::new(), |x| x),
                Vec::<u8>::new()
            );
        }
    }
}
