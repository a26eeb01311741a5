//! The gateway's voucher book: the highest voucher accepted per channel and the miners'
//! contributions not yet claimed, kept durably so vouchers survive restarts and can be
//! claimed later (by the gateway itself or with `taonet channel claim --book`).
//!
//! # Storage
//! The running gateway keeps the book in a [`BookStore`]: a redb database (at the book's
//! path) with one record per channel, so a paid query writes only its channel's record in
//! one fsynced transaction (O(1) in the number of channels), run off the async executor by
//! the gateway. An in-memory copy answers reads. A book file in the older JSON format is
//! migrated on first open: its entries are copied into a new database, the JSON is kept
//! next to it as `<name>.json-migrated`, and only then does the database replace it (a
//! crash at any point leaves either the JSON or the complete database at the path).
//! [`VoucherBook::load`] / [`VoucherBook::save`] read and write either format as a whole
//! (what the offline `taonet channel claim --book` uses; not while a gateway runs on it:
//! the database is locked by its process).
//!
//! # Rules
//! - The book names its chain (id and genesis hash), the gateway hotkey and the subnet; a
//!   book of another chain, gateway or subnet is refused instead of mixed in.
//! - Every change is durable before the gateway answers the query it pays for, so an
//!   answered query's voucher is never lost.
//! - An entry's `voucher` only ever grows; `claimed` is the highest amount known to be
//!   claimed on chain. Contributions are units per uid (with the hotkey that earned them) since
//!   the last claim; a claim subtracts what it paid for, so contributions recorded while a
//!   claim was in flight are kept for the next one.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use serde::{Deserialize, Serialize};
use taonet_types::channel::{MAX_CLAIM_MINERS, MinerShare, SignedVoucher};

use taonet_crypto::secret_file::write_secret_file;
use taonet_types::{ChainDomain, Hash, NetUid, Rao};

/// Version of the book's file format.
pub const BOOK_VERSION: u32 = 1;

/// Why the book could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum BookError {
    /// Reading or writing the file failed.
    #[error("voucher book {path}: {reason}")]
    Io {
        /// The book's path.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// The file is not a voucher book.
    #[error("voucher book {path} is damaged: {reason}")]
    Corrupt {
        /// The book's path.
        path: PathBuf,
        /// The parse error.
        reason: String,
    },
    /// Another process (a running gateway?) has the book open.
    #[error(
        "voucher book {path} is in use by another process (a running gateway?); stop it or use another --gateway-book"
    )]
    InUse {
        /// The book's path.
        path: PathBuf,
    },
    /// The file belongs to another chain, gateway or subnet.
    #[error("voucher book {path} belongs to {found}, not {expected}; use another --gateway-book")]
    Mismatch {
        /// The book's path.
        path: PathBuf,
        /// The chain, gateway and subnet the book names.
        found: String,
        /// What this gateway is.
        expected: String,
    },
}

/// A miner's contribution since the last claim.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinerUnits {
    /// The hotkey that earned them (a uid re-registered by another hotkey is not paid).
    pub hotkey: String,
    /// Units (the gateway's measure of contribution, see the gateway module).
    pub units: u64,
}

/// One channel's state in the book.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookEntry {
    /// The channel's opener (SS58).
    pub opener: String,
    /// The highest voucher accepted.
    pub voucher: SignedVoucher,
    /// The highest amount known to be claimed on chain.
    pub claimed: Rao,
    /// The channel's expiry block (as last read from the chain).
    pub expiry: u64,
    /// Queries answered on this channel.
    pub queries: u64,
    /// Contributions not yet claimed, by uid.
    pub miners: BTreeMap<u16, MinerUnits>,
}

impl BookEntry {
    /// What the gateway holds but has not claimed: `voucher − claimed`.
    pub fn unclaimed(&self) -> Rao {
        self.voucher.voucher.amount.saturating_sub(self.claimed)
    }

