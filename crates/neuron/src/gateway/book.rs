//! The gateway's voucher book: the highest voucher accepted per channel and the miners'
//! contributions not yet claimed, kept in one JSON file so vouchers survive restarts and can
//! be claimed later (by the gateway itself or with `taonet channel claim --book`).
//!
//! # Rules
//! - The file names its chain (id and genesis hash), the gateway hotkey and the subnet; a
//!   book of another chain, gateway or subnet is refused instead of mixed in.
//! - Every change is written atomically (temporary file, fsync, rename, fsync of the
//!   directory) before the gateway answers the query it pays for, so an answered query's
//!   voucher is never lost.
//! - An entry's `voucher` only ever grows; `claimed` is the highest amount known to be
//!   claimed on chain. Contributions are units per uid (with the hotkey that earned them) since
//!   the last claim; a claim subtracts what it paid for, so contributions recorded while a
//!   claim was in flight are kept for the next one.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use taonet_types::channel::{MAX_CLAIM_MINERS, MinerShare, SignedVoucher};
use taonet_types::{ChainDomain, Hash, NetUid, Rao};

/// Version of the book's file format.
pub const BOOK_VERSION: u32 = 1;

/// Why the book could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum BookError {
    /// Reading or writing the file failed.
    #[error("voucher book {path}: {reason}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// The file is not a voucher book.
    #[error("voucher book {path} is damaged: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The parse error.
        reason: String,
    },
    /// The file belongs to another chain, gateway or subnet.
    #[error("voucher book {path} belongs to {found}, not {expected}; use another --gateway-book")]
    Mismatch {
        /// The file.
        path: PathBuf,
        /// What it says.
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

/// The book.
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

    /// Reads a book file.
    pub fn load(path: &Path) -> Result<Self, BookError> {
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
        Ok(book)
    }

    /// Writes the book atomically.
    pub fn save(&self, path: &Path) -> Result<(), BookError> {
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| BookError::Io {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        write_atomic(path, &bytes).map_err(|e| BookError::Io {
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

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, fsynced,
/// renamed over `path`, then the directory fsynced.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "book".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    std::fs::File::open(&dir)?.sync_all()?;
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
