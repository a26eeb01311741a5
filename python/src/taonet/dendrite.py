"""`Dendrite`: call axons with signed synapses, with bittensor's names, over the Rust dendrite.

::

    dendrite = taonet.Dendrite(wallet=wallet)
    answers = dendrite.query(metagraph.axons, Echo(value=3), timeout=12)     # blocking
    answers = await dendrite(metagraph.axons, Echo(value=3), timeout=12)     # coroutine
    async for chunk in dendrite.call_stream(axon, Tokens(prompt="hi")):      # streaming
        ...

Protocol rules:

- Each request is signed in Rust by the wallet's hotkey over
  ``<nonce>.<our hotkey>.<axon hotkey>.<uuid>.<body hash>`` (bittensor 10 headers), the body
  hash covering the synapse class's ``required_hash_fields``; the route is the class name.
- Calls to several axons run at once; results come back in the axons' order, a single axon
  giving a single result. Nothing raises for what happened on the network: each result is a
  copy of the request synapse with ``dendrite.status_code``/``status_message`` saying how
  the call ended — 200 (the axon's fields copied in), 408 timeout, 401 failed verification,
  403 blacklisted, 503 unreachable or not dialled, 422 an answer that does not parse, or the
  axon's own status — ``axon`` holding the axon's terminal and ``dendrite.process_time``
  the call's wall time, as bittensor's ``process_server_response`` leaves them.
- Axon addresses come from the chain, so non-public ones are not dialled unless allowed:
  ``allow_private_axons=None`` (default) dials loopback only, ``True`` every address,
  ``False`` only public ones.
- A stream's deadline (``timeout``) covers the whole stream.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pydantic

from taonet import _taonet
from taonet._taonet import Keypair, Wallet
from taonet.axon import Axon, _hotkey_of
from taonet.stream import StreamingSynapse
from taonet.synapse import AXON_HEADER, DENDRITE_HEADER, Synapse, TerminalInfo

__all__ = ["Dendrite", "StreamContent", "StreamResponse"]

Target = tuple[str, int, str]


def _target(axon: Any) -> Target:
    """``(ip, port, hotkey)`` of anything with ``ip``, ``port`` and ``hotkey`` (or of an axon
    with ``info()``)."""
    if isinstance(axon, Axon) or (
        callable(getattr(axon, "info", None)) and not hasattr(axon, "hotkey")
    ):
        axon = axon.info()
    try:
        return (str(axon.ip), int(axon.port), str(axon.hotkey))
    except AttributeError as e:
        raise TypeError(
            f"an axon to call needs ip, port and hotkey attributes (a metagraph's axons, an "
            f"AxonInfo, Axon.info()); {type(axon).__name__} has not: {e}"
        ) from e


def _request(synapse: Synapse) -> tuple[str, bytes, list[str]]:
    cls = type(synapse)
    return cls.__name__, synapse.model_dump_json().encode(), list(cls.hash_fields())


def _merge_answer(out: Synapse, answer: dict[str, Any]) -> None:
    """Copies the fields of the axon's answer into ``out`` (as bittensor does; fields that
    refuse assignment, such as ``computed_body_hash``, are left)."""
    server = type(out)(**answer)
    for key in type(out).model_fields:
        try:
            setattr(out, key, getattr(server, key))
        except (pydantic.ValidationError, AttributeError, TypeError, ValueError):
            continue


def _finish(
    out: Synapse, status: int, message: str, elapsed: float, axon_json: str, dendrite_json: str
) -> None:
    out.axon = TerminalInfo.model_validate_json(axon_json)
    dendrite = TerminalInfo.model_validate_json(dendrite_json)
    dendrite.status_code = status
    dendrite.status_message = message
    dendrite.process_time = elapsed
    out.dendrite = dendrite


def _headers(name: str, timeout: float, axon: TerminalInfo, dendrite: TerminalInfo) -> dict:
    headers = {"name": name, "timeout": str(timeout)}
    for prefix, terminal in ((AXON_HEADER, axon), (DENDRITE_HEADER, dendrite)):
        for key, value in terminal.model_dump().items():
            if value is not None:
                headers[prefix + key] = str(value)
    return headers


class StreamContent:
    """The body of a streamed answer, read as aiohttp's ``StreamReader`` is."""

    def __init__(self, chunks: _taonet.ChunkIter) -> None:
        self._chunks = chunks
        self._pending = b""

    async def _next(self) -> bytes | None:
        if self._pending:
            chunk, self._pending = self._pending, b""
            return chunk
        return await asyncio.to_thread(self._chunks.next)

    async def iter_any(self) -> AsyncIterator[bytes]:
        """Each chunk as it arrives."""
        while (chunk := await self._next()) is not None:
            yield chunk

    async def iter_chunked(self, n: int) -> AsyncIterator[bytes]:
        """The body in pieces of at most ``n`` bytes, each yielded as soon as it is there."""
        if n < 1:
            raise ValueError(f"iter_chunked needs n >= 1, got {n}")
        while (chunk := await self._next()) is not None:
            if len(chunk) > n:
                chunk, self._pending = chunk[:n], chunk[n:]
            yield chunk

    async def read(self) -> bytes:
        """The rest of the body."""
        return b"".join([chunk async for chunk in self.iter_any()])

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.iter_any()


