"""Benchmarks of the taonet Python SDK against the bittensor 10.5 Python package.

::

    cargo build --release -p taonet-neuron --example sdk_bench_targets
    target/test-venv/bin/pip install --force-reinstall --no-deps ./python    # release build
    target/test-venv/bin/python python/bench/bench_sdk.py [--quick] [--json out.json]

One command runs the three comparisons, starting and stopping everything it needs, and prints a
Markdown table (and, with ``--json``, the raw numbers):

1. **Metagraph** (``metagraph``). ``sdk_bench_targets chain`` serves a real chain whose subnet 1
   holds ``--uids`` neurons (``--validators`` of them with full weight rows and bonds).
   taonet: ``Subtensor(rpc).metagraph(1, lite=False)`` end to end — the JSON-RPC request, the
   node building and serialising the snapshot (in its own process, on the same cores), the
   WebSocket transfer, parsing and filling the numpy arrays in Rust. bittensor's metagraph
   cannot talk to this chain, so its row is only its client-side work after the RPC, fed the
   same neurons as the dicts its runtime-API decoder yields: ``NeuronInfo.list_from_dicts``
   (what ``Subtensor.neurons`` returns), ``Metagraph._set_metagraph_attributes`` and
   ``Metagraph._set_weights_and_bonds`` (``W`` and ``B``). Not included on bittensor's side:
   the RPC, the SCALE decoding, and the extra calls ``sync`` makes for stake
   (``get_subnet_state``) and ``MetagraphInfo``. Both sides' ``W`` and ``B`` are checked equal.
2. **Axon** (``axon``). A trivial forward (returns the synapse) served by a ``taonet.Axon`` and
   by a ``bittensor.Axon`` (defaults), each alone in its own Python process. One load generator
   drives both: ``sdk_bench_targets load``, a Rust process that signs every request before it
   starts (headers and body as the Rust dendrite builds them, one uuid per connection), then
   replays them over ``concurrency`` keep-alive connections from one thread, closed loop
   (send, read the whole answer, send the next), a warm-up then a fixed window. Only 200
   answers count; latency is each call's own time; the generator reports its own CPU per
   call. See the ``load`` mode's docs in ``crates/neuron/examples/sdk_bench_targets.rs``.
3. **Fan-out** (``fanout``). ``sdk_bench_targets axons`` serves ``--axons`` Rust axons (one
   process, the echo synapse). One round is one ``taonet.Dendrite.query(axons, synapse)`` vs
   one ``await bittensor.Dendrite.forward(axons, synapse)`` with the same synapse declared in
   both SDKs; every answer is checked (200, right output). Median and p99 of the round time
   after warm-up rounds.

``--quick`` runs a small version of each (for CI, under a minute). Nothing here is a timing
threshold; the goals are printed beside the numbers.
"""

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar, Optional

import numpy as np

import taonet
from taonet import Keypair, Synapse
from taonet.axon import AxonEndpoint

REPO = Path(__file__).resolve().parents[2]
"""The workspace root (``python/bench/`` is two levels below it)."""

TARGETS_ENV = "TAONET_BENCH_TARGETS"
"""Environment variable naming the ``sdk_bench_targets`` binary to use."""

TIMEOUT_S = 12.0
"""The calls' deadline (bittensor's default)."""

MINER_URI = "//BenchAxonMiner"
"""Dev URI of the hotkey the Python axons sign with."""

VALIDATOR_URI = "//BenchValidator"
"""Dev URI of the hotkey every dendrite here signs with."""


class EchoSynapse(Synapse):
    """The benchmarks' synapse; same name, fields and hashed fields as the Rust echo synapse
    of ``crates/neuron/benches/support/echo.rs`` and as :func:`bt_echo_class`."""

    value: int = 0
    items: list[int] = []
    output: Optional[int] = None  # noqa: UP045 (declared as bittensor users do)
    required_hash_fields: ClassVar[tuple[str, ...]] = ("value", "items")


