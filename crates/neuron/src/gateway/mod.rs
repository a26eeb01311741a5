//! The gateway: pay-per-query access to a subnet, answered by its best miners together and
//! settled on chain through payment channels (`taonet_types::channel`).
//!
//! ```text
//!  user ── POST /query {channel, voucher, prompt, max_bytes} ──▶ gateway (a validator)
//!     check the voucher against the channel on chain ─▶ pick the top miners by incentive
//!     ─▶ Answerer (subnet-specific: e.g. the text subnet's mixture) ─▶ record the voucher
//!     and the miners' contributions in the book (fsync) ─▶ 200 {text, miners, paid, …}
//!  claim loop (every claim interval, and on shutdown) ─▶ channels.claim(highest voucher,
//!     miners' units) ─▶ the chain pays the miners' share and the rest to our coldkey
//! ```
//!
//! # Layout
//! Each file's module doc states the rules it implements.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | the [`Gateway`], its settings ([`GatewayConfig`], [`Prices`]), its status |
//! | `api.rs` | the JSON of the API below; [`QueryError`]: each refusal's status and kind |
//! | `http.rs` | the axum routes ([`Gateway::router`], [`Gateway::serve`]) |
//! | `query.rs` | one paid query ([`Gateway::query`]), the miners it asks; the rules of a paid query |
//! | `payment.rs` | the voucher check of rules 1 and 2 ([`check_payment`]), the per-channel locks |
//! | `answer.rs` | the subnet-specific [`Answerer`]; the rules of contributions |
//! | `claims.rs` | the claim loop ([`Gateway::run_claims`]); the rules of claims and their fees |
//! | `book.rs` | the durable voucher book ([`BookStore`], [`VoucherBook`]) |
//! | `client.rs` | the user side of the API ([`GatewayClient`]) |
//!
//! # API (JSON over HTTP/1.1)
//! - `GET /price` → [`PriceInfo`]: the gateway hotkey, subnet, `per_query` and `per_byte`
//!   prices (rao), the largest `max_bytes`, the chain it settles on, and `min_blocks_left`.
//! - `POST /query` with [`QueryRequest`] `{channel, voucher: {amount, signature}, prompt,
//!   max_bytes, seed?}` → [`QueryResponse`] `{text, miners: [{uid, hotkey, weight, units}],
//!   paid, total_paid, remaining, channel, expiry}`. The price of a query is `per_query +
//!   per_byte · max_bytes`.
//! - `GET /health` → [`GatewayHealth`] (queries, refusals, claims with their fees).
//! - Errors are `{"error": kind, "message": words, "accepted"?, "required"?}` with status
//!   400 `bad_request` (malformed JSON, prompt longer than [`MAX_PROMPT_BYTES`], `max_bytes`
//!   outside 1..=limit) or `wrong_gateway` (the channel pays another hotkey), 401
//!   `bad_signature`, 402 `overspend` (voucher above the deposit) or `voucher_too_low`
//!   (below last accepted + price; `accepted` says what the gateway holds, `required` what
//!   this query needs), 404 `unknown_channel`, 410 `channel_expiring` (fewer than
//!   `min_blocks_left` blocks left to claim), 503 `chain_unavailable` or `no_answer`, 500
//!   `storage`.

mod answer;
mod api;
mod book;
mod claims;
mod client;
mod http;
mod payment;
mod query;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use taonet_crypto::{Keypair, Ss58};
use taonet_types::{AccountId, NetUid, Rao};

pub use answer::{Answer, AnswerRequest, Answerer, BoxFuture, Candidate};
pub use api::{
    ContributingMiner, ErrorBody, MAX_PROMPT_BYTES, PriceInfo, QueryError, QueryRequest,
    QueryResponse, VoucherPayment,
};
pub use book::{BOOK_VERSION, BookEntry, BookError, BookStore, MinerUnits, VoucherBook};
pub use claims::{CLAIM_CONCURRENCY, ClaimRecord, claim_fee, claim_value};
pub use client::{GatewayCallError, GatewayClient};
pub use payment::check_payment;
pub use query::ScoreSource;

use crate::health::{SharedHealth, update};
use crate::metagraph::Metagraph;
use crate::tx::TxSender;
use payment::ChannelLocks;

/// Prices of a gateway, in rao.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prices {
    /// Per query.
    pub per_query: Rao,
    /// Per byte of `max_bytes` asked for.
    pub per_byte: Rao,
}

impl Prices {
    /// The price of a query asking for up to `max_bytes` (`None` on overflow).
    pub fn price(&self, max_bytes: u32) -> Option<Rao> {
        let bytes = u128::from(self.per_byte.0) * u128::from(max_bytes);
        let total = u128::from(self.per_query.0) + bytes;
        u64::try_from(total).ok().map(Rao)
    }
}

