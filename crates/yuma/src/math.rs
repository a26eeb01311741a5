//! Fixed-point building blocks of the epoch, each with the exact rounding of subtensor's
//! `epoch/math` (substrate-fixed semantics, which `fixed` 1.29 shares for the operations
//! used here):
//!
//! * addition and subtraction are exact (saturating at the type bounds);
//! * multiplication is `(a·b) >> frac` with an arithmetic shift, i.e. floor (toward −∞);
//! * division is `(a << frac) / b` with integer division, i.e. truncation toward zero, and a
//!   "safe" division returns 0 on a zero divisor or on overflow;
//! * fixed→fixed and fixed→integer conversions discard low bits (floor), saturating.
//!
//! Sparse matrices are [`Csr`]: one row per uid, columns sorted, no duplicates.

#![deny(clippy::float_arithmetic)]

use fixed::types::{I32F32, I64F64};

pub(crate) const ZERO: I32F32 = I32F32::ZERO;
pub(crate) const ONE: I32F32 = I32F32::ONE;
/// 0.5 in I32F32 (exact).
const HALF: I32F32 = I32F32::from_bits(1 << 31);
/// e truncated to 23 fractional bits, as substrate-fixed's `transcendental::E` (an I9F23).
const E_I9F23_BITS: i64 = 22_802_600;

/// `a.saturating_mul(b)`, bit for bit: the exact product `a·b` of the bits (one signed
/// 64×64→128-bit multiply; `fixed` multiplies in 128×128 bits), floored by an arithmetic
/// shift of the 32 fractional bits, saturated to the I32F32 range by the product's sign.
#[inline]
pub(crate) fn smul(a: I32F32, b: I32F32) -> I32F32 {
    // |a·b| ≤ 2^126 fits i128 exactly.
    let q = (i128::from(a.to_bits()) * i128::from(b.to_bits())) >> 32;
    I32F32::from_bits(i64::try_from(q).unwrap_or(if q < 0 { i64::MIN } else { i64::MAX }))
}

/// `a / b`, or 0 when `b == 0` or the quotient overflows (subtensor's `safe_div`).
#[inline]
pub(crate) fn safe_div(a: I32F32, b: I32F32) -> I32F32 {
    div(a, b).unwrap_or(ZERO)
}

/// `a / b` truncated toward zero, `None` on a zero divisor or overflow: exactly
/// `I32F32::checked_div`, with 64-bit fast paths for the common non-negative cases (the
/// generic path divides in 128 bits).
#[inline]
pub(crate) fn div(a: I32F32, b: I32F32) -> Option<I32F32> {
    let (ab, bb) = (a.to_bits(), b.to_bits());
    if ab >= 0 && bb > 0 {
        let (au, bu) = (ab as u64, bb as u64);
        if au >> 32 == 0 {
            // (a << 32) fits in u64: the quotient is ((a << 32) / b), truncated.
            let q = (au << 32) / bu;
            return i64::try_from(q).ok().map(I32F32::from_bits);
        }
        if bu & 0xFFFF_FFFF == 0 {
            // Integer divisor k: (a << 32) / (k << 32) == a / k.
            let q = au / (bu >> 32);
            return i64::try_from(q).ok().map(I32F32::from_bits);
        }
        if au == 1 << 32 {
            // 1 / b = 2^64 / b = (2^64 − 1) / b, plus one when b divides 2^64; the quotients
            // 2^64 (b = 1) and 2^63 (b = 2) overflow and give None as they must.
            let q = (u64::MAX / bu).checked_add(u64::from(bu.is_power_of_two()))?;
            return i64::try_from(q).ok().map(I32F32::from_bits);
        }
    }
    a.checked_div(b)
}

/// `n / d` (truncating) from a precomputed `m = (2^64 − 1) / d`: the estimate
/// `⌊n·m / 2^64⌋` is `⌊n/d⌋` or one less (as `m > 2^64/d − 1`), and the remainder fixes it.
#[inline]
fn div_by_recip(n: u64, d: u64, m: u64) -> u64 {
    let q = ((u128::from(n) * u128::from(m)) >> 64) as u64;
    let r = n.wrapping_sub(q.wrapping_mul(d));
    if r >= d { q.wrapping_add(1) } else { q }
}

/// [`safe_div`] by one divisor many times: exactly `safe_div(a, b)` for every `a`, with the
/// hardware division replaced by a multiplication with a precomputed reciprocal on the
/// fast paths of [`div`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct DivBy {
    b: I32F32,
    /// `b`'s bits when `b > 0`, else 0 (no fast path).
    bu: u64,
    m: u64,
    /// `b`'s integer part when `b > 0` is an integer, else 0.
    k: u64,
    mk: u64,
}

impl DivBy {
    pub(crate) fn new(b: I32F32) -> Self {
        let bb = b.to_bits();
        if bb <= 0 {
            return Self {
                b,
                bu: 0,
                m: 0,
                k: 0,
                mk: 0,
            };
        }
        let bu = bb as u64;
        let k = if bu & 0xFFFF_FFFF == 0 { bu >> 32 } else { 0 };
        Self {
            b,
            bu,
            m: u64::MAX / bu,
            k,
            mk: u64::MAX.checked_div(k).unwrap_or(0),
        }
    }

