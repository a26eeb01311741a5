//! `taonet._taonet.Node`: a blocking connection to a node, under the Python `Subtensor`.
//!
//! # Rules
//! - One WebSocket connection per `Node`, driven by a one-worker tokio runtime the node owns;
//!   every call blocks the calling Python thread with the GIL released.
//! - Reads come from the finalized state. Amounts cross as integers of rao (the Python layer
//!   wraps them in `Balance`); structured answers cross as the RPC's JSON text.
//! - Writes are built here and sent with `taonet_neuron::tx::TxSender` (next nonce, fee limit =
//!   the node's estimate, tip 0, followed to finality): transfers, stake and registration
//!   are signed by the wallet's coldkey, serving and weights by its hotkey. Each returns
//!   `(block, fee_rao)`; any refusal or failure raises `ChainError`.
//! - Weights (`set_weights`, `commit_weights`, `reveal_weights`) are normalised by
//!   [`normalize_weights`] before they are sent or hashed, so a commit and its reveal made
//!   from the same inputs hash alike; `version_key` defaults to the subnet's
//!   `weights_version_key`.
//! - Commit-reveal: `commit_weights` sends `weights_commit_hash(hotkey, netuid, uids,
//!   weights, salt, version_key)` (salt: one or more u16 words, kept by the caller);
//!   `reveal_weights` sends the same values in clear. The runtime accepts a reveal only on a
//!   subnet with `commit_reveal_enabled`, matching a stored commit, in the epoch exactly
//!   `reveal_period_epochs` after the commit's (earlier: `reveal_too_early`, later:
//!   `commit_expired`, no match: `no_matching_commit`), each raised as `ChainError`.
//! - Staking to the wallet's own hotkey while no coldkey owns it first associates it with
//!   the coldkey (`staking.associate_hotkey`, proof signed by the hotkey), as
//!   `taonet stake add` does.

use std::future::Future;
use std::net::IpAddr;

use pyo3::exceptions::{PyConnectionError, PyValueError};
use pyo3::prelude::*;
use taonet_client::prelude::*;
use taonet_crypto::{Keypair, Ss58};
use taonet_neuron::error::TxError;
use taonet_neuron::tx::TxSender;
use taonet_types::tx::{
    AxonInfo as ChainAxonInfo, BalancesCall, CommitmentCall, NeuronCall, StakingCall, WeightsCall,
    hotkey_ownership_payload, weights_commit_hash,
};
use taonet_types::{AccountId, Call, Rao};

use crate::ChainError;
use crate::metagraph::Metagraph;
use crate::wallet::PyWallet;

/// A blocking connection to a taonet node.
#[pyclass(module = "taonet._taonet", frozen)]
pub struct Node {
    url: String,
    rt: tokio::runtime::Runtime,
    tx: TxSender,
}

fn rpc_err(e: impl std::fmt::Display) -> PyErr {
    ChainError::new_err(format!("node RPC failed: {e}"))
}

fn address(what: &str, ss58: &str) -> PyResult<AccountId> {
    AccountId::from_ss58(ss58)
        .map_err(|e| PyValueError::new_err(format!("{what} {ss58:?} is not an SS58 address: {e}")))
}

/// The hotkey `hotkey` names, or the wallet's own hotkey when none is given.
fn hotkey_or_own(wallet: &PyWallet, hotkey: Option<&str>) -> PyResult<AccountId> {
    match hotkey {
        Some(h) => address("hotkey", h),
        None => wallet.hotkey_account(),
    }
}

