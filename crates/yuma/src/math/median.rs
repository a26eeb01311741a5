//! The stake-weighted column median (step 6 of the epoch, consensus): for every column the
//! smallest value whose cumulative stake exceeds `ΣS − κ`.
//!
//! Three implementations of one definition: [`weighted_median_cols`] (entries packed into
//! `u64` keys, gathered in cache-sized column blocks, column ranges on several threads),
//! [`weighted_median_pairs`] (plain (value, stake) pairs, the fallback for values the keys
//! cannot hold) and the quickselects under them. Rules: every partial stake sum is exact
//! (no rounding anywhere, only saturating additions of non-negative terms), so the result
//! depends only on each column's multiset of (value, stake) pairs — not on the layout, the
//! pivot, the block size or the thread count; the unit tests pin the versions against each
//! other and against a sorted scan.

#![deny(clippy::float_arithmetic)]

use super::scalar::{ZERO, normalize, sum};
use super::sparse::{Csr, split_mut};
use fixed::types::I32F32;

/// Stake-weighted median of every column at majority `kappa`.
///
/// Only rows with `stake_i > 0` take part; their stakes are renormalised to sum `S`, and a
/// row without an entry in column `j` counts as a weight of 0. With
/// `minority = S − kappa`, the result for a column is the smallest value `v` present in the
/// column whose cumulative stake `stake(w ≤ v) > minority`; if no value does, the largest
/// value; and 0 for an empty column set (no row with stake). This is exactly what the
/// reference's mid-pivot partition search returns (its partial sums are exact), computed
/// here per column from the non-zero entries only, so the cost is O(nnz) expected.
///
/// The result depends only on the multiset of (value, stake) pairs of a column (all sums
/// are exact), so the layout is free: entries are packed as `value << 16 | row` into one
/// `u64` per entry (values of a row-normalised matrix lie in [0, 1]) and gathered column by
/// column in blocks that stay in cache; any value outside [0, 2^47) falls back to
/// [`weighted_median_pairs`].
pub(crate) fn weighted_median_cols(
    stake: &[I32F32],
    weights: &Csr,
    n: usize,
    kappa: I32F32,
    plan: crate::par::Plan,
    bufs: &mut Vec<Vec<u64>>,
) -> Vec<I32F32> {
    weighted_median_blocked(stake, weights, n, kappa, 1 << 15, plan, bufs)
}

/// [`weighted_median_cols`] gathering about `block` entries at a time into a buffer, with
/// the columns split into up to `plan.blocks` ranges of about equal entries computed on
/// `plan.threads` threads (`bufs` holds one gather buffer per range). Every column's result depends
/// only on that column's entries, so the split does not change the output.
fn weighted_median_blocked(
    stake: &[I32F32],
    weights: &Csr,
    n: usize,
    kappa: I32F32,
    block: usize,
    plan: crate::par::Plan,
    bufs: &mut Vec<Vec<u64>>,
) -> Vec<I32F32> {
    let packable = (0..weights.rows()).all(|i| {
        weights
            .row(i)
            .1
            .iter()
            .all(|v| (0..1i64 << 47).contains(&v.to_bits()))
    });
    if !packable || n > usize::from(u16::MAX) {
        return weighted_median_pairs(stake, weights, n, kappa);
    }
    let mut median = vec![ZERO; n];
    // Staked rows: their index in `weights` and, at position k, their renormalised stake;
    // slot `rows` holds the implicit zeros' stake of the current column.
    let mut staked: Vec<usize> = Vec::new();
    let mut use_stake: Vec<I32F32> = Vec::new();
    for (i, s) in stake.iter().enumerate() {
        if *s > ZERO {
            staked.push(i);
            use_stake.push(*s);
        }
    }
    let rows = staked.len();
    if rows == 0 {
        return median;
    }
    normalize(&mut use_stake);
    let stake_sum = sum(&use_stake);
    let minority = stake_sum.saturating_sub(kappa);
    use_stake.push(ZERO);

    // Entries per column, counted over blocks of staked rows (exact integer sums).
    let row_blocks = crate::par::split(rows, plan.blocks, |k| {
        staked.get(k).map_or(0, |i| weights.range(*i).len())
    });
    let partial = crate::par::fork_join(plan.threads, row_blocks, |r| {
        let mut count = vec![0usize; n];
        for i in staked.get(r).unwrap_or(&[]) {
            for j in weights.row(*i).0 {
                if let Some(c) = count.get_mut(usize::from(*j)) {
                    *c += 1;
                }
            }
        }
        count
    });
    let mut partial = partial.into_iter();
    let mut count = partial.next().unwrap_or_default();
    for p in partial {
        for (c, x) in count.iter_mut().zip(p.iter()) {
            *c += *x;
        }
    }

    // Column ranges of about equal entries, one job each.
    let col_blocks = crate::par::split(n, plan.blocks, |j| count.get(j).copied().unwrap_or(0));
    if bufs.len() < col_blocks.len() {
        bufs.resize_with(col_blocks.len(), Vec::new);
    }
    let mut jobs = Vec::with_capacity(col_blocks.len());
    let mut rest: &mut [I32F32] = &mut median;
    for (cols, buf) in col_blocks.into_iter().zip(bufs.iter_mut()) {
        let (out, r) = split_mut(std::mem::take(&mut rest), cols.len());
        rest = r;
        jobs.push((cols, out, buf));
    }
    let setup = MedianSetup {
        staked: &staked,
        use_stake: &use_stake,
        count: &count,
        stake_sum,
        minority,
        block,
    };
    crate::par::fork_join(plan.threads, jobs, |(cols, out, buf)| {
        median_range(&setup, weights, cols, out, buf);
    });
    median
}

