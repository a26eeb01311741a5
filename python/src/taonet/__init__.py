"""taonet: the Python SDK of the taonet chain, over its Rust crates.

Names and shapes follow bittensor's, so porting is mechanical::

    import taonet

    sub = taonet.Subtensor()                     # TAONET_RPC, the local network, or :9944
    wallet = taonet.Wallet(name="alice", hotkey="default")
    print(sub.block, sub.get_balance(wallet.coldkeypub.ss58_address))

    meta = sub.metagraph(1, lite=False)          # numpy arrays filled in Rust
    print(meta.n, meta.S, meta.W.shape)

    receipt = sub.transfer(wallet, "5F…", 1.5)   # signed in Rust, waits for finality
    print(receipt.block, receipt.fee)

Public names:

- :class:`Keypair` — an sr25519 key: ``ss58_address``, ``public_key``, ``sign``, ``verify``.
- :class:`Wallet` — bittensor's wallet layout: ``coldkeypub``, ``coldkey``, ``hotkey``,
  ``create_new_coldkey``, ``create_new_hotkey``, ``regenerate_coldkey``, …
- :class:`Balance` — an exact amount of TAO (rao inside).
- :class:`Subtensor` — chain reads and signed writes; :class:`TxReceipt` for each write.
- :class:`AsyncSubtensor` — the same methods as coroutines (``await sub.get_balance(…)``).
- :class:`Metagraph`, :class:`AxonInfo` — a subnet's neurons as numpy arrays.
- :class:`ChainError` — a transaction refused or failed, with the runtime's words.
- :class:`KeyFileError` — a keyfile that cannot be read, unlocked or written.
- :class:`Synapse`, :class:`StreamingSynapse`, :class:`TerminalInfo` — request/response
  objects, wire-compatible with bittensor 10.5's.
- :class:`Axon` — serve synapses (the Rust axon checks every request first).
- :class:`Dendrite` — call axons with signed synapses (``query``, ``await dendrite(…)``,
  ``call_stream``).
"""

from taonet._taonet import (
    AxonInfo,
    ChainError,
    KeyFileError,
    Keypair,
    Metagraph,
    Wallet,
    normalize_weights,
)
from taonet.async_subtensor import AsyncSubtensor
from taonet.axon import Axon
from taonet.balance import RAO_PER_TAO, Amount, Balance
from taonet.dendrite import Dendrite
from taonet.stream import StreamingSynapse
from taonet.subtensor import Subtensor, TxReceipt, resolve_network
from taonet.synapse import Synapse, TerminalInfo

__all__ = [
    "RAO_PER_TAO",
    "Amount",
    "AsyncSubtensor",
    "Axon",
    "AxonInfo",
    "Balance",
    "ChainError",
    "Dendrite",
    "KeyFileError",
    "Keypair",
    "Metagraph",
    "StreamingSynapse",
    "Subtensor",
    "Synapse",
    "TerminalInfo",
    "TxReceipt",
    "Wallet",
    "normalize_weights",
    "resolve_network",
]