    /// The miner list of a claim: uids whose hotkey is still `current_hotkey(uid)`, units
    /// > 0, the [`MAX_CLAIM_MINERS`] largest contributions, in uid order.
    pub fn claim_miners(&self, current_hotkey: impl Fn(u16) -> Option<String>) -> Vec<MinerShare> {
        let mut list: Vec<MinerShare> = self
            .miners
            .iter()
            .filter(|(uid, m)| m.units > 0 && current_hotkey(**uid).as_deref() == Some(&m.hotkey))
            .map(|(uid, m)| MinerShare {
                uid: *uid,
                units: m.units,
            })
            .collect();
        if list.len() > MAX_CLAIM_MINERS {
            list.sort_by(|a, b| b.units.cmp(&a.units).then(a.uid.cmp(&b.uid)));
            list.truncate(MAX_CLAIM_MINERS);
            list.sort_by_key(|m| m.uid);
        }
        list
    }
}

/// The whole voucher book as one value: whose it is (chain, gateway, subnet) and one entry
/// per channel. What [`VoucherBook::load`] reads and [`VoucherBook::save`] writes; a running
/// gateway keeps it in a [`BookStore`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherBook {
    /// [`BOOK_VERSION`].
    pub version: u32,
    /// The chain's id.
    pub chain_id: String,
    /// The chain's genesis hash.
    pub genesis_hash: Hash,
    /// The gateway hotkey (SS58).
    pub gateway: String,
    /// The subnet the gateway serves.
    pub netuid: NetUid,
    /// Entries by channel id.
    pub channels: BTreeMap<Hash, BookEntry>,
}

impl VoucherBook {
    /// An empty book.
    pub fn new(domain: &ChainDomain, gateway: &str, netuid: NetUid) -> Self {
        VoucherBook {
            version: BOOK_VERSION,
            chain_id: domain.chain_id.clone(),
            genesis_hash: domain.genesis_hash,
            gateway: gateway.to_string(),
            netuid,
            channels: BTreeMap::new(),
        }
    }

    /// Reads a book file (a database or the older JSON format).
    pub fn load(path: &Path) -> Result<Self, BookError> {
        if is_database(path)? {
            let db = Database::open(path).map_err(|e| open_err(path, e))?;
            return read_database(&db, path);
        }
        Self::load_json(path)
    }

