//! Wiring of marshal, the epoch orchestrator and the per-epoch simplex engines.
//!
//! # Rules
//! - Marshal (standard variant, inline verification) owns block dissemination (buffered
//!   broadcast on the blocks channel), backfill (resolver on the backfill channel) and the
//!   archives of finalized blocks and certificates. It hands finalized blocks, in height order
//!   and at least once, to the orchestrator.
//! - The orchestrator finalizes each block into the chain (`chain.finalize`, idempotent for
//!   heights already finalized, retried until it succeeds) and only then acknowledges it to
//!   marshal, so a block marshal considers processed is always durable in the chain.
//! - Epoch `E` covers heights `[E·L, (E+1)·L)`. At start the orchestrator enters the epoch of
//!   `finalized height + 1`. Entering epoch `E`: track the peer set `E` on p2p (primary: the
//!   seats of `E` and `E+1`; secondary: this node, the configured peers and the registered
//!   nodes of the finalized state, `taonet_runtime::State::registered_node_keys`, most stake
//!   first, within `max_peers_per_set`; [`peer_set`]), open the epoch's vote, certificate and
//!   resolver subchannels, and start simplex for `E` from the genesis
//!   floor = the last block of `E−1` (the chain's genesis block for `E = 0`). When the last
//!   block of `E` finalizes, the orchestrator enters `E+1` and stops the engine of `E` before
//!   acknowledging that block.
//! - A node votes in `E` iff its key holds a seat of `E`; otherwise it runs the engine as a
//!   verifier: it follows certificates and feeds marshal without voting. A full node elected
//!   later is promoted at the boundary automatically.
//! - A vote or certificate for a later epoch than ours means peers crossed a boundary we
//!   have not finalized: marshal is hinted to fetch the finalization of our epoch's last
//!   block from that peer.
//! - Every engine's activity also goes through an attributable reporter into the evidence
//!   log ([`super::evidence`]) and the vote book ([`super::votes`]). With a reporter account,
//!   the evidence is sent as transactions ([`super::report`]).

use std::num::{NonZeroU16, NonZeroU64, NonZeroUsize};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use commonware_actor::Feedback;
use commonware_broadcast::buffered;
use commonware_consensus::marshal::{
    self, Update,
    core::Actor as MarshalActor,
    standard::{Inline, Standard},
};
use commonware_consensus::simplex::{
    self,
    config::{Floor, ForwardPolicy, SkipBudget, SkipPolicy},
    elector::RoundRobin,
    scheme::reporter::AttributableReporter,
};
use commonware_consensus::types::{Epoch, Epocher, FixedEpocher, Height, ViewDelta};
use commonware_consensus::{Heightable, Reporter, Reporters};
use commonware_cryptography::ed25519::{PrivateKey, PublicKey};
use commonware_cryptography::{Digested, Sha256, Signer};
use commonware_macros::select;
use commonware_p2p::utils::mux::{Builder as _, MuxHandle, Muxer};
use commonware_p2p::{Blocker, Manager, Receiver, Sender, TrackedPeers};
use commonware_parallel::Sequential;
use commonware_runtime::buffer::paged::CacheRef;
use commonware_runtime::{Clock, Handle, Metrics, Network, Spawner, Storage};
use commonware_storage::archive::immutable;
use commonware_utils::acknowledgement::Exact;
use commonware_utils::ordered::Set;
use commonware_utils::vec::NonEmptyVec;
use commonware_utils::{Acknowledgement, NonZeroDuration};
use futures::StreamExt;
use futures::channel::mpsc;
use rand_core_cw::CryptoRng;

use super::application::ChainApplication;
use super::block::{BlockCodec, ConsensusBlock, digest_of};
use super::evidence::{EvidenceLog, EvidenceReporter};
use super::provider::{Scheme, SeatProvider, seat_key};
use super::report::{EvidenceSubmitter, REPORT_INTERVAL};
use super::votes::VoteBook;
use crate::chain::Chain;

/// Blocks whose votes are kept for the proposals of their children.
const VOTE_BOOK_BLOCKS: usize = 256;

