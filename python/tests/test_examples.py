"""The Python examples (`examples/python/`) run against the real local network.

- The template subnet: a linear and a quadratic numpy miner and the Python validator on a
  subnet of their own; both miners earn incentive and the better model earns more.
- The text subnet's `NextByte` declared in Python: a Python n-gram miner, queried and scored
  by the Rust validator (`taonet validator run`), earns incentive.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, cli_json, free_ports, run_cli, taonet_bin, wait_for

import taonet

EXAMPLES = REPO / "examples" / "python"


class Processes:
    """Background processes of one test, each logging to a file; all stopped at the end."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, *argv: str, env: dict[str, str] | None = None) -> None:
        log = open(self.logs / f"{name}.log", "wb")
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("TAONET_")}
        full_env.update(env or {})
        proc = subprocess.Popen(
            list(argv), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=full_env
        )
        log.close()
        self.procs.append((name, proc))

    def check_alive(self) -> bool:
        """Raises with the log of any process that already exited."""
        for name, proc in self.procs:
            if proc.poll() is not None:
                raise AssertionError(f"{name} exited with {proc.returncode}:\n{self.tail(name)}")
        return True

    def tail(self, name: str) -> str:
        return "\n".join((self.logs / f"{name}.log").read_text(errors="replace").splitlines()[-30:])

    def report(self) -> str:
        return "\n".join(f"--- {name}\n{self.tail(name)}" for name, _ in self.procs)

    def stop(self) -> None:
        for _, proc in self.procs:
            proc.terminate()
        for _, proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[Processes]:
    p = Processes(tmp_path)
    try:
        yield p
    finally:
        p.stop()


def new_subnet(
    localnet: dict[str, Any], sub: taonet.Subtensor, root: Path, hotkeys: list[str]
) -> tuple[int, taonet.Wallet]:
    """A subnet created by a fresh wallet (funded by bob, its owner hotkey staked so it gets a
    validator permit), with `hotkeys` of the same wallet registered on it."""
    owner = taonet.Wallet(name="owner", hotkey="default", path=str(root))
    owner.create_new_coldkey(use_password=False, suppress=True)
    owner.create_new_hotkey(suppress=True)
    bob = taonet.Wallet(name="bob", hotkey="default", path=localnet["wallet_path"])
    sub.transfer(bob, owner.coldkeypub.ss58_address, 3_000)
    created = cli_json(
        "--no-prompt",
        "subnet",
        "create",
        "--wallet-path",
        str(root),
        "--wallet-name",
        "owner",
        "--rpc",
        localnet["rpc"],
        home=localnet["home"],
    )
    netuid = created["netuid"]
    sub.add_stake(owner, amount=500)
    for name in hotkeys:
        w = taonet.Wallet(name="owner", hotkey=name, path=str(root))
        w.create_new_hotkey(suppress=True)
        sub.burned_register(w, netuid)
    return netuid, owner


def incentives(sub: taonet.Subtensor, netuid: int) -> dict[str, float]:
    meta = sub.metagraph(netuid)
    return {hotkey: float(i) for hotkey, i in zip(meta.hotkeys, meta.I, strict=True)}


def test_the_template_subnet_pays_the_better_model_more(
    localnet: dict[str, Any], procs: Processes, tmp_path: Path
) -> None:
    sub = taonet.Subtensor(network=localnet["rpc"])
    root = tmp_path / "wallets"
    netuid, _ = new_subnet(localnet, sub, root, ["linear", "quadratic"])
    linear_port, quadratic_port = free_ports(2)
    common = ("--netuid", str(netuid), "--wallet-name", "owner", "--wallet-path", str(root))
    common += ("--network", localnet["rpc"])
    template = EXAMPLES / "template"
    for model, port in (("linear", linear_port), ("quadratic", quadratic_port)):
        procs.start(
            model,
            sys.executable,
            str(template / "miner.py"),
            *common,
            "--hotkey",
            model,
            "--model",
            model,
            "--port",
            str(port),
        )
    procs.start("validator", sys.executable, str(template / "validator.py"), *common)

    linear = taonet.Wallet(name="owner", hotkey="linear", path=str(root)).hotkey.ss58_address
    quadratic = taonet.Wallet(name="owner", hotkey="quadratic", path=str(root)).hotkey.ss58_address

    def paid() -> bool:
        procs.check_alive()
        i = incentives(sub, netuid)
        return i[quadratic] > i[linear] > 0

    try:
        wait_for("the miners' incentive", paid, timeout=180)
    except AssertionError as e:
        raise AssertionError(f"{e}\n{procs.report()}") from None
    # Both miners published their axons from Python.
    axons = {a.hotkey: a.port for a in sub.metagraph(netuid).axons}
    assert axons[linear] == linear_port and axons[quadratic] == quadratic_port


