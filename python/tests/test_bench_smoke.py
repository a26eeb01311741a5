"""`python/bench/bench_sdk.py --quick` runs end to end (chain, Rust axons, both SDKs' axons and
dendrites) and reports sane numbers. No timing is asserted: only that every measurement
happened, succeeded and is a positive, finite number."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "python" / "bench" / "bench_sdk.py"

pytest.importorskip("bittensor")


def numbers(obj: Any) -> Iterator[float]:
    """Every int or float inside `obj` (dicts and lists walked, bools skipped)."""
    if isinstance(obj, bool):
        return
    if isinstance(obj, int | float):
        yield float(obj)
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from numbers(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from numbers(v)


def targets_bin() -> Path:
    """`TAONET_BENCH_TARGETS`, else the debug build of the example, (re)built now."""
    given = os.environ.get("TAONET_BENCH_TARGETS")
    if given:
        return Path(given)
    subprocess.run(
        ["cargo", "build", "--locked", "-p", "taonet-neuron", "--example", "sdk_bench_targets"],
        cwd=REPO,
        check=True,
        timeout=1800,
    )
    return REPO / "target" / "debug" / "examples" / "sdk_bench_targets"


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    env = {k: v for k, v in os.environ.items() if k != "USE_TORCH"}
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--json", str(out)]
        + ["--targets-bin", str(targets_bin())],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=REPO,
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return json.loads(out.read_text()), proc.stdout


def test_every_number_is_finite_and_not_negative(quick: tuple[dict[str, Any], str]) -> None:
    data, _ = quick
    values = list(numbers(data["results"]))
    assert len(values) > 20
    assert all(math.isfinite(v) and v >= 0 for v in values), data["results"]


def test_metagraph_compares_the_same_full_subnet(quick: tuple[dict[str, Any], str]) -> None:
    data, _ = quick
    m = data["results"]["metagraph"]
    settings = data["meta"]["settings"]
    assert m["uids"] == settings["uids"]
    # Each validator set a full weight row; the epoch gave them bonds.
    assert m["weight_rows"] == settings["validators"]
    assert m["nonzero_bonds"] > 0
    for side in ("taonet", "bittensor"):
        assert m[side]["runs"] == settings["metagraph_runs"]
        assert 0 < m[side]["p50_ms"] <= m[side]["p99_ms"]
    assert m["speedup_p50"] > 0


def test_axon_load_got_only_200_answers(quick: tuple[dict[str, Any], str]) -> None:
    data, _ = quick
    a = data["results"]["axon"]
    settings = data["meta"]["settings"]
    for side in ("taonet", "bittensor"):
        s = a[side]
        assert s["ok"] > 0 and s["failed"] == {}, s
        assert s["transport_errors"] == 0 and s["timeouts"] == 0, s
        assert s["seconds"] == settings["axon_seconds"]
        assert s["rps"] == pytest.approx(s["ok"] / s["seconds"])
        assert 0 < s["p50_ms"] <= s["p99_ms"]
        assert s["concurrency"] == settings["concurrency"]
    assert a["speedup"] == pytest.approx(a["taonet"]["rps"] / a["bittensor"]["rps"])


def test_axon_load_was_pre_signed_and_fresh(quick: tuple[dict[str, Any], str]) -> None:
    """The generator signed enough requests for warm-up + window at its rate bound, sent
    none whose nonce an axon would find stale, and measured its own CPU."""
    data, _ = quick
    settings = data["meta"]["settings"]
    run_s = settings["axon_warmup"] + settings["axon_seconds"]
    for side in ("taonet", "bittensor"):
        s = data["results"]["axon"][side]
        assert s["max_rate"] >= settings["max_rate"]
        assert s["signed"] >= s["max_rate"] * run_s
        assert s["signed"] > s["ok"]
        assert s["sign_s"] > 0
        # Nonces are the clock at the end of signing, so at most warm-up + window old when
        # sent (plus however long signing overran its estimate); an axon accepts 16 s.
        assert run_s * 0.5 < s["max_nonce_age_s"] < 16.0, s
        assert s["client_cpu_s"] is not None and s["client_cpu_us_per_call"] is not None


def test_fanout_timed_every_round(quick: tuple[dict[str, Any], str]) -> None:
    data, _ = quick
    f = data["results"]["fanout"]
    assert f["axons"] == data["meta"]["settings"]["axons"]
    for side in ("taonet", "bittensor"):
        assert f[side]["runs"] == data["meta"]["settings"]["rounds"]
        assert 0 < f[side]["p50_ms"] <= f[side]["p99_ms"]


def test_prints_the_markdown_table(quick: tuple[dict[str, Any], str]) -> None:
    data, stdout = quick
    rows = [line for line in stdout.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| benchmark | taonet | bittensor 10.5 |")
    assert len(rows) == 2 + 3
    assert data["meta"]["loadavg_before"] and data["meta"]["loadavg_after"]
