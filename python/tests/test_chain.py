"""`Subtensor` and `Metagraph` against a real local network (`taonet localnet up`)."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import cli_json, wait_for

import taonet
from taonet import Balance

NETUID = 1
AXON_PORT = 8123


@pytest.fixture(scope="session")
def sub(localnet: dict[str, Any]) -> taonet.Subtensor:
    return taonet.Subtensor(network=localnet["rpc"])


def dev_wallet(localnet: dict[str, Any], name: str) -> taonet.Wallet:
    return taonet.Wallet(name=name, hotkey="default", path=localnet["wallet_path"])


@pytest.fixture(scope="session")
def bob(localnet: dict[str, Any]) -> taonet.Wallet:
    # Not a block producer on a one-validator network (alice is), so bob's balance moves only
    # with his own transactions.
    return dev_wallet(localnet, "bob")


@pytest.fixture(scope="session")
def miner(
    sub: taonet.Subtensor, bob: taonet.Wallet, tmp_path_factory: pytest.TempPathFactory
) -> taonet.Wallet:
    """A wallet made in Python and funded by bob with 50 TAO."""
    root = tmp_path_factory.mktemp("wallets")
    w = taonet.Wallet(name="pyminer", hotkey="default", path=str(root))
    w.create_new_coldkey(use_password=False, suppress=True)
    w.create_new_hotkey(suppress=True)
    sub.transfer(bob, w.coldkeypub.ss58_address, 50)
    return w


def cli(localnet: dict[str, Any], *args: str) -> Any:
    return cli_json(*args, "--rpc", localnet["rpc"], home=localnet["home"])


def test_block_advances(sub: taonet.Subtensor) -> None:
    first = sub.block
    assert first >= 1
    wait_for("a new finalized block", lambda: sub.block > first, timeout=60)
    assert sub.get_current_block() >= first + 1
    assert sub.chain_id == "taonet-local"


def test_the_network_is_found_as_the_cli_finds_it(
    localnet: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TAONET_RPC", raising=False)
    monkeypatch.setenv("TAONET_LOCALNET_DIR", localnet["dir"])
    assert taonet.resolve_network(None) == localnet["rpc"]
    assert taonet.Subtensor().network == localnet["rpc"]
    monkeypatch.setenv("TAONET_RPC", "ws://127.0.0.1:1")
    assert taonet.resolve_network(None) == "ws://127.0.0.1:1"
    assert taonet.resolve_network("ws://x:2") == "ws://x:2"
    monkeypatch.delenv("TAONET_RPC")
    monkeypatch.setenv("TAONET_LOCALNET_DIR", str(Path(localnet["dir"]) / "none"))
    assert taonet.resolve_network(None) == "ws://127.0.0.1:9944"
    with pytest.raises(ConnectionError):
        taonet.Subtensor("ws://127.0.0.1:1")


def test_get_balance_equals_the_cli_and_the_rpc(
    sub: taonet.Subtensor, bob: taonet.Wallet, localnet: dict[str, Any]
) -> None:
    address = bob.coldkeypub.ss58_address
    shown = cli(localnet, "wallet", "balance", "--ss58", address)
    balance = sub.get_balance(address)
    assert isinstance(balance, Balance)
    assert balance.rao == shown["free"]
    assert balance.rao > 0
    account = sub.get_account(address)
    assert account["free"] == balance
    assert account["nonce"] == shown["nonce"]


def test_transfer_moves_the_amount_and_the_fee(
    sub: taonet.Subtensor, bob: taonet.Wallet, tmp_path: Path
) -> None:
    dest = taonet.Wallet(name="dest", path=str(tmp_path))
    dest.create_new_coldkey(use_password=False, suppress=True)
    to = dest.coldkeypub.ss58_address
    sender = bob.coldkeypub.ss58_address
    before_sender, before_dest = sub.get_balance(sender), sub.get_balance(to)
    receipt = sub.transfer(bob, to, Balance.from_tao(12.5))
    assert receipt.block > 0
    assert receipt.fee.rao > 0
    assert receipt
    assert sub.get_balance(to) == before_dest + 12.5
    assert sub.get_balance(sender) == before_sender - Balance.from_tao(12.5) - receipt.fee
    # Plain TAO numbers work as amounts too.
    receipt = sub.transfer(bob, to, 1)
    assert sub.get_balance(to) == before_dest + 13.5


def test_waiting_calls_release_the_gil(
    sub: taonet.Subtensor, bob: taonet.Wallet, tmp_path: Path
) -> None:
    dest = taonet.Wallet(name="gil", path=str(tmp_path))
    dest.create_new_coldkey(use_password=False, suppress=True)
    stop = threading.Event()
    ticks = [0]

    def spin() -> None:
        while not stop.is_set():
            ticks[0] += 1

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        time.sleep(0.05)
        before = ticks[0]
        started = time.monotonic()
        sub.transfer(bob, dest.coldkeypub.ss58_address, 0.001)  # waits for finality
        elapsed = time.monotonic() - started
        during = ticks[0] - before
    finally:
        stop.set()
        spinner.join()
    # Another Python thread kept running the whole time the transfer waited.
    assert elapsed > 0.1
    assert during > 10_000


def test_an_overspend_raises_chain_error_with_the_nodes_words(
    sub: taonet.Subtensor, miner: taonet.Wallet, bob: taonet.Wallet
) -> None:
    address = miner.coldkeypub.ss58_address
    free = sub.get_balance(address)
    with pytest.raises(taonet.ChainError) as raised:
        sub.transfer(miner, bob.coldkeypub.ss58_address, free + 1)
    err = raised.value
    # The pool refuses a transaction its signer cannot pay for: never included, nothing paid.
    assert "insufficient balance" in err.message
    assert "insufficient balance" in str(err)
    assert err.block is None
    assert sub.get_balance(address) == free


def test_a_failed_call_raises_chain_error_with_the_runtimes_words(
    sub: taonet.Subtensor, miner: taonet.Wallet
) -> None:
    address = miner.coldkeypub.ss58_address
    free = sub.get_balance(address)
    # A registration burn limit below the price: included, failed, and its fee paid.
    with pytest.raises(taonet.ChainError) as raised:
        sub.burned_register(miner, NETUID, max_burn=Balance.from_rao(1))
    err = raised.value
    assert "above your limit" in err.message
    assert err.block is not None and err.block > 0
    assert err.call == "neurons.burned_register"
    assert err.kind == "price_limit_exceeded"
    paid = free - sub.get_balance(address)
    assert Balance(0) < paid < Balance.from_tao(0.01)
    assert miner.hotkey.ss58_address not in sub.metagraph(NETUID).hotkeys


def test_reads_of_subnets(sub: taonet.Subtensor) -> None:
    netuids = [s["netuid"] for s in sub.subnets()]
    assert NETUID in netuids
    assert sub.get_all_subnets_netuid() == netuids
    hyper = sub.get_subnet_hyperparameters(NETUID)
    assert hyper is not None
    assert hyper["tempo"] == 10
    assert hyper["commit_reveal_enabled"] is False
    assert sub.get_subnet_hyperparameters(999) is None
    assert sub.subnet_exists(NETUID) and not sub.subnet_exists(999)
    assert isinstance(sub.get_subnet_burn_cost(NETUID), Balance)


def test_register_stake_serve_and_set_weights_show_in_the_metagraph(
    sub: taonet.Subtensor, miner: taonet.Wallet, localnet: dict[str, Any]
) -> None:
    coldkey = miner.coldkeypub.ss58_address
    hotkey = miner.hotkey.ss58_address

    registered = sub.burned_register(miner, NETUID)
    assert registered.block > 0
    meta = sub.metagraph(NETUID)
    assert hotkey in meta.hotkeys
    uid = meta.hotkeys.index(hotkey)
    assert meta.coldkeys[uid] == coldkey
    assert meta.W is None and meta.B is None and meta.lite

    staked = sub.add_stake(miner, amount=5)
    assert staked.fee.rao > 0
    assert sub.get_stake(coldkey)[hotkey] >= Balance.from_tao(5)
    unstaked = sub.remove_stake(miner, amount=Balance.from_tao(1))
    assert unstaked.block > staked.block
    assert sub.get_account(coldkey)["unbonding"] == Balance.from_tao(1)

    served = sub.serve_axon(miner, NETUID, "127.0.0.1", AXON_PORT)
    assert served.block > 0
    # Weights are rate-limited per neuron (2 blocks on the local network) from registration.
    wait_for("the weights rate limit", lambda: sub.block >= registered.block + 3)
    weighted = sub.set_weights(miner, NETUID, uids=[uid], weights=[0.7])
    assert weighted.fee == 0  # a free call

    full = sub.metagraph(NETUID, lite=False)
    n = full.n
    assert n == len(full.hotkeys) and n >= 1
    assert full.hotkeys[uid] == hotkey
    assert full.uids[uid] == uid
    axon = full.axons[uid]
    assert (axon.ip, axon.port) == ("127.0.0.1", AXON_PORT)
    assert (axon.hotkey, axon.coldkey) == (hotkey, coldkey)
    assert axon.is_serving
    assert full.W is not None and full.W.shape == (n, n) and full.W.dtype == np.float32
    assert full.B is not None and full.B.shape == (n, n)
    # The weights row: a single self-weight, normalised to 1 (max-upscaled on chain).
    expected_row = np.zeros(n, dtype=np.float32)
    expected_row[uid] = 1.0
    assert np.array_equal(full.W[uid], expected_row)
    assert full.last_update[uid] == weighted.block
    assert full.S.dtype == np.float32 and full.S[uid] >= 4.0
    neuron = sub.neuron_for_uid(uid, NETUID)
    assert neuron is not None and neuron["hotkey"] == hotkey

    # A commitment: a free call signed by the hotkey, read back by uid as text and as bytes.
    assert sub.get_commitment(NETUID, uid) is None
    committed = sub.commit(miner, NETUID, "sha256:5eed")
    assert committed.fee == 0
    assert sub.get_commitment(NETUID, uid) == "sha256:5eed"
    assert sub.get_commitment_bytes(NETUID, uid) == b"sha256:5eed"
    # Past the rate limit (2 blocks on the local network), bad data is refused with the
    # runtime's words.
    wait_for("the commitment rate limit", lambda: sub.block >= committed.block + 3)
    with pytest.raises(taonet.ChainError, match="at least one byte"):
        sub.commit(miner, NETUID, b"")
    assert neuron["weights"] == [[uid, 65535]]
    assert neuron["axon"]["address"] == f"127.0.0.1:{AXON_PORT}"

    # sync() refreshes in place.
    first = full.block
    wait_for("a new block", lambda: sub.block > first)
    full.sync()
    assert full.block > first
    assert full.W is not None and full.W.shape == (full.n, full.n)


def _same_state(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a["neurons"] == b["neurons"]


def test_metagraph_arrays_equal_the_cli_field_by_field(
    sub: taonet.Subtensor, localnet: dict[str, Any], miner: taonet.Wallet
) -> None:
    args = ("subnet", "metagraph", "--netuid", str(NETUID), "--weights", "--bonds")
    # Read CLI, Python, CLI until nothing changed across the Python read (epochs change
    # stake and scores every 10 blocks).
    for _ in range(20):
        before = cli(localnet, *args)
        meta = sub.metagraph(NETUID, lite=False)
        after = cli(localnet, *args)
        if _same_state(before, after):
            break
    else:
        raise AssertionError("the metagraph never held still across a read")
    neurons = after["neurons"]
    n = len(neurons)
    assert meta.n == n and meta.netuid == NETUID
    u16 = np.float32(65535)
    assert meta.uids.tolist() == [x["uid"] for x in neurons]
    assert meta.hotkeys == [x["hotkey"] for x in neurons]
    assert meta.coldkeys == [x["coldkey"] for x in neurons]
    stake = np.array([x["stake"] / 1e9 for x in neurons], dtype=np.float32)
    assert np.array_equal(meta.S, stake)
    for arr, field in [
        (meta.I, "incentive"),
        (meta.D, "dividends"),
        (meta.C, "consensus"),
        (meta.validator_trust, "validator_trust"),
    ]:
        expected = np.array([x[field] for x in neurons], dtype=np.float32) / u16
        assert np.array_equal(arr, expected), field
        assert arr.dtype == np.float32
    emission = np.array([x["emission"] / 1e9 for x in neurons], dtype=np.float32)
    assert np.array_equal(meta.E, emission)
    assert meta.validator_permit.tolist() == [x["validator_permit"] for x in neurons]
    assert meta.validator_permit.dtype == np.bool_
    assert meta.active.tolist() == [int(x["active"]) for x in neurons]
    assert meta.last_update.tolist() == [x["last_update"] for x in neurons]
    for uid, x in enumerate(neurons):
        axon = meta.axons[uid]
        served = x.get("axon")
        assert f"{axon.ip}:{axon.port}" == (served["address"] if served else "0.0.0.0:0")
        row = np.zeros(n, dtype=np.float64)
        for j, w in x.get("weights") or []:
            row[j] = w
        if row.sum() > 0:
            row /= row.sum()
        assert np.allclose(meta.W[uid], row, atol=1e-6), uid
        bonds = np.zeros(n, dtype=np.float32)
        for j, b in x.get("bonds") or []:
            bonds[j] = b
        assert np.array_equal(meta.B[uid], bonds), uid


SALT = [7, 1_234, 65_535, 0, 42, 9, 31_337, 2]


@pytest.fixture(scope="session")
def cr_subnet(
    sub: taonet.Subtensor,
    bob: taonet.Wallet,
    localnet: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[int, taonet.Wallet, taonet.Wallet, int]:
    """A subnet made for commit-reveal: created by a Python wallet (funded by bob) through the
    CLI, commit-reveal on with a reveal period of 2 epochs, a second neuron registered.
    Returns (netuid, owner wallet (uid 0), second wallet (uid 1), block of the last change).
    """
    root = tmp_path_factory.mktemp("cr-wallets")
    owner = taonet.Wallet(name="crowner", hotkey="default", path=str(root))
    owner.create_new_coldkey(use_password=False, suppress=True)
    owner.create_new_hotkey(suppress=True)
    second = taonet.Wallet(name="crowner", hotkey="second", path=str(root))
    second.create_new_hotkey(suppress=True)
    sub.transfer(bob, owner.coldkeypub.ss58_address, 1_000)
    keys = ("--wallet-path", str(root), "--wallet-name", "crowner")
    created = cli(localnet, "--no-prompt", "subnet", "create", *keys)
    netuid = created["netuid"]
    assert created["success"] is True and isinstance(netuid, int), created

    def set_hyperparam(name: str, value: str) -> int:
        args = ("subnet", "set-hyperparam", *keys, "--netuid", str(netuid))
        out = cli(localnet, "--no-prompt", *args, "--name", name, "--value", value)
        assert out["success"] is True, out
        return out["block_height"]

    # A reveal period of 2 epochs makes a reveal right after the commit surely early.
    # Hyperparameter changes are rate-limited to one per two tempos (20 blocks here).
    enabled = set_hyperparam("commit_reveal_enabled", "true")
    registered = sub.burned_register(second, netuid)
    tempo = sub.get_subnet_hyperparameters(netuid)["tempo"]
    wait_for("the hyperparameter rate limit", lambda: sub.block + 1 >= enabled + 2 * tempo)
    changed = set_hyperparam("reveal_period_epochs", "2")
    meta = sub.metagraph(netuid)
    assert meta.hotkeys == [owner.hotkey.ss58_address, second.hotkey.ss58_address]
    assert registered.block < changed
    return netuid, owner, second, changed


def test_commit_and_reveal_weights(
    sub: taonet.Subtensor,
    localnet: dict[str, Any],
    cr_subnet: tuple[int, taonet.Wallet, taonet.Wallet, int],
) -> None:
    netuid, owner, _, changed = cr_subnet
    hyper = sub.get_subnet_hyperparameters(netuid)
    assert hyper is not None
    assert hyper["commit_reveal_enabled"] is True and hyper["reveal_period_epochs"] == 2

    # Commit-reveal is off on subnet 1: the runtime refuses a commit there.
    alice = dev_wallet(localnet, "alice")
    with pytest.raises(taonet.ChainError) as off:
        sub.commit_weights(alice, NETUID, SALT, uids=[0], weights=[1.0])
    assert off.value.kind == "commit_reveal_disabled"
    assert f"commit-reveal is disabled on subnet {NETUID}" in off.value.message

    # ... and on the commit-reveal subnet weights cannot be set directly.
    wait_for("the weights rate limit", lambda: sub.block >= changed + 3)
    with pytest.raises(taonet.ChainError) as direct:
        sub.set_weights(owner, netuid, uids=[0, 1], weights=[0.25, 0.75])
    assert direct.value.kind == "commit_reveal_enabled"

    # bittensor's parameter order: salt before uids and weights.
    committed = sub.commit_weights(owner, netuid, SALT, [0, 1], [0.25, 0.75])
    assert committed.block > 0 and committed.fee == 0

    # A reveal whose salt differs matches no commit.
    wrong_salt = [SALT[0] + 1, *SALT[1:]]
    with pytest.raises(taonet.ChainError) as mismatch:
        sub.reveal_weights(owner, netuid, [0, 1], [0.25, 0.75], wrong_salt)
    assert mismatch.value.kind == "no_matching_commit"
    assert "no commit matches this reveal" in str(mismatch.value)

    # The right values, two epochs early (the period is 2): the runtime names the first
    # block that may reveal.
    with pytest.raises(taonet.ChainError) as early:
        sub.reveal_weights(owner, netuid, uids=[0, 1], weights=[0.25, 0.75], salt=SALT)
    assert early.value.kind == "reveal_too_early"
    found = re.search(r"can be revealed from block (\d+)", early.value.message)
    assert found, early.value.message
    reveal_from = int(found.group(1))
    tempo = hyper["tempo"]
    assert committed.block + tempo < reveal_from <= committed.block + 2 * tempo + 1

    # Weights are scaled only by their ratio, so [1, 3] is the same commit as [0.25, 0.75].
    wait_for("the reveal epoch", lambda: sub.block + 1 >= reveal_from, timeout=180)
    revealed = sub.reveal_weights(owner, netuid, [0, 1], [1, 3], SALT)
    assert revealed.block >= reveal_from and revealed.fee == 0

    full = sub.metagraph(netuid, lite=False)
    assert full.W is not None
    assert np.allclose(full.W[0], [0.25, 0.75], atol=1e-6)
    assert full.last_update[0] == revealed.block
    neuron = sub.neuron_for_uid(0, netuid)
    assert neuron is not None and neuron["weights"] == [[0, 21845], [1, 65535]]

    # The commit is spent: revealing it again matches nothing.
    with pytest.raises(taonet.ChainError) as again:
        sub.reveal_weights(owner, netuid, [0, 1], [0.25, 0.75], SALT)
    assert again.value.kind == "no_matching_commit"


def test_commit_weights_checks_its_input(
    sub: taonet.Subtensor, cr_subnet: tuple[int, taonet.Wallet, taonet.Wallet, int]
) -> None:
    netuid, owner, _, _ = cr_subnet
    with pytest.raises(ValueError, match="salt is empty"):
        sub.commit_weights(owner, netuid, [], [0], [1.0])
    with pytest.raises(ValueError, match="salt word 65536 is out of range"):
        sub.commit_weights(owner, netuid, [65_536], [0], [1.0])
    with pytest.raises(ValueError, match="2 uids but 1 weights"):
        sub.reveal_weights(owner, netuid, [0, 1], [1.0], SALT)
