//! The explorer's bounded memory of the chain over time, for charts.
//!
//! The node's API answers for the finalized state *now*; it keeps no time series. The
//! explorer samples every finalized head it sees (a [`ChainSample`]: issuance, stake, block
//! reward, subnet emission shares) and, once per subnet epoch, the subnet's metagraph
//! (an [`EpochSample`]: incentive, dividends and emission per uid). History starts when the
//! explorer starts and is lost when it stops.
//!
//! # Bounds ([`HistoryLimits`])
//! - at most `blocks` chain samples (oldest dropped first), each with at most
//!   `subnets` subnet shares;
//! - epoch samples for at most `subnets` subnets (the lowest netuids), at most `epochs` per
//!   subnet;
//! - at most `neuron_entries` per-uid entries over all epoch samples, oldest samples dropped
//!   first — except that each subnet's latest sample is always kept, so the bound is
//!   `neuron_entries` plus one sample per tracked subnet.
//!
//! A finalized height lower than the last one seen means the node now serves another chain
//! (a restarted development chain): everything is cleared.

use std::collections::{BTreeMap, VecDeque};

use taonet_types::Rao;

/// Limits of [`History`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryLimits {
    /// Chain samples kept.
    pub blocks: usize,
    /// Epoch samples kept per subnet.
    pub epochs: usize,
    /// Subnets tracked (lowest netuids first).
    pub subnets: usize,
    /// Per-uid entries kept over all epoch samples (beyond each subnet's latest sample).
    pub neuron_entries: usize,
}

impl Default for HistoryLimits {
    fn default() -> Self {
        HistoryLimits {
            blocks: 1_024,
            epochs: 64,
            subnets: 64,
            neuron_entries: 262_144,
        }
    }
}

/// The chain's figures at one finalized block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainSample {
    /// The finalized block's height.
    pub height: u64,
    /// Block time (ms).
    pub timestamp_ms: u64,
    /// Total issuance.
    pub total_issuance: Rao,
    /// Total stake.
    pub total_stake: Rao,
    /// Emission accrued but not yet distributed.
    pub pending_emission: Rao,
    /// Total burned.
    pub total_burned: Rao,
    /// Block reward at this height.
    pub block_reward: Rao,
    /// Subnet emission shares (netuid, ppb).
    pub subnet_shares: Vec<(u16, u64)>,
}

impl ChainSample {
    /// Issuance + pending emission + burned: grows by exactly the emission accrued (fees
    /// move TAO, burns move it from issuance to burned), so differences between samples
    /// measure the emission actually accrued.
    pub fn emitted(&self) -> u128 {
        u128::from(self.total_issuance.0)
            + u128::from(self.pending_emission.0)
            + u128::from(self.total_burned.0)
    }
}

/// One neuron's figures at a subnet epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NeuronSample {
    /// The neuron's uid on the subnet.
    pub uid: u16,
    /// Incentive (u16 proportion).
    pub incentive: u16,
    /// Dividends (u16 proportion).
    pub dividends: u16,
    /// Emission at that epoch.
    pub emission: Rao,
}

/// A subnet's metagraph after one of its epochs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochSample {
    /// Finalized block it was read at.
    pub block: u64,
    /// The subnet's epoch counter.
    pub epoch_index: u64,
    /// Neurons by uid.
    pub neurons: Vec<NeuronSample>,
}

/// The bounded history (see the module documentation).
#[derive(Clone, Debug, Default)]
pub struct History {
    limits: HistoryLimits,
    chain: VecDeque<ChainSample>,
    epochs: BTreeMap<u16, VecDeque<EpochSample>>,
    neuron_entries: usize,
}

impl History {
    /// An empty history with `limits`.
    pub fn new(limits: HistoryLimits) -> History {
        History {
            limits,
            ..History::default()
        }
    }

    /// The bounds this history keeps to.
    pub fn limits(&self) -> &HistoryLimits {
        &self.limits
    }

    /// Records a finalized block's figures. Heights at or below the last sample are ignored,
    /// except a lower height than the last one seen, which clears the history (another chain).
    pub fn record_block(&mut self, mut sample: ChainSample) {
        if let Some(last) = self.chain.back() {
            if sample.height < last.height {
                self.clear();
            } else if sample.height == last.height {
                return;
            }
        }
        if self.limits.blocks == 0 {
            return;
        }
        sample.subnet_shares.sort_unstable();
        sample.subnet_shares.truncate(self.limits.subnets);
        while self.chain.len() >= self.limits.blocks {
            self.chain.pop_front();
        }
        self.chain.push_back(sample);
    }