    /// `safe_div(a, b)`.
    #[inline]
    pub(crate) fn div(&self, a: I32F32) -> I32F32 {
        let ab = a.to_bits();
        if ab >= 0 && self.bu != 0 {
            let au = ab as u64;
            if au >> 32 == 0 {
                let q = div_by_recip(au << 32, self.bu, self.m);
                return i64::try_from(q).map(I32F32::from_bits).unwrap_or(ZERO);
            }
            if self.k != 0 {
                let q = div_by_recip(au, self.k, self.mk);
                return i64::try_from(q).map(I32F32::from_bits).unwrap_or(ZERO);
            }
        }
        safe_div(a, self.b)
    }
}

/// `a / b` in I64F64, or 0 when `b == 0` or the quotient overflows.
#[inline]
pub(crate) fn safe_div64(a: I64F64, b: I64F64) -> I64F64 {
    a.checked_div(b).unwrap_or(I64F64::ZERO)
}

/// `x / 65535` for a u16 proportion.
#[inline]
pub(crate) fn u16_proportion(x: u16) -> I32F32 {
    // safe_div(x, 65535) takes div's integer-divisor path ((x << 32) / 65535, or 0 for
    // x = 0); written out so the constant divisor compiles to a multiplication.
    I32F32::from_bits((i64::from(x) << 32) / 65535)
}

/// floor(x · 65535), saturating into `0..=65535` (subtensor's `fixed_proportion_to_u16`).
#[inline]
pub(crate) fn to_u16_proportion(x: I32F32) -> u16 {
    smul(x, I32F32::from_num(u16::MAX)).saturating_to_num::<u16>()
}

/// Saturating sum.
#[inline]
pub(crate) fn sum(x: &[I32F32]) -> I32F32 {
    x.iter().fold(ZERO, |acc, v| acc.saturating_add(*v))
}

/// Normalise a vector to sum 1 in place; left unchanged when it sums to 0.
pub(crate) fn normalize(x: &mut [I32F32]) {
    let total = sum(x);
    if total == ZERO {
        return;
    }
    for v in x.iter_mut() {
        *v = safe_div(*v, total);
    }
}

/// Divide every entry by `total`; left unchanged when `total` is 0.
pub(crate) fn normalize_with_sum(x: &mut [I32F32], total: I32F32) {
    if total == ZERO {
        return;
    }
    for v in x.iter_mut() {
        *v = safe_div(*v, total);
    }
}

/// A sparse matrix in compressed rows with room to spare: row `i` owns the slots
/// `starts[i]..starts[i + 1]` of `cols` / `vals` and holds entries in
/// `starts[i]..ends[i]`, columns strictly increasing within a row. Rows laid out in advance
/// ([`Csr::layout`]) can be written concurrently ([`Csr::rows_mut`]); rows built one after
/// the other (`push` / `end_row` / `append_row`, in tests) leave no gaps. Slots past a
/// row's end hold stale values that are never read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Csr {
    pub starts: Vec<usize>,
    pub ends: Vec<usize>,
    pub cols: Vec<u16>,
    pub vals: Vec<I32F32>,
}

impl Csr {
    /// An empty matrix with room for `rows` rows and `nnz` entries.
    #[cfg(test)]
    pub(crate) fn with_capacity(rows: usize, nnz: usize) -> Self {
        let mut starts = Vec::with_capacity(rows + 1);
        starts.push(0);
        Self {
            starts,
            ends: Vec::with_capacity(rows),
            cols: Vec::with_capacity(nnz),
            vals: Vec::with_capacity(nnz),
        }
    }

    /// Lay out one (empty) row per item of `caps`, with room for that many entries, keeping
    /// the allocations. Only slots beyond the previous length are initialised.
    pub(crate) fn layout(&mut self, caps: impl Iterator<Item = usize>) {
        self.starts.clear();
        self.starts.push(0);
        let mut total = 0usize;
        for c in caps {
            total = total.saturating_add(c);
            self.starts.push(total);
        }
        self.ends.clear();
        self.ends
            .extend_from_slice(self.starts.get(..self.starts.len() - 1).unwrap_or(&[]));
        self.cols.resize(total, 0);
        self.vals.resize(total, ZERO);
    }

    /// The number of rows.
    #[inline]
    pub(crate) fn rows(&self) -> usize {
        self.ends.len()
    }

    /// Append an entry to the current (last, open) row.
    #[cfg(test)]
    pub(crate) fn push(&mut self, j: u16, v: I32F32) {
        self.cols.push(j);
        self.vals.push(v);
    }

    /// Close the current row.
    #[cfg(test)]
    pub(crate) fn end_row(&mut self) {
        self.ends.push(self.cols.len());
        self.starts.push(self.cols.len());
    }

    /// The entry range of row `i` (empty when out of range).
    #[inline]
    pub(crate) fn range(&self, i: usize) -> std::ops::Range<usize> {
        let lo = self.starts.get(i).copied().unwrap_or(0);
        let hi = self.ends.get(i).copied().unwrap_or(lo);
        lo..hi.max(lo)
    }

    /// Row `i` as (columns, values).
    #[inline]
    pub(crate) fn row(&self, i: usize) -> (&[u16], &[I32F32]) {
        let r = self.range(i);
        (
            self.cols.get(r.clone()).unwrap_or(&[]),
            self.vals.get(r).unwrap_or(&[]),
        )
    }