/// What every column range of [`weighted_median_blocked`] shares.
struct MedianSetup<'a> {
    staked: &'a [usize],
    /// Renormalised stake per staked row, plus a last slot for the implicit zeros.
    use_stake: &'a [I32F32],
    /// Explicit entries per column over the staked rows.
    count: &'a [usize],
    stake_sum: I32F32,
    minority: I32F32,
    block: usize,
}

/// The weighted medians of the columns `cols` into `median` (one entry per column).
fn median_range(
    setup: &MedianSetup<'_>,
    weights: &Csr,
    cols: std::ops::Range<usize>,
    median: &mut [I32F32],
    buf: &mut Vec<u64>,
) {
    let rows = setup.staked.len();
    let zero_slot = rows as u64;
    let mut use_stake = setup.use_stake.to_vec();
    let (c0, n) = (cols.start, cols.end);
    // Cursor into each staked row, over its entries in `cols`.
    let mut cursor: Vec<std::ops::Range<usize>> = setup
        .staked
        .iter()
        .map(|i| {
            let r = weights.range(*i);
            let row = weights.cols.get(r.clone()).unwrap_or(&[]);
            let lo = row.partition_point(|j| usize::from(*j) < c0);
            let hi = row.partition_point(|j| usize::from(*j) < n);
            r.start + lo..r.start + hi
        })
        .collect();
    let block_entries = rows.max(setup.block);
    let mut fill: Vec<usize> = Vec::new();
    let mut pos: Vec<usize> = Vec::new();
    let mut j0 = c0;
    while j0 < n {
        // The block [j0, j1) holds at least one column and about `block_entries` entries.
        let mut j1 = j0;
        let mut total = 0usize;
        fill.clear();
        while j1 < n && (j1 == j0 || total < block_entries) {
            fill.push(total);
            total += setup.count.get(j1).copied().unwrap_or(0) + 1;
            j1 += 1;
        }
        fill.push(total);
        // Every slot that is read below is written first (each column gets exactly its
        // counted entries, and its last slot is set before use), so stale contents from
        // an earlier block or call are harmless and the buffer is not cleared.
        if buf.len() < total {
            buf.resize(total, 0);
        }
        pos.clear();
        pos.extend_from_slice(&fill);
        for (k, cur) in cursor.iter_mut().enumerate() {
            while let Some(&j) = weights.cols.get(cur.start)
                && cur.start < cur.end
                && usize::from(j) < j1
            {
                let v = weights
                    .vals
                    .get(cur.start)
                    .map_or(0, |v| v.to_bits() as u64);
                if let Some(p) = pos.get_mut(usize::from(j) - j0)
                    && let Some(slot) = buf.get_mut(*p)
                {
                    *slot = (v << 16) | k as u64;
                    *p += 1;
                }
                cur.start += 1;
            }
        }
        for (c, out) in median.iter_mut().enumerate().take(j1 - c0).skip(j0 - c0) {
            let c = c + c0;
            let lo = fill.get(c - j0).copied().unwrap_or(0);
            let hi = fill.get(c - j0 + 1).copied().unwrap_or(lo);
            let Some(col) = buf.get_mut(lo..hi) else {
                continue;
            };
            let explicit = col.len().saturating_sub(1);
            let col: &mut [u64] = if explicit < rows {
                // Rows without an entry count as weight 0 with their whole stake.
                let mut zero_stake = setup.stake_sum;
                for key in col.iter().take(explicit) {
                    let s = use_stake.get((key & 0xFFFF) as usize).copied();
                    zero_stake = zero_stake.saturating_sub(s.unwrap_or(ZERO));
                }
                if let Some(z) = use_stake.last_mut() {
                    *z = zero_stake;
                }
                if let Some(last) = col.last_mut() {
                    *last = zero_slot;
                }
                col
            } else {
                match col.get_mut(..explicit) {
                    Some(c) => c,
                    None => continue,
                }
            };
            *out = weighted_quantile_packed(col, &use_stake, setup.minority);
        }
        j0 = j1;
    }
}