    /// The last epoch index recorded for `netuid`.
    pub fn last_epoch_index(&self, netuid: u16) -> Option<u64> {
        self.epochs
            .get(&netuid)
            .and_then(|q| q.back())
            .map(|s| s.epoch_index)
    }

    /// Whether an epoch sample of `netuid` would be kept (it is tracked, or there is room).
    pub fn tracks(&self, netuid: u16) -> bool {
        self.epochs.contains_key(&netuid)
            || self.epochs.len() < self.limits.subnets
            || self
                .epochs
                .keys()
                .next_back()
                .is_some_and(|max| netuid < *max)
    }

    /// Records a subnet's metagraph after an epoch. A sample with the same epoch index as the
    /// last one of that subnet is ignored; a lower one (the subnet was dissolved and created
    /// again) restarts the subnet's series.
    pub fn record_epoch(&mut self, netuid: u16, sample: EpochSample) {
        if self.limits.epochs == 0 || self.limits.subnets == 0 || !self.tracks(netuid) {
            return;
        }
        match self.last_epoch_index(netuid) {
            Some(last) if last == sample.epoch_index => return,
            Some(last) if sample.epoch_index < last => self.forget_subnet(netuid),
            _ => {}
        }
        // Make room for a new subnet by dropping the highest netuid.
        if !self.epochs.contains_key(&netuid)
            && self.epochs.len() >= self.limits.subnets
            && let Some(max) = self.epochs.keys().next_back().copied()
        {
            self.forget_subnet(max);
        }
        let queue = self.epochs.entry(netuid).or_default();
        while queue.len() >= self.limits.epochs {
            if let Some(old) = queue.pop_front() {
                self.neuron_entries -= old.neurons.len();
            }
        }
        self.neuron_entries += sample.neurons.len();
        queue.push_back(sample);
        self.enforce_entry_budget();
    }

    /// Drops the series of subnets not in `live` (dissolved).
    pub fn retain_subnets(&mut self, live: &[u16]) {
        let gone: Vec<u16> = self
            .epochs
            .keys()
            .filter(|n| !live.contains(n))
            .copied()
            .collect();
        for n in gone {
            self.forget_subnet(n);
        }
    }

    fn forget_subnet(&mut self, netuid: u16) {
        if let Some(q) = self.epochs.remove(&netuid) {
            self.neuron_entries -= q.iter().map(|s| s.neurons.len()).sum::<usize>();
        }
    }

    fn enforce_entry_budget(&mut self) {
        while self.neuron_entries > self.limits.neuron_entries {
            // The oldest sample among subnets that have more than one.
            let oldest = self
                .epochs
                .iter()
                .filter(|(_, q)| q.len() > 1)
                .filter_map(|(n, q)| q.front().map(|s| (s.block, *n)))
                .min();
            let Some((_, netuid)) = oldest else { break };
            if let Some(old) = self.epochs.get_mut(&netuid).and_then(|q| q.pop_front()) {
                self.neuron_entries -= old.neurons.len();
            }
        }
    }

    fn clear(&mut self) {
        self.chain.clear();
        self.epochs.clear();
        self.neuron_entries = 0;
    }

    /// Chain samples, oldest first.
    pub fn blocks(&self) -> impl DoubleEndedIterator<Item = &ChainSample> + ExactSizeIterator {
        self.chain.iter()
    }

    /// Epoch samples of `netuid`, oldest first.
    pub fn epochs(&self, netuid: u16) -> impl DoubleEndedIterator<Item = &EpochSample> {
        self.epochs.get(&netuid).into_iter().flat_map(|q| q.iter())
    }

    /// Subnets with epoch samples.
    pub fn subnets(&self) -> impl Iterator<Item = u16> + '_ {
        self.epochs.keys().copied()
    }

    /// Per-uid entries held over all epoch samples.
    pub fn neuron_entries(&self) -> usize {
        self.neuron_entries
    }

    /// Average block time over the samples, in ms (`None` with fewer than two samples after
    /// the genesis block, whose time is set by the chain spec, not by a proposer).
    pub fn block_time_ms(&self) -> Option<u64> {
        let first = self.chain.iter().find(|s| s.height > 0)?;
        let last = self.chain.back()?;
        let blocks = last.height.checked_sub(first.height).filter(|b| *b > 0)?;
        Some(last.timestamp_ms.saturating_sub(first.timestamp_ms) / blocks)
    }
}