    /// Append one row of at most `cap` entries written by `f`, without per-entry capacity
    /// checks.
    #[cfg(test)]
    pub(crate) fn append_row(&mut self, cap: usize, f: impl FnOnce(&mut RowOut<'_>)) {
        let start = self.cols.len();
        self.cols.resize(start + cap, 0);
        self.vals.resize(start + cap, ZERO);
        let mut out = RowOut {
            cols: self.cols.get_mut(start..).unwrap_or(&mut []),
            vals: self.vals.get_mut(start..).unwrap_or(&mut []),
            k: 0,
        };
        f(&mut out);
        let end = start + out.k;
        self.cols.truncate(end);
        self.vals.truncate(end);
        self.end_row();
    }

    /// Disjoint writable views of the row blocks `ranges` (consecutive, in order, within
    /// `0..rows()`), for filling or rewriting laid-out rows concurrently. A range that does
    /// not fit gets an empty view.
    pub(crate) fn rows_mut(&mut self, ranges: &[std::ops::Range<usize>]) -> Vec<RowsMut<'_>> {
        let Self {
            starts,
            ends,
            cols,
            vals,
        } = self;
        let starts: &[usize] = starts;
        let mut ends: &mut [usize] = ends;
        let mut cols: &mut [u16] = cols;
        let mut vals: &mut [I32F32] = vals;
        let mut row0 = 0usize;
        let mut base = 0usize;
        let mut out = Vec::with_capacity(ranges.len());
        for r in ranges {
            let ok = r.start == row0 && r.start <= r.end && r.end <= ends.len() + row0;
            let (rows, hi) = if ok {
                (r.clone(), starts.get(r.end).copied().unwrap_or(base))
            } else {
                (row0..row0, base)
            };
            let slots = hi.saturating_sub(base).min(cols.len()).min(vals.len());
            let (e, e_rest) = split_mut(std::mem::take(&mut ends), rows.len());
            let (c, c_rest) = split_mut(std::mem::take(&mut cols), slots);
            let (v, v_rest) = split_mut(std::mem::take(&mut vals), slots);
            out.push(RowsMut {
                rows: rows.clone(),
                base,
                starts,
                ends: e,
                cols: c,
                vals: v,
            });
            (ends, cols, vals) = (e_rest, c_rest, v_rest);
            row0 = rows.end;
            base += slots;
        }
        out
    }
}

/// `x.split_at_mut(k)`, or everything in the second part when `k` is out of range.
fn split_mut<T>(x: &mut [T], k: usize) -> (&mut [T], &mut [T]) {
    if k <= x.len() {
        x.split_at_mut(k)
    } else {
        (&mut [], x)
    }
}

/// A block of consecutive rows of a laid-out [`Csr`], writable independently of the others
/// (see [`Csr::rows_mut`]).
#[derive(Debug)]
pub(crate) struct RowsMut<'a> {
    rows: std::ops::Range<usize>,
    /// Slot index of `cols[0]` in the whole matrix.
    base: usize,
    starts: &'a [usize],
    ends: &'a mut [usize],
    cols: &'a mut [u16],
    vals: &'a mut [I32F32],
}

impl RowsMut<'_> {
    /// The rows of this block.
    pub(crate) fn rows(&self) -> std::ops::Range<usize> {
        self.rows.clone()
    }

    /// The slot range of row `i` relative to this block (empty when not in the block).
    #[inline]
    fn slots(&self, i: usize) -> std::ops::Range<usize> {
        if !self.rows.contains(&i) {
            return 0..0;
        }
        let lo = self
            .starts
            .get(i)
            .map_or(0, |s| s.saturating_sub(self.base));
        let hi = self
            .starts
            .get(i + 1)
            .map_or(lo, |s| s.saturating_sub(self.base));
        lo..hi.max(lo)
    }

    /// (Re)write row `i` (in this block) with at most its laid-out capacity of entries.
    #[inline]
    pub(crate) fn fill_row(&mut self, i: usize, f: impl FnOnce(&mut RowOut<'_>)) {
        let s = self.slots(i);
        let mut out = RowOut {
            cols: self.cols.get_mut(s.clone()).unwrap_or(&mut []),
            vals: self.vals.get_mut(s.clone()).unwrap_or(&mut []),
            k: 0,
        };
        f(&mut out);
        let k = out.k;
        if let Some(e) = self.ends.get_mut(i.wrapping_sub(self.rows.start)) {
            *e = self.base + s.start + k;
        }
    }

    /// The slots of row `i` that [`RowsMut::fill_row`] wrote.
    #[inline]
    fn filled(&self, i: usize) -> std::ops::Range<usize> {
        let s = self.slots(i);
        let len = self
            .ends
            .get(i.wrapping_sub(self.rows.start))
            .map_or(0, |e| e.saturating_sub(self.base + s.start))
            .min(s.len());
        s.start..s.start + len
    }

    /// Row `i`'s entries.
    #[inline]
    pub(crate) fn row(&self, i: usize) -> (&[u16], &[I32F32]) {
        let r = self.filled(i);
        (
            self.cols.get(r.clone()).unwrap_or(&[]),
            self.vals.get(r).unwrap_or(&[]),
        )
    }

    /// Row `i`'s entries (written by [`RowsMut::fill_row`]), values writable.
    #[inline]
    pub(crate) fn row_mut(&mut self, i: usize) -> (&[u16], &mut [I32F32]) {
        let r = self.filled(i);
        (
            self.cols.get(r.clone()).unwrap_or(&[]),
            self.vals.get_mut(r).unwrap_or(&mut []),
        )
    }
}

/// One reusable row buffer (the scratch rows of the epoch's per-row passes).
#[derive(Clone, Debug, Default)]
pub(crate) struct RowBuf {
    cols: Vec<u16>,
    vals: Vec<I32F32>,
    len: usize,
}

