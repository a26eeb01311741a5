//! Vouchers the wallet signs and its record of them: `channel voucher`, [`sign_voucher`]
//! (also what `taonet query` pays each query with) and the payment records in
//! `<wallet>/channels/<id>.json`.
//!
//! The record is raised to a voucher's amount before that voucher is signed and returned, so
//! `signed` never falls behind what left the wallet; it is written atomically and readable
//! by its owner only (a voucher pays).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use serde_json::json;
use taonet_client::ChannelInfo;
use taonet_crypto::secret_file::write_secret_file;
use taonet_crypto::wallet::Wallet;
use taonet_types::channel::{SignedVoucher, Voucher, voucher_to_hex};
use taonet_types::{ChainDomain, Hash, Rao};

use super::{ChannelArgs, VoucherArgs, channel, parse_channel_id};
use crate::Global;
use crate::args::parse_tao;
use crate::output::{print_json, tao};
use crate::session::{Session, block_on};

/// What the wallet has signed through one channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payments {
    /// The channel's id.
    pub channel: Hash,
    /// The chain's id.
    pub chain_id: String,
    /// The chain's genesis hash.
    pub genesis_hash: Hash,
    /// The gateway hotkey (SS58).
    pub gateway: String,
    /// The highest amount a gateway acknowledged (answered a query for).
    pub paid: Rao,
    /// The highest amount ever signed.
    pub signed: Rao,
}

/// `<wallet>/channels/<id>.json`.
pub fn payments_path(wallet: &Wallet, id: &Hash) -> PathBuf {
    wallet
        .dir()
        .join("channels")
        .join(format!("{}.json", id.to_hex()))
}

/// The payment record at `path`, if any.
pub fn load_payments(path: &Path) -> Result<Option<Payments>> {
    if !path.exists() {
        return Ok(None);
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .with_context(|| format!("{} is not a channel payment record", path.display()))
}

/// Writes a payment record atomically, readable by its owner only (its vouchers pay).
pub fn save_payments(path: &Path, p: &Payments) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(p)?;
    write_secret_file(path, &bytes, true).with_context(|| format!("writing {}", path.display()))
}

/// Every payment record of the wallet.
pub fn all_payments(wallet: &Wallet) -> Vec<Payments> {
    let dir = wallet.dir().join("channels");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<Payments> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| load_payments(&e.path()).ok().flatten())
        .collect();
    out.sort_by_key(|p| p.channel);
    out
}

/// Signs a voucher for `amount` on `c` and raises the wallet's `signed` record first.
pub fn sign_voucher(
    wallet: &Wallet,
    signer: &taonet_crypto::Keypair,
    c: &ChannelInfo,
    domain: &ChainDomain,
    amount: Rao,
) -> Result<SignedVoucher> {
    let path = payments_path(wallet, &c.id);
    let mut record = load_payments(&path)?.unwrap_or(Payments {
        channel: c.id,
        chain_id: domain.chain_id.clone(),
        genesis_hash: domain.genesis_hash,
        gateway: c.gateway.clone(),
        paid: Rao::ZERO,
        signed: Rao::ZERO,
    });
    if amount > record.signed {
        record.signed = amount;
        save_payments(&path, &record)?;
    }
    Ok(taonet_crypto::voucher::sign(
        signer,
        Voucher {
            channel: c.id,
            amount,
        },
        domain,
    ))
}

/// `channel voucher`: only the opener signs, and never above the deposit.
pub(super) fn voucher(args: &ChannelArgs, a: &VoucherArgs, global: Global) -> Result<ExitCode> {
    let id = parse_channel_id("--channel", &a.channel)?;
    let amount = parse_tao("--amount", &a.amount)?;
    let wallet = args.keys.wallet()?;
    let signer = args.keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let c = channel(&s, id).await?;
        if c.opener != signer.ss58() {
            bail!(
                "channel {id} was opened by {}, not by this coldkey: its vouchers must be signed by the opener",
                c.opener
            );
        }
        if amount > c.deposit {
            bail!(
                "{} is more than the channel's deposit of {}: the chain would refuse it",
                tao(amount),
                tao(c.deposit)
            );
        }
        let domain = s.domain().await?;
        let v = sign_voucher(&wallet, &signer, &c, &domain, amount)?;
        let hex = voucher_to_hex(&v);
        if global.json {
            print_json(&json!({ "channel": id, "amount": amount, "voucher": hex, "signed": v }))?;
        } else {
            println!("{hex}");
        }
        Ok(ExitCode::SUCCESS)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn payment_records_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let wallet = Wallet::new(dir.path(), "w").unwrap();
        let id = Hash([1; 32]);
        let path = payments_path(&wallet, &id);
        assert!(load_payments(&path).unwrap().is_none());
        let p = Payments {
            channel: id,
            chain_id: "c".into(),
            genesis_hash: Hash([2; 32]),
            gateway: "5G".into(),
            paid: Rao(3),
            signed: Rao(4),
        };
        save_payments(&path, &p).unwrap();
        assert_eq!(load_payments(&path).unwrap(), Some(p.clone()));
        assert_eq!(all_payments(&wallet), vec![p]);
    }
}
