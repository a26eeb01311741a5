//! Durable storage of taonet's finalized chain, on [redb](https://docs.rs/redb).
//!
//! What is stored: the state records of the finalized state (the runtime's `prefix ‖ key →
//! value` records), every finalized block by height (and a hash → height index), every
//! transaction by hash with its receipt, and each account's history (the transactions it
//! signed or received a transfer from).
//!
//! Index reads for the RPC cost O(answer), never a block decode: [`Store::transaction_receipt`]
//! (tx hash → height, index, block hash, receipt) and [`Store::account_history_page`] (history
//! entries with their tx hashes, read from the receipts). The height → block hash table was
//! added after the first release: [`Store::open`] creates it and fills it from the hash →
//! height index for stores written before it existed.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use taonet_runtime::ChainSpec;
//! use taonet_store::Store;
//!
//! let genesis = ChainSpec::dev(&[[7u8; 32]]).build()?;
//! let store = Store::open(std::path::Path::new("/tmp/taonet-chain.redb"))?;
//! if store.committed_height()?.is_none() {
//!     store.init_genesis(&genesis)?;
//! }
//! let state = store.load_state()?; // the finalized state, root included
//! assert_eq!(state.root(), genesis.block.state_root);
//! # Ok(()) }
//! ```
//!
//! # Invariants
//! - **Atomic per block**: [`Store::commit_block`] writes the block's state changes, the
//!   block, its transactions, receipts and indexes, and `committed_height = h` in one redb write
//!   transaction (fsynced on commit). After a crash at any instant the store holds exactly the
//!   state after some finalized block `h` together with `committed_height = h`.
//! - Blocks are committed strictly in height order; committing a height twice is refused.
//! - [`Store::load_state`] rebuilds the state and its Merkle root from the records and checks
//!   the root against the committed block's `state_root`, so a damaged store is detected at
//!   start-up instead of forking the node.
//! - Reads of stored bytes are bounded and typed; a corrupt record is an error, never a panic.

use std::path::Path;

use commonware_codec::{Decode, Encode};
use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};
use taonet_runtime::apply::{BlockOutcome, Receipt};
use taonet_runtime::{Genesis, State};
use taonet_types::tx::BalancesCall;
use taonet_types::{AccountId, Block, BlockLimits, Call, Hash, Rao, SignedTransaction};

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const RECORDS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("state_records");
const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
const BLOCK_HEIGHTS: TableDefinition<&[u8; 32], u64> = TableDefinition::new("block_heights");
const TXS: TableDefinition<&[u8; 32], (u64, u32)> = TableDefinition::new("transactions");
const RECEIPTS: TableDefinition<(u64, u32), &[u8]> = TableDefinition::new("receipts");
const HISTORY: TableDefinition<(&[u8; 32], u64, u32), ()> = TableDefinition::new("account_history");
const BLOCK_HASHES: TableDefinition<u64, &[u8; 32]> = TableDefinition::new("block_hashes");

const COMMITTED_HEIGHT: &str = "committed_height";
const HEAD_HASH: &str = "head_hash";
const CHAIN_ID: &str = "chain_id";
const GENESIS_HASH: &str = "genesis_hash";

/// Limits when decoding stored blocks (our own data, but never trusted blindly).
const STORED_BLOCK_LIMITS: BlockLimits = BlockLimits {
    max_transactions: 1_000_000,
};

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed.
    #[error("storage error: {0}")]
    Db(String),
    /// Stored bytes are damaged.
    #[error(
        "the store is corrupt: {0}; restore it from a peer (delete the data directory and resync)"
    )]
    Corrupt(String),
    /// A block out of order.
    #[error("block {got} cannot be committed after height {committed}")]
    OutOfOrder {
        /// The committed height.
        committed: u64,
        /// The block's height.
        got: u64,
    },
    /// The store already holds a chain.
    #[error("the store already holds a chain (committed height {0})")]
    NotEmpty(u64),
    /// The store holds no chain yet.
    #[error("the store holds no chain yet; initialise it with the genesis")]
    Empty,
}