/// Channel of simplex votes (muxed by epoch).
pub const CHANNEL_VOTES: u64 = 0;
/// Channel of simplex certificates (muxed by epoch).
pub const CHANNEL_CERTIFICATES: u64 = 1;
/// Channel of simplex's certificate resolver (muxed by epoch).
pub const CHANNEL_RESOLVER: u64 = 2;
/// Channel of marshal's block and finalization backfill.
pub const CHANNEL_BACKFILL: u64 = 3;
/// Channel of marshal's block broadcast.
pub const CHANNEL_BLOCKS: u64 = 4;
/// Channel of transaction gossip.
pub const CHANNEL_TRANSACTIONS: u64 = 5;

/// Timeouts and sizes of the consensus stack.
#[derive(Clone, Debug)]
pub struct ConsensusParams {
    /// How long a view waits for its leader's proposal.
    pub leader_timeout: Duration,
    /// How long a view waits for a notarization before voting to skip it.
    pub certification_timeout: Duration,
    /// How often a nullify vote is re-broadcast while stuck.
    pub timeout_retry: Duration,
    /// How long a peer request waits for an answer.
    pub fetch_timeout: Duration,
    /// Views kept behind the finalized tip (journal, evidence window).
    pub view_retention: u64,
    /// Mailbox sizes of the actors.
    pub mailbox_size: usize,
    /// Block decoding limits.
    pub block_codec: BlockCodec,
    /// Least time between a parent's timestamp and its child's proposal (zero: propose at
    /// once). Keeps an idle chain at a steady block rate instead of spinning.
    pub block_interval: Duration,
    /// Prefix of every storage partition.
    pub partition_prefix: String,
    /// Finalized blocks handed out before one is acknowledged.
    pub max_pending_acks: usize,
    /// How long past the block interval a proposer waits for the parent's missing votes
    /// (liveness accounting counts only the votes a proposal carries).
    pub vote_grace: Duration,
    /// The account that signs and pays for the equivocation reports this node sends
    /// ([`super::report`]); none: evidence is kept but not reported.
    pub evidence_reporter: Option<taonet_crypto::Keypair>,
    /// Most identities in one tracked p2p peer set (this node, the seats of an epoch and the
    /// next, configured peers and registered nodes); must match the p2p network's limit.
    pub max_peers_per_set: usize,
}

impl Default for ConsensusParams {
    fn default() -> Self {
        ConsensusParams {
            leader_timeout: Duration::from_secs(1),
            certification_timeout: Duration::from_secs(2),
            timeout_retry: Duration::from_secs(5),
            fetch_timeout: Duration::from_secs(2),
            view_retention: 64,
            mailbox_size: 1024,
            block_codec: BlockCodec::default(),
            block_interval: Duration::ZERO,
            partition_prefix: "taonet".into(),
            max_pending_acks: 16,
            vote_grace: Duration::from_millis(200),
            evidence_reporter: None,
            max_peers_per_set: 128,
        }
    }
}

/// The six p2p channels the consensus stack uses.
pub struct P2pChannels<S, R> {
    /// [`CHANNEL_VOTES`].
    pub votes: (S, R),
    /// [`CHANNEL_CERTIFICATES`].
    pub certificates: (S, R),
    /// [`CHANNEL_RESOLVER`].
    pub resolver: (S, R),
    /// [`CHANNEL_BACKFILL`].
    pub backfill: (S, R),
    /// [`CHANNEL_BLOCKS`].
    pub blocks: (S, R),
    /// [`CHANNEL_TRANSACTIONS`].
    pub transactions: (S, R),
}

/// What the consensus stack is doing right now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsensusStatus {
    /// The epoch whose engine runs.
    pub epoch: u64,
    /// Whether this node votes in it.
    pub seat: bool,
    /// Highest finalized height marshal has heard of.
    pub finalized_tip: u64,
    /// Highest height finalized into the chain through consensus.
    pub applied: u64,
}

/// A handle on a running consensus stack.
#[derive(Clone)]
pub struct ConsensusHandle {
    status: Arc<Mutex<ConsensusStatus>>,
    evidence: EvidenceLog,
}