impl RowBuf {
    /// Replace the row with at most `cap` entries written by `f`.
    #[inline]
    pub(crate) fn fill(&mut self, cap: usize, f: impl FnOnce(&mut RowOut<'_>)) {
        if self.cols.len() < cap {
            self.cols.resize(cap, 0);
        }
        if self.vals.len() < cap {
            self.vals.resize(cap, ZERO);
        }
        let mut out = RowOut {
            cols: self.cols.get_mut(..cap).unwrap_or(&mut []),
            vals: self.vals.get_mut(..cap).unwrap_or(&mut []),
            k: 0,
        };
        f(&mut out);
        self.len = out.k;
    }

    /// Replace the row with a copy of `(cols, vals)` (truncated to the shorter).
    #[inline]
    pub(crate) fn copy_from(&mut self, (cols, vals): (&[u16], &[I32F32])) {
        let k = cols.len().min(vals.len());
        if self.cols.len() < k {
            self.cols.resize(k, 0);
        }
        if self.vals.len() < k {
            self.vals.resize(k, ZERO);
        }
        if let (Some(c), Some(v), Some(sc), Some(sv)) = (
            self.cols.get_mut(..k),
            self.vals.get_mut(..k),
            cols.get(..k),
            vals.get(..k),
        ) {
            c.copy_from_slice(sc);
            v.copy_from_slice(sv);
            self.len = k;
        } else {
            self.len = 0;
        }
    }

    /// The row as (columns, values).
    #[inline]
    pub(crate) fn row(&self) -> (&[u16], &[I32F32]) {
        (
            self.cols.get(..self.len).unwrap_or(&[]),
            self.vals.get(..self.len).unwrap_or(&[]),
        )
    }

    /// The row with writable values.
    #[inline]
    pub(crate) fn row_mut(&mut self) -> (&[u16], &mut [I32F32]) {
        (
            self.cols.get(..self.len).unwrap_or(&[]),
            self.vals.get_mut(..self.len).unwrap_or(&mut []),
        )
    }
}

/// The entries of one row being written by [`Csr::append_row`], [`RowsMut::fill_row`] or
/// [`RowBuf::fill`].
pub(crate) struct RowOut<'a> {
    cols: &'a mut [u16],
    vals: &'a mut [I32F32],
    k: usize,
}

impl RowOut<'_> {
    /// Append an entry (dropped beyond the row's capacity, which callers size exactly).
    #[inline]
    pub(crate) fn push(&mut self, j: u16, v: I32F32) {
        if let (Some(c), Some(x)) = (self.cols.get_mut(self.k), self.vals.get_mut(self.k)) {
            *c = j;
            *x = v;
            self.k += 1;
        }
    }
}

/// Merge two sorted rows column by column: `f(j, new, old)` for every column in either
/// row, with 0 for a missing side.
#[inline]
pub(crate) fn merge_rows(
    (cn, vn): (&[u16], &[I32F32]),
    (co, vo): (&[u16], &[I32F32]),
    mut f: impl FnMut(u16, I32F32, I32F32),
) {
    if cn == co {
        for ((j, a), b) in cn.iter().zip(vn.iter()).zip(vo.iter()) {
            f(*j, *a, *b);
        }
        return;
    }
    let (mut a, mut b) = (0usize, 0usize);
    loop {
        let ea = cn.get(a).zip(vn.get(a));
        let eb = co.get(b).zip(vo.get(b));
        match (ea, eb) {
            (None, None) => break,
            (Some((j, v)), None) => {
                a += 1;
                f(*j, *v, ZERO);
            }
            (None, Some((j, v))) => {
                b += 1;
                f(*j, ZERO, *v);
            }
            (Some((ja, va)), Some((jb, vb))) => {
                if ja < jb {
                    a += 1;
                    f(*ja, *va, ZERO);
                } else if jb < ja {
                    b += 1;
                    f(*jb, ZERO, *vb);
                } else {
                    a += 1;
                    b += 1;
                    f(*ja, *va, *vb);
                }
            }
        }
    }
}

/// One row of `A + ratio·(B − A)` over the union of entries, keeping strictly positive
/// results (`ratio == 0` and `ratio == 1` are the caller's: they use `A` or `B` as is).
pub(crate) fn interpolate_row(
    a: (&[u16], &[I32F32]),
    b: (&[u16], &[I32F32]),
    ratio: I32F32,
    out: &mut RowOut<'_>,
) {
    merge_rows(a, b, |j, v1, v2| {
        let interp = v1.saturating_add(smul(ratio, v2.saturating_sub(v1)));
        if interp > ZERO {
            out.push(j, interp);
        }
    });
}

/// One row of the scalar EMA `alpha·new + (1 − alpha)·old` over the union of entries,
/// keeping values > 0 and adding them to `col_sum`.
pub(crate) fn ema_row(
    new: (&[u16], &[I32F32]),
    old: (&[u16], &[I32F32]),
    alpha: I32F32,
    out: &mut RowOut<'_>,
    col_sum: &mut [I32F32],
) {
    let one_minus_alpha = ONE.saturating_sub(alpha);
    merge_rows(new, old, |j, vn, vo| {
        let val = smul(alpha, vn).saturating_add(smul(one_minus_alpha, vo));
        if val > ZERO {
            out.push(j, val);
            if let Some(s) = col_sum.get_mut(usize::from(j)) {
                *s = s.saturating_add(val);
            }
        }
    });
}

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

/// [`weighted_quantile`] on packed `value << 16 | stake index` keys, with branch-free
/// partitions (the result is the same: it depends only on the multiset of keys, and every
/// partial stake sum is exact).
fn weighted_quantile_packed(keys: &mut [u64], stakes: &[I32F32], minority: I32F32) -> I32F32 {
    let stake_of = |key: u64| stakes.get((key & 0xFFFF) as usize).copied().unwrap_or(ZERO);
    let mut lo_sum = ZERO;
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

/// Liquid-alpha parameters in fixed point.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LiquidAlphaFixed {
    pub low: I32F32,
    pub high: I32F32,
    /// `steepness / −100` (the reference divides per entry; the quotient is the same).
    pub neg_rate: I32F32,
}