/// Buckets of [`weighted_quantile_packed`]'s stake histogram.
const BUCKETS: usize = 64;

/// [`weighted_quantile`] on packed `value << 16 | stake index` keys (the result is the
/// same: it depends only on the multiset of keys, and every partial stake sum is exact).
///
/// Columns of at least [`BUCKETS`] keys first take one histogram step: the value range
/// `[min, max]` is cut into [`BUCKETS`] buckets of equal power-of-two width
/// (`(v − min) >> shift`, monotone in `v`), the stake of every bucket is summed in one
/// pass, and the first bucket whose cumulative stake exceeds `minority` holds the answer
/// (every value in an earlier bucket has cumulative stake ≤ `minority`; if no bucket does,
/// the answer is the largest value, `max`, as in the reference). Only that bucket's keys
/// go on to the quickselect, starting from the stake below it. Three linear passes
/// (min/max, histogram, gathering the bucket) replace the quickselect's ≈ 2.4 partition
/// passes over the whole column plus its `==` passes; −41 M instructions (−7% of the
/// original-Yuma epoch) at 4096 uids / 256 validators. The bucket sums are plain adds, as in
/// the quickselect (see its comment: no partial sum of a column comes near i64's range).
fn weighted_quantile_packed(keys: &mut [u64], stakes: &[I32F32], minority: I32F32) -> I32F32 {
    let stake_of = |key: u64| stakes.get((key & 0xFFFF) as usize).copied().unwrap_or(ZERO);
    if keys.len() < BUCKETS {
        return quickselect_packed(keys, stakes, minority, ZERO);
    }
    let (mut lo, mut hi) = (u64::MAX, 0u64);
    for key in keys.iter() {
        lo = lo.min(key >> 16);
        hi = hi.max(key >> 16);
    }
    // The smallest shift with (hi − lo) >> shift < BUCKETS.
    let span = hi - lo;
    let shift = (u64::BITS - span.leading_zeros()).saturating_sub(BUCKETS.trailing_zeros());
    let bucket = |key: u64| (((key >> 16) - lo) >> shift) as usize;
    let mut hist = [0i64; BUCKETS];
    for key in keys.iter() {
        if let Some(h) = hist.get_mut(bucket(*key)) {
            *h = h.wrapping_add(stake_of(*key).to_bits());
        }
    }
    let mut below = 0i64;
    let mut chosen = None;
    for (b, h) in hist.iter().enumerate() {
        let upto = below.wrapping_add(*h);
        if I32F32::from_bits(upto) > minority {
            chosen = Some(b);
            break;
        }
        below = upto;
    }
    let Some(chosen) = chosen else {
        return I32F32::from_bits(hi as i64);
    };
    let mut k = 0usize;
    for i in 0..keys.len() {
        let Some(&key) = keys.get(i) else { break };
        if bucket(key) == chosen {
            keys.swap(k, i);
            k += 1;
        }
    }
    let window = keys.get_mut(..k).unwrap_or(&mut []);
    quickselect_packed(window, stakes, minority, I32F32::from_bits(below))
}

