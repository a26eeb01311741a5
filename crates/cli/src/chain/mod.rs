//! Chain commands: reads and transactions against a node's JSON-RPC API.
//!
//! Every chain command takes `--rpc URL` (default: `TAONET_RPC`, else the running local network,
//! else `ws://127.0.0.1:9944`; see [`crate::context`]) and the global `--json`.
//!
//! A transaction goes: fetch the chain domain and the signer's nonce → estimate the fee →
//! show what will be sent and ask (skipped with `--no-prompt`; refused without a terminal) →
//! sign → submit and follow it to finality (with a spinner on a terminal) → print the outcome:
//! the block and the fee on success, the runtime's error in words on failure (exit 1). A node
//! that refuses the transaction outright (invalid, pool full, …) is reported in words too
//! (exit 1). Malformed input (addresses, amounts, hex) exits 2 before anything is sent.

pub mod axon;
pub mod balance;
pub mod channel;
pub mod consensus;
pub mod delegate;
pub mod gov;
pub mod stake;
pub mod subnet;
pub mod weights;

use std::future::Future;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};
use taonet_client::{AccountInfo, Client, ClientError, TaonetApiClient, TxStatus, codes};
use taonet_crypto::wallet::Wallet;
use taonet_crypto::{Keypair, Ss58};
use taonet_types::{AccountId, Call, ChainDomain, ChainParams, Hash, Rao, SignedTransaction};

use crate::wallet::WALLET_PATH_ENV;
use crate::{Global, usage};

/// `--rpc`.
#[derive(Args, Debug, Clone, Default)]
pub struct RpcOpts {
    /// Node RPC URL (ws://, http:// or host:port) [default: $TAONET_RPC, else the running
    /// local network, else ws://127.0.0.1:9944].
    #[arg(long, global = true, value_name = "URL")]
    pub rpc: Option<String>,
    /// Tip in TAO paid on top of the base fee (to the block producer and the treasury, like
    /// the fee): pools and block producers take transactions in order of fee per byte, so a
    /// tip moves a paying transaction ahead when blocks are full [default: 0]. Weights and
    /// serving are free calls and take no tip.
    #[arg(long, global = true, value_name = "TAO")]
    pub tip: Option<String>,
}

/// The wallet flags of the chain commands (the same names as the `wallet` group's).
#[derive(Args, Debug, Clone)]
pub struct KeyOpts {
    /// Directory holding the wallets [default: ~/.bittensor/wallets].
    #[arg(long, global = true, alias = "wallet.path", env = WALLET_PATH_ENV, value_name = "DIR")]
    pub wallet_path: Option<PathBuf>,
    /// Wallet (coldkey) name.
    #[arg(
        long,
        global = true,
        alias = "wallet.name",
        default_value = "default",
        value_name = "NAME"
    )]
    pub wallet_name: String,
    /// Hotkey name.
    #[arg(
        long,
        global = true,
        alias = "wallet.hotkey",
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
        crate::wallet::load_keypair(global.no_prompt, &wallet.coldkey(), "coldkey")
    }

    /// The hotkey's secret.
    pub fn hotkey_pair(&self, global: Global) -> Result<Keypair> {
        let wallet = self.wallet()?;
        crate::wallet::load_keypair(global.no_prompt, &wallet.hotkey(&self.hotkey)?, "hotkey")
    }
}

/// Runs `fut` on a small current-thread runtime.
pub fn block_on<T>(fut: impl Future<Output = Result<T>>) -> Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(fut)
}

/// Parses an SS58 address given for `flag` (exit 2 if malformed).
pub fn parse_ss58(flag: &str, s: &str) -> Result<AccountId> {
    AccountId::from_ss58(s.trim()).map_err(|e| usage!("{flag}: {s:?} is not an SS58 address: {e}"))
}

/// Parses a TAO amount given for `flag` (exit 2 if malformed).
pub fn parse_tao(flag: &str, s: &str) -> Result<Rao> {
    s.parse::<Rao>().map_err(|e| usage!("{flag}: {e}"))
}

/// `1.5 τ`.
pub fn tao(r: Rao) -> String {
    format!("{} τ", r.to_tao_compact())
}