/// Gateway settings.
#[derive(Clone, Debug)]
pub struct GatewayConfig {
    /// The subnet whose miners answer queries and share in the claims.
    pub netuid: NetUid,
    /// What a query costs (rao); see [`Prices::price`].
    pub prices: Prices,
    /// Largest `max_bytes` (256).
    pub max_bytes: u32,
    /// Miners asked per query, the top by incentive (3).
    pub top_miners: usize,
    /// The voucher book file.
    pub book: PathBuf,
    /// Time between claims (60 s).
    pub claim_interval: Duration,
    /// Queries on channels with fewer blocks than this before expiry are refused (300).
    pub min_blocks_left: u64,
    /// Ask miners whose axon address is not public (loopback, private, …; see
    /// [`crate::address`]); false: they are never candidates. Local networks only.
    pub allow_private_axons: bool,
}

impl GatewayConfig {
    /// Defaults for subnet `netuid` with `prices`, keeping vouchers in `book`.
    pub fn new(netuid: NetUid, prices: Prices, book: PathBuf) -> Self {
        GatewayConfig {
            netuid,
            prices,
            max_bytes: 256,
            top_miners: 3,
            book,
            claim_interval: Duration::from_secs(60),
            min_blocks_left: 300,
            allow_private_axons: false,
        }
    }
}

/// The gateway's status (`GET /health`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct GatewayHealth {
    /// Our hotkey.
    pub gateway: String,
    /// The subnet the gateway serves.
    pub netuid: NetUid,
    /// Queries answered.
    pub answered: u64,
    /// Queries refused.
    pub refused: u64,
    /// The sum of the prices of answered queries.
    pub earned: Rao,
    /// Accepted and not yet claimed.
    pub unclaimed: Rao,
    /// Channels in the book.
    pub channels: usize,
    /// Sum of the increases claimed.
    pub claimed: Rao,
    /// Sum of the claims' fees.
    pub claim_fees: Rao,
    /// The last claims (at most 100).
    pub claims: Vec<ClaimRecord>,
    /// Channels the last claim round left for later: their claim's fee was at least what
    /// it would bring.
    #[serde(default)]
    pub skipped_claims: usize,
    /// The last failure, in words.
    pub last_error: Option<String>,
}

struct Inner {
    hotkey: String,
    chain: Arc<TxSender>,
    claimer: Option<Keypair>,
    config: GatewayConfig,
    answerer: Arc<dyn Answerer>,
    scores: ScoreSource,
    book: Arc<BookStore>,
    locks: ChannelLocks,
    metagraph: tokio::sync::Mutex<Option<Metagraph>>,
    health: SharedHealth<GatewayHealth>,
}

/// A gateway (cheap to clone).
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<Inner>,
}

impl Gateway {
    /// A gateway for `hotkey` on `chain`, claiming with `claimer` (the hotkey's owner
    /// coldkey; `None`: vouchers are only collected, claim them with `taonet channel claim
    /// --book`). Opens (or creates) the voucher book.
    pub fn new(
        hotkey: &AccountId,
        chain: Arc<TxSender>,
        claimer: Option<Keypair>,
        config: GatewayConfig,
        answerer: Arc<dyn Answerer>,
        scores: ScoreSource,
    ) -> Result<Self, BookError> {
        let hotkey = hotkey.to_ss58();
        let book = BookStore::open(&config.book, chain.domain(), &hotkey, config.netuid)?;
        let health = SharedHealth::default();
        update(&health, |h: &mut GatewayHealth| {
            h.gateway = hotkey.clone();
            h.netuid = config.netuid;
            h.unclaimed = book.unclaimed();
            h.channels = book.len();
        });
        Ok(Gateway {
            inner: Arc::new(Inner {
                hotkey,
                chain,
                claimer,
                config,
                answerer,
                scores,
                book: Arc::new(book),
                locks: ChannelLocks::default(),
                metagraph: tokio::sync::Mutex::new(None),
                health,
            }),
        })
    }

    /// The status shared with `GET /health`.
    pub fn health(&self) -> SharedHealth<GatewayHealth> {
        self.inner.health.clone()
    }

    /// Channels with per-channel state right now (a query in progress or waiting on
    /// them): bounded by the queries in flight, whatever channel ids arrive.
    pub fn tracked_channels(&self) -> usize {
        self.inner.locks.len()
    }

    /// Runs a blocking change of the voucher book off the async executor.
    async fn book_write(
        &self,
        f: impl FnOnce(&BookStore) -> Result<(), BookError> + Send + 'static,
    ) -> Result<(), BookError> {
        let book = self.inner.book.clone();
        let path = self.inner.config.book.clone();
        tokio::task::spawn_blocking(move || f(&book))
            .await
            .unwrap_or_else(|e| {
                Err(BookError::Io {
                    path,
                    reason: format!("the writer task failed: {e}"),
                })
            })
    }

    fn book_health(&self) {
        let (unclaimed, channels) = (self.inner.book.unclaimed(), self.inner.book.len());
        update(&self.inner.health, |h: &mut GatewayHealth| {
            h.unclaimed = unclaimed;
            h.channels = channels;
        });
    }
}