impl ConsensusHandle {
    /// The current status.
    pub fn status(&self) -> ConsensusStatus {
        self.status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The evidence log.
    pub fn evidence(&self) -> &EvidenceLog {
        &self.evidence
    }
}

/// Everything the runtime context must offer (tokio in production, deterministic in tests).
pub trait NodeContext:
    Spawner + Clock + Metrics + Storage + Network + CryptoRng + Send + Sync + 'static
{
}

impl<T> NodeContext for T where
    T: Spawner + Clock + Metrics + Storage + Network + CryptoRng + Send + Sync + 'static
{
}

type MarshalMailbox = marshal::core::Mailbox<Scheme, Standard<ConsensusBlock>>;
type App<E> = Inline<E, Scheme, ChainApplication, ConsensusBlock, FixedEpocher>;

struct Finalized {
    block: Digested<ConsensusBlock>,
    ack: Exact,
}

/// Marshal's reporter: forwards finalized blocks to the orchestrator.
#[derive(Clone)]
struct FinalizedForwarder {
    sender: mpsc::UnboundedSender<Finalized>,
    status: Arc<Mutex<ConsensusStatus>>,
}

impl Reporter for FinalizedForwarder {
    type Activity = Update<ConsensusBlock>;

    fn report(&mut self, activity: Self::Activity) -> Feedback {
        match activity {
            Update::Tip(_, height, _) => {
                let mut s = self.status.lock().unwrap_or_else(|e| e.into_inner());
                s.finalized_tip = s.finalized_tip.max(height.get());
                Feedback::Ok
            }
            Update::Block(block, ack) => match self.sender.unbounded_send(Finalized { block, ack })
            {
                Ok(()) => Feedback::Ok,
                Err(_) => Feedback::Closed,
            },
        }
    }
}

fn nz_usize(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN)
}

fn fetch_timeout(d: Duration) -> NonZeroDuration {
    NonZeroDuration::new(d).unwrap_or(NonZeroDuration::new_panic(Duration::from_secs(1)))
}

fn nz_u64(n: u64) -> NonZeroU64 {
    NonZeroU64::new(n).unwrap_or(NonZeroU64::MIN)
}

const PAGE_SIZE: NonZeroU16 = match NonZeroU16::new(4096) {
    Some(n) => n,
    None => NonZeroU16::MIN,
};

fn archive_config<C>(prefix: &str, name: &str, cache: &CacheRef, codec: C) -> immutable::Config<C> {
    immutable::Config {
        metadata_partition: format!("{prefix}-{name}-metadata"),
        freezer_table_partition: format!("{prefix}-{name}-freezer-table"),
        freezer_table_initial_size: 64,
        freezer_table_resize_frequency: 10,
        freezer_table_resize_chunk_size: 10,
        freezer_key_partition: format!("{prefix}-{name}-freezer-key"),
        freezer_key_page_cache: cache.clone(),
        freezer_value_partition: format!("{prefix}-{name}-freezer-value"),
        freezer_value_target_size: 64 * 1024 * 1024,
        freezer_value_compression: None,
        ordinal_partition: format!("{prefix}-{name}-ordinal"),
        items_per_section: nz_u64(1024),
        codec_config: codec,
        replay_buffer: nz_usize(1024 * 1024),
        freezer_key_write_buffer: nz_usize(1024 * 1024),
        freezer_value_write_buffer: nz_usize(1024 * 1024),
        ordinal_write_buffer: nz_usize(1024 * 1024),
    }
}

/// Why the consensus stack could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A commonware archive could not be opened.
    #[error("opening the {0} archive: {1}")]
    Archive(&'static str, String),
    /// The chain's consensus epoch length is zero.
    #[error("the chain's consensus epoch length is zero")]
    EpochLength,
}