impl LiquidAlphaFixed {
    /// From the u16 bounds and the i16 steepness.
    pub(crate) fn new(alpha_low: u16, alpha_high: u16, steepness: i16) -> Self {
        Self {
            low: u16_proportion(alpha_low),
            high: u16_proportion(alpha_high),
            neg_rate: I32F32::from_num(steepness).saturating_div(I32F32::from_num(-100)),
        }
    }
}

/// One row of the per-entry EMA of the sparse reference path (`mat_ema_alpha_sparse`),
/// adding the kept values to `col_sum`: only columns present
/// in the new (weight) row are emitted — a bond toward an omitted uid disappears — with
/// `min(1, (1 − α_ij)·b_ij + max(0, α_ij·w_ij))` kept when > 0, and α_ij from
/// `liquid_alpha_sigmoid` at (C_j, w_ij, b_ij).
///
/// Computed in three passes over the row so that the `exp` chains of [`EXP_LANES`]
/// entries run interleaved ([`exp_safe_lanes`], the same operations per entry); `tmp`
/// is scratch space.
pub(crate) fn ema_liquid_row(
    (cn, vn): (&[u16], &[I32F32]),
    (co, vo): (&[u16], &[I32F32]),
    consensus: &[I32F32],
    la: LiquidAlphaFixed,
    out: &mut RowOut<'_>,
    col_sum: &mut [I32F32],
    tmp: &mut LiquidScratch,
) {
    // Pass 1: the stored bond of every entry (or none) and the sigmoid's exp argument.
    tmp.bond.clear();
    tmp.x.clear();
    let mut b = 0usize;
    for (j, w) in cn.iter().zip(vn.iter()) {
        while co.get(b).is_some_and(|jb| jb < j) {
            b += 1;
        }
        let bond = match (co.get(b), vo.get(b)) {
            (Some(jb), Some(v)) if jb == j => Some(*v),
            _ => None,
        };
        let c = consensus.get(usize::from(*j)).copied().unwrap_or(ZERO);
        tmp.x.push(sigmoid_exp_arg(c, *w, bond.unwrap_or(ZERO), la));
        tmp.bond.push(bond);
    }
    // Pass 2: exp, EXP_LANES entries at a time.
    tmp.e.clear();
    let mut chunks = tmp.x.chunks_exact(EXP_LANES);
    for chunk in &mut chunks {
        let mut xs = [ZERO; EXP_LANES];
        xs.copy_from_slice(chunk);
        tmp.e.extend_from_slice(&exp_safe_lanes(xs));
    }
    for x in chunks.remainder() {
        tmp.e.push(exp_safe(*x));
    }
    // Pass 3: α and the new bond.
    for ((j, w), (bond, e)) in cn
        .iter()
        .zip(vn.iter())
        .zip(tmp.bond.iter().zip(tmp.e.iter()))
    {
        let a = alpha_from_exp(*e, la);
        let decayed = match bond {
            Some(v) => smul(ONE.saturating_sub(a), *v),
            None => ZERO,
        };
        let inc = smul(a, *w).max(ZERO);
        let val = decayed.saturating_add(inc).min(ONE);
        if val > ZERO {
            out.push(*j, val);
            if let Some(s) = col_sum.get_mut(usize::from(*j)) {
                *s = s.saturating_add(val);
            }
        }
    }
}

/// Per-row scratch space of [`ema_liquid_row`].
#[derive(Clone, Debug, Default)]
pub(crate) struct LiquidScratch {
    bond: Vec<Option<I32F32>>,
    x: Vec<I32F32>,
    e: Vec<I32F32>,
}

/// `clamp(low + σ·(high − low), low, high)` with
/// `σ = 1 / (1 + exp(−(steepness/100)·(d − 0.5)))` and `d` the buy (`w − c`) or sell
/// (`b − w`) distance clamped to [0, 1].
#[cfg(test)]
pub(crate) fn liquid_alpha_sigmoid(
    c: I32F32,
    w: I32F32,
    b: I32F32,
    la: LiquidAlphaFixed,
) -> I32F32 {
    alpha_from_exp(exp_safe(sigmoid_exp_arg(c, w, b, la)), la)
}

/// The argument `−(steepness/100)·(d − 0.5)` of the sigmoid's `exp`.
#[inline]
fn sigmoid_exp_arg(c: I32F32, w: I32F32, b: I32F32, la: LiquidAlphaFixed) -> I32F32 {
    let diff_buy = clamp(w.saturating_sub(c), ZERO, ONE);
    let diff_sell = clamp(b.saturating_sub(w), ZERO, ONE);
    let d = if w >= b { diff_buy } else { diff_sell };
    smul(la.neg_rate, d.saturating_sub(HALF))
}

/// α from `exp_safe(x)`: `clamp(low + σ·(high − low), low, high)`, `σ = 1 / (1 + exp)`.
#[inline]
fn alpha_from_exp(e: I32F32, la: LiquidAlphaFixed) -> I32F32 {
    // 1 + exp(x) >= 1, so this division neither overflows nor divides by zero and equals
    // the reference's saturating_div.
    let sigmoid = safe_div(ONE, ONE.saturating_add(e));
    let alpha = la
        .low
        .saturating_add(smul(sigmoid, la.high.saturating_sub(la.low)));
    clamp(alpha, la.low, la.high)
}

