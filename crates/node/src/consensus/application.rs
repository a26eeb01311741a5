//! The block-level application marshal drives: propose from the mempool, verify by
//! re-execution.
//!
//! # Rules
//! - **Propose** (this node leads the view): the first block of the ancestry is the parent.
//!   The parent (and, if needed, its unexecuted ancestors back to the finalized head) is made
//!   known to the chain, then `chain.propose_with_votes(parent, our hotkey, now, votes)`
//!   builds the block from the mempool, carrying the votes this node saw for the parent
//!   ([`super::votes`]; from height 2 on, when there are any). While a seat's vote for the
//!   parent is missing, the proposal waits for it up to `vote_grace` past the block interval
//!   (`parent timestamp + block_interval + vote_grace`), so a seat that votes on time is
//!   counted even when the parent was notarized without it (a far-away validator that votes
//!   after the notarizing quorum would otherwise look offline). The price: while a seat is
//!   down, blocks come `vote_grace` slower; and liveness assumes `block_interval +
//!   vote_grace` covers vote latency — a later vote is, for the chain, a missed vote (as
//!   with Cosmos' `timeout_commit`). No block is proposed when this node holds no seat in the epoch, when the
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
use taonet_types::{Block, ParentVotes};

use super::block::{BlockCodec, ConsensusBlock, digest_of, hash_of};
use super::provider::{Scheme, SeatProvider};
use super::votes::VoteBook;
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
    votes: VoteBook,
    vote_grace: Duration,
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
            votes: VoteBook::new(1),
            vote_grace: Duration::ZERO,
        }
    }

    /// Waits up to `grace` past the block interval for the parent's missing votes (see
    /// [`super::ConsensusParams::vote_grace`]).
    pub fn with_vote_grace(mut self, grace: Duration) -> Self {
        self.vote_grace = grace;
        self
    }

    /// Carries the parent votes recorded in `votes` in its proposals.
    pub fn with_votes(mut self, votes: VoteBook) -> Self {
        self.votes = votes;
        self
    }

    /// The votes to carry for `parent` (none for the genesis block), and how many seats its
    /// epoch has.
    fn parent_votes(
        &self,
        parent: &Block,
        hash: &taonet_types::Hash,
    ) -> (Option<ParentVotes>, usize) {
        if parent.height == 0 {
            return (None, 0);
        }
        let epoch = parent.height / self.chain.consensus_epoch_length().max(1);
        let seats = self.provider.participants(epoch).map_or(0, |p| p.len());
        let votes = self
            .votes
            .parent_votes(&hash.0, epoch, |p| self.provider.seat_index(epoch, p));
        (votes, seats)
    }

    /// The parent's votes, waiting until every seat's vote is in or `deadline_ms` passes.
    async fn collect_parent_votes(
        &self,
        runtime: &impl Clock,
        parent: &Block,
        hash: &taonet_types::Hash,
        deadline_ms: u64,
    ) -> Option<ParentVotes> {
        loop {
            let (votes, seats) = self.parent_votes(parent, hash);
            let have = votes.as_ref().map_or(0, |v| v.votes.len());
            let now = now_ms(runtime);
            if have >= seats || now >= deadline_ms {
                return votes;
            }
            runtime
                .sleep(Duration::from_millis((deadline_ms - now).min(20)))
                .await;
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
        let grace = u64::try_from(self.vote_grace.as_millis()).unwrap_or(u64::MAX);
        let votes = self
            .collect_parent_votes(
                &runtime,
                parent.inner().block(),
                &parent_hash,
                target.saturating_add(grace),
            )
            .await;
        let block =
            match self
                .chain
                .propose_with_votes(&parent_hash, &hotkey, now_ms(&runtime), votes)
            {
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
