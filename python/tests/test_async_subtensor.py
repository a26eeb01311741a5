"""`AsyncSubtensor`: `Subtensor`'s methods as coroutines, against a real local network."""

from __future__ import annotations

import asyncio
import inspect
import time
from pathlib import Path
from typing import Any

import pytest

import taonet
from taonet import AsyncSubtensor, Balance, Subtensor


def dev_wallet(localnet: dict[str, Any], name: str) -> taonet.Wallet:
    return taonet.Wallet(name=name, hotkey="default", path=localnet["wallet_path"])


def test_every_public_subtensor_name_has_an_async_twin() -> None:
    public = {n: a for n, a in vars(Subtensor).items() if not n.startswith("_")}
    assert {"get_balance", "transfer", "commit_weights", "reveal_weights", "block"} <= set(public)
    for name, attr in public.items():
        twin = inspect.getattr_static(AsyncSubtensor, name)
        if isinstance(attr, property):
            assert isinstance(twin, property), name
            assert attr.__doc__ in twin.__doc__, name
        else:
            assert inspect.iscoroutinefunction(twin), name
            assert inspect.signature(twin, follow_wrapped=False) == inspect.signature(attr), name
            assert attr.__doc__ in twin.__doc__, name
            assert twin.__name__ == name


def test_the_shape_follows_bittensors_async_subtensor() -> None:
    from bittensor.core.async_subtensor import AsyncSubtensor as BtAsyncSubtensor

    # bittensor's `block` is a property to await; get_current_block, initialize and close are
    # coroutines; `async with` works.
    assert isinstance(inspect.getattr_static(BtAsyncSubtensor, "block"), property)
    assert isinstance(inspect.getattr_static(AsyncSubtensor, "block"), property)
    shared = 0
    for name in dir(AsyncSubtensor):
        if name.startswith("_") or not hasattr(BtAsyncSubtensor, name):
            continue
        ours = inspect.getattr_static(AsyncSubtensor, name)
        theirs = inspect.getattr_static(BtAsyncSubtensor, name)
        if isinstance(theirs, property):
            assert isinstance(ours, property), name
        elif inspect.iscoroutinefunction(theirs):
            assert inspect.iscoroutinefunction(ours), name
            shared += 1
    assert shared >= 10
    for name in ("initialize", "close", "__aenter__", "__aexit__", "get_current_block"):
        assert inspect.iscoroutinefunction(getattr(AsyncSubtensor, name)), name


def test_reads_equal_the_blocking_subtensors(localnet: dict[str, Any]) -> None:
    bob = dev_wallet(localnet, "bob").coldkeypub.ss58_address
    sync = Subtensor(localnet["rpc"])

    async def main() -> dict[str, Any]:
        async with AsyncSubtensor(localnet["rpc"]) as sub:
            assert sub.network == localnet["rpc"]
            return {
                "block": await sub.block,
                "current": await sub.get_current_block(),
                "chain_id": await sub.chain_id,
                "balance": await sub.get_balance(bob),
                "hyper": await sub.get_subnet_hyperparameters(1),
                "netuids": await sub.get_all_subnets_netuid(),
                "hotkeys": (await sub.metagraph(1)).hotkeys,
                "absent": await sub.neuron_for_uid(65_000, 1),
            }

    got = asyncio.run(main())
    assert 1 <= got["block"] <= got["current"] <= sync.block
    assert got["chain_id"] == "taonet-local"
    assert isinstance(got["balance"], Balance)
    assert got["balance"] == sync.get_balance(bob) and got["balance"].rao > 0
    assert got["hyper"] == sync.get_subnet_hyperparameters(1)
    assert 1 in got["netuids"]
    assert got["hotkeys"] == sync.metagraph(1).hotkeys
    assert got["absent"] is None


