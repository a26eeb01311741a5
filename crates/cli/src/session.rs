//! The transaction session of the chain commands: a connection to a node that signs, prices,
//! confirms, submits and follows transactions, and turns the node's answers into words.
//!
//! A transaction goes: fetch the chain domain and the signer's nonce → estimate the fee →
//! show what will be sent and ask (skipped with `--no-prompt`; refused without a terminal) →
//! sign → submit and follow it to finality (with a spinner on a terminal) → print the outcome:
//! the block and the fee on success, the runtime's error in words on failure (exit 1). A node
//! that refuses the transaction outright (invalid, pool full, …) is reported in words too
//! (exit 1).

use std::future::Future;
use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use taonet_client::{AccountInfo, TxStatus, codes, prelude::*};
use taonet_crypto::{Keypair, Ss58};
use taonet_types::{AccountId, Call, ChainDomain, ChainParams, Hash, Rao, SignedTransaction};

use crate::args::{KeyOpts, RpcOpts, parse_tao};
use crate::output::{print_json, tao};
use crate::progress::spinner;
use crate::{Global, usage};

/// Runs `fut` on a small current-thread runtime.
pub fn block_on<T>(fut: impl Future<Output = Result<T>>) -> Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(fut)
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
    /// The node's RPC client (a WebSocket, so transactions can be followed).
    pub client: Client,
    /// `--json`, `--no-prompt`.
    pub global: Global,
    /// `--tip`, paid by every paying transaction this session sends.
    pub tip: Rao,
}

/// What happened to a transaction.
#[derive(Clone, Debug)]
pub struct TxOutcome {
    /// The transaction's hash.
    pub tx_hash: Hash,
    /// The nonce it was signed with.
    pub nonce: u64,
    /// The block it was finalized in (none when the node refused or dropped it).
    pub block_height: Option<u64>,
    /// That block's hash.
    pub block_hash: Option<Hash>,
    /// Whether the call succeeded (a failed call is still included and pays its fee).
    pub success: bool,
    /// The fee paid, when it was included.
    pub fee: Option<Rao>,
    /// Why it failed, in words.
    pub error: Option<String>,
    /// The runtime's typed error as the node reported it (`{"module": …, "error": …}`).
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
        let url = crate::context::resolve_rpc(rpc.rpc.as_deref())?;
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

    /// The proof that the holder of `hotkey` agrees to be owned by `owner` on this chain:
    /// `hotkey`'s signature over [`taonet_types::tx::hotkey_ownership_payload`] (what
    /// `staking.associate_hotkey` and `staking.swap_hotkey` carry).
    pub async fn ownership_proof(&self, hotkey: &Keypair, owner: &AccountId) -> Result<[u8; 64]> {
        let domain = self.domain().await?;
        Ok(hotkey
            .sign(&taonet_types::tx::hotkey_ownership_payload(&domain, owner))
            .0)
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
        let proof = self.ownership_proof(&pair, &signer.account_id()).await?;
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
