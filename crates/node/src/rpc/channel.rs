//! `channel_*`: payment channels ([`ChannelApiServer`]).
//!
//! # Rules
//! - A channel is listed from its opening until it is reclaimed; an expired but unreclaimed
//!   channel is still listed, with `expired` set.

use jsonrpsee::core::async_trait;
use jsonrpsee::types::ErrorObjectOwned;
use taonet_client::api::ChannelApiServer;
use taonet_client::types::ChannelInfo;
use taonet_types::Hash;

use super::RpcApi;
use super::convert::channel_info;
use super::input::parse_address;

#[async_trait]
impl ChannelApiServer for RpcApi {
    async fn channel_get(&self, id: Hash) -> Result<Option<ChannelInfo>, ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        Ok(state.channel(&id).map(|c| channel_info(&state, id, c)))
    }

    async fn channel_list(&self, address: String) -> Result<Vec<ChannelInfo>, ErrorObjectOwned> {
        let who = parse_address(&address)?;
        let state = self.chain.finalized_state();
        Ok(state
            .channels_of(&who)
            .iter()
            .map(|(id, c)| channel_info(&state, *id, c))
            .collect())
    }
}
