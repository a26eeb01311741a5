"""Fixtures: the `taonet` CLI binary and one real local network for the whole session."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


def taonet_bin() -> Path:
    """The CLI the tests drive: `TAONET_BIN`, else the workspace's debug build."""
    path = Path(os.environ.get("TAONET_BIN", REPO / "target" / "debug" / "taonet"))
    if not path.exists():
        raise RuntimeError(f"{path} does not exist: build it with `cargo build -p taonet-cli`")
    return path


def run_cli(*args: str, home: Path, check: bool = True, **env: str) -> subprocess.CompletedProcess:
    """Runs `taonet ARGS` with HOME=`home` (so nothing of the user's is touched)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TAONET_")}
    full_env.update({"HOME": str(home), **env})
    proc = subprocess.run(
        [str(taonet_bin()), *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"taonet {' '.join(args)} exited {proc.returncode}\n"
            f"stdout: {proc.stdout}\nstderr: {proc.stderr}"
        )
    return proc


def cli_json(*args: str, home: Path, **env: str) -> Any:
    """`taonet --json ARGS`, parsed."""
    return json.loads(run_cli("--json", *args, home=home, **env).stdout)


def free_ports(count: int) -> list[int]:
    """`count` distinct TCP ports free on loopback now."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def wait_for(what: str, check: Any, timeout: float = 120.0) -> Any:
    """Polls `check()` until it returns something truthy, which it returns."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.25)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A fresh HOME / wallet root for one test."""
    return tmp_path


@pytest.fixture(scope="session")
def localnet() -> Iterator[dict[str, Any]]:
    """A one-validator local network (`taonet localnet up --no-neurons`) in a temporary
    directory on fresh ports; its record (`rpc`, `wallet_path`, `dir`, `home`). Taken down
    and deleted at the end of the session."""
    tmp = tempfile.TemporaryDirectory(prefix="taonet-pytest-")
    base = Path(tmp.name)
    netdir = base / "localnet"
    rpc, p2p, metrics = free_ports(3)
    common = ("localnet", "--dir", str(netdir))
    try:
        record = cli_json(
            *common,
            "up",
            "--validators",
            "1",
            "--no-neurons",
            "--rpc-port",
            str(rpc),
            "--p2p-port",
            str(p2p),
            "--metrics-port",
            str(metrics),
            "--timeout",
            "240",
            home=base,
        )
        yield {
            "rpc": record["nodes"][0]["rpc"],
            "wallet_path": record["wallet_path"],
            "dir": str(netdir),
            "home": base,
        }
    finally:
        run_cli(*common, "down", "--purge", home=base, check=False)
        tmp.cleanup()
