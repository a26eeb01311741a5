//! Integration tests of the taonet runtime: every module's rules and errors, emission
//! scenarios, block checks, encodings and random-sequence properties.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

mod balances;
mod blocks;
mod channels;
mod codec;
mod commitments;
mod emission;
mod evidence;
mod genesis;
mod governance;
mod identity;
mod keys;
mod liveness;
mod neurons;
mod properties;
mod seats;
mod slashing;
mod staking;
mod subnets;
mod upgrade;
mod weights;