/// A shortened SS58 address for tables: `5Grw…utQY`.
pub fn short(addr: &str) -> String {
    let chars: Vec<char> = addr.chars().collect();
    if chars.len() <= 12 {
        return addr.to_string();
    }
    let head: String = chars[..5].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

/// A u16 proportion as a 0..1 decimal.
pub fn unit(v: u16) -> String {
    format!("{:.4}", f64::from(v) / f64::from(u16::MAX))
}

/// A u16 proportion as a percentage.
pub fn percent(v: u16) -> String {
    format!("{:.2}%", f64::from(v) / f64::from(u16::MAX) * 100.0)
}

/// A new table in the CLI's style.
pub fn table(header: Vec<&str>) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(header);
    t
}

/// Prints `value` as one JSON line.
pub fn print_json(value: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}

/// An RPC error in words; node rejections keep the node's message.
pub fn rpc_error(e: ClientError) -> anyhow::Error {
    match e.rpc_error() {
        Some((code, msg)) => anyhow::anyhow!("{}", rejection_words(code, &msg)),
        None => anyhow::Error::new(e),
    }
}

fn rejection_words(code: i32, msg: &str) -> String {
    match code {
        codes::BAD_TRANSACTION => format!("the node could not decode the transaction: {msg}"),
        codes::INVALID_TRANSACTION => format!("the node refused the transaction: {msg}"),
        codes::MEMPOOL_REJECTED => format!("the node's transaction pool refused it: {msg}"),
        codes::BAD_ADDRESS => format!("the node refused an address: {msg}"),
        codes::RATE_LIMITED => {
            format!("the node is rate-limiting this client, retry shortly: {msg}")
        }
        codes::STORAGE => format!("the node's storage failed: {msg}"),
        codes::TOO_LARGE => format!("the request is too large for the node: {msg}"),
        other => format!("the node answered with error {other}: {msg}"),
    }
}

/// A connection to a node, with the global flags.
pub struct Session {
    /// The client.
    pub client: Client,
    /// `--json`, `--no-prompt`.
    pub global: Global,
    /// `--tip`, paid by every paying transaction this session sends.
    pub tip: Rao,
}

/// What happened to a transaction.
#[derive(Clone, Debug)]
pub struct TxOutcome {
    /// Its hash.
    pub tx_hash: Hash,
    /// The nonce it was signed with.
    pub nonce: u64,
    /// Block it was finalized in.
    pub block_height: Option<u64>,
    /// That block's hash.
    pub block_hash: Option<Hash>,
    /// Whether the call succeeded.
    pub success: bool,
    /// Fee paid.
    pub fee: Option<Rao>,
    /// Why it failed, in words.
    pub error: Option<String>,
    /// The runtime's typed error.
    pub error_detail: Option<Value>,
}

impl TxOutcome {
    /// The outcome as JSON: `tx_hash`, `block_height`, `block_hash`, `success`, `fee`, `error`.
    pub fn to_json(&self) -> Value {
        json!({
            "tx_hash": self.tx_hash,
            "block_height": self.block_height,
            "block_hash": self.block_hash,
            "success": self.success,
            "fee": self.fee,
            "error": self.error,
            "error_detail": self.error_detail,
        })
    }
}

impl Session {
    /// Connects over WebSocket to the node `--rpc` names.
    pub async fn connect(rpc: &RpcOpts, global: Global) -> Result<Session> {
        let url = crate::context::resolve_rpc(rpc.rpc.as_deref());
        let tip = match &rpc.tip {
            Some(t) => parse_tao("--tip", t)?,
            None => Rao::ZERO,
        };
        let client = Client::connect(&url).await?;
        Ok(Session {
            client,
            global,
            tip,
        })
    }

    /// Human output goes to stdout, or to stderr with `--json`.
    pub fn say(&self, msg: impl AsRef<str>) {
        if self.global.json {
            eprintln!("{}", msg.as_ref());
        } else {
            println!("{}", msg.as_ref());
        }
    }

