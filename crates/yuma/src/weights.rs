//! The chain's weight normalisation: what `set_weights` stores is the submitted row
//! max-upscaled so that its largest entry is 65535 (subtensor's
//! `vec_u16_max_upscale_to_u16`), the stored form the epoch's `weights` input expects.
//!
//! Rules: fixed point only (I32F32, exactly as the reference), rounding to nearest; explicit
//! zeros stay zeros; an all-zero row stays all zero; never panics.

#![deny(clippy::float_arithmetic)]

use fixed::types::I32F32;

/// The chain's weight max-upscale (`vec_u16_max_upscale_to_u16`): scale so the largest
/// entry becomes 65535, rounding to nearest, in I32F32 exactly as the reference does.
///
/// ```
/// use taonet_yuma::max_upscale;
///
/// assert_eq!(max_upscale(&[16383, 32767, 49149, 65535]), [16383, 32767, 49149, 65535]);
/// assert_eq!(max_upscale(&[1, 2]), [32768, 65535]);
/// assert_eq!(max_upscale(&[32767, 0, 32767]), [65535, 0, 65535]);
/// assert_eq!(max_upscale(&[0, 0]), [0, 0]);
/// ```
pub fn max_upscale(values: &[u16]) -> Vec<u16> {
    let u16_max = I32F32::from_num(u16::MAX);
    let threshold = I32F32::from_num(32768);
    let fixed: Vec<I32F32> = values.iter().map(|v| I32F32::from_num(*v)).collect();
    let Some(max) = fixed.iter().max().copied() else {
        return Vec::new();
    };
    if max == I32F32::ZERO {
        return fixed
            .iter()
            .map(|e| e.saturating_mul(u16_max).saturating_to_num::<u16>())
            .collect();
    }
    let ratio = u16_max.checked_div(max).unwrap_or(I32F32::ZERO);
    fixed
        .iter()
        .map(|e| {
            let x = if max > threshold {
                e.saturating_mul(ratio)
            } else {
                e.saturating_mul(u16_max)
                    .checked_div(max)
                    .unwrap_or(I32F32::ZERO)
            };
            x.round().saturating_to_num::<u16>()
        })
        .collect()
}
