"""The text subnet's ``NextByte`` synapse, declared in Python.

The same name, fields and hashed fields as the Rust declaration
(``crates/subnet-text/src/synapse.rs``), so a Rust validator queries a Python miner and a
Python validator queries a Rust miner without either knowing:

- ``prefixes``: the standard base64 of each prefix's raw bytes (at most 1,024 prefixes of at
  most 8,192 bytes);
- ``distributions``: ``None`` in requests; in answers one string per prefix, the standard
  base64 of 256 little-endian ``u16`` relative weights of the next byte being 0 … 255.
"""

from __future__ import annotations

import base64
from typing import ClassVar

import numpy as np
import taonet

#: Most prefixes one request may carry.
MAX_PREFIXES = 1024
#: Longest prefix, in bytes.
MAX_PREFIX_BYTES = 8192


class NextByte(taonet.Synapse):
    """A batch of text prefixes and, in answers, a next-byte distribution for each."""

    prefixes: list[str] = []
    distributions: list[str] | None = None

    required_hash_fields: ClassVar[tuple[str, ...]] = ("prefixes",)

    def decode_prefixes(self) -> list[bytes]:
        """The prefixes' bytes, enforcing the subnet's limits (ValueError otherwise)."""
        if len(self.prefixes) > MAX_PREFIXES:
            raise ValueError(f"{len(self.prefixes)} prefixes; at most {MAX_PREFIXES}")
        out = []
        for i, p in enumerate(self.prefixes):
            raw = base64.b64decode(p, validate=True)
            if len(raw) > MAX_PREFIX_BYTES:
                raise ValueError(f"prefix {i} is {len(raw)} bytes; at most {MAX_PREFIX_BYTES}")
            out.append(raw)
        return out


def encode_distribution(weights: np.ndarray) -> str:
    """The wire form of 256 relative weights: scaled into ``u16``, little-endian, base64.

    Every byte keeps a weight of at least 1, so no answer is ever certain it is wrong.
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (256,) or not np.all(np.isfinite(w)) or w.min() < 0 or w.sum() <= 0:
        raise ValueError("a distribution is 256 finite, non-negative weights, not all zero")
    scaled = np.maximum(np.rint(w / w.max() * 65535), 1).astype("<u2")
    return base64.b64encode(scaled.tobytes()).decode("ascii")
