//! The command-line arguments the chain commands (and the neurons and `query`) share: the
//! node (`--rpc`/`--network`, `--tip`) and wallet (`--wallet-path`/`-p`, `--wallet-name`,
//! `--hotkey`/`--wallet-hotkey`/`-H`) flags, and the parsers of addresses and TAO amounts.
//! btcli's spellings are accepted as aliases (`--wallet.name`, `--wallet_name`,
//! `--subtensor.network`, `--chain`, …); btcli has no short flag for the wallet name.
//!
//! # Rules
//! - Malformed input (an address, an amount) is a [`crate::UsageError`] (exit 2), naming
//!   the flag it came from, before anything is sent.
//! - Reading a wallet's addresses needs no password; only [`KeyOpts::coldkey`] and
//!   [`KeyOpts::hotkey_pair`] load secrets.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use taonet_crypto::wallet::Wallet;
use taonet_crypto::{Keypair, Ss58};
use taonet_types::{AccountId, Rao};

use crate::cmd::wallet::WALLET_PATH_ENV;
use crate::{Global, usage};

/// `--rpc` / `--network`.
#[derive(Args, Debug, Clone, Default)]
pub struct RpcOpts {
    /// The node: an RPC URL (ws://, http:// or host:port) or a network name (`local`, or one
    /// defined with `taonet config set networks.NAME URL`) [default: $TAONET_RPC, else the
    /// config's default network, else the running local network, else ws://127.0.0.1:9944].
    #[arg(
        long,
        global = true,
        visible_alias = "network",
        aliases = ["subtensor.network", "chain", "subtensor.chain_endpoint"],
        value_name = "URL|NAME"
    )]
    pub rpc: Option<String>,
    /// Tip in TAO paid on top of the base fee (to the block producer and the treasury, like
    /// the fee): pools and block producers take transactions in order of fee per byte, so a
    /// tip moves a paying transaction ahead when blocks are full [default: 0]. Weights,
    /// serving and commitments are free calls and take no tip.
    #[arg(long, global = true, value_name = "TAO")]
    pub tip: Option<String>,
}

/// The wallet flags of the chain commands (the same names as the `wallet` group's).
#[derive(Args, Debug, Clone)]
pub struct KeyOpts {
    /// Directory holding the wallets [default: ~/.bittensor/wallets].
    #[arg(
        long,
        short = 'p',
        global = true,
        aliases = ["wallet.path", "wallet_path"],
        env = WALLET_PATH_ENV,
        value_name = "DIR"
    )]
    pub wallet_path: Option<PathBuf>,
    /// Wallet (coldkey) name.
    #[arg(
        long,
        global = true,
        aliases = ["wallet.name", "wallet_name"],
        default_value = "default",
        value_name = "NAME"
    )]
    pub wallet_name: String,
    /// Hotkey name.
    #[arg(
        long,
        short = 'H',
        global = true,
        visible_alias = "wallet-hotkey",
        aliases = ["wallet.hotkey", "wallet_hotkey"],
        default_value = "default",
        value_name = "NAME"
    )]
    pub hotkey: String,
}

impl KeyOpts {
    /// The wallet (see [`crate::context::resolve_wallet_root`]).
    pub fn wallet(&self) -> Result<Wallet> {
        let root =
            crate::context::resolve_wallet_root(self.wallet_path.as_deref(), &self.wallet_name)?;
        Wallet::new(&root, &self.wallet_name).map_err(|e| usage!("{e}"))
    }

    /// The wallet's coldkey address (no password needed).
    pub fn coldkey_account(&self) -> Result<AccountId> {
        let wallet = self.wallet()?;
        wallet.coldkey_account()?.with_context(|| {
            format!(
                "wallet '{}' has no coldkey in {}; create one with `taonet wallet create --wallet-name {}`",
                wallet.name(),
                wallet.dir().display(),
                wallet.name()
            )
        })
    }

    /// The wallet's hotkey address (no password needed).
    pub fn hotkey_account(&self) -> Result<AccountId> {
        let wallet = self.wallet()?;
        wallet.hotkey_account(&self.hotkey)?.with_context(|| {
            format!(
                "wallet '{}' has no hotkey '{}'; create one with `taonet wallet new-hotkey --wallet-name {} --hotkey {}`",
                wallet.name(),
                self.hotkey,
                wallet.name(),
                self.hotkey
            )
        })
    }

    /// `--hotkey-ss58` if given, else the wallet's hotkey (`--hotkey`).
    pub fn target_hotkey(&self, ss58: Option<&str>) -> Result<AccountId> {
        match ss58 {
            Some(s) => parse_ss58("--hotkey-ss58", s),
            None => self.hotkey_account(),
        }
    }

    /// The coldkey's secret (asks for its password if encrypted).
    pub fn coldkey(&self, global: Global) -> Result<Keypair> {
        let wallet = self.wallet()?;
        crate::cmd::wallet::load_keypair(global.no_prompt, &wallet.coldkey(), "coldkey")
    }

    /// The hotkey's secret.
    pub fn hotkey_pair(&self, global: Global) -> Result<Keypair> {
        let wallet = self.wallet()?;
        crate::cmd::wallet::load_keypair(global.no_prompt, &wallet.hotkey(&self.hotkey)?, "hotkey")
    }
}

/// Parses an SS58 address given for `flag` (exit 2 if malformed).
pub fn parse_ss58(flag: &str, s: &str) -> Result<AccountId> {
    AccountId::from_ss58(s.trim()).map_err(|e| usage!("{flag}: {s:?} is not an SS58 address: {e}"))
}

/// Parses a TAO amount given for `flag` (exit 2 if malformed).
pub fn parse_tao(flag: &str, s: &str) -> Result<Rao> {
    s.parse::<Rao>().map_err(|e| usage!("{flag}: {e}"))
}