/// Starts the consensus stack of one node: marshal, the orchestrator (with its per-epoch
/// simplex engines) and transaction gossip. `peers` are the keys of the other nodes this
/// node should accept as (secondary) peers in every epoch.
#[allow(clippy::too_many_arguments)]
pub async fn start<E, S, R, M, B>(
    context: E,
    chain: Chain,
    signer: PrivateKey,
    peers: Vec<PublicKey>,
    p2p: P2pChannels<S, R>,
    manager: M,
    blocker: B,
    params: ConsensusParams,
    evidence: EvidenceLog,
) -> Result<ConsensusHandle, StartError>
where
    E: NodeContext,
    S: Sender<PublicKey = PublicKey>,
    R: Receiver<PublicKey = PublicKey>,
    M: Manager<PublicKey = PublicKey> + Sync,
    B: Blocker<PublicKey = PublicKey> + Sync,
{
    let epoch_length = chain.consensus_epoch_length();
    let epoch_length = NonZeroU64::new(epoch_length).ok_or(StartError::EpochLength)?;
    let me = signer.public_key();
    let provider = SeatProvider::new(chain.clone(), Some(signer));
    let epocher = FixedEpocher::new(epoch_length);
    let status = Arc::new(Mutex::new(ConsensusStatus {
        applied: chain.finalized().height,
        ..ConsensusStatus::default()
    }));
    let prefix = params.partition_prefix.clone();
    let mailbox = nz_usize(params.mailbox_size);
    let page_cache = CacheRef::new(PAGE_SIZE, nz_usize(1024));

    // Marshal's archives.
    let finalizations = immutable::Archive::init(
        context.child("finalizations_by_height"),
        archive_config(
            &prefix,
            "finalizations",
            &page_cache,
            <Scheme as commonware_cryptography::certificate::Verifier>::certificate_codec_config_unbounded(),
        ),
    )
    .await
    .map_err(|e| StartError::Archive("finalizations", e.to_string()))?;
    let blocks = immutable::Archive::init(
        context.child("finalized_blocks"),
        archive_config(&prefix, "blocks", &page_cache, params.block_codec),
    )
    .await
    .map_err(|e| StartError::Archive("blocks", e.to_string()))?;

    let genesis = ConsensusBlock::new(chain.genesis());
    let genesis_digest = digest_of(&genesis.hash());
    let config = marshal::Config {
        provider: provider.clone(),
        epocher: epocher.clone(),
        start: marshal::Start::Genesis(Digested::precomputed(genesis, genesis_digest)),
        partition_prefix: format!("{prefix}-marshal"),
        mailbox_size: mailbox,
        view_retention: ViewDelta::new(params.view_retention),
        prunable_items_per_section: nz_u64(64),
        page_cache: page_cache.clone(),
        replay_buffer: nz_usize(1024 * 1024),
        key_write_buffer: nz_usize(1024 * 1024),
        value_write_buffer: nz_usize(1024 * 1024),
        block_codec_config: params.block_codec,
        max_repair: nz_usize(16),
        max_pending_acks: nz_usize(params.max_pending_acks),
        strategy: Sequential,
    };

    // Backfill resolver and block broadcast.
    let resolver = marshal::resolver::p2p::init(
        context.child("marshal_resolver"),
        marshal::resolver::p2p::Config {
            public_key: me.clone(),
            peer_provider: manager.clone(),
            blocker: blocker.clone(),
            mailbox_size: mailbox,
            fetch_timeout: fetch_timeout(params.fetch_timeout),
            fetch_retry_delay: Duration::from_millis(200),
            priority_requests: false,
            priority_responses: false,
        },
        p2p.backfill,
    );
    let (broadcast, buffer) = buffered::Engine::new(
        context.child("broadcast"),
        buffered::Config {
            public_key: me.clone(),
            mailbox_size: mailbox,
            deque_size: 32,
            priority: false,
            codec_config: params.block_codec,
            peer_provider: manager.clone(),
            strategy: Sequential,
        },
    );
    broadcast.start(p2p.blocks);

    let (actor, marshal_mailbox, _floor) =
        MarshalActor::init(context.child("marshal"), finalizations, blocks, config).await;
    let (sender, receiver) = mpsc::unbounded();
    actor.start(
        FinalizedForwarder {
            sender,
            status: status.clone(),
        },
        buffer,
        resolver,
    );

    let vote_book = VoteBook::new(VOTE_BOOK_BLOCKS);
    let application = ChainApplication::new(
        chain.clone(),
        provider.clone(),
        me.clone(),
        params.block_codec,
    )
    .with_block_interval(params.block_interval)
    .with_vote_grace(params.vote_grace)
    .with_votes(vote_book.clone());
    let app: App<E> = Inline::new(
        context.child("application"),
        application,
        marshal_mailbox.clone(),
        epocher.clone(),
    );

    super::gossip::start(context.child("gossip"), chain.clone(), p2p.transactions);

    if let Some(reporter) = params.evidence_reporter.clone() {
        let mut submitter = EvidenceSubmitter::new(chain.clone(), evidence.clone(), reporter);
        context
            .child("evidence_report")
            .spawn(move |ctx| async move {
                loop {
                    ctx.sleep(REPORT_INTERVAL).await;
                    submitter.tick();
                }
            });
    }

    let orchestrator = Orchestrator {
        context: context.child("orchestrator"),
        chain,
        provider,
        marshal: marshal_mailbox,
        app,
        manager,
        blocker,
        evidence: evidence.clone(),
        vote_book,
        params,
        me,
        peers,
        epocher,
        page_cache,
        status: status.clone(),
    };
    let votes = p2p.votes;
    let certificates = p2p.certificates;
    let simplex_resolver = p2p.resolver;
    context
        .child("orchestrator")
        .spawn(move |_| orchestrator.run(receiver, votes, certificates, simplex_resolver));
    Ok(ConsensusHandle { status, evidence })
}

