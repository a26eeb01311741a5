"""`Axon`: serve synapses to dendrites, with bittensor's names, over the Rust axon.

::

    class Echo(taonet.Synapse):
        value: int = 0
        output: int | None = None
        required_hash_fields: ClassVar[tuple[str, ...]] = ("value",)

    def forward(synapse: Echo) -> Echo:
        synapse.output = 2 * synapse.value
        return synapse

    axon = taonet.Axon(wallet=wallet, port=8091, netuid=1, subtensor=sub)
    axon.attach(forward_fn=forward).start()
    axon.serve(netuid=1, subtensor=sub)     # publish ip:port on chain

Protocol rules (the Rust axon, ``taonet_neuron::axon``, enforces them before Python runs):

- A request reaches ``forward`` only after its route, size, headers, signature, nonce and
  body hash were checked: bittensor's status codes (404 unknown synapse, 413 too large,
  401 ``Not Verified with error: …``, 500 on a body hash mismatch, …).
- With ``netuid`` and ``subtensor``, only callers registered on that subnet holding a
  validator permit get through (403 before verification), as the Rust miner does; pass
  ``require_validator_permit=False`` to let every registered caller in. Waiting requests
  are served by the caller's stake unless a ``priority_fn`` is attached.
- Then, in Python: ``blacklist_fn(synapse) -> (bool, reason)`` (403 ``Forbidden. Key is
  blacklisted: <reason>.``), ``verify_fn(synapse)`` (raising → 401), ``forward(synapse)``
  (raising → 500, logged on the ``taonet.axon`` logger). ``synapse.dendrite`` holds the
  verified caller (hotkey, nonce, uuid, signature; ip and port of the connection).
- ``priority_fn(synapse) -> float`` is asked for every request with a synapse carrying only
  the route name and ``dendrite.hotkey`` (the body is not read yet); higher goes first when
  more than ``max_workers`` forwards wait. Routes without one get 0 once any route has one.
- Functions may be plain or ``async def``; coroutines run on one event loop the axon owns,
  in a background thread. An ``async`` forward still running after the synapse's timeout
  is cancelled.
- A forward of a :class:`taonet.StreamingSynapse` may return
  ``synapse.create_streaming_response(token_streamer)``: the answer is then streamed
  (``text/event-stream``), each ``send({"type": "http.response.body", "body": b, …})``
  one chunk, until ``more_body`` is false or the streamer returns; a streamer that raises
  cuts the stream.
"""

from __future__ import annotations

import asyncio
import inspect
import ipaddress
import logging
import threading
import typing
from collections.abc import Awaitable, Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

import pydantic

from taonet import _taonet
from taonet._taonet import KeyFileError, Keypair, Wallet
from taonet.stream import BTStreamingResponse
from taonet.synapse import Synapse, TerminalInfo

__all__ = ["Axon", "AxonEndpoint"]

logger = logging.getLogger("taonet.axon")

BITTENSOR_VERSION = 10_005_000
"""The bittensor version this protocol speaks, as an int (10.5.0)."""

Forward = Callable[[Any], Any]


@dataclass(frozen=True)
class AxonEndpoint:
    """Where an axon is reached, shaped as bittensor's ``AxonInfo`` (what a dendrite takes)."""

    ip: str
    """The advertised IP."""
    port: int
    """The advertised port."""
    hotkey: str
    """The axon's hotkey (SS58): requests are signed for it."""
    coldkey: str = ""
    """The wallet's coldkey (SS58), when known."""
    version: int = BITTENSOR_VERSION
    """Protocol version int."""
    ip_type: int = 4
    """4 or 6."""
    protocol: int = 4
    """4 = HTTP."""

    @property
    def is_serving(self) -> bool:
        """Whether an address is set."""
        return self.ip != "0.0.0.0"

    def ip_str(self) -> str:
        """``/ipv4/<ip>:<port>`` as bittensor writes it."""
        return f"/ipv{self.ip_type}/{self.ip}:{self.port}"


@dataclass
class _Route:
    cls: type[Synapse]
    forward: Forward
    blacklist: Callable[[Any], Any] | None
    priority: Callable[[Any], Any] | None
    verify: Callable[[Any], Any] | None