macro_rules! db_err {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Db(e.to_string())
            }
        }
    )*};
}
db_err!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// A receipt as stored and served: the runtime's receipt with its error in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredReceipt {
    /// Transaction hash.
    pub tx_hash: Hash,
    /// The account that signed the transaction (a coldkey, or a hotkey for free calls).
    pub signer: AccountId,
    /// The signer's nonce the transaction used.
    pub nonce: u64,
    /// `module.call`.
    pub call: String,
    /// Fee paid (rao).
    pub fee: Rao,
    /// Whether the call succeeded.
    pub success: bool,
    /// The typed error (JSON), if it failed.
    pub error: Option<serde_json::Value>,
    /// The error in words, if it failed.
    pub error_message: Option<String>,
}

impl From<&Receipt> for StoredReceipt {
    fn from(r: &Receipt) -> Self {
        let (error, error_message) = match &r.result {
            Ok(()) => (None, None),
            Err(e) => (serde_json::to_value(e).ok(), Some(e.to_string())),
        };
        StoredReceipt {
            tx_hash: r.tx_hash,
            signer: r.signer,
            nonce: r.nonce,
            call: r.call.to_string(),
            fee: r.fee,
            success: r.result.is_ok(),
            error,
            error_message,
        }
    }
}

/// A finalized transaction with where it is and what it did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredTransaction {
    /// Height of its block.
    pub block_height: u64,
    /// Hash of its block.
    pub block_hash: Hash,
    /// Index in the block.
    pub index: u32,
    /// The transaction as included, with its signature.
    pub transaction: SignedTransaction,
    /// What applying it did: fee paid, success or the error.
    pub receipt: StoredReceipt,
}

/// One entry of an account's history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Block height.
    pub block_height: u64,
    /// Index in the block.
    pub index: u32,
}

/// Where a finalized transaction is and what it did (no transaction body).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxReceipt {
    /// Height of its block.
    pub block_height: u64,
    /// Hash of its block.
    pub block_hash: Hash,
    /// Index in the block.
    pub index: u32,
    /// What applying it did: fee paid, success or the error.
    pub receipt: StoredReceipt,
}

/// One entry of an account's history with its transaction hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryItem {
    /// Where it is.
    pub entry: HistoryEntry,
    /// The transaction's hash.
    pub tx_hash: Hash,
}

/// The receipt of transaction `index` of block `height` (a missing or undecodable one is
/// corruption: every finalized transaction has one).
fn read_receipt(
    receipts: &redb::ReadOnlyTable<(u64, u32), &[u8]>,
    height: u64,
    index: u32,
) -> Result<StoredReceipt, StoreError> {
    let bytes = receipts
        .get((height, index))?
        .ok_or_else(|| StoreError::Corrupt(format!("receipt {height}/{index} missing")))?;
    serde_json::from_slice(bytes.value())
        .map_err(|e| StoreError::Corrupt(format!("receipt {height}/{index}: {e}")))
}

/// The durable store of a node.
pub struct Store {
    db: Database,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

fn u64_from(bytes: &[u8], what: &str) -> Result<u64, StoreError> {
    let arr: [u8; 8] = bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("{what} is not 8 bytes")))?;
    Ok(u64::from_be_bytes(arr))
}

fn hash_from(bytes: &[u8], what: &str) -> Result<Hash, StoreError> {
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("{what} is not 32 bytes")))?;
    Ok(Hash(arr))
}

/// The store's page cache (read cache and write buffer) unless told otherwise:
/// 128 MiB. redb's own default, 1 GiB, grows with the database file until it holds a
/// gibibyte, which made a node's memory track its chain's size (a 1-hour run at 500
/// transfers/s grew each node by the file's growth, about 20 MiB a minute). Pages beyond the
/// cache are read again through the operating system's page cache.
pub const DEFAULT_CACHE_BYTES: usize = 128 * 1024 * 1024;

