"""Writes ``python/src/taonet/async_subtensor.pyi``: the type stub of ``AsyncSubtensor``.

``AsyncSubtensor``'s coroutines are generated from ``Subtensor`` when the module is imported,
so editors and type checkers cannot see them in the source; this stub spells them out.
``python/tests/test_async_subtensor.py`` checks the stub equals what this script generates,
so run it again after changing ``Subtensor``::

    python python/tools/gen_async_stub.py
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

STUB = Path(__file__).resolve().parents[1] / "src" / "taonet" / "async_subtensor.pyi"

HEADER = '''"""Type stub of taonet.async_subtensor, written by python/tools/gen_async_stub.py."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any

from taonet._taonet import Metagraph, Wallet
from taonet.balance import Amount, Balance
from taonet.subtensor import TxReceipt

class AsyncSubtensor:
    network: str
    def __init__(self, network: str | None = None) -> None: ...
    async def initialize(self) -> AsyncSubtensor: ...
    async def close(self) -> None: ...
    async def __aenter__(self) -> AsyncSubtensor: ...
    async def __aexit__(self, *exc: object) -> None: ...
'''


def _annotation(a: object) -> str:
    return a if isinstance(a, str) else inspect.formatannotation(a)


def _signature(sig: inspect.Signature) -> str:
    """``(self, a: int, b: str | None = None) -> R`` with the annotations unquoted."""
    params = []
    for p in sig.parameters.values():
        text = p.name
        if p.annotation is not inspect.Parameter.empty:
            text += f": {_annotation(p.annotation)}"
        if p.default is not inspect.Parameter.empty:
            text += f" = {p.default!r}" if ":" in text else f"={p.default!r}"
        params.append(text)
    ret = ""
    if sig.return_annotation is not inspect.Signature.empty:
        ret = f" -> {_annotation(sig.return_annotation)}"
    return f"({', '.join(params)}){ret}"


def generate() -> str:
    """The stub's text for the ``Subtensor`` installed now."""
    from taonet.subtensor import Subtensor

    lines = [HEADER.rstrip("\n")]
    for name, attr in vars(Subtensor).items():
        if name.startswith("_"):
            continue
        if isinstance(attr, property):
            ret = _annotation(inspect.signature(attr.fget).return_annotation)
            lines.append("    @property")
            lines.append(f"    def {name}(self) -> Awaitable[{ret}]: ...")
        elif inspect.isfunction(attr):
            lines.append(f"    async def {name}{_signature(inspect.signature(attr))}: ...")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    STUB.write_text(generate())
    print(f"wrote {STUB}", file=sys.stderr)