def _hotkey_of(wallet: Any) -> Keypair:
    """The signing hotkey of a taonet ``Wallet`` (or anything with a ``hotkey`` Keypair) or
    a ``Keypair``; None means the default wallet."""
    if wallet is None:
        wallet = Wallet()
    if isinstance(wallet, Keypair):
        key = wallet
    else:
        key = getattr(wallet, "hotkey", None)
        if not isinstance(key, Keypair):
            raise TypeError(
                "wallet must be a taonet.Wallet (its hotkey signs) or a taonet.Keypair, got "
                f"{type(wallet).__name__}"
            )
    if not key.has_private_key:
        raise ValueError("the hotkey has no private key: an axon or dendrite must sign")
    return key


def _synapse_class(forward: Forward) -> type[Synapse]:
    """The synapse class named by the annotation of ``forward``'s first parameter."""
    try:
        params = list(inspect.signature(forward).parameters.values())
    except (TypeError, ValueError) as e:
        raise TypeError(f"cannot read the signature of {forward!r}: {e}") from e
    if not params:
        raise TypeError(
            f"{getattr(forward, '__name__', forward)!r} takes no argument: a forward function "
            "takes the synapse, annotated with its class (def forward(synapse: MySynapse))"
        )
    first = params[0]
    try:
        hints = typing.get_type_hints(forward)
    except Exception:  # an unresolvable hint elsewhere: fall back to the raw annotation
        hints = {}
    cls = hints.get(first.name, first.annotation)
    if not (isinstance(cls, type) and issubclass(cls, Synapse)):
        raise TypeError(
            f"the first parameter {first.name!r} of {getattr(forward, '__name__', forward)!r} "
            "must be annotated with a taonet.Synapse subclass (it names the route), got "
            f"{cls!r}"
        )
    return cls


async def _awaited(value: Awaitable[Any]) -> Any:
    return await value


def _is_unspecified(ip: str) -> bool:
    return ipaddress.ip_address(ip).is_unspecified


