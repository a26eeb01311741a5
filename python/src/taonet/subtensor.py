"""`Subtensor`: a blocking connection to a taonet node, with bittensor's method names."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taonet import _taonet
from taonet._taonet import Metagraph, Wallet
from taonet.balance import Amount, Balance, to_rao

RPC_ENV = "TAONET_RPC"
LOCALNET_ENV = "TAONET_LOCALNET_DIR"
DEFAULT_RPC = "ws://127.0.0.1:9944"


@dataclass(frozen=True)
class TxReceipt:
    """A finalized, successful transaction: its ``block`` and the ``fee`` it paid."""

    block: int
    """Height of the finalized block that includes it."""
    fee: Balance
    """The fee paid (zero for free calls such as weights and serving)."""
    success: bool = True
    """Always True: a failure raises :class:`taonet.ChainError` instead."""

    def __bool__(self) -> bool:
        return self.success


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # A zombie is not alive.
    return not stat.rsplit(") ", 1)[-1].startswith("Z")


def local_network_rpc() -> str | None:
    """RPC URL of the first running node of the local network (``taonet localnet up``).

    The network is the one in ``TAONET_LOCALNET_DIR``, else ``~/.taonet/localnet``; None if
    none is running there.
    """
    base = os.environ.get(LOCALNET_ENV) or str(Path.home() / ".taonet" / "localnet")
    try:
        record = json.loads((Path(base) / "localnet.json").read_text())
    except (OSError, ValueError):
        return None
    for node in record.get("nodes", []):
        if _pid_alive(int(node.get("pid", 0))):
            return str(node["rpc"])
    return None


def resolve_network(network: str | None) -> str:
    """The node URL for ``network``: itself, else ``TAONET_RPC``, else the running local
    network's first node, else ``ws://127.0.0.1:9944`` (as the ``taonet`` CLI finds it)."""
    if network:
        return network
    env = os.environ.get(RPC_ENV)
    if env:
        return env
    return local_network_rpc() or DEFAULT_RPC


def _receipt(result: tuple[int, int]) -> TxReceipt:
    block, fee = result
    return TxReceipt(block=block, fee=Balance.from_rao(fee))