def request() -> EchoSynapse:
    """The request every call sends (the Rust axons answer ``output = 2·7 + 1 + 2 + 3``)."""
    return EchoSynapse(value=7, items=[1, 2, 3])


ECHO_OUTPUT = 20
"""What the Rust echo axons answer to :func:`request`."""


def bt_echo_class() -> type:
    """bittensor's twin of :class:`EchoSynapse` (imports bittensor)."""
    import bittensor as bt

    class EchoSynapse(bt.Synapse):
        value: int = 0
        items: list[int] = []
        output: Optional[int] = None  # noqa: UP045
        required_hash_fields: ClassVar[tuple[str, ...]] = ("value", "items")

    return EchoSynapse


def import_bittensor() -> Any:
    """bittensor, with its external-IP lookup (an HTTP call to an IP-echo service, made by
    ``Dendrite()``) answered locally: this benchmark runs offline."""
    try:
        import bittensor as bt
        from bittensor.utils import networking
    except ImportError as e:
        raise SystemExit(
            f"bittensor is not importable ({e}): install bittensor 10.5 in this Python "
            "(the test venv has it: target/test-venv/bin/python)"
        ) from e
    networking.get_external_ip = lambda: "127.0.0.1"
    return bt


# ----- processes -----


def targets_binary(given: str | None) -> Path:
    """The ``sdk_bench_targets`` binary: ``given``, else ``$TAONET_BENCH_TARGETS``, else the
    workspace's release build, else its debug build."""
    candidates = [given, os.environ.get(TARGETS_ENV)]
    if given is None and not candidates[1]:
        candidates += [
            str(REPO / "target" / "release" / "examples" / "sdk_bench_targets"),
            str(REPO / "target" / "debug" / "examples" / "sdk_bench_targets"),
        ]
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    raise SystemExit(
        "sdk_bench_targets not found: build it with `cargo build --release -p taonet-neuron "
        f"--example sdk_bench_targets`, or name it with --targets-bin or ${TARGETS_ENV}"
    )


class Service:
    """A child process that prints one JSON line when ready and serves until its stdin
    closes; use as a context manager (the process is ended on exit)."""

    def __init__(self, argv: list[str], what: str, ready_timeout: float = 300.0) -> None:
        self.what = what
        """What it is, for error messages."""
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        """The child process."""
        self._err: list[str] = []
        self._err_thread = threading.Thread(target=self._drain, daemon=True)
        self._err_thread.start()
        self.info: dict[str, Any] = self._ready(ready_timeout)
        """The JSON the child printed when ready."""

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._err.append(line)
            del self._err[:-40]

    def _ready(self, timeout: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()))
        reader.daemon = True
        reader.start()
        reader.join(timeout)
        if not line or not line[0].strip():
            self.close()
            raise RuntimeError(
                f"{self.what} did not start (exit status {self.proc.returncode}); its last "
                f"words:\n{''.join(self._err[-20:])}"
            )
        return json.loads(line[0])

    def close(self) -> None:
        """Closes the child's stdin (it exits) and waits; kills it after 10 s."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> "Service":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    """Waits until something accepts connections on 127.0.0.1:``port``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


# ----- numbers -----


