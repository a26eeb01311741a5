"""`AsyncSubtensor`: every :class:`~taonet.Subtensor` method as a coroutine, for asyncio code.

Rules:

- Every public method of :class:`~taonet.Subtensor` is here under the same name and
  signature as a coroutine function (``await sub.get_balance(addr)``), and every public
  property is an awaitable property (``await sub.block``, as bittensor's
  ``AsyncSubtensor.block``). The twins are generated from :class:`~taonet.Subtensor` when
  this module is imported, so the two classes cannot drift apart; a public attribute of
  :class:`~taonet.Subtensor` that is neither a method nor a property stops the import.
- Each call runs the blocking native call in a worker thread (:func:`asyncio.to_thread`).
  The native node releases the GIL while it waits, so the event loop keeps running and
  concurrent awaits overlap on the one WebSocket connection.
- The connection is opened by :meth:`AsyncSubtensor.initialize` (or ``async with``, or the
  first call) and dropped by :meth:`AsyncSubtensor.close`; a call after ``close`` opens a new
  one. Nothing connects in the constructor.
- Results, receipts and errors are exactly :class:`~taonet.Subtensor`'s (reads from the
  finalized state, writes followed to finality, :class:`taonet.ChainError` on failure).
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from taonet.subtensor import Subtensor, resolve_network

_OWN_NAMES = frozenset({"initialize", "close", "network"})


class AsyncSubtensor:
    """A connection to a taonet node with :class:`~taonet.Subtensor`'s methods as coroutines,
    named and shaped as bittensor's ``AsyncSubtensor``::

        async with taonet.AsyncSubtensor() as sub:
            height = await sub.block
            balances = await asyncio.gather(*(sub.get_balance(a) for a in addresses))
            await sub.transfer(wallet, dest, 1.5)

    Each call runs the blocking native call in a worker thread; the GIL is released while it
    waits, so concurrent calls overlap and the event loop never blocks.
    """

    def __init__(self, network: str | None = None) -> None:
        """Chooses the node ``network`` (``ws://``, ``http://`` or ``host:port``; None finds
        it as the CLI does). Connects on :meth:`initialize`, ``async with`` or the first call.
        """
        self.network: str = resolve_network(network)
        """The URL of the node."""
        self._lock = threading.Lock()
        self._sync: Subtensor | None = None

    def __repr__(self) -> str:
        return f"AsyncSubtensor(network={self.network!r})"

    def _connect_blocking(self) -> Subtensor:
        with self._lock:
            if self._sync is None:
                self._sync = Subtensor(self.network)
            return self._sync

    async def _subtensor(self) -> Subtensor:
        sync = self._sync
        if sync is not None:
            return sync
        return await asyncio.to_thread(self._connect_blocking)

    async def initialize(self) -> AsyncSubtensor:
        """Connects to the node (once; later calls return at once) and returns ``self``.

        Raises ``ConnectionError`` when the node cannot be reached.
        """
        await self._subtensor()
        return self

    async def close(self) -> None:
        """Drops the connection; a later call connects again."""
        with self._lock:
            self._sync = None

    async def __aenter__(self) -> AsyncSubtensor:
        return await self.initialize()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _method_twin(name: str, method: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """A coroutine function that runs ``Subtensor.<name>`` in a worker thread."""

    async def twin(self: AsyncSubtensor, *args: Any, **kwargs: Any) -> Any:
        sync = await self._subtensor()
        return await asyncio.to_thread(getattr(sync, name), *args, **kwargs)

    twin.__name__ = name
    twin.__qualname__ = f"AsyncSubtensor.{name}"
    twin.__signature__ = inspect.signature(method)  # type: ignore[attr-defined]
    twin.__annotations__ = dict(method.__annotations__)
    twin.__doc__ = f"Awaitable :meth:`Subtensor.{name}`: {method.__doc__ or ''}"
    return twin


def _property_twin(name: str, prop: property) -> property:
    """A property whose value is an awaitable of ``Subtensor.<name>``, read in a thread."""

    async def read(self: AsyncSubtensor) -> Any:
        sync = await self._subtensor()
        return await asyncio.to_thread(getattr, sync, name)

    def get(self: AsyncSubtensor) -> Awaitable[Any]:
        return read(self)

    get.__name__ = name
    get.__qualname__ = f"AsyncSubtensor.{name}"
    return property(get, doc=f"Awaitable :attr:`Subtensor.{name}`: {prop.__doc__ or ''}")


def _mirror_subtensor() -> None:
    """Adds an async twin of every public method and property of :class:`Subtensor`."""
    for name, attr in vars(Subtensor).items():
        if name.startswith("_"):
            continue
        if name in _OWN_NAMES:
            raise TypeError(
                f"Subtensor.{name} clashes with AsyncSubtensor's own {name}; rename one of them"
            )
        if isinstance(attr, property):
            setattr(AsyncSubtensor, name, _property_twin(name, attr))
        elif inspect.isfunction(attr):
            setattr(AsyncSubtensor, name, _method_twin(name, attr))
        else:
            raise TypeError(
                f"Subtensor.{name} is a {type(attr).__name__}, neither a method nor a property: "
                "AsyncSubtensor cannot mirror it; make it one or give AsyncSubtensor a twin"
            )


_mirror_subtensor()
