//! What a caller of the node's API imports: `use taonet_client::prelude::*;`.
//!
//! Brings every namespace's client trait into scope (so `client.state_get_account(..)` and
//! `client.chain_get_head()` resolve on any jsonrpsee client, [`Client`] included), with the
//! client and its error. Response shapes stay in [`crate::types`] (re-exported at the crate
//! root) and are imported by name.

pub use crate::api::author::AuthorApiClient;
pub use crate::api::chain::ChainApiClient;
pub use crate::api::channel::ChannelApiClient;
pub use crate::api::gov::GovApiClient;
pub use crate::api::payment::PaymentApiClient;
pub use crate::api::state::StateApiClient;
pub use crate::api::system::SystemApiClient;
pub use crate::{Client, ClientError};