def pct(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


@dataclass
class Timing:
    """Repeated timings of one operation, in seconds."""

    samples: list[float]
    """Each run's time."""

    @property
    def p50(self) -> float:
        """Median."""
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        """99th percentile (nearest rank)."""
        return pct(self.samples, 99)

    def summary(self) -> dict[str, float]:
        """``{"p50_ms", "p99_ms", "runs"}``."""
        return {"p50_ms": self.p50 * 1e3, "p99_ms": self.p99 * 1e3, "runs": len(self.samples)}


def timed(fn: Callable[[], Any], runs: int, warmup: int) -> Timing:
    """Calls ``fn`` ``warmup`` times, then times ``runs`` calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return Timing(samples)


# ----- 1. metagraph -----


def _rpc(http: str, method: str, params: list[Any]) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    req = urllib.request.Request(http, body, {"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        answer = json.loads(r.read())
    if "error" in answer:
        raise RuntimeError(f"{method} failed: {answer['error']}")
    return answer["result"]


def _ip_int(address: str) -> tuple[int, int, int]:
    """``(ip as int, port, ip_type)`` of ``ip:port`` (``[v6]:port`` too)."""
    import ipaddress

    host, _, port = address.rpartition(":")
    ip = ipaddress.ip_address(host.strip("[]"))
    return int(ip), int(port), ip.version


def bittensor_decoded(neurons: list[dict[str, Any]], netuid: int) -> list[dict[str, Any]]:
    """The neurons as bittensor's runtime-API decoder hands ``NeuronInfoRuntimeApi.get_neurons``
    to ``NeuronInfo.list_from_dicts``: SS58 keys, stake as ``[(coldkey, rao)]``, u16
    proportions as ints, emission in rao, ``axon_info``/``prometheus_info`` dicts with the IP
    as an int, weights and bonds as ``[(uid, u16)]``."""
    out = []
    for n in neurons:
        axon = n.get("axon")
        ip, port, ip_type = _ip_int(axon["address"]) if axon else (0, 0, 4)
        out.append(
            {
                "hotkey": n["hotkey"],
                "coldkey": n["coldkey"],
                "uid": n["uid"],
                "netuid": netuid,
                "active": n["active"],
                "axon_info": {
                    "block": 0,
                    "version": axon["version"] if axon else 0,
                    "ip": ip,
                    "port": port,
                    "ip_type": ip_type,
                    "protocol": axon["protocol"] if axon else 0,
                    "placeholder1": 0,
                    "placeholder2": 0,
                },
                "prometheus_info": {"block": 0, "version": 0, "ip": 0, "port": 0, "ip_type": 4},
                "stake": [(n["coldkey"], n["stake"])],
                "rank": 0,
                "emission": n["emission"],
                "incentive": n["incentive"],
                "consensus": n["consensus"],
                "trust": 0,
                "validator_trust": n["validator_trust"],
                "dividends": n["dividends"],
                "last_update": n["last_update"],
                "validator_permit": n["validator_permit"],
                "weights": [tuple(w) for w in n.get("weights") or []],
                "bonds": [tuple(b) for b in n.get("bonds") or []],
                "pruning_score": 0,
            }
        )
    return out


def bench_metagraph(targets: Path, uids: int, validators: int, runs: int) -> dict[str, Any]:
    """Item 1: taonet's ``metagraph(lite=False)`` end to end vs bittensor's client-side
    build of the same neurons (see the module doc)."""
    bt = import_bittensor()
    from bittensor.core.chain_data import NeuronInfo

    argv = [str(targets), "chain", "--uids", str(uids), "--validators", str(validators)]
    with Service([*argv, "--until-stdin-closes"], "the benchmark chain") as chain:
        netuid, block = int(chain.info["netuid"]), int(chain.info["head"])
        sub = taonet.Subtensor(chain.info["rpc"])
        meta = sub.metagraph(netuid, lite=False)
        if meta.n != uids or meta.W is None or meta.B is None:
            raise RuntimeError(f"taonet's metagraph has {meta.n} neurons, expected {uids}")
        taonet_t = timed(lambda: sub.metagraph(netuid, lite=False), runs, warmup=2)

        snapshot = _rpc(chain.info["http"], "state_getMetagraph", [netuid, True, True])
    decoded = bittensor_decoded(snapshot["neurons"], netuid)
    m = bt.Metagraph(netuid=netuid, network="local", lite=False, sync=False)

    def bittensor_build() -> None:
        m.neurons = NeuronInfo.list_from_dicts(decoded)
        m.lite = False
        m._set_metagraph_attributes(block)
        m._set_weights_and_bonds(block=block, subtensor=None)

    bt_t = timed(bittensor_build, runs, warmup=1)
    # Same neurons, same matrices: the comparison is of equal work products.
    if not np.allclose(np.asarray(m.weights), meta.W, atol=1e-6):
        raise RuntimeError("bittensor's W differs from taonet's for the same neurons")
    if not np.array_equal(np.asarray(m.bonds, dtype=np.float32), meta.B):
        raise RuntimeError("bittensor's B differs from taonet's for the same neurons")
    weight_rows = int((meta.W.sum(axis=1) > 0).sum())
    bonds = int(np.count_nonzero(meta.B))
    return {
        "uids": uids,
        "validators": validators,
        "weight_rows": weight_rows,
        "nonzero_bonds": bonds,
        "taonet": taonet_t.summary(),
        "bittensor": bt_t.summary(),
        "speedup_p50": bt_t.p50 / taonet_t.p50,
    }


# ----- 2. axon throughput -----


def serve_axon(kind: str) -> None:
    """Child process: serves the trivial forward with ``kind`` (``taonet`` or ``bittensor``)
    on 127.0.0.1, prints ``{"port", "hotkey"}``, and serves until stdin closes."""
    if kind == "taonet":

        def forward(synapse: EchoSynapse) -> EchoSynapse:
            return synapse

        axon = taonet.Axon(wallet=Keypair.create_from_uri(MINER_URI), port=0, ip="127.0.0.1")
        axon.attach(forward_fn=forward).start()
        port, hotkey = axon.port, axon.hotkey
    elif kind == "bittensor":
        bt = import_bittensor()
        from bittensor_wallet import Keypair as BtKeypair

        bt_echo = bt_echo_class()

        class Wallet:
            """What bittensor's Axon reads of a wallet."""

            hotkey = BtKeypair.create_from_uri(MINER_URI)
            coldkeypub = hotkey
            coldkey = hotkey

        def bt_forward(synapse: Any) -> Any:
            return synapse

        # bittensor reads the annotation itself to find the route.
        bt_forward.__annotations__ = {"synapse": bt_echo, "return": bt_echo}
        port = free_port()
        axon = bt.Axon(
            wallet=Wallet(), port=port, ip="127.0.0.1", external_ip="127.0.0.1", external_port=port
        )
        axon.attach(forward_fn=bt_forward).start()
        wait_for_port(port)
        hotkey = Wallet.hotkey.ss58_address
    else:
        raise SystemExit(f"--serve-axon takes taonet or bittensor, not {kind!r}")
    print(json.dumps({"port": port, "hotkey": hotkey}), flush=True)
    sys.stdin.read()
    axon.stop()


def load(
    targets: Path,
    target: tuple[str, int, str],
    concurrency: int,
    seconds: float,
    warmup: float,
    max_rate: float,
) -> dict[str, Any]:
    """One run of ``sdk_bench_targets load`` against the axon ``target`` (ip, port, hotkey):
    ``concurrency`` connections, ``warmup`` then ``seconds`` measured, requests pre-signed for
    ``max_rate`` answers per second; its JSON line. A run whose connections ran out of
    pre-signed requests (the axon outran ``max_rate``) is repeated with twice the rate, twice
    at most."""
    ip, port, hotkey = target
    for _ in range(3):
        argv = [
            str(targets),
            "load",
            "--addr",
            f"{ip}:{port}",
            "--axon-hotkey",
            hotkey,
            "--synapse",
            "EchoSynapse",
            "--body",
            request().model_dump_json(),
            "--hash-fields",
            ",".join(EchoSynapse.hash_fields()),
            "--connections",
            str(concurrency),
            "--seconds",
            str(seconds),
            "--warmup",
            str(warmup),
            "--max-rate",
            str(max_rate),
            "--uri",
            VALIDATOR_URI,
        ]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=300)
        lines = proc.stdout.strip().splitlines()
        result = json.loads(lines[-1]) if lines else None
        if result is not None and result.get("exhausted_connections"):
            max_rate *= 2
            continue
        if proc.returncode != 0 or result is None:
            raise RuntimeError(
                f"the load generator failed (exit status {proc.returncode}):\n{proc.stderr}"
            )
        return dict(result)
    raise RuntimeError(f"the axon outran the load generator's --max-rate up to {max_rate / 2:g}")