    /// What identifies the chain for signatures.
    pub async fn domain(&self) -> Result<ChainDomain> {
        let p = self
            .client
            .system_properties()
            .await
            .map_err(|e| rpc_error(e.into()))?;
        Ok(ChainDomain {
            chain_id: p.chain_id,
            genesis_hash: p.genesis_hash,
        })
    }

    /// Balances and next nonce of `who`.
    pub async fn account(&self, who: &AccountId) -> Result<AccountInfo> {
        self.client
            .state_get_account(who.to_ss58())
            .await
            .map_err(|e| rpc_error(e.into()))
    }

    /// Chain parameters.
    pub async fn params(&self) -> Result<ChainParams> {
        self.client
            .state_get_params()
            .await
            .map_err(|e| rpc_error(e.into()))
    }

    /// Finalized height.
    pub async fn finalized_height(&self) -> Result<u64> {
        Ok(self
            .client
            .chain_get_finalized_head()
            .await
            .map_err(|e| rpc_error(e.into()))?
            .height)
    }

    /// Makes sure `hotkey` has an owner before a call that needs one: if nobody owns it yet,
    /// associates it with `signer` (`staking.associate_hotkey`), signing the ownership proof
    /// with the wallet's hotkey `keys.hotkey`. `Ok(None)` when it already had an owner (the
    /// runtime judges whether it is the right one); the association's outcome otherwise.
    pub async fn associate_if_needed(
        &self,
        keys: &KeyOpts,
        hotkey: &AccountId,
        signer: &Keypair,
    ) -> Result<Option<TxOutcome>> {
        let owner = self
            .client
            .state_get_delegate(hotkey.to_ss58())
            .await
            .map_err(|e| rpc_error(e.into()))?;
        if owner.is_some() {
            return Ok(None);
        }
        let pair = keys.hotkey_pair(self.global)?;
        if pair.account_id() != *hotkey {
            bail!(
                "hotkey {} is not owned by any coldkey yet, and only its holder can associate it: \
                 use the wallet's own hotkey (--hotkey) or ask the hotkey's holder to associate it first",
                hotkey.to_ss58()
            );
        }
        let domain = self.domain().await?;
        let proof = pair
            .sign(&taonet_types::tx::hotkey_ownership_payload(
                &domain,
                &signer.account_id(),
            ))
            .0;
        let outcome = self
            .send(
                signer,
                Call::Staking(taonet_types::tx::StakingCall::AssociateHotkey {
                    hotkey: *hotkey,
                    proof,
                }),
                &[format!(
                    "The hotkey {} has no owner yet: associate it with this coldkey first",
                    hotkey.to_ss58()
                )],
            )
            .await?;
        if outcome.success && !self.global.json {
            eprintln!("Hotkey associated.");
        }
        Ok(Some(outcome))
    }

