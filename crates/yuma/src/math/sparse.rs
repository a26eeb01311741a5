//! Sparse matrices and rows: [`Csr`] (one row per uid, columns strictly increasing, no
//! duplicates), views for writing disjoint row blocks concurrently ([`RowsMut`]), reusable
//! row buffers ([`RowBuf`]), and the row operations of the bond stage: merging two rows
//! ([`merge_rows`]), interpolation ([`interpolate_row`]) and the scalar EMA ([`ema_row`]).
//!
//! Rules: no index panics (every access is a `get`, an out-of-range row is empty, a write
//! past a row's laid-out capacity is dropped — callers size rows exactly); entries are
//! visited in column order, so every sum over a row is taken in the reference's order; the
//! arithmetic is [`scalar`](super::scalar)'s (floor multiply, saturating add).

#![deny(clippy::float_arithmetic)]

use super::scalar::{ONE, ZERO, smul, smul_unit};
use fixed::types::I32F32;

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
pub(crate) fn split_mut<T>(x: &mut [T], k: usize) -> (&mut [T], &mut [T]) {
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
    let mut emit = |j: u16, val: I32F32| {
        if val > ZERO {
            out.push(j, val);
            if let Some(s) = col_sum.get_mut(usize::from(j)) {
                *s = s.saturating_add(val);
            }
        }
    };
    if (ZERO..=ONE).contains(&alpha) {
        // α and 1 − α are both in [0, 1]: the unsaturated multiply, same bits.
        merge_rows(new, old, |j, vn, vo| {
            emit(
                j,
                smul_unit(alpha, vn).saturating_add(smul_unit(one_minus_alpha, vo)),
            );
        });
    } else {
        merge_rows(new, old, |j, vn, vo| {
            emit(j, smul(alpha, vn).saturating_add(smul(one_minus_alpha, vo)));
        });
    }
}