def bench_axon(
    targets: Path, concurrency: int, seconds: float, warmup: float, max_rate: float
) -> dict[str, Any]:
    """Item 2: the same pre-signed load on a ``taonet.Axon`` and on a ``bittensor.Axon``
    (each in its own process), trivial forward."""
    out: dict[str, Any] = {}
    for kind in ("taonet", "bittensor"):
        argv = [sys.executable, str(Path(__file__).resolve()), "--serve-axon", kind]
        with Service(argv, f"the {kind} axon", ready_timeout=60) as server:
            target = ("127.0.0.1", int(server.info["port"]), str(server.info["hotkey"]))
            run = load(targets, target, concurrency, seconds, warmup, max_rate)
        if run["ok"] == 0:
            raise RuntimeError(f"the {kind} axon answered no call with 200: {run}")
        statuses = run["statuses"]
        out[kind] = {
            "rps": run["rps"],
            "ok": run["ok"],
            "failed": {k: v for k, v in statuses.items() if k != "200"},
            "transport_errors": run["transport_errors"],
            "timeouts": run["timeouts"],
            "seconds": run["seconds"],
            "p50_ms": run["p50_ms"],
            "p99_ms": run["p99_ms"],
            "concurrency": run["connections"],
            "client_cpu_s": run["client_cpu_s"],
            "client_cpu_us_per_call": run["client_cpu_us_per_call"],
            "max_rate": run["max_rate"],
            "signed": run["signed"],
            "sign_s": run["sign_s"],
            "max_nonce_age_s": run["max_nonce_age_s"],
        }
    out["speedup"] = out["taonet"]["rps"] / out["bittensor"]["rps"]
    return out