impl Store {
    /// Opens (or creates) the store file at `path`, with a [`DEFAULT_CACHE_BYTES`] cache.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with_cache(path, DEFAULT_CACHE_BYTES)
    }

    /// [`Store::open`] with a page cache of `cache_bytes`.
    pub fn open_with_cache(path: &Path, cache_bytes: usize) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Db(format!("cannot create {}: {e}", dir.display())))?;
        }
        let db = redb::Builder::new()
            .set_cache_size(cache_bytes)
            .create(path)?;
        // Make sure every table exists so readers never fail on a fresh store.
        let tx = db.begin_write()?;
        tx.open_table(META)?;
        tx.open_table(RECORDS)?;
        tx.open_table(BLOCKS)?;
        tx.open_table(BLOCK_HEIGHTS)?;
        tx.open_table(TXS)?;
        tx.open_table(RECEIPTS)?;
        tx.open_table(HISTORY)?;
        {
            // Stores written before the height → hash table: fill it from the hash → height
            // index (no block is decoded).
            let heights = tx.open_table(BLOCK_HEIGHTS)?;
            let mut hashes = tx.open_table(BLOCK_HASHES)?;
            if hashes.len()? < heights.len()? {
                for entry in heights.iter()? {
                    let (hash, height) = entry?;
                    hashes.insert(height.value(), hash.value())?;
                }
            }
        }
        tx.commit()?;
        Ok(Store { db })
    }

    fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(META)?;
        Ok(table.get(key)?.map(|v| v.value().to_vec()))
    }

    /// Height of the last committed block, or `None` for an empty store.
    pub fn committed_height(&self) -> Result<Option<u64>, StoreError> {
        self.meta(COMMITTED_HEIGHT)?
            .map(|b| u64_from(&b, COMMITTED_HEIGHT))
            .transpose()
    }

    /// Hash of the last committed block.
    pub fn head_hash(&self) -> Result<Option<Hash>, StoreError> {
        self.meta(HEAD_HASH)?
            .map(|b| hash_from(&b, HEAD_HASH))
            .transpose()
    }

    /// The chain id and genesis hash the store belongs to.
    pub fn chain(&self) -> Result<Option<(String, Hash)>, StoreError> {
        let (Some(id), Some(genesis)) = (self.meta(CHAIN_ID)?, self.meta(GENESIS_HASH)?) else {
            return Ok(None);
        };
        let id = String::from_utf8(id).map_err(|_| StoreError::Corrupt("chain id".into()))?;
        Ok(Some((id, hash_from(&genesis, GENESIS_HASH)?)))
    }

    /// Writes the genesis state and block into an empty store.
    pub fn init_genesis(&self, genesis: &Genesis) -> Result<(), StoreError> {
        if let Some(h) = self.committed_height()? {
            return Err(StoreError::NotEmpty(h));
        }
        let hash = genesis.block.hash();
        let tx = self.db.begin_write()?;
        {
            let mut records = tx.open_table(RECORDS)?;
            for (k, v) in genesis.state.all_records() {
                records.insert(k.as_slice(), v.as_slice())?;
            }
            let mut blocks = tx.open_table(BLOCKS)?;
            blocks.insert(0, genesis.block.encode().as_ref())?;
            let mut heights = tx.open_table(BLOCK_HEIGHTS)?;
            heights.insert(&hash.0, 0)?;
            tx.open_table(BLOCK_HASHES)?.insert(0, &hash.0)?;
            let mut meta = tx.open_table(META)?;
            meta.insert(CHAIN_ID, genesis.domain.chain_id.as_bytes())?;
            meta.insert(GENESIS_HASH, hash.0.as_slice())?;
            meta.insert(HEAD_HASH, hash.0.as_slice())?;
            meta.insert(COMMITTED_HEIGHT, 0u64.to_be_bytes().as_slice())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Commits a finalized block with what applying it did, atomically.
    pub fn commit_block(&self, block: &Block, outcome: &BlockOutcome) -> Result<(), StoreError> {
        let committed = self.committed_height()?.ok_or(StoreError::Empty)?;
        if block.height != committed + 1 {
            return Err(StoreError::OutOfOrder {
                committed,
                got: block.height,
            });
        }
        let hash = block.hash();
        let tx = self.db.begin_write()?;
        {
            let mut records = tx.open_table(RECORDS)?;
            for change in &outcome.changes {
                match &change.value {
                    Some(v) => {
                        records.insert(change.key.as_slice(), v.as_slice())?;
                    }
                    None => {
                        records.remove(change.key.as_slice())?;
                    }
                }
            }
            let mut blocks = tx.open_table(BLOCKS)?;
            blocks.insert(block.height, block.encode().as_ref())?;
            let mut heights = tx.open_table(BLOCK_HEIGHTS)?;
            heights.insert(&hash.0, block.height)?;
            tx.open_table(BLOCK_HASHES)?.insert(block.height, &hash.0)?;
            let mut txs = tx.open_table(TXS)?;
            let mut receipts = tx.open_table(RECEIPTS)?;
            let mut history = tx.open_table(HISTORY)?;
            for (i, (t, r)) in block.transactions.iter().zip(&outcome.receipts).enumerate() {
                let index = u32::try_from(i).unwrap_or(u32::MAX);
                txs.insert(&r.tx_hash.0, (block.height, index))?;
                let json = serde_json::to_vec(&StoredReceipt::from(r))
                    .map_err(|e| StoreError::Db(e.to_string()))?;
                receipts.insert((block.height, index), json.as_slice())?;
                history.insert((&t.tx.signer.0, block.height, index), ())?;
                if let Call::Balances(BalancesCall::Transfer { dest, .. }) = &t.tx.call
                    && *dest != t.tx.signer
                {
                    history.insert((&dest.0, block.height, index), ())?;
                }
            }
            let mut meta = tx.open_table(META)?;
            meta.insert(HEAD_HASH, hash.0.as_slice())?;
            meta.insert(COMMITTED_HEIGHT, block.height.to_be_bytes().as_slice())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The finalized state, rebuilt from the records and checked against the committed
    /// block's state root.
    pub fn load_state(&self) -> Result<State, StoreError> {
        let height = self.committed_height()?.ok_or(StoreError::Empty)?;
        let head = self
            .head_hash()?
            .ok_or(StoreError::Corrupt("no head hash".into()))?;
        let block = self
            .block(height)?
            .ok_or_else(|| StoreError::Corrupt(format!("committed block {height} missing")))?;
        let tx = self.db.begin_read()?;
        let table = tx.open_table(RECORDS)?;
        let mut records = Vec::new();
        for entry in table.iter()? {
            let (k, v) = entry?;
            records.push((k.value().to_vec(), v.value().to_vec()));
        }
        let state = State::from_records(
            records.iter().map(|(k, v)| (k.as_slice(), v.as_slice())),
            head,
        )
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        if state.root() != block.state_root {
            return Err(StoreError::Corrupt(format!(
                "state root {} does not match block {height}'s {}",
                state.root(),
                block.state_root
            )));
        }
        if state.height() != height {
            return Err(StoreError::Corrupt(format!(
                "state is at height {} but committed height is {height}",
                state.height()
            )));
        }
        Ok(state)
    }

    /// The finalized block at `height`.
    pub fn block(&self, height: u64) -> Result<Option<Block>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(BLOCKS)?;
        let Some(bytes) = table.get(height)? else {
            return Ok(None);
        };
        Block::decode_cfg(
            commonware_codec::Copying(bytes.value()),
            &STORED_BLOCK_LIMITS,
        )
        .map(Some)
        .map_err(|e| StoreError::Corrupt(format!("block {height}: {e}")))
    }

    /// The height of the finalized block with `hash`.
    pub fn height_of(&self, hash: &Hash) -> Result<Option<u64>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(BLOCK_HEIGHTS)?;
        Ok(table.get(&hash.0)?.map(|v| v.value()))
    }

    /// The finalized block with `hash`.
    pub fn block_by_hash(&self, hash: &Hash) -> Result<Option<Block>, StoreError> {
        match self.height_of(hash)? {
            Some(h) => self.block(h),
            None => Ok(None),
        }
    }

    /// A finalized transaction by hash, with its receipt.
    pub fn transaction(&self, hash: &Hash) -> Result<Option<StoredTransaction>, StoreError> {
        let (height, index) = {
            let tx = self.db.begin_read()?;
            let table = tx.open_table(TXS)?;
            match table.get(&hash.0)? {
                Some(v) => v.value(),
                None => return Ok(None),
            }
        };
        self.transaction_at(height, index)
    }

    /// The transaction at (`height`, `index`) with its receipt.
    pub fn transaction_at(
        &self,
        height: u64,
        index: u32,
    ) -> Result<Option<StoredTransaction>, StoreError> {
        let Some(block) = self.block(height)? else {
            return Ok(None);
        };
        let Some(transaction) = block.transactions.get(index as usize).cloned() else {
            return Ok(None);
        };
        let tx = self.db.begin_read()?;
        let table = tx.open_table(RECEIPTS)?;
        let receipt = table
            .get((height, index))?
            .ok_or_else(|| StoreError::Corrupt(format!("receipt {height}/{index} missing")))?;
        let receipt: StoredReceipt = serde_json::from_slice(receipt.value())
            .map_err(|e| StoreError::Corrupt(format!("receipt {height}/{index}: {e}")))?;
        Ok(Some(StoredTransaction {
            block_height: height,
            block_hash: block.hash(),
            index,
            transaction,
            receipt,
        }))
    }

    /// The hash of the finalized block at `height` (one index read, no block decode).
    pub fn block_hash(&self, height: u64) -> Result<Option<Hash>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(BLOCK_HASHES)?;
        Ok(table.get(height)?.map(|v| Hash(*v.value())))
    }

    /// Where a finalized transaction is and its receipt, from the indexes alone (tx hash →
    /// position, height → block hash, position → receipt): O(1) reads, no block decode.
    pub fn transaction_receipt(&self, hash: &Hash) -> Result<Option<TxReceipt>, StoreError> {
        let tx = self.db.begin_read()?;
        let Some((height, index)) = tx.open_table(TXS)?.get(&hash.0)?.map(|v| v.value()) else {
            return Ok(None);
        };
        let block_hash = tx
            .open_table(BLOCK_HASHES)?
            .get(height)?
            .map(|v| Hash(*v.value()))
            .ok_or_else(|| StoreError::Corrupt(format!("hash of block {height} missing")))?;
        let receipt = read_receipt(&tx.open_table(RECEIPTS)?, height, index)?;
        Ok(Some(TxReceipt {
            block_height: height,
            block_hash,
            index,
            receipt,
        }))
    }

    /// The receipts of the finalized block at `height`, in transaction order (one read; empty
    /// for an unknown height).
    pub fn receipts(&self, height: u64) -> Result<Vec<StoredReceipt>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(RECEIPTS)?;
        let mut out = Vec::new();
        for entry in table.range((height, 0u32)..=(height, u32::MAX))? {
            let (k, v) = entry?;
            let (_, index) = k.value();
            let receipt: StoredReceipt = serde_json::from_slice(v.value())
                .map_err(|e| StoreError::Corrupt(format!("receipt {height}/{index}: {e}")))?;
            out.push(receipt);
        }
        Ok(out)
    }

    /// The most recent `limit` history entries of `account`, newest first, strictly before
    /// `before` if given.
    pub fn account_history(
        &self,
        account: &AccountId,
        limit: usize,
        before: Option<HistoryEntry>,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(HISTORY)?;
        let lo = (&account.0, 0u64, 0u32);
        let hi = match before {
            Some(b) => (&account.0, b.block_height, b.index),
            None => (&account.0, u64::MAX, u32::MAX),
        };
        let mut out = Vec::new();
        for entry in table.range(lo..hi)?.rev() {
            let (k, _) = entry?;
            let (_, block_height, index) = k.value();
            out.push(HistoryEntry {
                block_height,
                index,
            });
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// At most `limit` history entries of `account` with their transaction hashes, newest
    /// first, strictly before `before` if given; the page costs O(`limit`) index reads (the
    /// hashes come from the receipts, no block is decoded). The last entry is the cursor of
    /// the next page.
    pub fn account_history_page(
        &self,
        account: &AccountId,
        limit: usize,
        before: Option<HistoryEntry>,
    ) -> Result<Vec<HistoryItem>, StoreError> {
        let entries = self.account_history(account, limit, before)?;
        let tx = self.db.begin_read()?;
        let receipts = tx.open_table(RECEIPTS)?;
        entries
            .into_iter()
            .map(|entry| {
                let receipt = read_receipt(&receipts, entry.block_height, entry.index)?;
                Ok(HistoryItem {
                    entry,
                    tx_hash: receipt.tx_hash,
                })
            })
            .collect()
    }
}