/// `value.min(high).max(low)`.
#[inline]
fn clamp(value: I32F32, low: I32F32, high: I32F32) -> I32F32 {
    value.min(high).max(low)
}

/// `exp(x)` with `x` clamped to [−20, 20]; 0 or MAX on an internal overflow.
pub(crate) fn exp_safe(x: I32F32) -> I32F32 {
    let lo = I32F32::from_num(-20);
    let hi = I32F32::from_num(20);
    let x = if x < lo {
        lo
    } else if hi < x {
        hi
    } else {
        x
    };
    match exp(x) {
        Some(v) => v,
        None if x <= ZERO => ZERO,
        None => I32F32::MAX,
    }
}

/// How many `exp` chains [`ema_liquid_row`] interleaves.
pub(crate) const EXP_LANES: usize = 4;

/// [`exp_safe`] of `L` arguments at once, bit for bit: the same Taylor steps as [`exp`],
/// run in lockstep so the `L` dependency chains overlap, until every lane's term is 0.
///
/// Exactness: a lane whose term reached 0 keeps adding 0, as [`exp`]'s early exit assumes.
/// Overflow never happens, so the unchecked (wrapping, never panicking) arithmetic equals
/// [`exp`]'s checked one: after the clamp the operand `o` is at most `20·2^32`; every term
/// `t_i = ⌊⌊t_{i−1}·o / 2^32⌋ / i⌋`, every product and every partial sum is non-decreasing
/// in `o` (floor of products and sums of non-negative non-decreasing quantities), and at
/// `o = 20·2^32` [`exp`] completes without overflow (`exp(±20)` is `Some`, pinned by a
/// unit test), so all products fit in `i64` and all sums stay below `2^63` for every lane.
pub(crate) fn exp_safe_lanes<const L: usize>(x: [I32F32; L]) -> [I32F32; L] {
    let lo = I32F32::from_num(-20);
    let hi = I32F32::from_num(20);
    let mut op = [0u64; L];
    let mut neg = [false; L];
    for ((o, n), v) in op.iter_mut().zip(neg.iter_mut()).zip(x.iter()) {
        let v = (*v).clamp(lo, hi).to_bits();
        *n = v < 0;
        *o = v.unsigned_abs();
    }
    let mut term = op;
    let mut result = [0u64; L];
    for (r, o) in result.iter_mut().zip(op.iter()) {
        *r = o.wrapping_add(1 << 32);
    }
    macro_rules! step {
        ($l:lifetime; $($i:literal)*) => {$(
            let mut any = 0u64;
            for ((t, r), o) in term.iter_mut().zip(result.iter_mut()).zip(op.iter()) {
                let p = ((u128::from(*t) * u128::from(*o)) >> 32) as u64;
                *t = p / $i;
                *r = r.wrapping_add(*t);
                any |= *t;
            }
            if any == 0 {
                break $l;
            }
        )*};
    }
    'series: {
        step!('series; 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
    }
    let mut out = [ZERO; L];
    for (((y, r), o), n) in out
        .iter_mut()
        .zip(result.iter())
        .zip(op.iter())
        .zip(neg.iter())
    {
        *y = if *o == 0 {
            ONE
        } else if !*n && *o == 1 << 32 {
            I32F32::from_bits(E_I9F23_BITS << 9)
        } else {
            let r = I32F32::from_bits(*r as i64);
            if *n {
                // r >= 1 + |x| > 1, so the quotient never overflows (exp_safe's fallback
                // for a failed negative exp is 0).
                div(ONE, r).unwrap_or(ZERO)
            } else {
                r
            }
        };
    }
    out
}

/// substrate-fixed's `transcendental::exp` for I32F32, operation for operation: the Taylor
/// series `1 + x + Σ_{i=2}^{31} x^i/i!` with each term computed as `(term·x)/i` (floor
/// multiply, truncating divide), on |x|, inverted for negative x; `exp(1)` returns e
/// truncated to 23 fractional bits. `None` where the reference returns `Err`.
pub(crate) fn exp(x: I32F32) -> Option<I32F32> {
    if x == ZERO {
        return Some(ONE);
    }
    if x == ONE {
        return Some(I32F32::from_bits(E_I9F23_BITS << 9));
    }
    let neg = x < ZERO;
    let operand = if neg { x.checked_neg()? } else { x };
    let o = i128::from(operand.to_bits());
    let mut result = operand.checked_add(ONE)?.to_bits();
    let mut term = operand.to_bits();
    // i = 2..=31, each step `term = (term·x)/i; result += term` with I32F32 semantics:
    // floor multiply (None when the product leaves i64) and, as term >= 0, a truncating
    // division by the integer i (constant divisors compile to exact multiply-shifts).
    // Once a term is 0 every later term is 0 and adds nothing, so the series stops there.
    macro_rules! step {
        ($l:lifetime; $($i:literal)*) => {$(
            let p = (i128::from(term) * o) >> 32;
            term = i64::try_from(p).ok()?;
            term /= $i;
            if term == 0 {
                break $l;
            }
            result = result.checked_add(term)?;
        )*};
    }
    'series: {
        step!('series; 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
    }
    let mut result = I32F32::from_bits(result);
    if neg {
        result = div(ONE, result)?;
    }
    Some(result)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_arithmetic)]
mod tests {
    use super::*;
    use crate::par::Plan;