class StreamResponse:
    """A streamed answer as :meth:`StreamingSynapse.process_streaming_response` reads it:
    ``status``, ``headers`` (``name``, ``timeout``, ``bt_header_axon_*`` and
    ``bt_header_dendrite_*`` rebuilt from the terminals) and ``content``."""

    def __init__(self, chunks: _taonet.ChunkIter, name: str, timeout: float) -> None:
        self._chunks = chunks
        self.status: int = chunks.status_code
        """HTTP status of the answer's head."""
        axon = TerminalInfo.model_validate_json(chunks.axon_json)
        dendrite = TerminalInfo.model_validate_json(chunks.dendrite_json)
        self.headers: dict[str, str] = _headers(name, timeout, axon, dendrite)
        """The response headers bittensor's synapse code reads."""
        self.headers["content-type"] = (
            "text/event-stream" if self.status == 200 else "application/json"
        )
        self.content = StreamContent(chunks)
        """The body."""

    async def json(self) -> Any:
        """A refusal's JSON body (``{"message": …}``); None for a stream."""
        body = self._chunks.error_body
        return None if body is None else json.loads(body)


class Dendrite:
    """A dendrite, named and shaped as bittensor's ``Dendrite``. See the module's rules."""

    def __init__(
        self,
        wallet: Wallet | Keypair | None = None,
        allow_private_axons: bool | None = None,
        external_ip: str | None = None,
    ) -> None:
        """A dendrite signing with ``wallet``'s hotkey (a taonet ``Wallet`` or ``Keypair``;
        None: the default wallet). ``allow_private_axons``: None dials loopback axons only
        among non-public addresses, True all of them, False none. ``external_ip`` is what
        the requests say our IP is (default 127.0.0.1; nothing is looked up)."""
        self._keypair = _hotkey_of(wallet)
        self._client = _taonet.DendriteClient(
            self._keypair,
            allow_private_axons=allow_private_axons is True,
            allow_loopback_axons=allow_private_axons is not False,
            external_ip=external_ip,
        )

    @property
    def keypair(self) -> Keypair:
        """The hotkey requests are signed with."""
        return self._keypair

    def __repr__(self) -> str:
        return f"dendrite({self._keypair.ss58_address})"

    __str__ = __repr__

    # ----- blocking core -----

    def _call_all(self, axons: Sequence[Any], synapse: Synapse, timeout: float) -> list[Synapse]:
        name, payload, fields = _request(synapse)
        targets = [_target(a) for a in axons]
        results = self._client.query(targets, name, payload, fields, float(timeout))
        out = []
        for status, message, elapsed, axon_json, dendrite_json, body in results:
            answer = synapse.model_copy(deep=True)
            answer.timeout = float(timeout)
            if status == 200 and body is not None:
                try:
                    _merge_answer(answer, json.loads(body))
                except (pydantic.ValidationError, ValueError, TypeError) as e:
                    status, message = 422, f"Failed to parse response: {e}"
            _finish(answer, status, message, elapsed, axon_json, dendrite_json)
            out.append(answer)
        return out

    @staticmethod
    def _shape(results: list[Any], single: bool) -> Any:
        return results[0] if single else results

    # ----- bittensor's API -----

    def query(
        self,
        axons: Any,
        synapse: Synapse | None = None,
        timeout: float = 12.0,
        deserialize: bool = True,
    ) -> Any:
        """Calls ``axons`` (one, or a list) with ``synapse`` and waits: one result for one
        axon, a list in the axons' order for a list. For a :class:`StreamingSynapse` the
        results are :meth:`call_stream` generators, as bittensor returns them."""
        synapse = Synapse() if synapse is None else synapse
        single = not isinstance(axons, list)
        targets = [axons] if single else list(axons)
        if isinstance(synapse, StreamingSynapse):
            gens = [self.call_stream(a, synapse, timeout, deserialize) for a in targets]
            return self._shape(gens, single)
        results = self._call_all(targets, synapse, timeout)
        return self._shape([r.deserialize() if deserialize else r for r in results], single)

    async def forward(
        self,
        axons: Any,
        synapse: Synapse | None = None,
        timeout: float = 12.0,
        deserialize: bool = True,
        run_async: bool = True,
        streaming: bool = False,
    ) -> Any:
        """The coroutine form of :meth:`query` (the calls run in a worker thread, all at
        once; ``run_async`` is accepted for compatibility). ``streaming`` or a
        :class:`StreamingSynapse` gives :meth:`call_stream` generators."""
        synapse = Synapse() if synapse is None else synapse
        if streaming and not isinstance(synapse, StreamingSynapse):
            raise TypeError(
                f"streaming=True needs a StreamingSynapse; {type(synapse).__name__} is not one"
            )
        if isinstance(synapse, StreamingSynapse):
            return self.query(axons, synapse, timeout, deserialize)
        return await asyncio.to_thread(self.query, axons, synapse, timeout, deserialize)

    async def __call__(
        self,
        axons: Any,
        synapse: Synapse | None = None,
        timeout: float = 12.0,
        deserialize: bool = True,
        run_async: bool = True,
        streaming: bool = False,
    ) -> Any:
        """``await dendrite(axons, synapse, …)``: :meth:`forward`."""
        return await self.forward(axons, synapse, timeout, deserialize, run_async, streaming)

    async def aquery(self, *args: Any, **kwargs: Any) -> Any:
        """:meth:`forward` (bittensor's name for it)."""
        return await self.forward(*args, **kwargs)

    async def call(
        self,
        target_axon: Any,
        synapse: Synapse | None = None,
        timeout: float = 12.0,
        deserialize: bool = True,
    ) -> Any:
        """Calls one axon: the answered synapse (deserialized unless told not to)."""
        synapse = Synapse() if synapse is None else synapse
        (result,) = await asyncio.to_thread(self._call_all, [target_axon], synapse, timeout)
        return result.deserialize() if deserialize else result

    async def call_stream(
        self,
        target_axon: Any,
        synapse: Synapse | None = None,
        timeout: float = 12.0,
        deserialize: bool = True,
    ) -> AsyncIterator[Any]:
        """Calls one axon for a streamed answer: yields what the synapse's
        ``process_streaming_response`` yields as chunks arrive, then the final synapse
        (filled from ``extract_response_json``; its status says how the call ended)."""
        synapse = Synapse() if synapse is None else synapse
        if not isinstance(synapse, StreamingSynapse):
            raise TypeError(
                f"call_stream needs a StreamingSynapse; {type(synapse).__name__} is not one"
            )
        name, payload, fields = _request(synapse)
        target = _target(target_axon)
        chunks = await asyncio.to_thread(
            self._client.stream, target, name, payload, fields, float(timeout)
        )
        out = synapse.model_copy(deep=True)
        out.timeout = float(timeout)
        parse_error: str | None = None
        if chunks.status_code == 200:
            response = StreamResponse(chunks, name, float(timeout))
            try:
                async for item in out.process_streaming_response(response):
                    yield item
                answer = out.extract_response_json(response)
                if chunks.status_code == 200:
                    _merge_answer(out, answer)
            except (pydantic.ValidationError, ValueError, TypeError, KeyError) as e:
                parse_error = f"Failed to parse response: {e}"
        _finish(
            out,
            422 if parse_error else chunks.status_code,
            parse_error or chunks.status_message,
            chunks.process_time,
            chunks.axon_json,
            chunks.dendrite_json,
        )
        yield out.deserialize() if deserialize else out

    def close_session(self, using_new_loop: bool = False) -> None:
        """Nothing to close (connections are pooled in Rust); kept for compatibility."""

    async def aclose_session(self) -> None:
        """Nothing to close (connections are pooled in Rust); kept for compatibility."""

    async def __aenter__(self) -> Dendrite:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose_session()
