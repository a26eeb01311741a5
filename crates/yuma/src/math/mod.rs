//! Fixed-point building blocks of the epoch, each with the exact rounding of subtensor's
//! `epoch/math` (substrate-fixed semantics, which `fixed` 1.29 shares for the operations
//! used here), one topic per module:
//!
//! * [`scalar`] — I32F32 / I64F64 arithmetic: the floor multiply, the truncating and "safe"
//!   divisions ([`DivBy`] for one divisor many times), u16 proportions, sums, normalisation;
//! * [`sparse`] — the sparse matrix [`Csr`] (one row per uid, columns sorted, no
//!   duplicates), its row views and buffers, and the row operations of the bond stage
//!   (merge, interpolation, the scalar EMA);
//! * [`median`] — the stake-weighted column median (consensus);
//! * [`liquid_alpha`] — Yuma 3's per-entry bond EMA with the liquid-alpha sigmoid;
//! * [`exp`](mod@exp) — substrate-fixed's Taylor-series `exp`, one argument or several in
//!   lockstep.
//!
//! Rules every module keeps:
//!
//! * addition and subtraction are exact (saturating at the type bounds);
//! * multiplication is `(a·b) >> frac` with an arithmetic shift, i.e. floor (toward −∞);
//! * division is `(a << frac) / b` with integer division, i.e. truncation toward zero, and a
//!   "safe" division returns 0 on a zero divisor or on overflow;
//! * fixed→fixed and fixed→integer conversions discard low bits (floor), saturating;
//! * no floats (`clippy::float_arithmetic` is denied), no panics (every index is a `get`);
//! * bit-exact: a faster version of an operation is a new function, pinned bit for bit
//!   against the plain one (or `fixed`'s own operation) by a unit test.
//!
//! The epoch uses these through the re-exports below (`math::smul`, `math::Csr`, …).

#![deny(clippy::float_arithmetic)]

mod exp;
mod liquid_alpha;
mod median;
mod scalar;
mod sparse;

pub(crate) use liquid_alpha::{LiquidAlphaFixed, ema_liquid_row};
pub(crate) use median::weighted_median_cols;
pub(crate) use scalar::{
    DivBy, ONE, ZERO, normalize, normalize_with_sum, safe_div64, smul, smul_unit, sum,
    to_u16_proportion, u16_proportion,
};
pub(crate) use sparse::{Csr, RowBuf, RowsMut, ema_row, interpolate_row};

/// An I32F32 from a decimal, for the unit tests.
#[cfg(test)]
fn f(x: f64) -> fixed::types::I32F32 {
    fixed::types::I32F32::from_num(x)
}

/// A deterministic xorshift64 generator, for the unit tests.
#[cfg(test)]
fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}