# ----- 3. dendrite fan-out -----


def bench_fanout(targets: Path, count: int, rounds: int, warmup: int) -> dict[str, Any]:
    """Item 3: one round of ``taonet.Dendrite.query`` vs ``bittensor.Dendrite.forward`` to
    ``count`` Rust axons."""
    bt = import_bittensor()
    from bittensor_wallet import Keypair as BtKeypair

    bt_echo = bt_echo_class()
    argv = [str(targets), "axons", "--count", str(count), "--until-stdin-closes"]
    with Service(argv, "the benchmark axons") as served:
        axons = served.info["axons"]
        if len(axons) != count:
            raise RuntimeError(f"{len(axons)} axons served, expected {count}")

        def check(results: list[Any], who: str) -> None:
            bad = [r for r in results if not r.is_success or r.output != ECHO_OUTPUT]
            if len(results) != count or bad:
                first = bad[0].dendrite if bad else None
                raise RuntimeError(
                    f"{who}: {len(bad)} of {len(results)} calls failed (first: {first})"
                )

        dendrite = taonet.Dendrite(wallet=Keypair.create_from_uri(VALIDATOR_URI))
        endpoints = [AxonEndpoint(a["ip"], a["port"], a["hotkey"]) for a in axons]
        synapse = request()

        def taonet_round() -> None:
            check(dendrite.query(endpoints, synapse, timeout=TIMEOUT_S), "taonet")

        taonet_t = timed(taonet_round, rounds, warmup)

        bt_dendrite = bt.Dendrite(wallet=BtKeypair.create_from_uri(VALIDATOR_URI))
        bt_axons = [
            bt.AxonInfo(
                version=10_005_000,
                ip=a["ip"],
                port=a["port"],
                ip_type=4,
                hotkey=a["hotkey"],
                coldkey=a["hotkey"],
            )
            for a in axons
        ]
        bt_synapse = bt_echo(value=7, items=[1, 2, 3])
        loop = asyncio.new_event_loop()

        def bittensor_round() -> None:
            results = loop.run_until_complete(
                bt_dendrite.forward(bt_axons, bt_synapse, timeout=TIMEOUT_S)
            )
            check(results, "bittensor")

        try:
            bt_t = timed(bittensor_round, rounds, warmup)
        finally:
            loop.run_until_complete(bt_dendrite.aclose_session())
            loop.close()
    return {
        "axons": count,
        "taonet": taonet_t.summary(),
        "bittensor": bt_t.summary(),
        "speedup_p50": bt_t.p50 / taonet_t.p50,
    }


