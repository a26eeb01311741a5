"""`taonet.Axon` and `taonet.Dendrite` on 127.0.0.1: with each other, with the real
bittensor 10.5 Axon/Dendrite, streaming, and the metagraph admission check on a local network."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any, ClassVar, Optional

import pytest
from conftest import free_ports

import taonet
from taonet import Keypair, StreamingSynapse, Synapse
from taonet.axon import AxonEndpoint

bt = pytest.importorskip("bittensor")
from bittensor.utils import networking  # noqa: E402
from bittensor_wallet import Keypair as BtKeypair  # noqa: E402

NETUID = 1


class Echo(Synapse):
    value: int = 0
    items: list[int] = []
    text: str = ""
    output: Optional[int] = None  # noqa: UP045 (declared as bittensor users do)
    required_hash_fields: ClassVar[tuple[str, ...]] = ("value", "items")


def bt_echo_class() -> type:
    """bittensor's twin of `Echo`: same class name, fields and hashed fields."""

    class Echo(bt.Synapse):
        value: int = 0
        items: list[int] = []
        text: str = ""
        output: Optional[int] = None  # noqa: UP045
        required_hash_fields: ClassVar[tuple[str, ...]] = ("value", "items")

    return Echo


class Slow(Synapse):
    seconds: float = 0.0
    done: bool = False


class Boom(Synapse):
    pass


TOKENS = ["alpha ", "beta ", "gamma ", "délta ", "epsilon"]


class Tokens(StreamingSynapse):
    prompt: str = ""
    completion: str = ""
    required_hash_fields: ClassVar[tuple[str, ...]] = ("prompt",)

    async def process_streaming_response(self, response: Any) -> Any:
        async for chunk in response.content.iter_any():
            text = chunk.decode()
            self.completion += text
            yield text

    def extract_response_json(self, response: Any) -> dict[str, Any]:
        return {"prompt": self.prompt, "completion": self.completion}


def bt_tokens_class() -> type:
    class Tokens(bt.StreamingSynapse):
        prompt: str = ""
        completion: str = ""
        required_hash_fields: ClassVar[tuple[str, ...]] = ("prompt",)

        async def process_streaming_response(self, response: Any) -> Any:
            async for chunk in response.content.iter_any():
                text = chunk.decode()
                self.completion += text
                yield text

        def extract_response_json(self, response: Any) -> dict[str, Any]:
            return {"prompt": self.prompt, "completion": self.completion}

    return Tokens