fn json_text(v: &impl serde::Serialize) -> PyResult<String> {
    serde_json::to_string(v).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// A `ChainError` for `e`, with `message`, `block`, `kind` and `call` attributes.
fn chain_err(py: Python<'_>, e: TxError) -> PyErr {
    let (message, block, kind, call) = match &e {
        TxError::Failed {
            call,
            block,
            message,
            kind,
        } => (
            message.clone(),
            (*block > 0).then_some(*block),
            kind.clone(),
            Some(call.to_string()),
        ),
        TxError::Refused(m) => (m.clone(), None, None, None),
        other => (other.to_string(), None, None, None),
    };
    let err = ChainError::new_err(e.to_string());
    let value = err.value(py);
    for (name, set) in [
        ("message", value.setattr("message", message)),
        ("block", value.setattr("block", block)),
        ("kind", value.setattr("kind", kind)),
        ("call", value.setattr("call", call)),
    ] {
        if let Err(e) = set {
            return PyValueError::new_err(format!("cannot set ChainError.{name}: {e}"));
        }
    }
    err
}

/// Weights as the chain takes them, normalised as bittensor does: every weight divided by the
/// largest and scaled to 65535 (rounded half to even, as Python's `round`), zero weights
/// dropped with their uids; all zero gives two empty lists.
#[pyfunction]
pub fn normalize_weights(uids: Vec<i64>, weights: Vec<f64>) -> PyResult<(Vec<u16>, Vec<u16>)> {
    if uids.len() != weights.len() {
        return Err(PyValueError::new_err(format!(
            "{} uids but {} weights: give one weight per uid",
            uids.len(),
            weights.len()
        )));
    }
    let mut out_uids = Vec::with_capacity(uids.len());
    for u in &uids {
        out_uids.push(
            u16::try_from(*u)
                .map_err(|_| PyValueError::new_err(format!("uid {u} is not a uid")))?,
        );
    }
    if weights.iter().any(|w| !w.is_finite() || *w < 0.0) {
        return Err(PyValueError::new_err(
            "weights must be finite and non-negative",
        ));
    }
    let max = weights.iter().copied().fold(0.0_f64, f64::max);
    if max <= 0.0 {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut kept_uids = Vec::new();
    let mut kept = Vec::new();
    for (uid, w) in out_uids.into_iter().zip(weights) {
        // In [0, 65535] by construction, so the cast is exact.
        let v = (w / max * f64::from(u16::MAX)).round_ties_even() as u16;
        if v != 0 {
            kept_uids.push(uid);
            kept.push(v);
        }
    }
    Ok((kept_uids, kept))
}

/// A commit-reveal salt as the chain takes it: one or more u16 words.
fn salt_words(salt: Vec<i64>) -> PyResult<Vec<u16>> {
    if salt.is_empty() {
        return Err(PyValueError::new_err(
            "the salt is empty: give one or more words of 0 to 65535 (e.g. 8 random ones), \
             and keep them to reveal",
        ));
    }
    salt.into_iter()
        .map(|w| {
            u16::try_from(w).map_err(|_| {
                PyValueError::new_err(format!(
                    "salt word {w} is out of range: each word must be 0 to 65535"
                ))
            })
        })
        .collect()
}

impl Node {
    /// Runs `f(tx)` on the node's runtime with the GIL released.
    fn call<'a, T, F, Fut>(&'a self, py: Python<'_>, f: F) -> T
    where
        F: FnOnce(&'a TxSender) -> Fut + Send,
        Fut: Future<Output = T>,
        T: Send,
    {
        let tx = &self.tx;
        let rt = &self.rt;
        py.detach(move || rt.block_on(f(tx)))
    }

    /// Signs `call` with `signer`, submits it and waits for finality: `(block, fee_rao)`.
    fn submit(&self, py: Python<'_>, signer: &Keypair, call: Call) -> PyResult<(u64, u64)> {
        self.call(py, |tx| async move { tx.submit(signer, call).await })
            .map(|i| (i.block_height, i.fee.0))
            .map_err(|e| chain_err(py, e))
    }

    /// Reads the subnet's metagraph (with weights and bonds unless `lite`).
    pub(crate) fn fetch_metagraph(
        &self,
        py: Python<'_>,
        netuid: u16,
        lite: bool,
    ) -> PyResult<taonet_client::MetagraphInfo> {
        self.call(py, |tx| async move {
            tx.client().state_get_metagraph(netuid, !lite, !lite).await
        })
        .map_err(rpc_err)?
        .ok_or_else(|| PyValueError::new_err(format!("subnet {netuid} does not exist")))
    }

    /// `version_key`, or the subnet's `weights_version_key` when it is None.
    fn version_key_or_subnets(
        &self,
        py: Python<'_>,
        netuid: u16,
        version_key: Option<u64>,
    ) -> PyResult<u64> {
        if let Some(v) = version_key {
            return Ok(v);
        }
        Ok(self
            .call(py, |tx| async move {
                tx.client().state_get_subnet(netuid).await
            })
            .map_err(rpc_err)?
            .ok_or_else(|| PyValueError::new_err(format!("subnet {netuid} does not exist")))?
            .hyperparams
            .weights_version_key)
    }

    /// The owner of `hotkey`, if any.
    fn hotkey_owner(&self, py: Python<'_>, hotkey: &AccountId) -> PyResult<Option<String>> {
        let ss58 = hotkey.to_ss58();
        self.call(py, |tx| async move {
            tx.client().state_get_delegate(ss58).await
        })
        .map(|d| d.map(|d| d.owner))
        .map_err(rpc_err)
    }
}

#[pymethods]
impl Node {
    /// Connects (WebSocket) to the node at `url` (`ws://`, `http://` or `host:port`).
    #[new]
    fn py_new(py: Python<'_>, url: &str) -> PyResult<Self> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("taonet-python")
            .enable_all()
            .build()
            .map_err(|e| PyConnectionError::new_err(format!("starting the async runtime: {e}")))?;
        let target = url.to_string();
        let tx = py
            .detach(|| {
                rt.block_on(async {
                    let client = Client::connect(&target).await.map_err(|e| e.to_string())?;
                    TxSender::new(client).await.map_err(|e| e.to_string())
                })
            })
            .map_err(PyConnectionError::new_err)?;
        Ok(Node {
            url: url.to_string(),
            rt,
            tx,
        })
    }

    /// The URL this node was reached at.
    #[getter]
    fn url(&self) -> String {
        self.url.clone()
    }

    /// The chain id.
    #[getter]
    fn chain_id(&self) -> String {
        self.tx.domain().chain_id.clone()
    }

    /// Height of the last finalized block.
    fn block(&self, py: Python<'_>) -> PyResult<u64> {
        self.call(py, |tx| async move {
            tx.client().chain_get_finalized_head().await
        })
        .map(|h| h.height)
        .map_err(rpc_err)
    }

    /// Free balance of `ss58`, in rao.
    fn balance(&self, py: Python<'_>, ss58: &str) -> PyResult<u64> {
        let who = address("address", ss58)?.to_ss58();
        self.call(
            py,
            |tx| async move { tx.client().state_get_account(who).await },
        )
        .map(|a| a.free.0)
        .map_err(rpc_err)
    }

    /// The account record of `ss58` (free, nonce, staked, unbonding) as JSON.
    fn account_json(&self, py: Python<'_>, ss58: &str) -> PyResult<String> {
        let who = address("address", ss58)?.to_ss58();
        let a = self
            .call(
                py,
                |tx| async move { tx.client().state_get_account(who).await },
            )
            .map_err(rpc_err)?;
        json_text(&a)
    }

    /// The stake positions of a coldkey: `[(hotkey_ss58, rao), …]`.
    fn stake(&self, py: Python<'_>, coldkey: &str) -> PyResult<Vec<(String, u64)>> {
        let who = address("coldkey", coldkey)?.to_ss58();
        self.call(
            py,
            |tx| async move { tx.client().state_get_stake(who).await },
        )
        .map(|v| v.into_iter().map(|s| (s.hotkey, s.amount.0)).collect())
        .map_err(rpc_err)
    }

    /// Every subnet (`state_getSubnets`) as JSON.
    fn subnets_json(&self, py: Python<'_>) -> PyResult<String> {
        let v = self
            .call(
                py,
                |tx| async move { tx.client().state_get_subnets().await },
            )
            .map_err(rpc_err)?;
        json_text(&v)
    }

    /// One subnet with its hyperparameters (`state_getSubnet`) as JSON; None if absent.
    fn subnet_json(&self, py: Python<'_>, netuid: u16) -> PyResult<Option<String>> {
        let v = self
            .call(py, |tx| async move {
                tx.client().state_get_subnet(netuid).await
            })
            .map_err(rpc_err)?;
        v.map(|d| json_text(&d)).transpose()
    }

    /// One neuron with its weights and bonds (`state_getNeuron`) as JSON; None if absent.
    fn neuron_json(&self, py: Python<'_>, netuid: u16, uid: u16) -> PyResult<Option<String>> {
        let v = self
            .call(py, |tx| async move {
                tx.client().state_get_neuron(netuid, uid).await
            })
            .map_err(rpc_err)?;
        v.map(|n| json_text(&n)).transpose()
    }

    /// The data `uid` committed on `netuid` (`state_getCommitment`) as JSON (`netuid`, `uid`,
    /// `hotkey`, `block`, `data` as `0x`-hex); None if it has none.
    fn commitment_json(&self, py: Python<'_>, netuid: u16, uid: u16) -> PyResult<Option<String>> {
        let v = self
            .call(py, |tx| async move {
                tx.client().state_get_commitment(netuid, uid).await
            })
            .map_err(rpc_err)?;
        v.map(|c| json_text(&c)).transpose()
    }

    /// The subnet's metagraph as numpy arrays (weights and bonds too unless `lite`).
    #[pyo3(signature = (netuid, lite=true))]
    fn metagraph(slf: &Bound<'_, Self>, netuid: u16, lite: bool) -> PyResult<Metagraph> {
        let py = slf.py();
        let info = slf.get().fetch_metagraph(py, netuid, lite)?;
        Metagraph::build(py, slf.clone().unbind(), info, lite)
    }

    /// Sends `amount` rao from the wallet's coldkey to `dest`.
    fn transfer(
        &self,
        py: Python<'_>,
        wallet: PyRef<'_, PyWallet>,
        dest: &str,
        amount: u64,
    ) -> PyResult<(u64, u64)> {
        let dest = address("dest", dest)?;
        let signer = wallet.coldkey_pair(py)?;
        self.submit(
            py,
            &signer,
            Call::Balances(BalancesCall::Transfer {
                dest,
                amount: Rao(amount),
            }),
        )
    }

    /// Stakes `amount` rao from the wallet's coldkey on `hotkey` (default: the wallet's
    /// hotkey, associated with the coldkey first if nobody owns it yet).
    #[pyo3(signature = (wallet, hotkey, amount))]
    fn add_stake(
        &self,
        py: Python<'_>,
        wallet: PyRef<'_, PyWallet>,
        hotkey: Option<&str>,
        amount: u64,
    ) -> PyResult<(u64, u64)> {
        let signer = wallet.coldkey_pair(py)?;
        let hotkey = hotkey_or_own(&wallet, hotkey)?;
        if self.hotkey_owner(py, &hotkey)?.is_none() {
            let hot = wallet.hotkey_pair(py)?;
            if hot.account_id() != hotkey {
                return Err(ChainError::new_err(format!(
                    "hotkey {} is not owned by any coldkey yet; only a registered or associated \
                     hotkey can receive stake",
                    hotkey.to_ss58()
                )));
            }
            let proof = hot
                .sign(&hotkey_ownership_payload(
                    self.tx.domain(),
                    &signer.account_id(),
                ))
                .0;
            self.submit(
                py,
                &signer,
                Call::Staking(StakingCall::AssociateHotkey { hotkey, proof }),
            )?;
        }
        self.submit(
            py,
            &signer,
            Call::Staking(StakingCall::AddStake {
                hotkey,
                amount: Rao(amount),
            }),
        )
    }

    /// Unstakes `amount` rao from `hotkey` (default: the wallet's hotkey) into unbonding.
    #[pyo3(signature = (wallet, hotkey, amount))]
    fn remove_stake(
        &self,
        py: Python<'_>,
        wallet: PyRef<'_, PyWallet>,
        hotkey: Option<&str>,
        amount: u64,
    ) -> PyResult<(u64, u64)> {
        let signer = wallet.coldkey_pair(py)?;
        let hotkey = hotkey_or_own(&wallet, hotkey)?;
        self.submit(
            py,
            &signer,
            Call::Staking(StakingCall::RemoveStake {
                hotkey,
                amount: Rao(amount),
            }),
        )
    }

    /// Registers the wallet's hotkey on `netuid` by burning the registration cost (paid by
    /// the coldkey), at most `max_burn` rao (default: the current burn + 10%).
    #[pyo3(signature = (wallet, netuid, max_burn=None))]
    fn burned_register(
        &self,
        py: Python<'_>,
        wallet: PyRef<'_, PyWallet>,
        netuid: u16,
        max_burn: Option<u64>,
    ) -> PyResult<(u64, u64)> {
        let hotkey = wallet.hotkey_account()?;
        let signer = wallet.coldkey_pair(py)?;
        let max_burn = match max_burn {
            Some(m) => Rao(m),
            None => {
                let detail = self
                    .call(py, |tx| async move {
                        tx.client().state_get_subnet(netuid).await
                    })
                    .map_err(rpc_err)?
                    .ok_or_else(|| {
                        PyValueError::new_err(format!("subnet {netuid} does not exist"))
                    })?;
                let burn = detail.info.burn.0;
                Rao(burn.saturating_add(burn.div_ceil(10)))
            }
        };
        self.submit(
            py,
            &signer,
            Call::Neurons(NeuronCall::BurnedRegister {
                netuid,
                hotkey,
                max_burn,
            }),
        )
    }

    /// Publishes the axon address `ip:port` for the wallet's hotkey on `netuid`.
    #[pyo3(signature = (wallet, netuid, ip, port, protocol=4, version=0))]
    #[allow(clippy::too_many_arguments)]
    fn serve_axon(
        &self,
        py: Python<'_>,
        wallet: PyRef<'_, PyWallet>,
        netuid: u16,
        ip: &str,
        port: u16,
        protocol: u8,
        version: u32,
    ) -> PyResult<(u64, u64)> {
        let parsed: IpAddr = ip
            .trim()
            .parse()
            .map_err(|_| PyValueError::new_err(format!("{ip:?} is not an IPv4 or IPv6 address")))?;
        let (ip, ip_type) = match parsed {
            IpAddr::V4(v4) => (u128::from(u32::from(v4)), 4),
            IpAddr::V6(v6) => (u128::from(v6), 6),
        };
        let signer = wallet.hotkey_pair(py)?;
        self.submit(
            py,
            &signer,
            Call::Neurons(NeuronCall::ServeAxon {
                netuid,
                axon: ChainAxonInfo {
                    version,
                    ip,
                    port,
                    ip_type,
                    protocol,
                },
            }),
        )
    }

    /// Sets the wallet's hotkey's weights on `netuid` (normalised by [`normalize_weights`]);
    /// `version_key` defaults to the subnet's.
    #[pyo3(signature = (wallet, netuid, uids, weights, version_key=None))]
    fn set_weights(
        &self,
        py: Python<'_>,
        wallet: PyRef<'_, PyWallet>,
        netuid: u16,
        uids: Vec<i64>,
        weights: Vec<f64>,
        version_key: Option<u64>,
    ) -> PyResult<(u64, u64)> {
        let (uids, weights) = normalize_weights(uids, weights)?;
        let signer = wallet.hotkey_pair(py)?;
        let version_key = self.version_key_or_subnets(py, netuid, version_key)?;
        self.submit(
            py,
            &signer,
            Call::Weights(WeightsCall::SetWeights {
                netuid,
                uids,
                weights,
                version_key,
            }),
        )
    }

    /// Commits the wallet's hotkey to weights on `netuid` (a commit-reveal subnet) by sending
    /// only `weights_commit_hash(hotkey, netuid, uids, weights, salt, version_key)`, the
    /// weights normalised by [`normalize_weights`] and `version_key` defaulting to the
    /// subnet's; reveal the same values with `reveal_weights`.
    #[pyo3(signature = (wallet, netuid, uids, weights, salt, version_key=None))]
    #[allow(clippy::too_many_arguments)]
    fn commit_weights(
        &self,
        py: Python<'_>,
        wallet: PyRef<'_, PyWallet>,
        netuid: u16,
        uids: Vec<i64>,
        weights: Vec<f64>,
        salt: Vec<i64>,
        version_key: Option<u64>,
    ) -> PyResult<(u64, u64)> {
        let (uids, weights) = normalize_weights(uids, weights)?;
        let salt = salt_words(salt)?;
        let signer = wallet.hotkey_pair(py)?;
        let version_key = self.version_key_or_subnets(py, netuid, version_key)?;
        let commit_hash = weights_commit_hash(
            &signer.account_id(),
            netuid,
            &uids,
            &weights,
            &salt,
            version_key,
        );
        self.submit(
            py,
            &signer,
            Call::Weights(WeightsCall::CommitWeights {
                netuid,
                commit_hash,
            }),
        )
    }

    /// Reveals weights the wallet's hotkey committed on `netuid`: the same uids, weights
    /// (normalised as for the commit), salt and version key (default: the subnet's).
    #[pyo3(signature = (wallet, netuid, uids, weights, salt, version_key=None))]
    #[allow(clippy::too_many_arguments)]
    fn reveal_weights(
        &self,
        py: Python<'_>,
        wallet: PyRef<'_, PyWallet>,
        netuid: u16,
        uids: Vec<i64>,
        weights: Vec<f64>,
        salt: Vec<i64>,
        version_key: Option<u64>,
    ) -> PyResult<(u64, u64)> {
        let (uids, weights) = normalize_weights(uids, weights)?;
        let salt = salt_words(salt)?;
        let signer = wallet.hotkey_pair(py)?;
        let version_key = self.version_key_or_subnets(py, netuid, version_key)?;
        self.submit(
            py,
            &signer,
            Call::Weights(WeightsCall::RevealWeights {
                netuid,
                uids,
                weights,
                salt,
                version_key,
            }),
        )
    }

    /// Publishes `data` (1 to 1,024 bytes) for the wallet's hotkey's uid on `netuid`: a free
    /// call signed by the hotkey, rate-limited by the subnet's `commitment_rate_limit`.
    fn commit(
        &self,
        py: Python<'_>,
        wallet: PyRef<'_, PyWallet>,
        netuid: u16,
        data: Vec<u8>,
    ) -> PyResult<(u64, u64)> {
        let signer = wallet.hotkey_pair(py)?;
        self.submit(
            py,
            &signer,
            Call::Commitments(CommitmentCall::Set { netuid, data }),
        )
    }

    fn __repr__(&self) -> String {
        format!("Node({:?})", self.url)
    }
}
