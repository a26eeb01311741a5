//! The `payment_*` namespace: what a transaction costs.

use jsonrpsee::core::RpcResult;
use jsonrpsee::proc_macros::rpc;

use crate::types::FeeEstimate;

/// The `payment_*` methods, as a server trait (implemented by the node) and a client trait
/// (implemented for every jsonrpsee client).
#[rpc(server, client, namespace = "payment")]
pub trait PaymentApi {
    /// The fee a transaction (hex of its encoding) would pay against the finalized state, its
    /// encoded size, and whether its call is free.
    #[method(name = "estimateFee")]
    async fn payment_estimate_fee(&self, tx_hex: String) -> RpcResult<FeeEstimate>;
}
