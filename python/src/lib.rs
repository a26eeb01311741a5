//! `taonet._taonet`: the native half of the `taonet` Python package.
//!
//! The Python SDK (`pip install ./python`, then `import taonet`) is a thin Python layer
//! (`python/src/taonet/`) over this extension module, which wraps the Rust crates so that
//! Python and Rust share one implementation of every protocol rule:
//!
//! | Python name | here | over |
//! | --- | --- | --- |
//! | `taonet.Keypair` | [`keys::PyKeypair`] | `taonet_crypto::Keypair` (sr25519, SS58, `<Bytes>` verification) |
//! | `taonet.Wallet` | [`wallet::PyWallet`] | `taonet_crypto::wallet` (bittensor's layout, `$NACL` keyfiles) |
//! | `taonet.Subtensor` (Python) over `_taonet.Node` | [`node::Node`] | `taonet_client` reads, `taonet_neuron::tx::TxSender` writes |
//! | `taonet.Metagraph` | [`metagraph::Metagraph`] | the node's `state_getMetagraph`, as numpy arrays |
//! | `taonet.ChainError`, `taonet.KeyFileError` | [`ChainError`], [`KeyFileError`] | |
//! | `taonet.Synapse`, `taonet.StreamingSynapse` (pure Python, pydantic) | | bittensor 10.5's JSON, headers and body hash |
//! | `taonet.Axon` (Python) over `_taonet.AxonServer`, `_taonet.StreamSink` | [`axon::AxonServer`], [`axon::StreamSink`] | `taonet_neuron::axon::Axon::attach_json` (every check in Rust; `MetagraphBlacklist` + `StakePriority` given a netuid) |
//! | `taonet.Dendrite` (Python) over `_taonet.DendriteClient`, `_taonet.ChunkIter` | [`dendrite::DendriteClient`], [`dendrite::ChunkIter`] | `taonet_neuron::dendrite::Dendrite::call_json` / `call_stream_json` |
//!
//! ```python
//! import taonet
//!
//! sub = taonet.Subtensor("ws://127.0.0.1:9944")
//! wallet = taonet.Wallet(name="alice", path="~/.taonet/localnet/wallets")
//! print(sub.block, sub.get_balance(wallet.coldkeypub.ss58_address))
//! meta = sub.metagraph(1, lite=False)
//! print(meta.n, meta.S, meta.W.shape)
//! sub.set_weights(wallet, 1, uids=[0, 1], weights=[0.25, 0.75])
//! ```
//!
//! # Invariants
//! - Every call that waits on the network or on key derivation releases the GIL
//!   (`Python::detach`) while it waits, so other Python threads keep running.
//! - Transactions are signed here, in Rust, with the wallet's coldkey or hotkey as the call
//!   requires, priced with the node's fee estimate (fee limit = estimate, tip 0) and followed
//!   to finality; a refused or failed transaction raises [`ChainError`] with the runtime's
//!   words, and nothing is reported as done before it is finalized.
//! - Secrets never cross into Python except where asked for (`Keypair.sign`); keyfiles are
//!   written atomically with mode 0600 and an existing key is never replaced without
//!   `overwrite=True`.
//! - Metagraph arrays are built from Rust vectors in one copy each (no per-element Python
//!   objects).
//! - This crate writes no `unsafe`; the workspace's `forbid(unsafe_code)` is left out only
//!   because the code PyO3's macros generate uses it.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

pub mod axon;
pub mod dendrite;
pub mod keys;
pub mod metagraph;
pub mod node;
pub mod wallet;

create_exception!(
    taonet,
    ChainError,
    PyException,
    "A transaction was refused by the node or failed on chain; `message` holds the runtime's \
     words, `block` the block it failed in (None if never included), `kind` the runtime's \
     error variant when the node gave it."
);

create_exception!(
    taonet,
    KeyFileError,
    PyException,
    "A keyfile could not be read, decrypted or written (missing, wrong password, or an \
     existing key that would be replaced without overwrite=True)."
);

/// The extension module `taonet._taonet`.
#[pymodule]
fn _taonet(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<keys::PyKeypair>()?;
    m.add_class::<wallet::PyWallet>()?;
    m.add_class::<node::Node>()?;
    m.add_class::<metagraph::Metagraph>()?;
    m.add_class::<metagraph::AxonInfo>()?;
    m.add("ChainError", py.get_type::<ChainError>())?;
    m.add("KeyFileError", py.get_type::<KeyFileError>())?;
    m.add_class::<axon::AxonServer>()?;
    m.add_class::<axon::StreamSink>()?;
    m.add_class::<dendrite::DendriteClient>()?;
    m.add_class::<dendrite::ChunkIter>()?;
    m.add_function(wrap_pyfunction!(node::normalize_weights, m)?)?;
    Ok(())
}