    /// Signs `call` with `signer`, shows `summary` and the fee, asks, submits and follows it
    /// to finality.
    pub async fn send(
        &self,
        signer: &Keypair,
        call: Call,
        summary: &[String],
    ) -> Result<TxOutcome> {
        let domain = self.domain().await?;
        let nonce = self.account(&signer.account_id()).await?.nonce;
        let mut tx = taonet_types::Transaction {
            signer: signer.account_id(),
            nonce,
            fee_limit: Rao(u64::MAX),
            tip: Rao::ZERO,
            call,
        };
        // The fee depends on the encoded size only, which the fee limit does not change.
        let estimate = self
            .client
            .payment_estimate_fee(Client::encode_transaction(&sign(signer, &tx, &domain)))
            .await
            .map_err(|e| rpc_error(e.into()))?;
        if estimate.free_call && self.tip > Rao::ZERO {
            return Err(usage!(
                "{} is a free call: it pays no fee and takes no tip; drop --tip",
                tx.call.name()
            ));
        }
        // The tip changes the fee, not the size the estimate was made for.
        tx.tip = self.tip;
        tx.fee_limit = estimate
            .fee
            .checked_add(self.tip)
            .ok_or_else(|| usage!("--tip {} is too large", tao(self.tip)))?;
        let signed = sign(signer, &tx, &domain);

        let fee_line = if estimate.free_call {
            "fee: none (free call)".to_string()
        } else if self.tip > Rao::ZERO {
            format!(
                "fee: {} (base {} + tip {})",
                tao(tx.fee_limit),
                tao(estimate.fee),
                tao(self.tip)
            )
        } else {
            format!("fee: {}", tao(estimate.fee))
        };
        if !self.global.json || !self.global.no_prompt {
            for line in summary {
                eprintln!("{line}");
            }
            eprintln!("  signer: {}", signer.ss58());
            eprintln!("  {fee_line}");
        }
        confirm(self.global, "Send this transaction?")?;

        let spinner = spinner(self.global);
        spinner.set_message("submitting…");
        let result = self
            .client
            .submit_and_watch(&signed, |status| {
                if matches!(status, TxStatus::Pending) {
                    spinner.set_message("in the pool, waiting for finality…");
                }
            })
            .await;
        spinner.finish_and_clear();
        let tx_hash = signed.hash();
        let rejected = |error: String| TxOutcome {
            tx_hash,
            nonce,
            block_height: None,
            block_hash: None,
            success: false,
            fee: None,
            error: Some(error),
            error_detail: None,
        };
        match result {
            Ok(TxStatus::Finalized {
                block_height,
                block_hash,
                success,
                fee,
                error,
                error_message,
                ..
            }) => Ok(TxOutcome {
                tx_hash,
                nonce,
                block_height: Some(block_height),
                block_hash: Some(block_hash),
                success,
                fee: Some(fee),
                error: if success {
                    None
                } else {
                    Some(error_message.unwrap_or_else(|| "the call failed".into()))
                },
                error_detail: error,
            }),
            Ok(_) | Err(ClientError::SubscriptionClosed) => Ok(rejected(
                "the node dropped the transaction before it was finalized (replaced, expired or \
                 evicted from the pool); check the nonce and balance and try again"
                    .into(),
            )),
            Err(e) => match e.rpc_error() {
                Some((code, msg)) => Ok(rejected(rejection_words(code, &msg))),
                None => Err(e.into()),
            },
        }
    }