def test_twenty_concurrent_reads_with_gather(localnet: dict[str, Any]) -> None:
    names = ["alice", "bob", "charlie", "dave"]
    addresses = [dev_wallet(localnet, n).coldkeypub.ss58_address for n in names]
    sync = Subtensor(localnet["rpc"])
    sub = AsyncSubtensor(localnet["rpc"])

    async def main() -> tuple[list[Any], int]:
        reads = [sub.get_balance(addresses[i % 4]) for i in range(16)]
        reads += [sub.get_stake(addresses[0]), sub.subnets(), sub.block, sub.metagraph(1)]
        results = await asyncio.gather(*reads)
        await sub.close()
        # After close the next call connects again.
        return results, await sub.get_current_block()

    results, later = asyncio.run(main())
    assert len(results) == 20
    # bob moves only with his own transactions, so his balance is the same in every read.
    assert {results[i] for i in range(1, 16, 4)} == {sync.get_balance(addresses[1])}
    assert all(isinstance(r, Balance) and r.rao > 0 for r in results[:16])
    assert results[16] == sync.get_stake(addresses[0])
    assert [s["netuid"] for s in results[17]] == sync.get_all_subnets_netuid()
    assert 1 <= results[18] <= later
    assert results[19].netuid == 1 and results[19].n >= 1


def test_a_write_awaits_finality_without_blocking_the_loop(
    localnet: dict[str, Any], tmp_path: Path
) -> None:
    bob = dev_wallet(localnet, "bob")
    dest = taonet.Wallet(name="async-dest", path=str(tmp_path))
    dest.create_new_coldkey(use_password=False, suppress=True)
    to = dest.coldkeypub.ss58_address

    async def main() -> dict[str, Any]:
        sub = await AsyncSubtensor(localnet["rpc"]).initialize()
        ticks = 0
        stop = asyncio.Event()

        async def tick() -> None:
            nonlocal ticks
            while not stop.is_set():
                ticks += 1
                await asyncio.sleep(0)  # one turn of the loop

        ticker = asyncio.create_task(tick())
        before = await sub.get_balance(to)
        started, first = time.monotonic(), ticks
        receipt = await sub.transfer(bob, to, 2)
        elapsed, during = time.monotonic() - started, ticks - first
        stop.set()
        await ticker
        # A failure comes back through the await as the same ChainError.
        with pytest.raises(taonet.ChainError, match="insufficient balance"):
            await sub.transfer(dest, bob.coldkeypub.ss58_address, 5)
        after = await sub.get_balance(to)
        await sub.close()
        return {
            "receipt": receipt,
            "before": before,
            "after": after,
            "elapsed": elapsed,
            "during": during,
        }

    r = asyncio.run(main())
    assert r["receipt"].block > 0 and r["receipt"].fee.rao > 0
    assert r["after"] == r["before"] + 2
    # The loop kept turning while the transfer waited for finality in its thread (a blocked
    # loop would give the ticker at most one turn).
    assert r["elapsed"] > 0
    assert r["during"] >= 50, r


def test_an_unreachable_node_fails_on_initialize() -> None:
    sub = AsyncSubtensor("ws://127.0.0.1:1")
    assert repr(sub) == "AsyncSubtensor(network='ws://127.0.0.1:1')"
    with pytest.raises(ConnectionError):
        asyncio.run(sub.initialize())


def test_the_type_stub_is_current() -> None:
    """Editors see the generated coroutines through async_subtensor.pyi, which must match."""
    import importlib.util

    tool = Path(__file__).resolve().parents[1] / "tools" / "gen_async_stub.py"
    spec = importlib.util.spec_from_file_location("gen_async_stub", tool)
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    installed = Path(taonet.__file__).parent / "async_subtensor.pyi"
    assert gen.STUB.read_text() == gen.generate(), (
        "python/src/taonet/async_subtensor.pyi is stale: run python python/tools/gen_async_stub.py"
    )
    assert installed.read_text() == gen.STUB.read_text(), "the installed package ships the stub"