/// The quickselect of [`weighted_quantile_packed`], with branch-free partitions, over keys
/// whose values all lie above those with total stake `lo_sum` already passed.
fn quickselect_packed(
    keys: &mut [u64],
    stakes: &[I32F32],
    minority: I32F32,
    lo_sum: I32F32,
) -> I32F32 {
    let stake_of = |key: u64| stakes.get((key & 0xFFFF) as usize).copied().unwrap_or(ZERO);
    let mut lo_sum = lo_sum;
    let mut window: &mut [u64] = keys;
    loop {
        // Pivot: the median of three spread values (fewer passes than one value; any
        // value of the window gives the same result).
        let Some(mid) = window.get(window.len() / 2).map(|k| k >> 16) else {
            return ZERO;
        };
        let len = window.len();
        let at = |k: usize| window.get(k).map_or(mid, |x| x >> 16);
        let med3 = |a: u64, b: u64, c: u64| a.max(b).min(a.min(b).max(c));
        let pivot = if len >= 128 {
            let e = len / 8;
            med3(
                med3(at(0), at(e), at(2 * e)),
                med3(at(3 * e), mid, at(5 * e)),
                med3(at(6 * e), at(7 * e), at(len - 1)),
            )
        } else if len >= 16 {
            med3(at(len / 4), at(len * 3 / 4), mid)
        } else {
            mid
        };
        // Lomuto without branches: [< pivot | >= pivot]; also the stake and count of the
        // entries <= pivot.
        let len = window.len();
        // The sums are plain adds of the bits: every stake lies in [0, 1] (a share of the
        // normalised stakes) or is the implicit zeros' stake (at most their sum, < 2^16),
        // and one column holds at most 2^16 + 1 of them, so no partial sum comes near
        // i64's range and the saturating sums of the reference are these exact sums.
        let (mut lt, mut le) = (0usize, 0usize);
        let (mut s_lt, mut s_le) = (0i64, 0i64);
        for i in 0..len {
            let Some(&key) = window.get(i) else { break };
            let v = key >> 16;
            let s = stake_of(key).to_bits();
            let less = v < pivot;
            let at_most = v <= pivot;
            s_lt = s_lt.wrapping_add(s & -i64::from(less));
            s_le = s_le.wrapping_add(s & -i64::from(at_most));
            le += usize::from(at_most);
            window.swap(lt, i);
            lt += usize::from(less);
        }
        let cum_lt = lo_sum.saturating_add(I32F32::from_bits(s_lt));
        let cum_le = lo_sum.saturating_add(I32F32::from_bits(s_le));
        let pivot_fixed = I32F32::from_bits(pivot as i64);
        if cum_lt > minority {
            if lt == 0 {
                return pivot_fixed;
            }
            window = &mut window[..lt];
        } else if cum_le > minority || le == len {
            return pivot_fixed;
        } else {
            // [== pivot | > pivot] in the upper part; continue above the pivot.
            let upper = &mut window[lt..];
            let mut eq = 0usize;
            for i in 0..upper.len() {
                let Some(&key) = upper.get(i) else { break };
                let same = key >> 16 == pivot;
                upper.swap(eq, i);
                eq += usize::from(same);
            }
            lo_sum = cum_le;
            window = &mut upper[eq..];
        }
    }
}

/// [`weighted_median_cols`] on (value, stake) pairs, for any values: the fallback and the
/// plain version the packed one is tested against.
pub(crate) fn weighted_median_pairs(
    stake: &[I32F32],
    weights: &Csr,
    n: usize,
    kappa: I32F32,
) -> Vec<I32F32> {
    let mut use_stake: Vec<I32F32> = stake.iter().copied().filter(|s| *s > ZERO).collect();
    let rows_with_stake = use_stake.len();
    normalize(&mut use_stake);
    let stake_sum = sum(&use_stake);
    let minority = stake_sum.saturating_sub(kappa);
    let mut median = vec![ZERO; n];
    if rows_with_stake == 0 {
        return median;
    }
    // Transpose the rows with stake into one column-major buffer of (value, stake).
    let mut offsets = vec![0usize; n + 1];
    for (i, s) in stake.iter().enumerate() {
        if *s > ZERO {
            for j in weights.row(i).0 {
                if let Some(c) = offsets.get_mut(usize::from(*j) + 1) {
                    *c += 1;
                }
            }
        }
    }
    for j in 0..n {
        let prev = offsets.get(j).copied().unwrap_or(0);
        if let Some(c) = offsets.get_mut(j + 1) {
            *c += prev;
        }
    }
    // One extra slot per column for the implicit zeros.
    let total = offsets.get(n).copied().unwrap_or(0);
    let mut buf = vec![(ZERO, ZERO); total];
    let mut fill: Vec<usize> = offsets.iter().take(n).copied().collect();
    let mut k = 0usize;
    for (i, s) in stake.iter().enumerate() {
        if *s > ZERO {
            let sk = use_stake.get(k).copied().unwrap_or(ZERO);
            let (cols, vals) = weights.row(i);
            for (j, v) in cols.iter().zip(vals.iter()) {
                if let Some(f) = fill.get_mut(usize::from(*j))
                    && let Some(slot) = buf.get_mut(*f)
                {
                    *slot = (*v, sk);
                    *f += 1;
                }
            }
            k += 1;
        }
    }
    let mut col: Vec<(I32F32, I32F32)> = Vec::new();
    for (j, out) in median.iter_mut().enumerate() {
        let (lo, hi) = (
            offsets.get(j).copied().unwrap_or(0),
            offsets.get(j + 1).copied().unwrap_or(0),
        );
        col.clear();
        col.extend_from_slice(buf.get(lo..hi).unwrap_or(&[]));
        // Rows without an entry count as weight 0 with their whole stake.
        let explicit = col.len();
        let mut zero_stake = stake_sum;
        for (_, s) in col.iter() {
            zero_stake = zero_stake.saturating_sub(*s);
        }
        if explicit < rows_with_stake {
            col.push((ZERO, zero_stake));
        }
        *out = weighted_quantile(&mut col, minority);
    }
    median
}

