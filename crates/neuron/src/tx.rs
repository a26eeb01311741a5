//! Transactions from a neuron: sign, submit, follow to finality.
//!
//! Long-running neurons talk to the node over HTTP ([`Client::http`]): every request is
//! independent, so a node restart costs failed calls (retried by the loops), never a dead
//! connection.

use std::time::Duration;

use taonet_client::{TxStatus, prelude::*};
use taonet_crypto::Keypair;
use taonet_types::{Call, ChainDomain, Rao, SignedTransaction, Transaction};

use crate::error::TxError;

/// How long [`TxSender::submit`] follows a transaction before giving up on it.
pub const FINALITY_TIMEOUT: Duration = Duration::from_secs(60);

/// A neuron's connection to a node that signs, submits and follows its transactions to
/// finality (and lends its RPC client, [`TxSender::client`], for reads).
#[derive(Debug)]
pub struct TxSender {
    client: Client,
    domain: ChainDomain,
}

/// A transaction that made it into a finalized block and succeeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Included {
    /// Height of the finalized block that includes it.
    pub block_height: u64,
    /// The fee paid.
    pub fee: Rao,
}

impl TxSender {
    /// An HTTP client for the node at `url` (`http://`, `ws://` or `host:port`); reads the
    /// chain's signing domain.
    pub async fn connect(url: &str) -> Result<Self, TxError> {
        let client = Client::http(url).map_err(|e| TxError::Rpc(e.to_string()))?;
        Self::new(client).await
    }

    /// Wraps a connected client.
    pub async fn new(client: Client) -> Result<Self, TxError> {
        let p = client
            .system_properties()
            .await
            .map_err(|e| TxError::Rpc(e.to_string()))?;
        Ok(TxSender {
            client,
            domain: ChainDomain {
                chain_id: p.chain_id,
                genesis_hash: p.genesis_hash,
            },
        })
    }

    /// The RPC client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// What identifies the chain for signatures (transactions and vouchers).
    pub fn domain(&self) -> &ChainDomain {
        &self.domain
    }

    /// Signs `call` with `signer` at its next nonce, submits it and waits until it is
    /// finalized. A call that fails on chain is [`TxError::Failed`] with the runtime's
    /// words.
    pub async fn submit(&self, signer: &Keypair, call: Call) -> Result<Included, TxError> {
        self.submit_at(signer, call, None).await
    }

    /// [`Self::submit`] at nonce `at` (`None`: the signer's next nonce on chain), so that
    /// several transactions of one signer can be in flight with consecutive nonces.
    pub async fn submit_at(
        &self,
        signer: &Keypair,
        call: Call,
        at: Option<u64>,
    ) -> Result<Included, TxError> {
        let name = call.name();
        let rpc = |e: taonet_client::ClientError| match e.rpc_error() {
            // A free call that would fail is refused before inclusion; report it like a
            // failed call, with the runtime's typed error kind.
            Some((_, msg)) if e.rpc_error_data().is_some() => TxError::Failed {
                call: name,
                block: 0,
                kind: e.rpc_error_data().as_ref().and_then(error_kind),
                message: msg,
            },
            Some((_, msg)) => TxError::Refused(msg),
            None => TxError::Rpc(e.to_string()),
        };
        let nonce = match at {
            Some(n) => n,
            None => self.next_nonce(signer).await?,
        };
        let mut tx = Transaction {
            signer: signer.account_id(),
            nonce,
            fee_limit: Rao(u64::MAX),
            tip: Rao::ZERO,
            call,
        };
        // The fee depends on the encoded size only, which the fee limit does not change.
        let estimate = self
            .client
            .payment_estimate_fee(Client::encode_transaction(&self.sign(signer, &tx)))
            .await
            .map_err(|e| rpc(e.into()))?;
        tx.fee_limit = estimate.fee;
        let signed = self.sign(signer, &tx);
        let watch = self.client.submit_and_watch(&signed, |_| {});
        match tokio::time::timeout(FINALITY_TIMEOUT, watch).await {
            Err(_) => Err(TxError::Timeout(FINALITY_TIMEOUT)),
            Ok(Err(e)) => Err(rpc(e)),
            Ok(Ok(TxStatus::Finalized {
                block_height,
                success,
                fee,
                error,
                error_message,
                ..
            })) => {
                if success {
                    Ok(Included { block_height, fee })
                } else {
                    Err(TxError::Failed {
                        call: name,
                        block: block_height,
                        message: error_message.unwrap_or_else(|| "the call failed".into()),
                        kind: error.as_ref().and_then(error_kind),
                    })
                }
            }
            Ok(Ok(_)) => Err(TxError::Dropped),
        }
    }

    /// The signer's next unused nonce in the finalized state.
    pub async fn next_nonce(&self, signer: &Keypair) -> Result<u64, TxError> {
        self.client
            .state_get_account(signer.ss58())
            .await
            .map(|a| a.nonce)
            .map_err(|e| TxError::Rpc(e.to_string()))
    }

    fn sign(&self, signer: &Keypair, tx: &Transaction) -> SignedTransaction {
        SignedTransaction {
            tx: tx.clone(),
            signature: signer.sign(&tx.signing_payload(&self.domain)).0,
        }
    }
}

/// The variant name of a typed runtime error (`{"module": …, "error": {"<kind>": …}}` or
/// `{"module": …, "error": "<kind>"}`).
fn error_kind(v: &serde_json::Value) -> Option<String> {
    match v.get("error")? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Object(o) => o.keys().next().cloned(),
        _ => None,
    }
}