/// The p2p peer set of an epoch, at most `max` distinct identities (p2p panics on a larger
/// set): primary, the seats (`primary`, this epoch's first); secondary, this node, the
/// configured peers, then the registered nodes in the order given (most stake first), as many
/// as fit. Seats come first; only when the seats alone exceed the limit (a seat count raised
/// beyond what the node's `max_peers_per_set` holds) are the last ones left out, with an
/// error in the log, rather than stopping the node.
pub fn peer_set(
    primary: Vec<PublicKey>,
    configured: &[PublicKey],
    me: &PublicKey,
    registered: impl IntoIterator<Item = PublicKey>,
    max: usize,
) -> TrackedPeers<PublicKey> {
    let mut taken = std::collections::BTreeSet::new();
    let room_for_me = usize::from(!primary.contains(me));
    let mut seats = Vec::new();
    let mut left_out = 0usize;
    for key in primary {
        if taken.contains(&key) {
            continue;
        }
        if taken.len() + room_for_me >= max {
            left_out += 1;
            continue;
        }
        taken.insert(key.clone());
        seats.push(key);
    }
    if left_out > 0 {
        tracing::error!(
            left_out,
            max,
            "more seats than max_peers_per_set holds; raise it to at least twice the seat count"
        );
    }
    let primary = Set::from_iter_dedup(seats);
    let mut secondary = Vec::new();
    for key in std::iter::once(me.clone())
        .chain(configured.iter().cloned())
        .chain(registered)
    {
        if taken.len() >= max {
            break;
        }
        if taken.insert(key.clone()) {
            secondary.push(key);
        }
    }
    // This node counts even when it holds a seat; configured peers come before registered
    // ones, so an operator's own list is always honoured.
    TrackedPeers::new(primary, Set::from_iter_dedup(secondary))
}

struct Orchestrator<E: NodeContext, M, B> {
    context: E,
    chain: Chain,
    provider: SeatProvider,
    marshal: MarshalMailbox,
    app: App<E>,
    manager: M,
    blocker: B,
    evidence: EvidenceLog,
    vote_book: VoteBook,
    params: ConsensusParams,
    me: PublicKey,
    peers: Vec<PublicKey>,
    epocher: FixedEpocher,
    page_cache: CacheRef,
    status: Arc<Mutex<ConsensusStatus>>,
}

struct Active {
    epoch: u64,
    handle: Handle<()>,
}

struct Muxes<S: Sender> {
    votes: MuxHandle<S>,
    certificates: MuxHandle<S>,
    resolver: MuxHandle<S>,
}

