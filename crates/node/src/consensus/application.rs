//! The block-level application marshal drives: propose from the mempool, verify by
//! re-execution.
//!
//! # Rules
//! - **Propose** (this node leads the view): the first block of the ancestry is the parent.
//!   The parent (and, if needed, its unexecuted ancestors back to the finalized head) is made
//!   known to the chain, then `chain.propose(parent, our hotkey, now)` builds the block from
//!   the mempool. No block is proposed when this node holds no seat in the epoch, when the
//!   chain cannot build (for example while it is still catching up) or when the block would
//!   not fit [`BlockCodec::max_bytes`]: consensus then nullifies the view.
//! - **Verify**: the block's proposer must be the hotkey whose seat's consensus key leads the
//!   view; a timestamp more than [`MAX_CLOCK_DRIFT`] ahead of the local clock is waited out
//!   (never rejected: clocks differ). A block already finalized at its height is valid. Else
//!   `chain.verify` re-executes it on its parent's state and compares the state root (and the
//!   elected seats): `Invalid` is a permanent `false`; an unknown parent makes the ancestors
//!   known first, oldest first; an ancestor at or below the finalized height that is not the
//!   finalized block there conflicts with finality and makes the block invalid. Any other
//!   failure abstains (the request stays pending until consensus drops it).
//! - Epoch-boundary re-proposals are handled by marshal's `Inline` wrapper and never reach
//!   this code.

use std::time::{Duration, UNIX_EPOCH};

use commonware_codec::EncodeSize;
use commonware_consensus::marshal::ancestry::Ancestry;
use commonware_consensus::simplex::types::Context;
use commonware_consensus::{Application, Epochable};
use commonware_cryptography::ed25519::PublicKey;
use commonware_cryptography::{Digested, Digestible, sha256};
use commonware_runtime::{Clock, Metrics, Spawner};
use futures::StreamExt;
use taonet_types::Block;

use super::block::{BlockCodec, ConsensusBlock, digest_of, hash_of};
use super::provider::{Scheme, SeatProvider};
use crate::chain::{Chain, ChainError};

/// How far ahead of the local clock a proposal's timestamp may be before verification waits.
pub const MAX_CLOCK_DRIFT: Duration = Duration::from_secs(2);

/// The consensus context of a proposal.
pub type ProposalContext = Context<sha256::Digest, PublicKey>;

/// The application (cheap to clone).
#[derive(Clone)]
pub struct ChainApplication {
    chain: Chain,
    provider: SeatProvider,
    me: PublicKey,
    codec: BlockCodec,
    block_interval: Duration,
}

enum Known {
    Yes,
    Invalid,
    Unavailable,
}

impl ChainApplication {
    /// The application of the node with consensus key `me`.
    pub fn new(chain: Chain, provider: SeatProvider, me: PublicKey, codec: BlockCodec) -> Self {
        ChainApplication {
            chain,
            provider,
            me,
            codec,
            block_interval: Duration::ZERO,
        }
    }

    /// Waits until `parent timestamp + interval` before proposing (see
    /// [`super::ConsensusParams::block_interval`]).
    pub fn with_block_interval(mut self, interval: Duration) -> Self {
        self.block_interval = interval;
        self
    }

    fn finalized_at(&self, block: &Block, hash: &taonet_types::Hash) -> Option<bool> {
        let head = self.chain.finalized();
        if block.height > head.height {
            return None;
        }
        Some(
            self.chain
                .block_by_height(block.height)
                .is_some_and(|b| b.hash() == *hash),
        )
    }

    /// Makes `first` (and, walking `rest`, its ancestors) known to the chain.
    async fn make_known(
        &self,
        first: Digested<ConsensusBlock>,
        mut rest: impl Ancestry<ConsensusBlock>,
    ) -> Known {
        // Newest first; the last entry is the oldest block not yet known.
        let mut stack = vec![first];
        while let Some(top) = stack.last() {
            let block = top.inner().block();
            let hash = hash_of(&top.digest());
            if let Some(same) = self.finalized_at(block, &hash) {
                if !same {
                    return Known::Invalid;
                }
                stack.pop();
                continue;
            }
            match self.chain.verify(block) {
                Ok(()) => {
                    stack.pop();
                }
                Err(ChainError::Invalid(reason)) => {
                    tracing::debug!(height = block.height, %reason, "invalid block");
                    return Known::Invalid;
                }
                Err(ChainError::UnknownParent(_)) => {
                    if block.height <= self.chain.finalized().height + 1 {
                        // Its parent sits at or below the finalized height but is not the
                        // finalized block there (that one is always known).
                        return Known::Invalid;
                    }
                    let Some(parent) = next_ancestor(&mut rest, block, &hash).await else {
                        return Known::Unavailable;
                    };
                    stack.push(parent);
                }
                Err(e) => {
                    tracing::warn!(height = block.height, error = %e, "cannot verify block now");
                    return Known::Unavailable;
                }
            }
        }
        Known::Yes
    }
}

