//! `payment_*`: fee estimates ([`PaymentApiServer`]).
//!
//! # Rules
//! - The fee is computed against the finalized state with the runtime's own fee function, on
//!   the transaction decoded with the chain's limits; nothing is submitted.

use commonware_codec::EncodeSize;
use jsonrpsee::core::async_trait;
use jsonrpsee::types::ErrorObjectOwned;
use taonet_client::api::PaymentApiServer;
use taonet_client::types::FeeEstimate;
use taonet_runtime::transaction_fee;

use super::RpcApi;
use super::input::decode_transaction;

#[async_trait]
impl PaymentApiServer for RpcApi {
    async fn payment_estimate_fee(&self, tx_hex: String) -> Result<FeeEstimate, ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        let tx = decode_transaction(&tx_hex, state.params())?;
        let size = tx.encode_size();
        Ok(FeeEstimate {
            fee: transaction_fee(&state, &tx.tx.call, size),
            size,
            free_call: tx.tx.call.is_free(),
        })
    }
}