    fn f(x: f64) -> I32F32 {
        I32F32::from_num(x)
    }

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
    fn exp_is_close_to_the_real_exp() {
        // The reference's 32-term series is only accurate for moderate |x| (at x = 20 it
        // returns ~4.81e8 instead of 4.85e8, and we reproduce that).
        for x in [-10.0, -5.0, -1.0, -0.25, 0.0, 0.5, 1.0, 2.0, 5.0, 8.0] {
            let got: f64 = exp(f(x)).unwrap().to_num();
            let want = x.exp();
            assert!(
                (got - want).abs() <= want * 1e-6 + 1e-8,
                "exp({x}) = {got}, want {want}"
            );
        }
    }

    /// substrate-fixed's loop written plainly with `fixed`'s checked operations.
    fn exp_plain(x: I32F32) -> Option<I32F32> {
        if x == ZERO {
            return Some(ONE);
        }
        if x == ONE {
            return Some(I32F32::from_bits(E_I9F23_BITS << 9));
        }
        let neg = x < ZERO;
        let op = if neg { -x } else { x };
        let mut result = op + ONE;
        let mut term = op;
        for i in 2..32 {
            term = term.checked_mul(op)?;
            term = term.checked_div(I32F32::from_num(i))?;
            result = result.checked_add(term)?;
        }
        if neg {
            ONE.checked_div(result)
        } else {
            Some(result)
        }
    }

    #[test]
    fn unrolled_exp_matches_the_plain_series_bit_for_bit() {
        let mut bits: i64 = -20 << 32;
        while bits <= 20 << 32 {
            let x = I32F32::from_bits(bits);
            assert_eq!(exp(x), exp_plain(x), "x = {x}");
            bits += 0x0123_4567;
        }
        for x in [
            ZERO,
            ONE,
            -ONE,
            HALF,
            -HALF,
            I32F32::from_num(20),
            I32F32::from_num(-20),
        ] {
            assert_eq!(exp(x), exp_plain(x));
        }
    }

    #[test]
    fn exp_at_the_clamp_bounds_does_not_overflow() {
        // The premise of exp_safe_lanes' exactness argument.
        assert!(exp(I32F32::from_num(20)).is_some());
        assert!(exp(I32F32::from_num(-20)).is_some());
    }

    #[test]
    fn lane_exp_matches_exp_safe_bit_for_bit() {
        let mut next = xorshift(0x5eed_1234);
        let mut xs: Vec<I32F32> = Vec::new();
        // Every edge: 0, ±1, ±(1 ± ulp), the clamp bounds and beyond, extremes.
        for b in [
            0i64,
            1,
            -1,
            1 << 32,
            -(1 << 32),
            (1 << 32) + 1,
            (1 << 32) - 1,
            -(1 << 32) + 1,
            -(1 << 32) - 1,
            20 << 32,
            -(20 << 32),
            (20 << 32) + 1,
            -(20 << 32) - 1,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
        ] {
            xs.push(I32F32::from_bits(b));
        }
        // A dense sweep over [-21, 21] and random bits of every magnitude.
        let mut bits: i64 = -21 << 32;
        while bits <= 21 << 32 {
            xs.push(I32F32::from_bits(bits));
            bits += 0x0001_2345;
        }
        for _ in 0..400_000 {
            let r = next();
            let b = match r % 4 {
                0 => (r >> 2) as i64,
                1 => ((r >> 8) as i64) % (21 << 32),
                2 => ((r >> 8) as i64) % (1 << 34),
                _ => ((r >> 8) as i64) % (1 << 20),
            };
            xs.push(I32F32::from_bits(if r & 2 == 0 { b } else { -b }));
        }
        for chunk in xs.chunks(EXP_LANES) {
            let mut lanes = [ZERO; EXP_LANES];
            lanes[..chunk.len()].copy_from_slice(chunk);
            let got = exp_safe_lanes(lanes);
            for (x, y) in lanes.iter().zip(got.iter()) {
                assert_eq!(*y, exp_safe(*x), "x = {x}");
            }
            let got4 = exp_safe_lanes([lanes[0], lanes[1], lanes[2], lanes[3]]);
            for (x, y) in lanes.iter().zip(got4.iter()) {
                assert_eq!(*y, exp_safe(*x), "x = {x}");
            }
        }
    }

    #[test]
    fn batched_liquid_row_matches_the_per_entry_sigmoid() {
        let mut next = xorshift(99);
        let mut tmp = LiquidScratch::default();
        for _ in 0..200 {
            let n = (next() % 40) as usize + 1;
            let la = LiquidAlphaFixed::new(
                (next() % 65536) as u16,
                (next() % 65536) as u16,
                (next() % 65536) as u16 as i16,
            );
            let consensus: Vec<I32F32> = (0..n)
                .map(|_| I32F32::from_bits((next() % (1 << 33)) as i64))
                .collect();
            let mut row = |p: u64| {
                let mut c = Vec::new();
                let mut v = Vec::new();
                for j in 0..n {
                    if next() % 4 < p {
                        c.push(j as u16);
                        v.push(I32F32::from_bits((next() % (3 << 31)) as i64));
                    }
                }
                (c, v)
            };
            let (cn, vn) = row(3);
            let (co, vo) = row(2);
            let mut got = Csr::with_capacity(1, 0);
            let mut got_sum = vec![ZERO; n];
            got.append_row(cn.len(), |out| {
                ema_liquid_row(
                    (&cn, &vn),
                    (&co, &vo),
                    &consensus,
                    la,
                    out,
                    &mut got_sum,
                    &mut tmp,
                );
            });
            let mut want = Csr::with_capacity(1, 0);
            let mut want_sum = vec![ZERO; n];
            for (j, w) in cn.iter().zip(vn.iter()) {
                let bond = co.iter().position(|c| c == j).map(|k| vo[k]);
                let c = consensus[usize::from(*j)];
                let a = liquid_alpha_sigmoid(c, *w, bond.unwrap_or(ZERO), la);
                let decayed = bond.map_or(ZERO, |v| ONE.saturating_sub(a).saturating_mul(v));
                let val = decayed
                    .saturating_add(a.saturating_mul(*w).max(ZERO))
                    .min(ONE);
                if val > ZERO {
                    want.push(*j, val);
                    want_sum[usize::from(*j)] = want_sum[usize::from(*j)].saturating_add(val);
                }
            }
            want.end_row();
            assert_eq!(got, want);
            assert_eq!(got_sum, want_sum);
        }
    }