def stream_tokens(synapse: Tokens) -> Any:
    async def streamer(send: Any) -> None:
        for i, token in enumerate(TOKENS):
            if i == len(TOKENS) - 1:
                await asyncio.sleep(0.5)  # the first chunks must arrive before this one
            await send({"type": "http.response.body", "body": token.encode(), "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    return synapse.create_streaming_response(streamer)


MINER = Keypair.create_from_uri("//PyAxonMiner")
VALIDATOR = Keypair.create_from_uri("//PyAxonValidator")


def echo(synapse: Echo) -> Echo:
    synapse.output = 2 * synapse.value + sum(synapse.items)
    return synapse


async def async_echo(synapse: Echo) -> Echo:
    await asyncio.sleep(0.01)
    synapse.output = 3 * synapse.value
    return synapse


@pytest.fixture
def axon() -> Iterator[taonet.Axon]:
    """A started taonet axon on 127.0.0.1 with Echo (sync) and Tokens (streaming)."""
    a = taonet.Axon(wallet=MINER, port=0, ip="127.0.0.1")
    a.attach(forward_fn=echo).attach(forward=stream_tokens).start()
    try:
        yield a
    finally:
        a.stop()


@pytest.fixture
def dendrite() -> taonet.Dendrite:
    return taonet.Dendrite(wallet=VALIDATOR)


@pytest.fixture
def no_ip_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    """bittensor's Dendrite asks an IP-echo service for our address: answer locally."""
    monkeypatch.setattr(networking, "get_external_ip", lambda: "192.0.2.1")


# ----- taonet dendrite -> taonet axon -----


def test_sync_and_async_forward(dendrite: taonet.Dendrite) -> None:
    with taonet.Axon(wallet=MINER, port=0, ip="127.0.0.1").attach(async_echo) as ax:
        r = dendrite.query(ax, Echo(value=5, items=[1, 2]), timeout=10)
        assert r.is_success and r.output == 15
        assert r.axon.hotkey == MINER.ss58_address and r.axon.status_code == 200
        assert r.dendrite.hotkey == VALIDATOR.ss58_address
        assert r.dendrite.process_time > 0
        assert ax.info().port == ax.port != 0
    with taonet.Axon(wallet=MINER, port=0, ip="127.0.0.1").attach(forward_fn=echo) as ax:
        got = asyncio.run(dendrite(ax, Echo(value=5, items=[1, 2]), timeout=10))
        assert got.is_success and got.output == 13
        called = asyncio.run(dendrite.call(ax.info(), Echo(value=1), deserialize=False))
        assert called.output == 2
        # The request object is left as it was.
        request = Echo(value=4)
        dendrite.query([ax], request)
        assert request.output is None and request.dendrite.status_code is None


def test_forward_sees_the_verified_caller(dendrite: taonet.Dendrite) -> None:
    seen: list[Any] = []

    def record(synapse: Echo) -> Echo:
        seen.append(synapse.dendrite)
        return synapse

    with taonet.Axon(wallet=MINER, port=0, ip="127.0.0.1").attach(record) as ax:
        assert dendrite.query(ax, Echo()).is_success
    (caller,) = seen
    assert caller.hotkey == VALIDATOR.ss58_address
    assert caller.ip == "127.0.0.1" and caller.port and caller.nonce and caller.signature


def test_a_call_signed_for_another_axon_fails_verification(
    axon: taonet.Axon, dendrite: taonet.Dendrite
) -> None:
    impostor = AxonEndpoint(ip="127.0.0.1", port=axon.port, hotkey=VALIDATOR.ss58_address)
    r = dendrite.query(impostor, Echo(value=1))
    assert r.dendrite.status_code == 401 and r.failed_verification
    assert "Not Verified" in r.dendrite.status_message
    assert r.output is None


def test_blacklist_and_verify_functions(dendrite: taonet.Dendrite) -> None:
    def blacklist(synapse: Echo) -> tuple[bool, str]:
        return synapse.value < 0, "negative values are not served"

    async def verify(synapse: Echo) -> None:
        if synapse.value == 13:
            raise ValueError("unlucky")

    with taonet.Axon(wallet=MINER, port=0, ip="127.0.0.1").attach(
        echo, blacklist_fn=blacklist, verify_fn=verify
    ) as ax:
        refused = dendrite.query(ax, Echo(value=-1))
        assert refused.is_blacklist and refused.dendrite.status_code == 403
        assert refused.dendrite.status_message == (
            "Forbidden. Key is blacklisted: negative values are not served."
        )
        unverified = dendrite.query(ax, Echo(value=13))
        assert unverified.failed_verification
        assert unverified.dendrite.status_message == "Not Verified with error: unlucky"
        assert dendrite.query(ax, Echo(value=2)).output == 4


def test_a_failing_forward_is_a_logged_500(
    dendrite: taonet.Dendrite, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(synapse: Boom) -> Boom:
        raise RuntimeError("the model fell over")

    caplog.set_level(logging.ERROR, logger="taonet.axon")
    with taonet.Axon(wallet=MINER, port=0, ip="127.0.0.1").attach(boom) as ax:
        r = dendrite.query(ax, Boom())
    assert r.dendrite.status_code == 500 and r.is_failure
    assert r.dendrite.status_message.startswith("Internal Server Error #")
    assert "the model fell over" in caplog.text


def test_a_forward_slower_than_the_timeout_is_a_408(dendrite: taonet.Dendrite) -> None:
    def slow(synapse: Slow) -> Slow:
        time.sleep(synapse.seconds)
        synapse.done = True
        return synapse

    with taonet.Axon(wallet=MINER, port=0, ip="127.0.0.1").attach(slow) as ax:
        started = time.monotonic()
        r = dendrite.query(ax, Slow(seconds=3.0), timeout=1.0)
        assert time.monotonic() - started < 2.5
        assert r.is_timeout and r.dendrite.status_code == 408
        assert r.dendrite.status_message == "Request timeout after 1.0 seconds"
        assert not r.done


def test_fan_out_runs_at_once_and_keeps_the_order(dendrite: taonet.Dendrite) -> None:
    axons = []
    for i in range(3):

        def answer(synapse: Slow, i: int = i) -> Slow:
            time.sleep(synapse.seconds)
            synapse.done = True
            synapse.seconds = float(i)
            return synapse

        axons.append(
            taonet.Axon(wallet=Keypair.create_from_uri(f"//FanOut{i}"), port=0, ip="127.0.0.1")
            .attach(answer)
            .start()
        )
    try:
        order = [axons[2], axons[0], axons[1]]
        started = time.monotonic()
        results = dendrite.query(order, Slow(seconds=1.0), timeout=10)
        elapsed = time.monotonic() - started
        assert [r.seconds for r in results] == [2.0, 0.0, 1.0]
        assert [r.axon.hotkey for r in results] == [a.hotkey for a in order]
        assert elapsed < 2.5  # three 1 s forwards, concurrently
        single = asyncio.run(dendrite.forward(axons[1], Slow(), timeout=10))
        assert isinstance(single, Slow) and single.seconds == 1.0
    finally:
        for a in axons:
            a.stop()


def test_priority_orders_waiting_requests(dendrite: taonet.Dendrite) -> None:
    high, low = Keypair.create_from_uri("//High"), Keypair.create_from_uri("//Low")
    asked: list[tuple[str, str | None]] = []
    served: list[str | None] = []

    def priority(synapse: Slow) -> float:
        asked.append((synapse.name, synapse.dendrite.hotkey))
        return 10.0 if synapse.dendrite.hotkey == high.ss58_address else 1.0

    def work(synapse: Slow) -> Slow:
        served.append(synapse.dendrite.hotkey)
        time.sleep(synapse.seconds)
        return synapse

    with taonet.Axon(wallet=MINER, port=0, ip="127.0.0.1", max_workers=1).attach(
        work, priority_fn=priority
    ) as ax:
        blocker = threading.Thread(target=dendrite.query, args=(ax, Slow(seconds=1.0)))
        blocker.start()
        time.sleep(0.3)  # the only slot is taken
        callers = []
        for key in (low, high):  # low asks first
            callers.append(
                threading.Thread(
                    target=taonet.Dendrite(wallet=key).query, args=(ax, Slow(seconds=0.1))
                )
            )
            callers[-1].start()
            time.sleep(0.2)
        for t in [blocker, *callers]:
            t.join()
    assert served == [VALIDATOR.ss58_address, high.ss58_address, low.ss58_address]
    assert ("Slow", low.ss58_address) in asked and ("Slow", high.ss58_address) in asked


def test_bad_use_is_refused_clearly(axon: taonet.Axon, dendrite: taonet.Dendrite) -> None:
    def untyped(synapse):  # type: ignore[no-untyped-def]
        return synapse

    with pytest.raises(TypeError, match="annotated with a taonet.Synapse subclass"):
        taonet.Axon(wallet=MINER).attach(untyped)
    with pytest.raises(TypeError, match="attach needs a forward"):
        taonet.Axon(wallet=MINER).attach()
    with pytest.raises(RuntimeError, match="before start"):
        axon.attach(echo)
    with pytest.raises(OSError, match="port is taken"):
        taonet.Axon(wallet=MINER, port=axon.port, ip="127.0.0.1").attach(echo).start()
    with pytest.raises(ValueError, match="netuid and subtensor together"):
        taonet.Axon(wallet=MINER, netuid=1)
    with pytest.raises(TypeError, match="needs ip, port and hotkey"):
        dendrite.query(object(), Echo())
    with pytest.raises(ValueError, match="timeout must be a positive"):
        dendrite.query(axon, Echo(), timeout=0)
    # Loopback is dialled by default, never when private axons are refused outright.
    refused = taonet.Dendrite(wallet=VALIDATOR, allow_private_axons=False).query(axon, Echo())
    assert refused.dendrite.status_code == 503 and refused.output is None
    # Nothing listens on a closed port: unreachable, not an exception.
    (closed,) = free_ports(1)
    gone = dendrite.query(AxonEndpoint("127.0.0.1", closed, MINER.ss58_address), Echo())
    assert gone.dendrite.status_code == 503


# ----- streaming -----


def test_streaming_to_the_taonet_dendrite(axon: taonet.Axon, dendrite: taonet.Dendrite) -> None:
    async def go() -> tuple[list[Any], list[float], float]:
        items, times = [], []
        started = time.monotonic()
        async for item in dendrite.call_stream(axon, Tokens(prompt="hi"), timeout=10):
            items.append(item)
            times.append(time.monotonic() - started)
        return items, times, time.monotonic() - started

    items, times, total = asyncio.run(go())
    *chunks, final = items
    assert "".join(chunks) == "".join(TOKENS)
    assert times[0] < total - 0.3  # chunks arrive while the axon still streams
    assert isinstance(final, Tokens) and final.is_success
    assert final.completion == "".join(TOKENS) and final.prompt == "hi"
    assert final.axon.hotkey == MINER.ss58_address

    # The same through forward(streaming=True): a generator per axon.
    async def via_forward() -> str:
        gen = await dendrite(axon, Tokens(prompt="x"), streaming=True)
        return "".join([c async for c in gen if isinstance(c, str)])

    assert asyncio.run(via_forward()) == "".join(TOKENS)


def test_a_streamer_that_fails_cuts_the_stream(dendrite: taonet.Dendrite) -> None:
    def broken(synapse: Tokens) -> Any:
        async def streamer(send: Any) -> None:
            await send({"type": "http.response.body", "body": b"partial", "more_body": True})
            raise RuntimeError("generator died")

        return synapse.create_streaming_response(streamer)

    async def go(ax: taonet.Axon) -> list[Any]:
        return [x async for x in dendrite.call_stream(ax, Tokens(), timeout=10)]

    with taonet.Axon(wallet=MINER, port=0, ip="127.0.0.1").attach(broken) as ax:
        *chunks, final = asyncio.run(go(ax))
    assert "".join(chunks) == "partial"
    assert not final.is_success and final.dendrite.status_code == 503


# ----- interoperability with bittensor 10.5 -----


def bt_target(port: int, hotkey: str) -> Any:
    return bt.AxonInfo(
        version=10005000, ip="127.0.0.1", port=port, ip_type=4, hotkey=hotkey, coldkey=hotkey
    )


@pytest.mark.usefixtures("no_ip_lookup")
def test_bittensor_dendrite_calls_a_taonet_axon(axon: taonet.Axon) -> None:
    BtEcho, BtTokens = bt_echo_class(), bt_tokens_class()
    d = bt.Dendrite(wallet=BtKeypair.create_from_uri("//PyAxonValidator"))
    target = bt_target(axon.port, axon.hotkey)

    async def go() -> tuple[Any, Any, list[Any]]:
        ok = await d.call(target, BtEcho(value=7, items=[1, 2], text="py"), deserialize=False)
        wrong = await d.call(
            bt_target(axon.port, d.keypair.ss58_address), BtEcho(value=1), deserialize=False
        )
        streamed = [
            x async for x in d.call_stream(target, BtTokens(prompt="hi"), deserialize=False)
        ]
        await d.aclose_session()
        return ok, wrong, streamed

    ok, wrong, streamed = asyncio.run(go())
    assert ok.is_success, ok.dendrite
    assert ok.output == 17 and ok.axon.hotkey == axon.hotkey
    assert wrong.failed_verification
    *chunks, final = streamed
    assert "".join(chunks) == "".join(TOKENS)
    assert final.is_success and final.completion == "".join(TOKENS)


class FakeBtWallet:
    """What bittensor's Axon reads of a wallet."""

    def __init__(self, uri: str) -> None:
        self.hotkey = BtKeypair.create_from_uri(uri)
        self.coldkeypub = self.hotkey
        self.coldkey = self.hotkey


@pytest.fixture
def bt_axon() -> Iterator[Any]:
    BtEcho, BtTokens = bt_echo_class(), bt_tokens_class()

    def forward(synapse: BtEcho) -> BtEcho:  # type: ignore[valid-type]
        synapse.output = 2 * synapse.value + sum(synapse.items)  # type: ignore[attr-defined]
        return synapse

    def stream(synapse: BtTokens) -> Any:  # type: ignore[valid-type]
        async def streamer(send: Any) -> None:
            for token in TOKENS:
                await send(
                    {"type": "http.response.body", "body": token.encode(), "more_body": True}
                )

        return synapse.create_streaming_response(streamer)  # type: ignore[attr-defined]

    # bittensor reads the annotation itself, unresolved (this module's are strings).
    forward.__annotations__ = {"synapse": BtEcho, "return": BtEcho}
    stream.__annotations__ = {"synapse": BtTokens}
    (port,) = free_ports(1)
    a = bt.Axon(
        wallet=FakeBtWallet("//PyBtMiner"),
        port=port,
        ip="127.0.0.1",
        external_ip="127.0.0.1",
        external_port=port,
    )
    a.attach(forward_fn=forward).attach(forward_fn=stream)
    a.start()
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    try:
        yield a
    finally:
        a.stop()


def test_taonet_dendrite_calls_a_bittensor_axon(bt_axon: Any, dendrite: taonet.Dendrite) -> None:
    r = dendrite.query(bt_axon, Echo(value=7, items=[1, 2], text="ünï'\""), timeout=10)
    assert r.is_success, r.dendrite
    assert r.output == 17
    assert r.axon.hotkey == bt_axon.wallet.hotkey.ss58_address
    # bittensor's axon verifies the signature over the body hash: a wrong receiver is refused.
    wrong = dendrite.query(AxonEndpoint("127.0.0.1", bt_axon.port, VALIDATOR.ss58_address), Echo())
    assert wrong.failed_verification

    async def go() -> list[Any]:
        return [x async for x in dendrite.call_stream(bt_axon, Tokens(prompt="p"), timeout=10)]

    *chunks, final = asyncio.run(go())
    assert "".join(chunks) == "".join(TOKENS)
    assert final.is_success and final.completion == "".join(TOKENS)


# ----- admission by the metagraph (local network) -----


@pytest.fixture(scope="module")
def chain(localnet: dict[str, Any]) -> taonet.Subtensor:
    return taonet.Subtensor(network=localnet["rpc"])


def test_only_permitted_validators_get_through(
    chain: taonet.Subtensor, localnet: dict[str, Any]
) -> None:
    wallets = [
        taonet.Wallet(name=n, hotkey="default", path=localnet["wallet_path"])
        for n in ("alice", "bob")
    ]

    def permitted() -> list[taonet.Wallet]:
        # Permits are handed out at the subnet's first epoch (tempo 10 blocks).
        meta = chain.metagraph(NETUID)
        holders = {
            h for h, p in zip(meta.hotkeys, meta.validator_permit.tolist(), strict=True) if p
        }
        return [w for w in wallets if w.hotkeypub.ss58_address in holders]

    deadline = time.monotonic() + 90
    while not (validators := permitted()):
        assert time.monotonic() < deadline, f"no dev wallet got a permit on subnet {NETUID}"
        time.sleep(1)
    stranger = Keypair.create_from_mnemonic(Keypair.generate_mnemonic())
    with taonet.Axon(wallet=MINER, port=0, ip="127.0.0.1", netuid=NETUID, subtensor=chain).attach(
        echo
    ) as ax:
        refused = taonet.Dendrite(wallet=stranger).query(ax, Echo(value=1))
        assert refused.is_blacklist
        assert f"Unrecognized hotkey {stranger.ss58_address}" in refused.dendrite.status_message
        admitted = taonet.Dendrite(wallet=validators[0]).query(ax, Echo(value=1))
        assert admitted.is_success and admitted.output == 2


def test_the_admission_follows_the_chain(
    chain: taonet.Subtensor, localnet: dict[str, Any], tmp_path: Any
) -> None:
    """A caller registered after the axon started is let in once the axon re-reads the
    metagraph (every 5 s); `require_validator_permit=False` admits it without a permit."""
    newcomer = taonet.Wallet(name="newcomer", hotkey="default", path=str(tmp_path))
    newcomer.create_new_coldkey(use_password=False, suppress=True)
    newcomer.create_new_hotkey(suppress=True)
    bob = taonet.Wallet(name="bob", hotkey="default", path=localnet["wallet_path"])
    chain.transfer(bob, newcomer.coldkeypub.ss58_address, 10)
    with taonet.Axon(
        wallet=MINER,
        port=0,
        ip="127.0.0.1",
        netuid=NETUID,
        subtensor=chain,
        require_validator_permit=False,
    ).attach(echo) as ax:
        d = taonet.Dendrite(wallet=newcomer)
        before = d.query(ax, Echo())
        assert before.is_blacklist and "Unrecognized hotkey" in before.dendrite.status_message
        chain.burned_register(newcomer, NETUID)
        deadline = time.monotonic() + 30
        while not (answer := d.query(ax, Echo(value=4))).is_success:
            assert answer.is_blacklist, answer.dendrite
            assert time.monotonic() < deadline, "the axon never saw the registration"
            time.sleep(0.5)
        assert answer.output == 8
