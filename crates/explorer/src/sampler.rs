//! The background task that follows the node: it polls the finalized head every
//! `poll_interval`, and on each new head reads the supply, health and subnets (and the
//! metagraph of every subnet whose epoch counter moved), records them in the
//! [`History`](crate::history::History) and publishes a [`Live`] snapshot that the
//! live-update endpoint hands to browsers. It stops when the explorer is dropped.

use std::sync::{Arc, Weak};

use taonet_client::{HeadInfo, Health, Supply};

use crate::App;
use crate::error::PageError;
use crate::history::{ChainSample, EpochSample, NeuronSample};
use crate::source::call;

/// What the explorer last learned about the node.
#[derive(Clone, Debug, Default)]
pub(crate) struct Live {
    /// Chain id.
    pub(crate) chain: Option<String>,
    /// Finalized head.
    pub(crate) head: Option<HeadInfo>,
    /// Node health (best height, peers, mempool).
    pub(crate) health: Option<Health>,
    /// Supply figures at the head.
    pub(crate) supply: Option<Supply>,
    /// Why the last poll failed (cleared by the next success).
    pub(crate) error: Option<String>,
}

pub(crate) async fn run(app: Weak<App>) {
    loop {
        let Some(strong) = app.upgrade() else { return };
        let interval = strong.config.poll_interval;
        if let Err(e) = poll(&strong).await {
            let message = e.to_string();
            strong.live.send_if_modified(|l| {
                if l.error.as_deref() == Some(message.as_str()) {
                    false
                } else {
                    l.error = Some(message);
                    true
                }
            });
        }
        drop(strong);
        tokio::time::sleep(interval).await;
    }
}

async fn poll(app: &Arc<App>) -> Result<(), PageError> {
    let head = call!(app, chain_get_finalized_head()).await?;
    let known = app.live.borrow().head.map(|h| (h.height, h.hash));
    let recovered = app.live.borrow().error.is_some();
    if known == Some((head.height, head.hash)) && !recovered {
        return Ok(());
    }
    let (chain, supply, health, subnets) = futures::join!(
        async {
            let cached = app.live.borrow().chain.clone();
            match cached {
                Some(c) => Ok(c),
                None => call!(app, system_chain()).await,
            }
        },
        call!(app, state_get_supply()),
        call!(app, system_health()),
        call!(app, state_get_subnets()),
    );
    let (chain, supply, health, subnets) = (chain?, supply?, health?, subnets?);
    {
        let mut history = app.history.write().unwrap_or_else(|e| e.into_inner());
        history.record_block(ChainSample {
            height: head.height,
            timestamp_ms: head.timestamp_ms,
            total_issuance: supply.total_issuance,
            total_stake: supply.total_stake,
            pending_emission: supply.pending_emission,
            total_burned: supply.total_burned,
            block_reward: supply.block_reward,
            subnet_shares: subnets
                .iter()
                .map(|s| (s.netuid, s.emission_share_ppb))
                .collect(),
        });
        let live: Vec<u16> = subnets.iter().map(|s| s.netuid).collect();
        history.retain_subnets(&live);
    }
    // Metagraphs of subnets whose epoch counter moved since the last sample.
    let due: Vec<u16> = {
        let history = app.history.read().unwrap_or_else(|e| e.into_inner());
        subnets
            .iter()
            .filter(|s| {
                history.tracks(s.netuid)
                    && history.last_epoch_index(s.netuid) != Some(s.epoch_index)
            })
            .map(|s| s.netuid)
            .collect()
    };
    for netuid in due {
        let Some(m) = call!(app, state_get_metagraph(netuid, false, false)).await? else {
            continue;
        };
        let sample = EpochSample {
            block: m.block,
            epoch_index: m.subnet.epoch_index,
            neurons: m
                .neurons
                .iter()
                .map(|n| NeuronSample {
                    uid: n.uid,
                    incentive: n.incentive,
                    dividends: n.dividends,
                    emission: n.emission,
                })
                .collect(),
        };
        app.history
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .record_epoch(netuid, sample);
    }
    app.live.send_replace(Live {
        chain: Some(chain),
        head: Some(head),
        health: Some(health),
        supply: Some(supply),
        error: None,
    });
    Ok(())
}
