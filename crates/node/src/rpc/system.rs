//! `system_*`: the node itself — its software, the chain it follows, its peers and health
//! ([`SystemApiServer`]).
//!
//! # Rules
//! - Nothing here reads the chain's state: the answers are the node's own (its version, its
//!   chain domain, the peers the consensus layer reports in [`super::NetworkStatus`], its heads and
//!   mempool size).

use jsonrpsee::core::async_trait;
use jsonrpsee::types::ErrorObjectOwned;
use taonet_client::api::SystemApiServer;
use taonet_client::types::{Health, Properties};

use super::RpcApi;

#[async_trait]
impl SystemApiServer for RpcApi {
    async fn system_name(&self) -> Result<String, ErrorObjectOwned> {
        Ok("taonet".into())
    }

    async fn system_version(&self) -> Result<String, ErrorObjectOwned> {
        Ok(env!("CARGO_PKG_VERSION").into())
    }

    async fn system_chain(&self) -> Result<String, ErrorObjectOwned> {
        Ok(self.chain.domain().chain_id)
    }

    async fn system_properties(&self) -> Result<Properties, ErrorObjectOwned> {
        let domain = self.chain.domain();
        Ok(Properties {
            token_symbol: "TAO".into(),
            token_decimals: 9,
            ss58_format: taonet_crypto::SS58_PREFIX,
            chain_id: domain.chain_id,
            genesis_hash: domain.genesis_hash,
        })
    }

    async fn system_health(&self) -> Result<Health, ErrorObjectOwned> {
        let finalized = self.chain.finalized();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        Ok(Health {
            peers: self.network.peers().len(),
            finalized_height: finalized.height,
            best_height: self.chain.best().height,
            ms_since_finalized: now.saturating_sub(finalized.timestamp_ms),
            mempool: self.chain.mempool().len(),
        })
    }

    async fn system_peers(&self) -> Result<Vec<String>, ErrorObjectOwned> {
        Ok(self.network.peers())
    }
}