# ----- report -----


def loadavg() -> str:
    """``/proc/loadavg``'s first three fields (1, 5, 15 minutes), or ``n/a``."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def cpu_model() -> str:
    """The CPU model name (as ``lscpu`` shows it), or the platform's processor string."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def wait_for_idle(threshold: float, poll_s: float, max_s: float) -> bool:
    """Polls the 1-minute load average every ``poll_s`` until it is below ``threshold`` or
    ``max_s`` passed; whether it got there."""
    deadline = time.monotonic() + max_s
    while True:
        one = float(loadavg().split()[0]) if loadavg() != "n/a" else 0.0
        if one < threshold:
            return True
        if time.monotonic() + poll_s > deadline:
            return False
        print(f"waiting: 1-minute load {one} >= {threshold}", file=sys.stderr, flush=True)
        time.sleep(poll_s)


def _ms(s: dict[str, Any]) -> str:
    return f"{s['p50_ms']:.1f} ms (p99 {s['p99_ms']:.1f})"


def table(results: dict[str, Any]) -> str:
    """The results as a Markdown table."""
    rows = ["| benchmark | taonet | bittensor 10.5 | taonet vs bittensor | goal |"]
    rows.append("| --- | --- | --- | --- | --- |")
    if "metagraph" in results:
        m = results["metagraph"]
        rows.append(
            f"| metagraph lite=False, {m['uids']} uids ({m['weight_rows']} weight rows, "
            f"{m['nonzero_bonds']:,} bonds): p50 (p99) of {m['taonet']['runs']} | "
            f"{_ms(m['taonet'])} end to end | {_ms(m['bittensor'])} client-side build only | "
            f"{m['speedup_p50']:.1f}× | < 150 ms |"
        )
    if "axon" in results:
        a = results["axon"]
        cells = []
        for kind in ("taonet", "bittensor"):
            s = a[kind]
            bad = sum(s["failed"].values()) + s["transport_errors"] + s["timeouts"]
            fails = f", {bad:,} not 200" if bad else ""
            cells.append(
                f"{s['rps']:,.0f} req/s, p50 {s['p50_ms']:.2f} ms, p99 {s['p99_ms']:.2f} ms"
                f" ({s['ok']:,} in {s['seconds']:.1f} s{fails}; generator "
                f"{s['client_cpu_us_per_call']:.0f} µs CPU/call)"
            )
        rows.append(
            f"| axon, trivial forward, {a['taonet']['concurrency']} connections, pre-signed load "
            f"| {cells[0]} | {cells[1]} | {a['speedup']:.1f}× req/s | ≥ 2,000 req/s and ≥ 25× |"
        )
    if "fanout" in results:
        f = results["fanout"]
        rows.append(
            f"| dendrite fan-out to {f['axons']} Rust axons: round p50 (p99) of "
            f"{f['taonet']['runs']} | {_ms(f['taonet'])} | {_ms(f['bittensor'])} | "
            f"{f['speedup_p50']:.1f}× | ≥ 10× |"
        )
    return "\n".join(rows)