/// The smallest value `v` among `entries` (value, stake) with `stake(value ≤ v) > minority`,
/// or the largest value if there is none; 0 for no entries. A deterministic three-way
/// quickselect (middle pivot): expected O(len), sums exact.
fn weighted_quantile(entries: &mut [(I32F32, I32F32)], minority: I32F32) -> I32F32 {
    let mut lo_sum = ZERO;
    let mut window: &mut [(I32F32, I32F32)] = entries;
    loop {
        let Some(pivot) = window.get(window.len() / 2).map(|e| e.0) else {
            return ZERO;
        };
        // Dutch national flag: [< pivot | == pivot | > pivot].
        let (mut lt, mut i, mut gt) = (0usize, 0usize, window.len());
        let (mut s_lt, mut s_eq) = (ZERO, ZERO);
        while i < gt {
            let (v, s) = window.get(i).copied().unwrap_or((ZERO, ZERO));
            if v < pivot {
                window.swap(lt, i);
                s_lt = s_lt.saturating_add(s);
                lt += 1;
                i += 1;
            } else if v > pivot {
                gt -= 1;
                window.swap(i, gt);
            } else {
                s_eq = s_eq.saturating_add(s);
                i += 1;
            }
        }
        let cum_lt = lo_sum.saturating_add(s_lt);
        let cum_le = cum_lt.saturating_add(s_eq);
        if cum_lt > minority {
            if lt == 0 {
                return pivot;
            }
            window = &mut window[..lt];
        } else if cum_le > minority || gt == window.len() {
            return pivot;
        } else {
            lo_sum = cum_le;
            window = &mut window[gt..];
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_arithmetic)]
mod tests {
    use super::*;
    use crate::math::scalar::u16_proportion;
    use crate::math::{f, xorshift};
    use crate::par::Plan;

    fn csr(rows: &[Vec<(u16, I32F32)>]) -> Csr {
        let mut m = Csr::with_capacity(rows.len(), 0);
        for r in rows {
            for (j, v) in r {
                m.push(*j, *v);
            }
            m.end_row();
        }
        m
    }

    #[test]
    fn packed_median_matches_the_pair_median() {
        let mut next = xorshift(777);
        for round in 0..300 {
            let n = (next() % 40) as usize + 1;
            let rows = (next() % 12) as usize + 1;
            let palette = next() % 3;
            let mut m = Csr::with_capacity(n, 0);
            let mut stake = Vec::new();
            for _ in 0..n.max(rows) {
                for j in 0..n {
                    if !next().is_multiple_of(3) {
                        let v = match palette {
                            0 => ((next() % 4) as i64) << 30,
                            1 => (next() % (1 << 32)) as i64,
                            _ => [0i64, 1 << 32, 12345][(next() % 3) as usize],
                        };
                        m.push(j as u16, I32F32::from_bits(v));
                    }
                }
                m.end_row();
                stake.push(match next() % 4 {
                    0 => ZERO,
                    1 => I32F32::from_bits(1),
                    _ => I32F32::from_bits((next() % (1 << 30)) as i64),
                });
            }
            let kappa = I32F32::from_bits((next() % (1 << 33)) as i64);
            let want = weighted_median_pairs(&stake, &m, n, kappa);
            assert_eq!(
                weighted_median_cols(&stake, &m, n, kappa, Plan::SEQUENTIAL, &mut Vec::new()),
                want
            );
            for block in [1, 3, 17] {
                for (threads, blocks) in [(1, 1), (1, 3), (2, 2), (3, 7)] {
                    let plan = Plan { threads, blocks };
                    let got =
                        weighted_median_blocked(&stake, &m, n, kappa, block, plan, &mut Vec::new());
                    assert_eq!(got, want, "round {round} block {block} blocks {blocks}");
                }
            }
        }
    }

    #[test]
    fn packed_quickselect_matches_a_sorted_scan() {
        let mut next = xorshift(31337);
        for round in 0..400 {
            let len = match round % 4 {
                0 => (next() % 16) as usize + 1,
                1 => (next() % 140) as usize + 1,
                _ => (next() % 700) as usize + 100,
            };
            let distinct = [3u64, 50, 1 << 32, 0][(next() % 4) as usize];
            let stakes: Vec<I32F32> = (0..len)
                .map(|_| I32F32::from_bits((next() % (1 << 26)) as i64))
                .collect();
            // distinct = 0: skewed values (a power of two plus a little), most of them in
            // the histogram's lowest buckets.
            let keys: Vec<u64> = (0..len as u64)
                .map(|k| {
                    let v = match distinct {
                        0 => (1u64 << (next() % 40)) + next() % 4,
                        d => next() % d,
                    };
                    (v << 16) | k
                })
                .collect();
            let total: i64 = stakes.iter().map(|s| s.to_bits()).sum();
            let minority = I32F32::from_bits((next() % (total as u64 + 2)) as i64 - 1);
            let mut sorted = keys.clone();
            sorted.sort_unstable();
            let mut want = I32F32::from_bits((sorted[len - 1] >> 16) as i64);
            let mut cum = ZERO;
            let mut i = 0;
            while i < len {
                let v = sorted[i] >> 16;
                while i < len && sorted[i] >> 16 == v {
                    cum += stakes[(sorted[i] & 0xFFFF) as usize];
                    i += 1;
                }
                if cum > minority {
                    want = I32F32::from_bits(v as i64);
                    break;
                }
            }
            let mut k = keys.clone();
            assert_eq!(
                weighted_quantile_packed(&mut k, &stakes, minority),
                want,
                "round {round}"
            );
        }
    }

    #[test]
    fn quickselect_matches_a_sorted_scan() {
        let mut x: u64 = 12345;
        for _ in 0..300 {
            let mut next = || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            };
            let len = (next() % 12) as usize + 1;
            let mut e: Vec<(I32F32, I32F32)> = (0..len)
                .map(|_| {
                    (
                        I32F32::from_bits(((next() % 5) as i64) << 30),
                        I32F32::from_bits(((next() % 100) as i64) << 24),
                    )
                })
                .collect();
            let minority = I32F32::from_bits(((next() % 8000) as i64) << 24) - I32F32::from_num(1);
            let mut sorted = e.clone();
            sorted.sort_by_key(|p| p.0);
            let mut cum = ZERO;
            let mut want = sorted.last().unwrap().0;
            let mut i = 0;
            while i < sorted.len() {
                let v = sorted[i].0;
                while i < sorted.len() && sorted[i].0 == v {
                    cum += sorted[i].1;
                    i += 1;
                }
                if cum > minority {
                    want = v;
                    break;
                }
            }
            assert_eq!(weighted_quantile(&mut e, minority), want);
        }
    }

    #[test]
    fn median_picks_the_kappa_quantile() {
        // Three validators with stake 0.5, 0.3, 0.2 on one column.
        let stake = vec![f(0.5), f(0.3), f(0.2)];
        let w = csr(&[vec![(0, f(0.1))], vec![(0, f(0.5))], vec![(0, f(0.9))]]);
        let c = weighted_median_cols(
            &stake,
            &w,
            1,
            u16_proportion(32767),
            Plan::SEQUENTIAL,
            &mut Vec::new(),
        );
        // stake(w <= 0.1) = 0.5 is not above minority = 1 - 0.49999; stake(w <= 0.5) is.
        assert_eq!(c[0], f(0.5));
        let c = weighted_median_cols(&stake, &w, 1, f(0.6), Plan::SEQUENTIAL, &mut Vec::new());
        assert_eq!(c[0], f(0.1));
        let c = weighted_median_cols(&stake, &w, 1, ZERO, Plan::SEQUENTIAL, &mut Vec::new());
        assert_eq!(c[0], f(0.9));
    }
}
