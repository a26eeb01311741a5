"""Interop helper for crates/neuron/tests/neuron/interop.rs (Python bittensor 10.5.0).

  interop.py call <port> <axon_hotkey_ss58>   Python dendrite -> Rust axon; prints JSON
  interop.py stream <port> <axon_hotkey_ss58> Python dendrite.call_stream of StreamSynapse
                                              -> Rust axon; prints the chunks as JSON
  interop.py serve                            Python axon on 127.0.0.1 (EchoSynapse and the
                                              streaming StreamSynapse); prints its port and
                                              hotkey as JSON, serves until killed

Nothing leaves loopback: the dendrite's external-IP lookup is replaced by a constant and the
axon is given external_ip explicitly.
"""
import asyncio
import json
import socket
import sys
import time
from typing import ClassVar, Optional

from bittensor.utils import networking

networking.get_external_ip = lambda: "192.0.2.1"  # no IP-echo lookup (TEST-NET address)

import bittensor as bt  # noqa: E402
from bittensor.core import dendrite as dendrite_mod  # noqa: E402
from bittensor_wallet import Keypair  # noqa: E402

dendrite_mod.networking.get_external_ip = networking.get_external_ip


class EchoSynapse(bt.Synapse):
    value: int = 0
    items: list[int] = []
    text: str = ""
    output: Optional[int] = None
    required_hash_fields: ClassVar[tuple[str, ...]] = ("value", "items")


class StreamSynapse(bt.StreamingSynapse):
    """Streams `n` tokens `tok<i> `; as in text-generation subnets, the client joins the
    chunks into `completion` and reads the terminals from the response headers."""

    prompt: str = ""
    n: int = 0
    completion: str = ""
    required_hash_fields: ClassVar[tuple[str, ...]] = ("prompt", "n")

    async def process_streaming_response(self, response):
        async for chunk in response.content.iter_any():
            text = chunk.decode()
            self.completion += text
            yield text

    def extract_response_json(self, response):
        headers = {k: v for k, v in response.headers.items()}

        def terminal(prefix):
            return {k[len(prefix):]: v for k, v in headers.items() if k.startswith(prefix)}

        return {
            "name": headers.get("name", ""),
            "timeout": float(headers.get("timeout", 0)),
            "total_size": int(headers.get("total_size", 0)),
            "header_size": int(headers.get("header_size", 0)),
            "dendrite": terminal("bt_header_dendrite_"),
            "axon": terminal("bt_header_axon_"),
            "prompt": self.prompt,
            "n": self.n,
            "completion": self.completion,
        }


class FakeWallet:
    def __init__(self, uri):
        self.hotkey = Keypair.create_from_uri(uri)
        self.coldkeypub = self.hotkey
        self.coldkey = self.hotkey


def call(port, axon_hotkey):
    d = bt.Dendrite(wallet=Keypair.create_from_uri("//Validator"))
    axon = bt.AxonInfo(version=10005000, ip="127.0.0.1", port=port, ip_type=4,
                       hotkey=axon_hotkey, coldkey=axon_hotkey)

    async def go():
        ok = await d.call(axon, EchoSynapse(value=7, items=[1, 2], text="py"), timeout=10, deserialize=False)
        ping = await d.call(axon, bt.Synapse(), timeout=10, deserialize=False)
        bad = bt.AxonInfo(version=10005000, ip="127.0.0.1", port=port, ip_type=4,
                          hotkey=d.keypair.ss58_address, coldkey=axon_hotkey)
        wrong = await d.call(bad, EchoSynapse(value=1), timeout=10, deserialize=False)
        await d.aclose_session()
        return ok, ping, wrong

    ok, ping, wrong = asyncio.run(go())
    print(json.dumps({
        "dendrite_hotkey": d.keypair.ss58_address,
        "output": ok.output,
        "status": ok.dendrite.status_code,
        "is_success": ok.is_success,
        "axon_hotkey": ok.axon.hotkey,
        "ping_success": ping.is_success,
        "wrong_status": wrong.dendrite.status_code,
        "wrong_failed_verification": wrong.failed_verification,
        "wrong_message": wrong.dendrite.status_message,
    }))


def stream(port, axon_hotkey):
    d = bt.Dendrite(wallet=Keypair.create_from_uri("//Validator"))
    axon = bt.AxonInfo(version=10005000, ip="127.0.0.1", port=port, ip_type=4,
                       hotkey=axon_hotkey, coldkey=axon_hotkey)

    async def collect(target, syn):
        chunks, final = [], None
        async for item in d.call_stream(target, syn, timeout=10, deserialize=False):
            if isinstance(item, bt.Synapse):
                final = item
            else:
                chunks.append(item)
        return chunks, final

    async def go():
        ok = await collect(axon, StreamSynapse(prompt="plain", n=5))
        bad = bt.AxonInfo(version=10005000, ip="127.0.0.1", port=port, ip_type=4,
                          hotkey=d.keypair.ss58_address, coldkey=axon_hotkey)
        wrong = await collect(bad, StreamSynapse(prompt="plain", n=5))
        await d.aclose_session()
        return ok, wrong

    (chunks, final), (wrong_chunks, wrong) = asyncio.run(go())
    print(json.dumps({
        "chunks": chunks,
        "completion": final.completion,
        "status": final.dendrite.status_code,
        "is_success": final.is_success,
        "axon_hotkey": final.axon.hotkey,
        "wrong_chunks": wrong_chunks,
        "wrong_status": wrong.axon.status_code,
    }))


def serve():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    wallet = FakeWallet("//PyMiner")

    def forward(syn: EchoSynapse) -> EchoSynapse:
        syn.output = 2 * syn.value + sum(syn.items)
        return syn

    def stream_forward(syn: StreamSynapse) -> StreamSynapse.BTStreamingResponse:
        async def streamer(send):
            for i in range(syn.n):
                await send({"type": "http.response.body", "body": f"tok{i} ".encode(), "more_body": True})
                await asyncio.sleep(0.01)

        return syn.create_streaming_response(streamer)

    axon = bt.Axon(wallet=wallet, port=port, ip="127.0.0.1", external_ip="127.0.0.1", external_port=port)
    axon.attach(forward_fn=forward)
    axon.attach(forward_fn=stream_forward)
    axon.start()
    print(json.dumps({"port": port, "hotkey": wallet.hotkey.ss58_address}), flush=True)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    if sys.argv[1] == "call":
        call(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "stream":
        stream(int(sys.argv[2]), sys.argv[3])
    else:
        serve()