    fn load_json(path: &Path) -> Result<Self, BookError> {
        let text = std::fs::read(path).map_err(|e| BookError::Io {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let book: VoucherBook = serde_json::from_slice(&text).map_err(|e| BookError::Corrupt {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        if book.version != BOOK_VERSION {
            return Err(BookError::Corrupt {
                path: path.to_path_buf(),
                reason: format!("unknown version {}", book.version),
            });
        }
        Ok(book)
    }

    /// The book at `path` for this chain, gateway and subnet (empty if there is no file).
    pub fn open(
        path: &Path,
        domain: &ChainDomain,
        gateway: &str,
        netuid: NetUid,
    ) -> Result<Self, BookError> {
        if !path.exists() {
            return Ok(VoucherBook::new(domain, gateway, netuid));
        }
        let book = VoucherBook::load(path)?;
        check_owner(path, &book, domain, gateway, netuid)?;
        Ok(book)
    }

    /// Writes the whole book atomically: into the database at `path` if it is one (its
    /// records replaced by this book's), else as JSON.
    pub fn save(&self, path: &Path) -> Result<(), BookError> {
        if path.exists() && is_database(path)? {
            let db = Database::open(path).map_err(|e| open_err(path, e))?;
            return write_database(&db, self, true, path);
        }
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| BookError::Io {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        write_secret_file(path, &bytes, true).map_err(|e| BookError::Io {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
    }

    /// The highest amount accepted or claimed on `channel` (zero if unknown).
    pub fn accepted(&self, channel: &Hash) -> Rao {
        self.channels.get(channel).map_or(Rao::ZERO, |e| {
            if e.voucher.voucher.amount > e.claimed {
                e.voucher.voucher.amount
            } else {
                e.claimed
            }
        })
    }

    /// Records an accepted voucher and the contributions of the query it paid for.
    pub fn record(
        &mut self,
        opener: &str,
        voucher: SignedVoucher,
        claimed_on_chain: Rao,
        expiry: u64,
        contributions: &[(u16, String, u64)],
    ) {
        let entry = self
            .channels
            .entry(voucher.voucher.channel)
            .or_insert_with(|| BookEntry {
                opener: opener.to_string(),
                voucher,
                claimed: Rao::ZERO,
                expiry,
                queries: 0,
                miners: BTreeMap::new(),
            });
        if voucher.voucher.amount >= entry.voucher.voucher.amount {
            entry.voucher = voucher;
        }
        if claimed_on_chain > entry.claimed {
            entry.claimed = claimed_on_chain;
        }
        entry.expiry = expiry;
        entry.queries = entry.queries.saturating_add(1);
        for (uid, hotkey, units) in contributions {
            let m = entry.miners.entry(*uid).or_default();
            if m.hotkey != *hotkey {
                // The uid was re-registered: what the old hotkey earned is not payable.
                *m = MinerUnits {
                    hotkey: hotkey.clone(),
                    units: 0,
                };
            }
            m.units = m.units.saturating_add(*units);
        }
    }

    /// Marks `amount` as claimed on `channel` and subtracts the contributions it paid.
    pub fn mark_claimed(&mut self, channel: &Hash, amount: Rao, paid: &[MinerShare]) {
        let Some(entry) = self.channels.get_mut(channel) else {
            return;
        };
        if amount > entry.claimed {
            entry.claimed = amount;
        }
        for share in paid {
            if let Some(m) = entry.miners.get_mut(&share.uid) {
                m.units = m.units.saturating_sub(share.units);
            }
        }
        entry.miners.retain(|_, m| m.units > 0);
    }

    /// Forgets channels that are fully claimed and expired at `height`.
    pub fn prune(&mut self, height: u64) {
        self.channels
            .retain(|_, e| e.unclaimed() > Rao::ZERO || height < e.expiry);
    }

    /// Everything accepted but not claimed.
    pub fn unclaimed(&self) -> Rao {
        let total: u128 = self
            .channels
            .values()
            .map(|e| u128::from(e.unclaimed().0))
            .sum();
        Rao(u64::try_from(total).unwrap_or(u64::MAX))
    }
}

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const CHANNELS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("channels");
const HEADER_KEY: &str = "header";
/// The first bytes of every redb file.
const REDB_MAGIC: &[u8] = b"redb\x1a\x0a\xa9\x0d\x0a";

/// What a book database says about itself (its `meta` record).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Header {
    version: u32,
    chain_id: String,
    genesis_hash: Hash,
    gateway: String,
    netuid: NetUid,
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> BookError {
    BookError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

fn open_err(path: &Path, e: redb::DatabaseError) -> BookError {
    match e {
        redb::DatabaseError::DatabaseAlreadyOpen => BookError::InUse {
            path: path.to_path_buf(),
        },
        e => io_err(path, e),
    }
}

fn corrupt(path: &Path, e: impl std::fmt::Display) -> BookError {
    BookError::Corrupt {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// Whether the file at `path` is a redb database (rather than a JSON book).
fn is_database(path: &Path) -> Result<bool, BookError> {
    let mut head = [0u8; 9];
    let mut f = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
    let mut read = 0;
    while read < head.len() {
        match f.read(&mut head[read..]).map_err(|e| io_err(path, e))? {
            0 => break,
            n => read += n,
        }
    }
    Ok(read == head.len() && head == REDB_MAGIC)
}

fn read_database(db: &Database, path: &Path) -> Result<VoucherBook, BookError> {
    let tx = db.begin_read().map_err(|e| io_err(path, e))?;
    let meta = tx.open_table(META).map_err(|e| corrupt(path, e))?;
    let header: Header = match meta.get(HEADER_KEY).map_err(|e| io_err(path, e))? {
        Some(v) => serde_json::from_slice(v.value()).map_err(|e| corrupt(path, e))?,
        None => return Err(corrupt(path, "no header record")),
    };
    if header.version != BOOK_VERSION {
        return Err(corrupt(path, format!("unknown version {}", header.version)));
    }
    let mut channels = BTreeMap::new();
    let table = tx.open_table(CHANNELS).map_err(|e| corrupt(path, e))?;
    for row in table.iter().map_err(|e| io_err(path, e))? {
        let (k, v) = row.map_err(|e| io_err(path, e))?;
        let id: [u8; 32] = k
            .value()
            .try_into()
            .map_err(|_| corrupt(path, "a channel id is not 32 bytes"))?;
        let entry: BookEntry = serde_json::from_slice(v.value()).map_err(|e| corrupt(path, e))?;
        channels.insert(Hash(id), entry);
    }
    Ok(VoucherBook {
        version: header.version,
        chain_id: header.chain_id,
        genesis_hash: header.genesis_hash,
        gateway: header.gateway,
        netuid: header.netuid,
        channels,
    })
}

/// Writes `book`'s header and entries (replacing every other entry when `replace`) in one
/// durable transaction.
fn write_database(
    db: &Database,
    book: &VoucherBook,
    replace: bool,
    path: &Path,
) -> Result<(), BookError> {
    let header = Header {
        version: BOOK_VERSION,
        chain_id: book.chain_id.clone(),
        genesis_hash: book.genesis_hash,
        gateway: book.gateway.clone(),
        netuid: book.netuid,
    };
    let tx = db.begin_write().map_err(|e| io_err(path, e))?;
    {
        let mut meta = tx.open_table(META).map_err(|e| io_err(path, e))?;
        let bytes = serde_json::to_vec(&header).map_err(|e| io_err(path, e))?;
        meta.insert(HEADER_KEY, bytes.as_slice())
            .map_err(|e| io_err(path, e))?;
        let mut table = tx.open_table(CHANNELS).map_err(|e| io_err(path, e))?;
        if replace {
            table
                .retain(|k, _| k.len() == 32 && book.channels.contains_key(&id_of(k)))
                .map_err(|e| io_err(path, e))?;
        }
        for (id, entry) in &book.channels {
            let bytes = serde_json::to_vec(entry).map_err(|e| io_err(path, e))?;
            table
                .insert(id.0.as_slice(), bytes.as_slice())
                .map_err(|e| io_err(path, e))?;
        }
    }
    tx.commit().map_err(|e| io_err(path, e))
}

fn id_of(k: &[u8]) -> Hash {
    let mut id = [0u8; 32];
    id.copy_from_slice(&k[..32]);
    Hash(id)
}

/// The running gateway's book: a redb database with one record per channel and an
/// in-memory copy for reads (see the module's "Storage"). Every method that changes it is
/// blocking (one fsynced transaction); call them off the async executor.
#[derive(Debug)]
pub struct BookStore {
    path: PathBuf,
    db: Database,
    /// Serialises read-modify-write of entries (redb serialises its writers anyway).
    write: Mutex<()>,
    book: Mutex<VoucherBook>,
    /// [`VoucherBook::unclaimed`] of `book`, kept up to date by every change (a query reads
    /// it without summing every channel).
    unclaimed: AtomicU64,
}

impl BookStore {
    /// Opens (or creates) the book at `path` for this chain, gateway and subnet, migrating a
    /// JSON book first.
    pub fn open(
        path: &Path,
        domain: &ChainDomain,
        gateway: &str,
        netuid: NetUid,
    ) -> Result<Self, BookError> {
        if path.exists() && !is_database(path)? {
            // Checks that it is ours before anything is written.
            let old = VoucherBook::open(path, domain, gateway, netuid)?;
            migrate(path, &old)?;
        }
        let book = if path.exists() {
            let db = Database::open(path).map_err(|e| open_err(path, e))?;
            let book = read_database(&db, path)?;
            check_owner(path, &book, domain, gateway, netuid)?;
            return Ok(BookStore {
                path: path.to_path_buf(),
                db,
                write: Mutex::new(()),
                unclaimed: AtomicU64::new(book.unclaimed().0),
                book: Mutex::new(book),
            });
        } else {
            VoucherBook::new(domain, gateway, netuid)
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| io_err(path, e))?;
        }
        let db = Database::create(path).map_err(|e| io_err(path, e))?;
        write_database(&db, &book, false, path)?;
        Ok(BookStore {
            path: path.to_path_buf(),
            db,
            write: Mutex::new(()),
            unclaimed: AtomicU64::new(book.unclaimed().0),
            book: Mutex::new(book),
        })
    }

    /// A copy of the whole book.
    pub fn snapshot(&self) -> VoucherBook {
        self.lock().clone()
    }

    /// The highest amount accepted or claimed on `channel` (zero if unknown).
    pub fn accepted(&self, channel: &Hash) -> Rao {
        self.lock().accepted(channel)
    }

    /// Everything accepted but not claimed (O(1): a running total).
    pub fn unclaimed(&self) -> Rao {
        Rao(self.unclaimed.load(Ordering::Acquire))
    }

    /// Channels in the book.
    pub fn len(&self) -> usize {
        self.lock().channels.len()
    }

    /// Whether the book holds no channel.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// [`VoucherBook::record`], durably (writes that channel's record only).
    pub fn record(
        &self,
        opener: &str,
        voucher: SignedVoucher,
        claimed_on_chain: Rao,
        expiry: u64,
        contributions: &[(u16, String, u64)],
    ) -> Result<(), BookError> {
        self.change(&[voucher.voucher.channel], |b| {
            b.record(opener, voucher, claimed_on_chain, expiry, contributions)
        })
    }

    /// [`VoucherBook::mark_claimed`], durably.
    pub fn mark_claimed(
        &self,
        channel: &Hash,
        amount: Rao,
        paid: &[MinerShare],
    ) -> Result<(), BookError> {
        self.change(&[*channel], |b| b.mark_claimed(channel, amount, paid))
    }

    /// Forgets `channel`, durably.
    pub fn remove(&self, channel: &Hash) -> Result<(), BookError> {
        self.change(&[*channel], |b| {
            b.channels.remove(channel);
        })
    }

    /// [`VoucherBook::prune`], durably (writes only the channels it drops).
    pub fn prune(&self, height: u64) -> Result<(), BookError> {
        let gone: Vec<Hash> = self
            .lock()
            .channels
            .iter()
            .filter(|(_, e)| e.unclaimed() == Rao::ZERO && height >= e.expiry)
            .map(|(id, _)| *id)
            .collect();
        if gone.is_empty() {
            return Ok(());
        }
        self.change(&gone, |b| b.prune(height))
    }

    /// Applies `f` to a copy of the book, writes the records of `channels` as they are
    /// then (removed ones deleted) in one transaction, and only then keeps the change.
    fn change(&self, channels: &[Hash], f: impl FnOnce(&mut VoucherBook)) -> Result<(), BookError> {
        let _serial = self.write.lock().unwrap_or_else(|e| e.into_inner());
        let mut touched: BTreeMap<Hash, Option<BookEntry>> = {
            let book = self.lock();
            channels
                .iter()
                .map(|id| (*id, book.channels.get(id).cloned()))
                .collect()
        };
        let mut scratch = VoucherBook {
            channels: touched
                .iter()
                .filter_map(|(id, e)| e.clone().map(|e| (*id, e)))
                .collect(),
            ..self.header_only()
        };
        f(&mut scratch);
        for (id, e) in touched.iter_mut() {
            *e = scratch.channels.remove(id);
        }
        let path = &self.path;
        let tx = self.db.begin_write().map_err(|e| io_err(path, e))?;
        {
            let mut table = tx.open_table(CHANNELS).map_err(|e| io_err(path, e))?;
            for (id, e) in &touched {
                match e {
                    Some(e) => {
                        let bytes = serde_json::to_vec(e).map_err(|e| io_err(path, e))?;
                        table
                            .insert(id.0.as_slice(), bytes.as_slice())
                            .map_err(|e| io_err(path, e))?;
                    }
                    None => {
                        table.remove(id.0.as_slice()).map_err(|e| io_err(path, e))?;
                    }
                }
            }
        }
        tx.commit().map_err(|e| io_err(path, e))?;
        let mut book = self.lock();
        let mut total = self.unclaimed.load(Ordering::Acquire);
        for (id, e) in touched {
            let added = e.as_ref().map_or(0, |e| e.unclaimed().0);
            let old = match e {
                Some(e) => book.channels.insert(id, e),
                None => book.channels.remove(&id),
            };
            let removed = old.map_or(0, |e| e.unclaimed().0);
            total = total.saturating_sub(removed).saturating_add(added);
        }
        self.unclaimed.store(total, Ordering::Release);
        Ok(())
    }

    fn header_only(&self) -> VoucherBook {
        let b = self.lock();
        VoucherBook {
            version: b.version,
            chain_id: b.chain_id.clone(),
            genesis_hash: b.genesis_hash,
            gateway: b.gateway.clone(),
            netuid: b.netuid,
            channels: BTreeMap::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VoucherBook> {
        self.book.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn check_owner(
    path: &Path,
    book: &VoucherBook,
    domain: &ChainDomain,
    gateway: &str,
    netuid: NetUid,
) -> Result<(), BookError> {
    let describe = |chain: &str, genesis: &Hash, gw: &str, n: NetUid| {
        format!("chain {chain} ({genesis}), gateway {gw}, subnet {n}")
    };
    if book.chain_id != domain.chain_id
        || book.genesis_hash != domain.genesis_hash
        || book.gateway != gateway
        || book.netuid != netuid
    {
        return Err(BookError::Mismatch {
            path: path.to_path_buf(),
            found: describe(
                &book.chain_id,
                &book.genesis_hash,
                &book.gateway,
                book.netuid,
            ),
            expected: describe(&domain.chain_id, &domain.genesis_hash, gateway, netuid),
        });
    }
    Ok(())
}

/// Replaces the JSON book at `path` by a database holding the same entries; the JSON is
/// kept as `<name>.json-migrated`.
fn migrate(path: &Path, old: &VoucherBook) -> Result<(), BookError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "book".into());
    let tmp = path.with_file_name(format!(".{name}.migrating"));
    let _ = std::fs::remove_file(&tmp);
    {
        let db = Database::create(&tmp).map_err(|e| io_err(&tmp, e))?;
        write_database(&db, old, false, &tmp)?;
    }
    let json = std::fs::read(path).map_err(|e| io_err(path, e))?;
    let kept = path.with_file_name(format!("{name}.json-migrated"));
    write_secret_file(&kept, &json, true).map_err(|e| io_err(&kept, e))?;
    std::fs::rename(&tmp, path).map_err(|e| io_err(path, e))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io_err(path, e))?;
    }
    tracing::info!(
        "voucher book {} migrated to a database ({} channels; the JSON is kept as {})",
        path.display(),
        old.channels.len(),
        kept.display()
    );
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use taonet_types::channel::Voucher;

    use super::*;

    fn voucher(channel: Hash, amount: u64) -> SignedVoucher {
        SignedVoucher {
            voucher: Voucher {
                channel,
                amount: Rao(amount),
            },
            signature: [1; 64],
        }
    }

    /// The store's running unclaimed total always equals a recount, through records,
    /// claims, removals and prunes, and after a reopen.
    #[test]
    fn the_running_unclaimed_total_matches_a_recount() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("book.db");
        let domain = ChainDomain {
            chain_id: "c".into(),
            genesis_hash: Hash([2; 32]),
        };
        let store = BookStore::open(&path, &domain, "5Gate", 1).unwrap();
        let recount = |s: &BookStore| s.snapshot().unclaimed();
        let (a, b) = (Hash([7; 32]), Hash([8; 32]));
        store
            .record("5Open", voucher(a, 10), Rao(0), 50, &[])
            .unwrap();
        store
            .record("5Open", voucher(b, 30), Rao(5), 70, &[])
            .unwrap();
        store
            .record("5Open", voucher(a, 25), Rao(0), 50, &[])
            .unwrap();
        assert_eq!(store.unclaimed(), Rao(25 + 25));
        assert_eq!(store.unclaimed(), recount(&store));
        store.mark_claimed(&a, Rao(25), &[]).unwrap();
        assert_eq!((store.unclaimed(), recount(&store)), (Rao(25), Rao(25)));
        store.remove(&b).unwrap();
        store.prune(60).unwrap();
        assert_eq!((store.unclaimed(), recount(&store)), (Rao(0), Rao(0)));
        store
            .record("5Open", voucher(b, 40), Rao(0), 90, &[])
            .unwrap();
        drop(store);
        let reopened = BookStore::open(&path, &domain, "5Gate", 1).unwrap();
        assert_eq!(
            (reopened.unclaimed(), recount(&reopened)),
            (Rao(40), Rao(40))
        );
    }

    #[test]
    fn the_book_keeps_the_highest_voucher_and_survives_a_reload() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/book.json");
        let domain = ChainDomain {
            chain_id: "c".into(),
            genesis_hash: Hash([2; 32]),
        };
        let mut book = VoucherBook::open(&path, &domain, "5Gate", 1).unwrap();
        let ch = Hash([7; 32]);
        book.record("5Open", voucher(ch, 10), Rao(0), 50, &[(1, "5A".into(), 3)]);
        book.record(
            "5Open",
            voucher(ch, 20),
            Rao(0),
            60,
            &[(1, "5A".into(), 2), (2, "5B".into(), 1)],
        );
        // A lower voucher never replaces a higher one.
        book.record("5Open", voucher(ch, 15), Rao(0), 60, &[]);
        assert_eq!(book.accepted(&ch), Rao(20));
        book.save(&path).unwrap();
        let loaded = VoucherBook::open(&path, &domain, "5Gate", 1).unwrap();
        assert_eq!(loaded, book);
        let e = &loaded.channels[&ch];
        assert_eq!((e.queries, e.expiry, e.unclaimed()), (3, 60, Rao(20)));
        assert_eq!(
            e.claim_miners(|uid| Some(if uid == 1 { "5A" } else { "5X" }.into())),
            vec![MinerShare { uid: 1, units: 5 }],
            "uid 2 now belongs to another hotkey"
        );
        // A claim of the first 5 units of uid 1; later contributions stay.
        book.mark_claimed(&ch, Rao(20), &[MinerShare { uid: 1, units: 5 }]);
        assert_eq!(book.channels[&ch].miners.len(), 1);
        assert_eq!(book.unclaimed(), Rao(0));
        book.prune(59);
        assert_eq!(book.channels.len(), 1);
        book.prune(60);
        assert!(book.channels.is_empty());
        // Another gateway's (or chain's) book is refused.
        for (d, gw, n) in [
            (domain.clone(), "5Other", 1),
            (domain.clone(), "5Gate", 2),
            (
                ChainDomain {
                    chain_id: "d".into(),
                    ..domain.clone()
                },
                "5Gate",
                1,
            ),
        ] {
            assert!(matches!(
                VoucherBook::open(&path, &d, gw, n),
                Err(BookError::Mismatch { .. })
            ));
        }
        std::fs::write(&path, b"{not json").unwrap();
        assert!(matches!(
            VoucherBook::open(&path, &domain, "5Gate", 1),
            Err(BookError::Corrupt { .. })
        ));
    }

    #[test]
    fn a_reregistered_uid_starts_from_zero() {
        let domain = ChainDomain {
            chain_id: "c".into(),
            genesis_hash: Hash([2; 32]),
        };
        let mut book = VoucherBook::new(&domain, "5Gate", 1);
        let ch = Hash([7; 32]);
        book.record("5Open", voucher(ch, 1), Rao(0), 9, &[(3, "5Old".into(), 9)]);
        book.record("5Open", voucher(ch, 2), Rao(0), 9, &[(3, "5New".into(), 4)]);
        let m = &book.channels[&ch].miners[&3];
        assert_eq!((m.hotkey.as_str(), m.units), ("5New", 4));
    }
}