class Subtensor:
    """A connection to a taonet node, named and shaped as bittensor's ``Subtensor``.

    Every method blocks until the node answers (reads) or the transaction is finalized
    (writes), with the GIL released while it waits. Reads come from the finalized state.
    Writes are signed in Rust with the wallet's coldkey (transfers, stake, registration) or
    hotkey (serving, weights), return a :class:`TxReceipt`, and raise
    :class:`taonet.ChainError` with the runtime's words when refused or failed.
    """

    def __init__(self, network: str | None = None) -> None:
        """Connects to ``network`` (``ws://``, ``http://`` or ``host:port``); None finds the
        node as the CLI does (``TAONET_RPC``, the running local network, ``ws://127.0.0.1:9944``).
        """
        self.network: str = resolve_network(network)
        """The URL of the node."""
        self._node = _taonet.Node(self.network)

    def __repr__(self) -> str:
        return f"Subtensor(network={self.network!r})"

    # ----- reads -----

    @property
    def block(self) -> int:
        """Height of the last finalized block."""
        return self._node.block()

    def get_current_block(self) -> int:
        """Height of the last finalized block (same as :attr:`block`)."""
        return self._node.block()

    @property
    def chain_id(self) -> str:
        """The chain's id (e.g. ``taonet-local``)."""
        return self._node.chain_id

    def get_balance(self, address: str) -> Balance:
        """Free balance of ``address`` (SS58)."""
        return Balance.from_rao(self._node.balance(address))

    def get_account(self, address: str) -> dict[str, Any]:
        """The account record of ``address``: ``free``, ``nonce``, ``staked``, ``unbonding``
        (amounts as :class:`Balance`)."""
        record = json.loads(self._node.account_json(address))
        for key in ("free", "staked", "unbonding"):
            record[key] = Balance.from_rao(record[key])
        return record

    def get_stake(self, coldkey_ss58: str) -> dict[str, Balance]:
        """The stake of ``coldkey_ss58`` on each hotkey: ``{hotkey_ss58: Balance}``."""
        return {hotkey: Balance.from_rao(rao) for hotkey, rao in self._node.stake(coldkey_ss58)}

    def subnets(self) -> list[dict[str, Any]]:
        """Every subnet as the node describes it (``netuid``, ``name``, ``owner``, ``n``,
        ``max_n``, ``tempo``, ``burn`` in rao, …), by netuid."""
        return json.loads(self._node.subnets_json())

    def get_all_subnets_netuid(self) -> list[int]:
        """The netuids of every subnet."""
        return [s["netuid"] for s in self.subnets()]

    def subnet_exists(self, netuid: int) -> bool:
        """Whether a subnet has this netuid."""
        return self._node.subnet_json(netuid) is not None

    def get_subnet_hyperparameters(self, netuid: int) -> dict[str, Any] | None:
        """The hyperparameters in force on ``netuid`` (``tempo``, ``weights_rate_limit``,
        ``commit_reveal_enabled``, …; amounts in rao); None if there is no such subnet."""
        text = self._node.subnet_json(netuid)
        return None if text is None else json.loads(text)["hyperparams"]

    def get_subnet_burn_cost(self, netuid: int) -> Balance | None:
        """What registering on ``netuid`` burns now; None if there is no such subnet."""
        text = self._node.subnet_json(netuid)
        return None if text is None else Balance.from_rao(json.loads(text)["burn"])

    def metagraph(self, netuid: int, lite: bool = True) -> Metagraph:
        """The metagraph of ``netuid`` as numpy arrays; ``lite=False`` adds ``W`` and ``B``."""
        return self._node.metagraph(netuid, lite)

    def neuron_for_uid(self, uid: int, netuid: int) -> dict[str, Any] | None:
        """Neuron ``uid`` of ``netuid`` with its weights and bonds, as the node gives it
        (``hotkey``, ``coldkey``, ``stake`` in rao, u16 ``incentive``/``dividends``/…,
        ``axon``, ``weights``, ``bonds``); None if the uid is free. Argument order as
        bittensor's."""
        text = self._node.neuron_json(netuid, uid)
        return None if text is None else json.loads(text)

    def get_commitment(self, netuid: int, uid: int) -> str | None:
        """The data ``uid`` committed on ``netuid`` (as bittensor's ``get_commitment``): the
        text when it is UTF-8, else ``0x``-hex; None if the uid has committed nothing."""
        data = self.get_commitment_bytes(netuid, uid)
        if data is None:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return "0x" + data.hex()

    def get_commitment_bytes(self, netuid: int, uid: int) -> bytes | None:
        """The raw bytes ``uid`` committed on ``netuid``; None if it has committed nothing."""
        text = self._node.commitment_json(netuid, uid)
        if text is None:
            return None
        return bytes.fromhex(json.loads(text)["data"].removeprefix("0x"))

    # ----- writes -----

    def transfer(self, wallet: Wallet, dest: str, amount: Amount) -> TxReceipt:
        """Sends ``amount`` (TAO, or a Balance) from the wallet's coldkey to ``dest``."""
        return _receipt(self._node.transfer(wallet, dest, to_rao(amount)))

    def add_stake(
        self, wallet: Wallet, hotkey_ss58: str | None = None, amount: Amount = 0
    ) -> TxReceipt:
        """Stakes ``amount`` from the wallet's coldkey on ``hotkey_ss58`` (default: the
        wallet's hotkey, associated with the coldkey first if nobody owns it yet)."""
        return _receipt(self._node.add_stake(wallet, hotkey_ss58, to_rao(amount)))

    def remove_stake(
        self, wallet: Wallet, hotkey_ss58: str | None = None, amount: Amount = 0
    ) -> TxReceipt:
        """Unstakes ``amount`` from ``hotkey_ss58`` (default: the wallet's hotkey); it is
        paid to the free balance after the unbonding period."""
        return _receipt(self._node.remove_stake(wallet, hotkey_ss58, to_rao(amount)))

    def burned_register(
        self, wallet: Wallet, netuid: int, max_burn: Amount | None = None
    ) -> TxReceipt:
        """Registers the wallet's hotkey on ``netuid``, the coldkey burning the registration
        cost (at most ``max_burn``; default: the current cost + 10%)."""
        limit = None if max_burn is None else to_rao(max_burn)
        return _receipt(self._node.burned_register(wallet, netuid, limit))

    def serve_axon(
        self,
        wallet: Wallet,
        netuid: int,
        ip: str,
        port: int,
        protocol: int = 4,
        version: int = 0,
    ) -> TxReceipt:
        """Publishes the axon address ``ip:port`` of the wallet's hotkey on ``netuid``."""
        return _receipt(self._node.serve_axon(wallet, netuid, ip, port, protocol, version))

    def set_weights(
        self,
        wallet: Wallet,
        netuid: int,
        uids: Sequence[int],
        weights: Sequence[float],
        version_key: int | None = None,
    ) -> TxReceipt:
        """Sets the wallet's hotkey's weights on ``netuid``.

        ``weights`` (floats or ints, numpy arrays too) are normalised as bittensor does:
        scaled so the largest is 65535, zeros dropped (see :func:`normalize_weights`).
        ``version_key`` defaults to the subnet's ``weights_version_key``.
        """
        uids_list = [int(u) for u in uids]
        weights_list = [float(w) for w in weights]
        return _receipt(
            self._node.set_weights(wallet, netuid, uids_list, weights_list, version_key)
        )

    def commit_weights(
        self,
        wallet: Wallet,
        netuid: int,
        salt: Sequence[int],
        uids: Sequence[int],
        weights: Sequence[float],
        version_key: int | None = None,
    ) -> TxReceipt:
        """Commits the wallet's hotkey to weights on ``netuid`` (a subnet with
        ``commit_reveal_enabled``) by hash; bittensor's parameter order.

        Only ``weights_commit_hash(hotkey, netuid, uids, weights, salt, version_key)`` goes on
        chain, with ``weights`` normalised as :meth:`set_weights` does. ``salt`` is one or
        more ints of 0 to 65535 (e.g. 8 random ones) that you keep: :meth:`reveal_weights`
        must repeat it with the same uids, weights and version key, in the subnet epoch
        ``reveal_period_epochs`` after the commit's. ``version_key`` defaults to the subnet's
        ``weights_version_key``. Raises :class:`taonet.ChainError` when commit-reveal is off
        on the subnet (``commit_reveal_disabled``) or the hotkey has too many unrevealed
        commits; ``ValueError`` for a bad salt, uid or weight.
        """
        return _receipt(
            self._node.commit_weights(
                wallet,
                netuid,
                [int(u) for u in uids],
                [float(w) for w in weights],
                [int(s) for s in salt],
                version_key,
            )
        )

    def reveal_weights(
        self,
        wallet: Wallet,
        netuid: int,
        uids: Sequence[int],
        weights: Sequence[float],
        salt: Sequence[int],
        version_key: int | None = None,
    ) -> TxReceipt:
        """Reveals weights committed with :meth:`commit_weights` (same uids, weights, salt and
        version key); on success they become the hotkey's weights row, as
        :meth:`set_weights` would set it. bittensor's parameter order.

        Raises :class:`taonet.ChainError` whose ``kind`` is ``no_matching_commit`` when no
        commit has these values' hash (a wrong salt, uid, weight or version key),
        ``reveal_too_early`` before the reveal epoch (the message names the first block that
        may reveal), ``commit_expired`` after it, or ``commit_reveal_disabled``.
        """
        return _receipt(
            self._node.reveal_weights(
                wallet,
                netuid,
                [int(u) for u in uids],
                [float(w) for w in weights],
                [int(s) for s in salt],
                version_key,
            )
        )

    def commit(self, wallet: Wallet, netuid: int, data: str | bytes) -> TxReceipt:
        """Publishes ``data`` (text or bytes, 1 to 1,024 bytes) for the wallet's hotkey's uid
        on ``netuid`` — a model hash, an endpoint, … A free call signed by the hotkey,
        rate-limited by the subnet's ``commitment_rate_limit``; read it back with
        :meth:`get_commitment`."""
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        return _receipt(self._node.commit(wallet, netuid, raw))