    #[test]
    fn fast_division_matches_checked_div() {
        let vals = [
            0i64,
            1,
            2,
            3,
            7,
            1 << 31,
            (1 << 32) - 1,
            1 << 32,
            3 << 32,
            65535 << 32,
            i64::MAX,
            -1,
            -(1 << 32),
        ];
        for a in vals {
            for b in vals {
                let (fa, fb) = (I32F32::from_bits(a), I32F32::from_bits(b));
                assert_eq!(div(fa, fb), fa.checked_div(fb), "{a} / {b}");
            }
        }
    }

    fn xorshift(seed: u64) -> impl FnMut() -> u64 {
        let mut x = seed;
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    #[test]
    fn reciprocal_division_matches_checked_div() {
        let mut next = xorshift(0xdead_beef);
        let edge = [
            0i64,
            1,
            2,
            3,
            (1 << 31) + 1,
            (1 << 32) - 1,
            1 << 32,
            (1 << 32) + 1,
            7 << 32,
            65535 << 32,
            i64::MAX,
            -1,
            -(1 << 32),
            i64::MIN,
        ];
        let mut divisors: Vec<i64> = edge.to_vec();
        for _ in 0..300 {
            let r = next();
            divisors.push(match r % 4 {
                0 => (r >> 8) as i64 & ((1 << 33) - 1),
                1 => ((r >> 8) % 70_000) as i64 * (1 << 32),
                2 => (r >> 2) as i64,
                _ => (r >> 40) as i64 + 1,
            });
        }
        for b in divisors {
            let fb = I32F32::from_bits(b);
            let d = DivBy::new(fb);
            let mut nums: Vec<i64> = edge.to_vec();
            for _ in 0..200 {
                let r = next();
                nums.push(match r % 4 {
                    0 => (r >> 8) as i64 & ((1 << 33) - 1),
                    1 => ((r >> 8) % 70_000) as i64 * (1 << 32),
                    2 => r as i64,
                    _ => b
                        .wrapping_mul((r % 5) as i64)
                        .wrapping_add((r % 3) as i64 - 1),
                });
            }
            for a in nums {
                let fa = I32F32::from_bits(a);
                assert_eq!(d.div(fa), safe_div(fa, fb), "{a} / {b}");
                assert_eq!(div(fa, fb), fa.checked_div(fb), "{a} / {b}");
            }
        }
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
            let distinct = [3u64, 50, 1 << 32][(next() % 3) as usize];
            let stakes: Vec<I32F32> = (0..len)
                .map(|_| I32F32::from_bits((next() % (1 << 26)) as i64))
                .collect();
            let keys: Vec<u64> = (0..len as u64)
                .map(|k| ((next() % distinct) << 16) | k)
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
    fn fast_multiply_matches_saturating_mul() {
        let mut next = xorshift(0x00c0_ffee);
        let edge = [
            0i64,
            1,
            -1,
            2,
            1 << 31,
            -(1 << 31),
            (1 << 32) - 1,
            1 << 32,
            -(1 << 32),
            (1 << 32) + 1,
            3 << 31,
            65535 << 32,
            1 << 47,
            -(1 << 47),
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
            i64::MAX - 1,
        ];
        let mut vals: Vec<i64> = edge.to_vec();
        for _ in 0..3000 {
            let r = next();
            vals.push(match r % 4 {
                0 => r as i64,
                1 => ((r >> 8) as i64) % (1 << 34),
                2 => ((r >> 8) as i64) % (1 << 50),
                _ => -(((r >> 8) as i64) % (1 << 33)),
            });
        }
        for a in &edge {
            for b in &vals {
                let (fa, fb) = (I32F32::from_bits(*a), I32F32::from_bits(*b));
                assert_eq!(smul(fa, fb), fa.saturating_mul(fb), "{a} * {b}");
                assert_eq!(smul(fb, fa), fb.saturating_mul(fa), "{b} * {a}");
            }
        }
        for w in vals.windows(2) {
            let (fa, fb) = (I32F32::from_bits(w[0]), I32F32::from_bits(w[1]));
            assert_eq!(smul(fa, fb), fa.saturating_mul(fb), "{} * {}", w[0], w[1]);
        }
    }

    #[test]
    fn u16_proportion_is_safe_div_by_65535() {
        for x in 0..=u16::MAX {
            let want = safe_div(I32F32::from_num(x), I32F32::from_num(u16::MAX));
            assert_eq!(u16_proportion(x), want, "{x}");
        }
    }

    #[test]
    fn floor_multiply_and_truncating_divide() {
        let tiny = I32F32::from_bits(1);
        assert_eq!((-tiny).saturating_mul(HALF), I32F32::from_bits(-1));
        assert_eq!((-tiny).checked_div(f(2.0)).unwrap(), ZERO);
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