    /// Prints `outcome` (merged with `extra` in JSON, followed by `notes` in words on
    /// success); exit 1 if it failed.
    pub fn finish(&self, outcome: &TxOutcome, extra: Value, notes: &[String]) -> Result<ExitCode> {
        if self.global.json {
            let mut out = outcome.to_json();
            if let (Some(o), Value::Object(e)) = (out.as_object_mut(), extra) {
                o.extend(e);
            }
            print_json(&out)?;
        }
        if outcome.success {
            if !self.global.json {
                println!(
                    "✔ finalized in block #{} ({}), fee {}",
                    outcome.block_height.unwrap_or(0),
                    outcome.block_hash.map(|h| h.to_hex()).unwrap_or_default(),
                    tao(outcome.fee.unwrap_or_default())
                );
                println!("  transaction {}", outcome.tx_hash);
                for n in notes {
                    println!("{n}");
                }
            }
            Ok(ExitCode::SUCCESS)
        } else {
            let why = outcome.error.clone().unwrap_or_default();
            match outcome.block_height {
                Some(h) => eprintln!(
                    "✘ the transaction was included in block #{h} but failed: {why} (fee {})",
                    tao(outcome.fee.unwrap_or_default())
                ),
                None => eprintln!("✘ the transaction was not accepted: {why}"),
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

fn sign(
    signer: &Keypair,
    tx: &taonet_types::Transaction,
    domain: &ChainDomain,
) -> SignedTransaction {
    let signature = signer.sign(&tx.signing_payload(domain));
    SignedTransaction {
        tx: tx.clone(),
        signature: signature.0,
    }
}

/// Asks `question` unless `--no-prompt`; refuses without a terminal.
pub fn confirm(global: Global, question: &str) -> Result<()> {
    if global.no_prompt {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        bail!(
            "not sending: there is no terminal to confirm on; pass --no-prompt to send without asking"
        );
    }
    let yes = dialoguer::Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact()
        .context("reading the answer from the terminal")?;
    if !yes {
        bail!("cancelled; nothing was sent");
    }
    Ok(())
}

/// A spinner on stderr, hidden with `--json` or when stderr is not a terminal.
pub fn spinner(global: Global) -> ProgressBar {
    if global.json || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        pb.set_style(style);
    }
    pb.enable_steady_tick(Duration::from_millis(100));
    pb
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use taonet_types::HyperparamUpdate;

    use super::*;

    fn is_usage(e: &anyhow::Error) -> bool {
        e.downcast_ref::<crate::UsageError>().is_some()
    }

    #[test]
    fn take_percent_to_u16() {
        assert_eq!(delegate::take_from_percent("0").unwrap(), 0);
        assert_eq!(delegate::take_from_percent("10").unwrap(), 6554);
        assert_eq!(delegate::take_from_percent("18%").unwrap(), 11_796);
        for bad in ["18.01", "-1", "abc", "NaN", "inf"] {
            assert!(
                is_usage(&delegate::take_from_percent(bad).unwrap_err()),
                "{bad}"
            );
        }
    }

    #[test]
    fn weights_scale_to_max_or_stay_raw() {
        assert_eq!(
            weights::to_u16_weights("0.5,0.25,0", false).unwrap(),
            vec![65535, 32768, 0]
        );
        assert_eq!(
            weights::to_u16_weights("3, 1", false).unwrap(),
            vec![65535, 21845]
        );
        assert_eq!(
            weights::to_u16_weights("100,65535", true).unwrap(),
            vec![100, 65535]
        );
        for (bad, raw) in [
            ("0,0", false),
            ("-1,2", false),
            ("x", false),
            ("70000", true),
        ] {
            assert!(
                is_usage(&weights::to_u16_weights(bad, raw).unwrap_err()),
                "{bad}"
            );
        }
    }

    #[test]
    fn hyperparam_names_and_values() {
        assert_eq!(
            subnet::parse_update("tempo", "20").unwrap(),
            HyperparamUpdate::Tempo(20)
        );
        assert_eq!(
            subnet::parse_update("alpha-values", "2000, 60000").unwrap(),
            HyperparamUpdate::AlphaValues(2000, 60000)
        );
        assert_eq!(
            subnet::parse_update("commit_reveal_enabled", "yes").unwrap(),
            HyperparamUpdate::CommitRevealEnabled(true)
        );
        assert_eq!(
            subnet::parse_update("min_burn", "0.001").unwrap(),
            HyperparamUpdate::MinBurn(Rao(1_000_000))
        );
        let e = subnet::parse_update("kappa", "1").unwrap_err();
        assert!(is_usage(&e) && e.to_string().contains("serving_rate_limit"));
        assert!(is_usage(
            &subnet::parse_update("tempo", "70000").unwrap_err()
        ));
        assert!(is_usage(
            &subnet::parse_update("alpha_values", "1").unwrap_err()
        ));
    }

    #[test]
    fn axon_addresses() {
        let v4 = axon::axon_info("10.0.0.1", 8091, 4, 1).unwrap();
        assert_eq!((v4.ip, v4.ip_type), (0x0a00_0001, 4));
        assert_eq!(v4.socket_addr().unwrap().to_string(), "10.0.0.1:8091");
        let v6 = axon::axon_info("::1", 1, 4, 0).unwrap();
        assert_eq!((v6.ip, v6.ip_type), (1, 6));
        assert!(is_usage(
            &axon::axon_info("300.0.0.1", 1, 4, 0).unwrap_err()
        ));
    }

    #[test]
    fn consensus_public_keys() {
        let k = consensus::public_key_hex(&format!("0x{}", "ab".repeat(32))).unwrap();
        assert_eq!(k, [0xab; 32]);
        assert!(is_usage(&consensus::public_key_hex("0xabcd").unwrap_err()));
        assert!(is_usage(&consensus::public_key_hex("zz").unwrap_err()));
    }

    #[test]
    fn short_addresses_and_units() {
        let a = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
        assert_eq!(short(a), "5Grwv…utQY");
        assert_eq!(unit(u16::MAX), "1.0000");
        assert_eq!(percent(0), "0.00%");
        assert_eq!(tao(Rao(1_500_000_000)), "1.5 τ");
    }
}