class Axon:
    """An axon, named and shaped as bittensor's ``Axon``: attach forward functions, start,
    then publish it on chain with :meth:`serve`. See the module's rules."""

    def __init__(
        self,
        wallet: Wallet | Keypair | None = None,
        port: int = 8091,
        ip: str = "0.0.0.0",
        external_ip: str | None = None,
        external_port: int | None = None,
        netuid: int | None = None,
        subtensor: Any = None,
        max_workers: int | None = None,
        *,
        require_validator_permit: bool = True,
        max_body_bytes: int | None = None,
    ) -> None:
        """An axon signing as ``wallet``'s hotkey (a taonet ``Wallet`` or ``Keypair``; None:
        the default wallet) that listens on ``ip:port`` (``port=0``: any free port) and
        advertises ``external_ip:external_port`` (default: ``ip``, or 127.0.0.1 when ``ip``
        is 0.0.0.0, and the listening port). With ``netuid`` and ``subtensor`` it admits
        only that subnet's registered validators. ``max_workers`` caps the forwards
        running at once (256); ``max_body_bytes`` the request size (4 MiB)."""
        if (netuid is None) != (subtensor is None):
            raise ValueError(
                "give netuid and subtensor together (the subnet whose validators may call) "
                "or neither (everyone may call)"
            )
        try:
            ipaddress.ip_address(ip)
            if external_ip is not None:
                ipaddress.ip_address(external_ip)
        except ValueError as e:
            raise ValueError(f"{e}: give an IPv4 or IPv6 address") from e
        if not 0 <= port <= 65535 or (external_port is not None and not 0 < external_port <= 65535):
            raise ValueError("ports are 1..65535 (port may be 0: any free port)")
        self.wallet: Any = wallet
        """The wallet (or keypair) the axon signs with."""
        self._keypair = _hotkey_of(wallet)
        self.ip: str = ip
        """The IP listened on."""
        self._port = port
        self._external_ip = external_ip
        self._external_port = external_port
        self.netuid: int | None = netuid
        """The subnet whose registered validators may call (None: everyone)."""
        self.subtensor: Any = subtensor
        """The chain connection the admission check reads."""
        self.max_workers: int | None = max_workers
        """Forwards that run at once (None: 256)."""
        self.require_validator_permit = require_validator_permit
        """With ``netuid``: refuse registered callers without a validator permit."""
        self.max_body_bytes = max_body_bytes
        """Largest request body accepted (None: 4 MiB)."""
        self._routes: dict[str, _Route] = {}
        self._server: _taonet.AxonServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: threading.Thread | None = None

    # ----- bittensor's attributes -----

    @property
    def hotkey(self) -> str:
        """The axon's hotkey (SS58)."""
        return self._keypair.ss58_address

    @property
    def port(self) -> int:
        """The port listened on (the bound one once started, useful with ``port=0``)."""
        return self._server.port if self._server is not None else self._port

    @property
    def external_ip(self) -> str:
        """The IP advertised to callers and published by :meth:`serve`."""
        if self._external_ip is not None:
            return self._external_ip
        return "127.0.0.1" if _is_unspecified(self.ip) else self.ip

    @property
    def external_port(self) -> int:
        """The port advertised to callers: ``external_port``, else the listening port."""
        return self._external_port if self._external_port is not None else self.port

    @property
    def started(self) -> bool:
        """Whether the axon is serving."""
        return self._server is not None and self._server.is_running

    @property
    def forward_class_types(self) -> dict[str, type[Synapse]]:
        """The attached synapse classes by route name."""
        return {name: r.cls for name, r in self._routes.items()}

    @property
    def full_address(self) -> str:
        """``ip:port`` listened on."""
        return f"{self.ip}:{self.port}"

    def info(self) -> AxonEndpoint:
        """Where callers reach this axon (what a dendrite takes as a target)."""
        coldkey = ""
        if isinstance(self.wallet, Wallet):
            try:
                coldkey = self.wallet.coldkeypub.ss58_address
            except KeyFileError:
                coldkey = ""
        ip = self.external_ip
        return AxonEndpoint(
            ip=ip,
            port=self.external_port,
            hotkey=self.hotkey,
            coldkey=coldkey,
            ip_type=ipaddress.ip_address(ip).version,
        )

    # ----- attaching -----

    def attach(
        self,
        forward_fn: Forward | None = None,
        blacklist_fn: Callable[[Any], Any] | None = None,
        priority_fn: Callable[[Any], Any] | None = None,
        verify_fn: Callable[[Any], Any] | None = None,
        *,
        forward: Forward | None = None,
        blacklist: Callable[[Any], Any] | None = None,
        priority: Callable[[Any], Any] | None = None,
        verify: Callable[[Any], Any] | None = None,
    ) -> Axon:
        """Serves ``forward_fn`` on the route of its first parameter's synapse class
        (replacing an earlier one of that name); returns the axon. Each function may be
        ``async``. Attach before :meth:`start` (or after :meth:`stop`)."""

        def pick(positional: Any, keyword: Any, what: str) -> Any:
            if positional is not None and keyword is not None:
                raise TypeError(f"give {what}_fn or {what}=, not both")
            fn = positional if positional is not None else keyword
            if fn is not None and not callable(fn):
                raise TypeError(f"{what} must be callable, got {type(fn).__name__}")
            return fn

        fwd = pick(forward_fn, forward, "forward")
        if fwd is None:
            raise TypeError("attach needs a forward function (forward_fn=…)")
        if self.started:
            raise RuntimeError("attach synapses before start() (or stop() the axon first)")
        cls = _synapse_class(fwd)
        self._routes[cls.__name__] = _Route(
            cls=cls,
            forward=fwd,
            blacklist=pick(blacklist_fn, blacklist, "blacklist"),
            priority=pick(priority_fn, priority, "priority"),
            verify=pick(verify_fn, verify, "verify"),
        )
        return self

    # ----- running -----

    def start(self) -> Axon:
        """Binds and serves in the background; returns the axon. ``OSError`` when the
        address cannot be bound (port taken), ``ConnectionError``/``ValueError`` when the
        subnet for the admission check cannot be read."""
        if self.started:
            return self
        loop = asyncio.new_event_loop()
        thread = threading.Thread(
            target=loop.run_forever, name=f"taonet-axon-{self.port}", daemon=True
        )
        thread.start()
        self._loop, self._loop_thread = loop, thread
        has_priority = any(r.priority is not None for r in self._routes.values())
        node = None if self.subtensor is None else self.subtensor._node
        try:
            server = _taonet.AxonServer(
                self._keypair,
                self.ip,
                self._port,
                [(name, list(r.cls.hash_fields())) for name, r in self._routes.items()],
                self._handle,
                external_ip=self._external_ip,
                external_port=self._external_port,
                priority=self._priority if has_priority else None,
                node=node,
                netuid=self.netuid,
                require_validator_permit=self.require_validator_permit,
                max_body_bytes=self.max_body_bytes,
                max_concurrent=self.max_workers,
            )
            server.start()
        except BaseException:
            self._stop_loop()
            raise
        self._server = server
        return self

    def stop(self) -> Axon:
        """Stops serving (requests in progress are dropped); returns the axon."""
        if self._server is not None:
            self._server.stop()
        self._stop_loop()
        return self

    def _stop_loop(self) -> None:
        loop, thread = self._loop, self._loop_thread
        self._loop = self._loop_thread = None
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        if not thread.is_alive():
            loop.close()

    def serve(self, netuid: int, subtensor: Any) -> Axon:
        """Publishes ``external_ip:external_port`` for the wallet's hotkey on ``netuid``
        (``subtensor.serve_axon``, signed by the hotkey); returns the axon."""
        if not isinstance(self.wallet, Wallet):
            raise TypeError(
                "serve needs the axon's taonet.Wallet (its hotkey signs serve_axon); this "
                "axon was given a bare keypair"
            )
        if self.external_port == 0:
            raise ValueError("the axon has no port yet: start() it first (it was given port=0)")
        subtensor.serve_axon(self.wallet, netuid, self.external_ip, self.external_port)
        return self

    def __enter__(self) -> Axon:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __del__(self) -> None:
        try:
            self._stop_loop()
        except Exception:  # interpreter shutdown: nothing left to stop
            pass

    def __repr__(self) -> str:
        return (
            f"Axon({self.ip}, {self.port}, {self.hotkey}, "
            f"{'started' if self.started else 'stopped'}, {sorted(self._routes)})"
        )

    # ----- called by the Rust axon (on its blocking threads) -----

    def _call(self, fn: Callable[..., Any], *args: Any, timeout: float | None = None) -> Any:
        """``fn(*args)``; a coroutine is run on the axon's loop and waited for."""
        result = fn(*args)
        if not inspect.isawaitable(result):
            return result
        loop = self._loop
        if loop is None:
            raise RuntimeError("the axon is stopped")
        future = asyncio.run_coroutine_threadsafe(_awaited(result), loop)
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            future.cancel()
            raise

    def _handle(self, name: str, body: bytes, caller: str, sink: _taonet.StreamSink) -> Any:
        route = self._routes.get(name)
        if route is None:
            return (
                404,
                f"Synapse name '{name}' not found. Available synapses {sorted(self._routes)}",
            )
        try:
            synapse = route.cls.model_validate_json(body)
        except pydantic.ValidationError as e:
            return (400, f"Improperly formatted request: the body is not a {name}: {e}")
        if route.blacklist is not None:
            verdict = self._call(route.blacklist, synapse)
            try:
                blocked, reason = verdict
            except (TypeError, ValueError):
                raise TypeError(
                    f"the blacklist function of {name} must return (bool, reason), got {verdict!r}"
                ) from None
            if blocked:
                return (403, f"Forbidden. Key is blacklisted: {reason}.")
        if route.verify is not None:
            try:
                self._call(route.verify, synapse)
            except Exception as e:
                return (401, f"Not Verified with error: {e}")
        try:
            result = self._call(route.forward, synapse, timeout=synapse.timeout)
        except FutureTimeout:
            return (408, f"Response timeout after: {synapse.timeout}s")
        except Exception:
            logger.exception("axon: forward of %s for %s failed", name, caller)
            raise
        if isinstance(result, BTStreamingResponse):
            loop = self._loop
            if loop is None:
                raise RuntimeError("the axon is stopped")
            asyncio.run_coroutine_threadsafe(self._stream(name, result, sink), loop)
            return None
        if isinstance(result, Synapse):
            return result.model_dump_json().encode()
        raise TypeError(
            f"the forward of {name} returned {type(result).__name__}: return the synapse "
            "(or synapse.create_streaming_response(...) for a StreamingSynapse)"
        )

    async def _stream(
        self, name: str, response: BTStreamingResponse, sink: _taonet.StreamSink
    ) -> None:
        async def send(message: dict[str, Any]) -> None:
            if message.get("type") != "http.response.body" or sink.closed:
                return
            chunk = message.get("body", b"")
            if chunk and not sink.try_send(chunk):
                await asyncio.to_thread(sink.send, chunk)
            if not message.get("more_body", False):
                sink.close()

        try:
            await response.token_streamer(send)
        except ConnectionError:
            logger.debug("axon: the caller of %s left before the stream ended", name)
            sink.close()
        except Exception as e:
            if not sink.closed:
                logger.exception("axon: the token streamer of %s failed", name)
            sink.fail(f"{type(e).__name__}: {e}")
        else:
            sink.close()

    def _priority(self, name: str, hotkey: str) -> float:
        route = self._routes.get(name)
        if route is None or route.priority is None:
            return 0.0
        synapse = route.cls.model_construct(name=name, dendrite=TerminalInfo(hotkey=hotkey))
        return float(self._call(route.priority, synapse))