@dataclass
class Settings:
    """The sizes of one run."""

    uids: int
    """Neurons in the metagraph's subnet."""
    validators: int
    """Of them, validators with full weight rows."""
    metagraph_runs: int
    """Timed metagraph reads per side."""
    concurrency: int
    """Connections of the axon load (one call open on each)."""
    axon_seconds: float
    """Measured seconds of axon load per side."""
    axon_warmup: float
    """Unmeasured seconds of axon load before (warm-up + measured ≤ 12 s: pre-signed nonces
    must stay fresh)."""
    max_rate: float
    """Answers per second the axon load pre-signs for (doubled, at most twice, if an axon
    outruns it)."""
    axons: int
    """Rust axons of the fan-out."""
    rounds: int
    """Timed fan-out rounds per side."""
    warmup_rounds: int
    """Fan-out rounds before timing."""


FULL = Settings(4096, 64, 20, 32, 10.0, 2.0, 20_000.0, 256, 30, 3)
"""The issue's workload."""
QUICK = Settings(512, 16, 3, 16, 1.5, 0.5, 5_000.0, 16, 5, 2)
"""A small version for CI."""


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmarks (see the module doc); returns the exit status."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes, for CI (< 60 s)")
    p.add_argument(
        "--only",
        choices=["metagraph", "axon", "fanout"],
        action="append",
        help="run only these (repeatable)",
    )
    p.add_argument("--json", type=Path, help="also write the raw numbers here")
    p.add_argument("--targets-bin", help=f"the sdk_bench_targets binary (or ${TARGETS_ENV})")
    p.add_argument("--concurrency", type=int, help="connections of the axon load")
    p.add_argument(
        "--wait-for-idle",
        type=float,
        metavar="LOAD",
        help="first wait (polling every 60 s, at most 15 min) for the 1-minute load average "
        "to fall below LOAD",
    )
    p.add_argument("--serve-axon", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.serve_axon:
        serve_axon(args.serve_axon)
        return 0
    if os.environ.get("USE_TORCH"):
        raise SystemExit("unset USE_TORCH: the bittensor side is measured with numpy arrays")
    s = QUICK if args.quick else FULL
    if args.concurrency is not None:
        if args.concurrency < 1:
            raise SystemExit(f"--concurrency must be at least 1, got {args.concurrency}")
        s.concurrency = args.concurrency
    only = set(args.only or ["metagraph", "axon", "fanout"])
    targets = targets_binary(args.targets_bin)

    idle = None
    if args.wait_for_idle is not None:
        idle = wait_for_idle(args.wait_for_idle, poll_s=60, max_s=15 * 60)
    meta: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "targets_bin": str(targets),
        "quick": args.quick,
        "settings": asdict(s),
        "loadavg_before": loadavg(),
        "idle_reached": idle,
    }
    results: dict[str, Any] = {}
    if "metagraph" in only:
        results["metagraph"] = bench_metagraph(targets, s.uids, s.validators, s.metagraph_runs)
    if "axon" in only:
        results["axon"] = bench_axon(
            targets, s.concurrency, s.axon_seconds, s.axon_warmup, s.max_rate
        )
    if "fanout" in only:
        results["fanout"] = bench_fanout(targets, s.axons, s.rounds, s.warmup_rounds)
    meta["loadavg_after"] = loadavg()

    print(
        f"{meta['date']}; {meta['nproc']} CPUs ({meta['cpu']}); Python {meta['python']}; "
        f"load average before {meta['loadavg_before']}, after {meta['loadavg_after']}"
        + ("" if idle is None else f"; idle before start: {idle}")
        + f"; targets: {targets}"
    )
    print()
    print(table(results))
    if args.quick:
        print(
            "\n--quick: small sizes (and whatever builds were given); the goals are for the full "
            "run with release builds."
        )
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