impl<E, M, B> Orchestrator<E, M, B>
where
    E: NodeContext,
    M: Manager<PublicKey = PublicKey> + Sync,
    B: Blocker<PublicKey = PublicKey> + Sync,
{
    async fn run<S, R>(
        mut self,
        mut finalized: mpsc::UnboundedReceiver<Finalized>,
        votes: (S, R),
        certificates: (S, R),
        resolver: (S, R),
    ) where
        S: Sender<PublicKey = PublicKey>,
        R: Receiver<PublicKey = PublicKey>,
    {
        let (mux, votes, mut vote_backup) =
            Muxer::builder(self.context.child("vote_mux"), votes.0, votes.1)
                .with_backup()
                .build();
        mux.start();
        let (mux, certificates, mut certificate_backup) = Muxer::builder(
            self.context.child("certificate_mux"),
            certificates.0,
            certificates.1,
        )
        .with_backup()
        .build();
        mux.start();
        let (mux, resolver) =
            Muxer::new(self.context.child("resolver_mux"), resolver.0, resolver.1);
        mux.start();
        let mut muxes = Muxes {
            votes,
            certificates,
            resolver,
        };

        let start_epoch = self
            .epocher
            .containing(Height::new(self.chain.finalized().height + 1))
            .map_or(0, |info| info.epoch().get());
        let mut active = loop {
            match self.enter(start_epoch, &mut muxes).await {
                Some(active) => break active,
                None => self.context.sleep(Duration::from_secs(1)).await,
            }
        };

        loop {
            select! {
                msg = vote_backup.recv() => {
                    let Some((their, (from, _))) = msg else { break };
                    self.hint(active.epoch, their, from);
                },
                msg = certificate_backup.recv() => {
                    let Some((their, (from, _))) = msg else { break };
                    self.hint(active.epoch, their, from);
                },
                msg = finalized.next() => {
                    let Some(Finalized { block, ack }) = msg else { break };
                    if !self.apply(&block).await {
                        // Halted at a protocol version this node does not run: the block
                        // stays unacknowledged (so a build that runs it, restarted on this
                        // data directory, is handed it again) and nothing more is finalized;
                        // the node stops (`run_validator`).
                        futures::future::pending::<()>().await;
                    }
                    let height = block.height();
                    if self.epocher.last(Epoch::new(active.epoch)) == Some(height) {
                        let next = active.epoch + 1;
                        loop {
                            if let Some(entered) = self.enter(next, &mut muxes).await {
                                active.handle.abort();
                                active = entered;
                                break;
                            }
                            self.context.sleep(Duration::from_secs(1)).await;
                        }
                    }
                    ack.acknowledge();
                },
            }
        }
        active.handle.abort();
    }

    /// Finalizes a block into the chain, retrying until it is durable. `false` if the chain
    /// halted instead (the block needs a protocol version this node does not run).
    async fn apply(&self, block: &Digested<ConsensusBlock>) -> bool {
        let mut delay = Duration::from_millis(100);
        loop {
            match self.chain.finalize(block.inner().block()) {
                Ok(outcome) => {
                    let mut s = self.status.lock().unwrap_or_else(|e| e.into_inner());
                    s.applied = s.applied.max(outcome.height);
                    return true;
                }
                // The chain moved to a protocol version this node cannot run: the chain has
                // halted (and logged why); the node stops, see `run_validator`.
                Err(crate::chain::ChainError::Halted(_)) => return false,
                Err(e) => {
                    tracing::error!(height = block.inner().block().height, error = %e,
                        "cannot finalize a finalized block; retrying");
                    self.context.sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
            }
        }
    }

    fn hint(&self, ours: u64, theirs: u64, from: PublicKey) {
        if theirs <= ours {
            return;
        }
        if let Some(last) = self.epocher.last(Epoch::new(ours)) {
            tracing::debug!(
                ours,
                theirs,
                "peer is in a later epoch; fetching our boundary"
            );
            self.marshal.hint_finalized(last, NonEmptyVec::new(from));
        }
    }

    /// Starts the engine of `epoch`. `None` if its seats or floor are not known yet.
    async fn enter<S: Sender<PublicKey = PublicKey>>(
        &mut self,
        epoch: u64,
        muxes: &mut Muxes<S>,
    ) -> Option<Active> {
        let Some(scheme) = self.provider.engine_scheme(epoch) else {
            tracing::error!(
                epoch,
                "seats of the epoch are unknown; cannot start its engine"
            );
            return None;
        };
        let floor_block = if epoch == 0 {
            Some(self.chain.genesis())
        } else {
            let last = self.epocher.last(Epoch::new(epoch - 1))?;
            self.chain.block_by_height(last.get())
        };
        let Some(floor_block) = floor_block else {
            tracing::error!(
                epoch,
                "boundary block of the previous epoch is not finalized"
            );
            return None;
        };
        let seat = self.provider.is_seat(epoch);

        // Peers: this epoch's and the next epoch's seats; configured peers, us and the
        // registered nodes as secondary.
        let mut primary: Vec<PublicKey> = self.provider.participants(epoch)?.into_iter().collect();
        if let Some(next) = self.provider.participants(epoch + 1) {
            primary.extend(next);
        }
        // Seats are registered nodes too (and come first, having the most stake): ask for
        // enough that the room left after them can still be filled.
        let registered = self
            .chain
            .finalized_state()
            .registered_node_keys(self.params.max_peers_per_set.saturating_add(primary.len()));
        self.manager.track(
            epoch,
            peer_set(
                primary,
                &self.peers,
                &self.me,
                registered.iter().filter_map(seat_key),
                self.params.max_peers_per_set,
            ),
        );

        let channel = |m: &mut MuxHandle<S>| {
            let mut m = m.clone();
            async move { m.register(epoch).await }
        };
        let (Ok(votes), Ok(certificates), Ok(resolver)) = (
            channel(&mut muxes.votes).await,
            channel(&mut muxes.certificates).await,
            channel(&mut muxes.resolver).await,
        ) else {
            tracing::error!(epoch, "cannot open the epoch's p2p channels");
            return None;
        };

        let context = self.context.child("engine").with_attribute("epoch", epoch);
        let reporter = Reporters::from((
            self.app.clone(),
            AttributableReporter::new(
                self.context.child("evidence"),
                scheme.clone(),
                EvidenceReporter {
                    log: self.evidence.clone(),
                    provider: self.provider.clone(),
                    votes: self.vote_book.clone(),
                },
                Sequential,
                true,
            ),
        ));
        let p = &self.params;
        let engine = simplex::Engine::new(
            context,
            simplex::config::Config {
                scheme,
                elector: RoundRobin::<Sha256>::default(),
                blocker: self.blocker.clone(),
                automaton: self.app.clone(),
                relay: self.app.clone(),
                reporter,
                strategy: Sequential,
                partition: format!("{}-simplex-{epoch}", p.partition_prefix),
                mailbox_size: nz_usize(p.mailbox_size),
                epoch: Epoch::new(epoch),
                floor: Floor::Genesis(digest_of(&floor_block.hash())),
                replay_buffer: nz_usize(1024 * 1024),
                write_buffer: nz_usize(1024 * 1024),
                page_cache: self.page_cache.clone(),
                leader_timeout: p.leader_timeout,
                certification_timeout: p.certification_timeout,
                timeout_retry: p.timeout_retry,
                view_retention: ViewDelta::new(p.view_retention),
                skip: SkipPolicy::Enabled {
                    timeout: p.timeout_retry + p.certification_timeout,
                    budget: SkipBudget::Participants,
                },
                fetch_timeout: fetch_timeout(p.fetch_timeout),
                fetch_retry_delay: Duration::from_millis(100),
                forward: ForwardPolicy::SilentVoters,
                track_historical_votes: true,
            },
        );
        let handle = engine.start(votes, certificates, resolver);
        {
            let mut s = self.status.lock().unwrap_or_else(|e| e.into_inner());
            s.epoch = epoch;
            s.seat = seat;
        }
        tracing::info!(epoch, seat, "entered epoch");
        Some(Active { epoch, handle })
    }
}