/// Pulls ancestors until the parent of `child` (skipping `child` itself if the stream
/// starts with it).
async fn next_ancestor(
    rest: &mut impl Ancestry<ConsensusBlock>,
    child: &Block,
    child_hash: &taonet_types::Hash,
) -> Option<Digested<ConsensusBlock>> {
    loop {
        let next = rest.next().await?;
        let hash = hash_of(&next.digest());
        if hash == *child_hash {
            continue;
        }
        if hash == child.parent {
            return Some(next);
        }
        if next.inner().block().height < child.height {
            return None;
        }
    }
}

fn now_ms(clock: &impl Clock) -> u64 {
    clock
        .current()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

impl<E> Application<E> for ChainApplication
where
    E: Clock + Spawner + Metrics,
{
    type SigningScheme = Scheme;
    type Context = ProposalContext;
    type Block = ConsensusBlock;
    type Input = ();

    async fn propose(
        &mut self,
        (runtime, context): (E, ProposalContext),
        mut ancestry: impl Ancestry<ConsensusBlock>,
        _input: (),
    ) -> Option<Digested<ConsensusBlock>> {
        let epoch = context.epoch().get();
        let hotkey = self.provider.hotkey(epoch, &self.me)?;
        let parent = ancestry.next().await?;
        match self.make_known(parent.clone(), ancestry).await {
            Known::Yes => {}
            Known::Invalid | Known::Unavailable => return None,
        }
        let parent_hash = hash_of(&parent.digest());
        // Pace an idle chain: no earlier than `block_interval` after the parent, unless a full
        // block's worth of transactions is waiting.
        let interval = u64::try_from(self.block_interval.as_millis()).unwrap_or(u64::MAX);
        let target = parent.inner().block().timestamp_ms.saturating_add(interval);
        let now = now_ms(&runtime);
        let full = self.chain.mempool().len() >= 5_000;
        if now < target && !full {
            runtime.sleep(Duration::from_millis(target - now)).await;
        }
        let block = match self.chain.propose(&parent_hash, &hotkey, now_ms(&runtime)) {
            Ok(block) => block,
            Err(e) => {
                tracing::warn!(error = %e, "cannot build a block");
                return None;
            }
        };
        if block.encode_size() > self.codec.max_bytes {
            tracing::warn!(
                size = block.encode_size(),
                "built block too large; skipping"
            );
            return None;
        }
        let block = ConsensusBlock::new(block);
        let digest = digest_of(&block.hash());
        tracing::debug!(
            height = block.block().height,
            txs = block.block().transactions.len(),
            "proposed"
        );
        Some(Digested::precomputed(block, digest))
    }

    async fn verify(
        &mut self,
        (runtime, context): (E, ProposalContext),
        mut ancestry: impl Ancestry<ConsensusBlock>,
    ) -> bool {
        let Some(first) = ancestry.next().await else {
            return futures::future::pending().await;
        };
        let block = first.inner().block();
        // The proposer must be the leader's hotkey.
        let epoch = context.epoch().get();
        let Some(leader_hotkey) = self.provider.hotkey(epoch, &context.leader) else {
            tracing::warn!(epoch, "leader holds no known seat");
            return futures::future::pending().await;
        };
        if block.proposer != leader_hotkey {
            tracing::debug!(height = block.height, "proposer is not the view's leader");
            return false;
        }
        // A timestamp from the future is waited out.
        let now = now_ms(&runtime);
        let drift = u64::try_from(MAX_CLOCK_DRIFT.as_millis()).unwrap_or(u64::MAX);
        if block.timestamp_ms > now.saturating_add(drift) {
            let wait = block.timestamp_ms - now - drift;
            runtime.sleep(Duration::from_millis(wait)).await;
        }
        match self.make_known(first.clone(), ancestry).await {
            Known::Yes => true,
            Known::Invalid => false,
            Known::Unavailable => futures::future::pending().await,
        }
    }
}