def test_a_python_next_byte_miner_is_scored_by_the_rust_validator(
    localnet: dict[str, Any], procs: Processes, tmp_path: Path
) -> None:
    sub = taonet.Subtensor(network=localnet["rpc"])
    root = tmp_path / "wallets"
    netuid, _ = new_subnet(localnet, sub, root, ["py-next-byte"])
    corpus = tmp_path / "corpus.txt"
    run_cli("miner", "corpus", "--out", str(corpus), "--bytes", "300000", home=localnet["home"])
    (port,) = free_ports(1)
    procs.start(
        "python-miner",
        sys.executable,
        str(EXAMPLES / "next_byte" / "miner.py"),
        "--corpus",
        str(corpus),
        "--netuid",
        str(netuid),
        "--wallet-name",
        "owner",
        "--hotkey",
        "py-next-byte",
        "--wallet-path",
        str(root),
        "--network",
        localnet["rpc"],
        "--port",
        str(port),
    )
    procs.start(
        "rust-validator",
        str(taonet_bin()),
        "validator",
        "run",
        "--netuid",
        str(netuid),
        "--wallet-path",
        str(root),
        "--wallet-name",
        "owner",
        "--rpc",
        localnet["rpc"],
        "--allow-private-axons",
        "--round-interval",
        "2",
        "--query-timeout",
        "5",
        env={"HOME": str(localnet["home"])},
    )
    miner = taonet.Wallet(name="owner", hotkey="py-next-byte", path=str(root)).hotkey.ss58_address

    def paid() -> bool:
        procs.check_alive()
        return incentives(sub, netuid)[miner] > 0

    try:
        wait_for("the Python miner's incentive", paid, timeout=180)
    except AssertionError as e:
        raise AssertionError(f"{e}\n{procs.report()}") from None
    # The Rust validator's weights on chain name the Python miner.
    meta = sub.metagraph(netuid, lite=False)
    assert meta.W is not None
    owner_uid = 0
    assert meta.W[owner_uid][meta.hotkeys.index(miner)] > 0


def test_a_python_dendrite_queries_the_rust_miner(
    localnet: dict[str, Any], procs: Processes, tmp_path: Path
) -> None:
    """The Python `NextByte` declaration and `taonet.Dendrite` against `taonet miner run`: the
    Rust axon verifies the Python-signed request (permit included) and its answer parses."""
    sys.path.insert(0, str(EXAMPLES / "next_byte"))
    try:
        from protocol import NextByte  # the example's declaration
    finally:
        sys.path.pop(0)
    import base64

    sub = taonet.Subtensor(network=localnet["rpc"])
    root = tmp_path / "wallets"
    netuid, owner = new_subnet(localnet, sub, root, ["rust-miner"])
    model = tmp_path / "model.safetensors"
    run_cli(
        "miner", "train", "--out", str(model), "--order", "3", "--bytes", "100000",
        home=localnet["home"],
    )  # fmt: skip
    (port,) = free_ports(1)
    procs.start(
        "rust-miner",
        str(taonet_bin()),
        "miner",
        "run",
        "--netuid",
        str(netuid),
        "--model",
        str(model),
        "--axon-port",
        str(port),
        "--wallet-path",
        str(root),
        "--wallet-name",
        "owner",
        "--hotkey",
        "rust-miner",
        "--rpc",
        localnet["rpc"],
        env={"HOME": str(localnet["home"])},
    )
    miner = taonet.Wallet(name="owner", hotkey="rust-miner", path=str(root)).hotkey.ss58_address

    def serving() -> Any:
        procs.check_alive()
        meta = sub.metagraph(netuid)
        axon = meta.axons[meta.hotkeys.index(miner)]
        return axon if axon.port == port else None

    axon = wait_for("the Rust miner's axon on chain", serving, timeout=120)
    # The owner's hotkey holds a validator permit once an epoch has run with its stake.
    wait_for(
        "the owner's validator permit",
        lambda: bool(sub.metagraph(netuid).validator_permit[0]),
        timeout=120,
    )
    prefixes = [b"the quick ", b"a tale of ", b"\xe2\x82"]
    request = NextByte(prefixes=[base64.b64encode(p).decode() for p in prefixes])
    dendrite = taonet.Dendrite(wallet=owner)

    def answered() -> Any:
        (answer,) = dendrite.query([axon], request, timeout=10, deserialize=False)
        return answer if answer.is_success else None

    answer = wait_for("an answer (the miner refreshes its metagraph every 5 s)", answered, 60)
    assert answer.dendrite.status_code == 200
    assert answer.axon.hotkey == miner
    assert answer.prefixes == request.prefixes
    assert answer.distributions is not None and len(answer.distributions) == len(prefixes)
    for d in answer.distributions:
        weights = base64.b64decode(d)
        assert len(weights) == 512 and any(weights)
    # An unregistered caller is refused by the Rust miner's blacklist, as bittensor reports it.
    stranger = taonet.Wallet(name="stranger", hotkey="default", path=str(root))
    stranger.create_new_coldkey(use_password=False, suppress=True)
    stranger.create_new_hotkey(suppress=True)
    (refused,) = taonet.Dendrite(wallet=stranger).query([axon], request, timeout=10)
    assert refused.dendrite.status_code == 403 and refused.is_blacklist
    assert "Unrecognized hotkey" in (refused.dendrite.status_message or "")
