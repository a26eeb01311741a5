"""`Synapse` and `TerminalInfo`: the request/response objects an axon and a dendrite exchange.

A synapse travels as one JSON object (pydantic ``model_dump``): the base fields ``name``,
``timeout``, ``total_size``, ``header_size``, ``dendrite``, ``axon`` and
``computed_body_hash``, then the subclass's own fields. Field names, defaults and header
names are those of bittensor 10.5, so a taonet subclass and a ``bittensor.Synapse`` subclass
declared with the same class name and fields are interchangeable on the wire.

Protocol rules kept here:

- ``name`` is always the class name (it names the axon route ``POST /<name>``), whatever
  the JSON says.
- The body hash is ``sha3_256_hex("".join(sha3_256_hex(str(v)) for v in hashed))`` where
  ``hashed`` are the values (as ``model_dump`` gives them) of the class's
  ``required_hash_fields``, in that order; with none it is the hash of the empty string.
  The dendrite signs it and the axon recomputes it, so a hashed field cannot be changed in
  flight. The Rust axon and dendrite recompute it from the JSON: keep hashed fields to
  ``None``, booleans, ints, floats, strings and lists of them (dicts are refused).
- Status checks read ``dendrite.status_code`` (set from the axon's answer by the dendrite):
  200 success, 408 timeout, 403 blacklisted, 401 failed verification.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["Synapse", "TerminalInfo", "sha3_256_hex"]

AXON_HEADER = "bt_header_axon_"
"""Prefix of the headers carrying the ``axon`` terminal's fields."""
DENDRITE_HEADER = "bt_header_dendrite_"
"""Prefix of the headers carrying the ``dendrite`` terminal's fields."""
INPUT_OBJ_HEADER = "bt_header_input_obj_"
"""Prefix of the headers carrying (base64 JSON of) an empty value of each required field."""


def sha3_256_hex(text: str) -> str:
    """The SHA3-256 of ``text`` (UTF-8) as lowercase hex, as bittensor's ``get_hash``."""
    return hashlib.sha3_256(text.encode("utf-8")).hexdigest()


def _int_or_none(raw: Any) -> int | None:
    # Headers carry numbers as text; bittensor converts with int(), which also truncates
    # floats, so do the same.
    return None if raw is None else int(raw)


def _float_or_none(raw: Any) -> float | None:
    return None if raw is None else float(raw)


def _deep_size(obj: Any, seen: set[int]) -> int:
    """``sys.getsizeof`` of ``obj`` and everything it holds, each object counted once."""
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    total = sys.getsizeof(obj)
    if isinstance(obj, dict):
        total += sum(_deep_size(k, seen) + _deep_size(v, seen) for k, v in obj.items())
    elif hasattr(obj, "__dict__"):
        total += _deep_size(obj.__dict__, seen)
    elif hasattr(obj, "__iter__") and not isinstance(obj, str | bytes | bytearray):
        total += sum(_deep_size(item, seen) for item in obj)
    return total


class TerminalInfo(BaseModel):
    """One end of a call as a synapse records it: ``dendrite`` is the caller, ``axon`` the
    server. Every field is optional; numbers given as text (as headers carry them) are
    converted."""

    model_config = ConfigDict(validate_assignment=True)

    status_code: int | None = None
    """HTTP status of the call (200 success, 401, 403, 408, 500, …)."""
    status_message: str | None = None
    """The words that go with ``status_code``."""
    process_time: float | None = None
    """Seconds this end spent on the call."""
    ip: str | None = None
    """IP address of this end."""
    port: int | None = None
    """TCP port of this end."""
    version: int | None = None
    """bittensor version int of this end (major·10⁶ + minor·10³ + patch)."""
    nonce: int | None = None
    """Nanoseconds since the Unix epoch when the call was signed (increasing per caller)."""
    uuid: str | None = None
    """Instance id of this end."""
    hotkey: str | None = None
    """SS58 hotkey of this end."""
    signature: str | None = None
    """``0x``-hex sr25519 signature of ``<nonce>.<dendrite>.<axon>.<uuid>.<body hash>``."""

    _ints = field_validator("status_code", "port", "version", "nonce", mode="before")(_int_or_none)
    _floats = field_validator("process_time", mode="before")(_float_or_none)


class Synapse(BaseModel):
    """A request/response object: subclass it with your fields (as bittensor's ``Synapse``).

    ::

        class Echo(taonet.Synapse):
            value: int = 0
            output: int | None = None
            required_hash_fields: ClassVar[tuple[str, ...]] = ("value",)

    The class name is the route; fields listed in ``required_hash_fields`` are covered by
    the caller's signature.
    """

    model_config = ConfigDict(validate_assignment=True)

    name: str | None = Field(default=None, repr=False)
    """Route name: always the class name."""
    timeout: float | None = Field(default=12.0, repr=False)
    """Seconds the caller waits for the answer (set by the dendrite)."""
    total_size: int | None = Field(default=0, repr=False)
    """Size estimate of the object in bytes (informational)."""
    header_size: int | None = Field(default=0, repr=False)
    """Size estimate of the headers in bytes (informational)."""
    dendrite: TerminalInfo | None = Field(default_factory=TerminalInfo, repr=False)
    """The caller's end; after a call its ``status_code`` is the outcome."""
    axon: TerminalInfo | None = Field(default_factory=TerminalInfo, repr=False)
    """The server's end, as the axon answered."""
    computed_body_hash: str | None = Field(default="", frozen=True, repr=False)
    """Always ``""`` in bodies: the hash travels in the ``computed_body_hash`` header."""

    required_hash_fields: ClassVar[tuple[str, ...]] = ()
    """Fields covered by the body hash, in order (list them in declaration order)."""

    _ints = field_validator("total_size", "header_size", mode="before")(_int_or_none)
    _floats = field_validator("timeout", mode="before")(_float_or_none)

    @model_validator(mode="before")
    @classmethod
    def _route_name(cls, values: Any) -> Any:
        if isinstance(values, dict):
            values = {**values, "name": cls.__name__}
        return values

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "body_hash":
            raise AttributeError("body_hash is computed from the hashed fields; it cannot be set")
        super().__setattr__(name, value)

    def deserialize(self) -> Any:
        """What a dendrite returns for this synapse when ``deserialize=True``: the synapse
        itself unless a subclass overrides it."""
        return self

    @classmethod
    def hash_fields(cls) -> tuple[str, ...]:
        """The fields the body hash covers, in order.

        Normally the ``required_hash_fields`` class variable. A subclass that still
        declares ``required_hash_fields`` as a pydantic field (the old bittensor style) gets
        that field's default, ordered as the fields are declared.
        """
        legacy = cls.model_fields.get("required_hash_fields")
        if legacy is None:
            return tuple(cls.required_hash_fields)
        wanted = set(legacy.default or ())
        return tuple(f for f in cls.model_fields if f in wanted)

    @property
    def body_hash(self) -> str:
        """SHA3-256 hex over the hashed fields (see the module's rules)."""
        fields = self.hash_fields()
        if not fields:
            return sha3_256_hex("")
        dumped = self.model_dump()
        return sha3_256_hex("".join(sha3_256_hex(str(dumped[f])) for f in fields))

    def get_total_size(self) -> int:
        """Sets ``total_size`` to the object's deep ``sys.getsizeof`` size and returns it."""
        self.total_size = _deep_size(self, set())
        return self.total_size

    @property
    def is_success(self) -> bool:
        """The call ended with status 200."""
        return self.dendrite is not None and self.dendrite.status_code == 200

    @property
    def is_failure(self) -> bool:
        """The call ended with a status other than 200."""
        return self.dendrite is not None and self.dendrite.status_code != 200

    @property
    def is_timeout(self) -> bool:
        """The call ended with status 408 (the deadline passed)."""
        return self.dendrite is not None and self.dendrite.status_code == 408

    @property
    def is_blacklist(self) -> bool:
        """The call ended with status 403 (the axon refused the caller)."""
        return self.dendrite is not None and self.dendrite.status_code == 403

    @property
    def failed_verification(self) -> bool:
        """The call ended with status 401 (the axon could not verify the caller)."""
        return self.dendrite is not None and self.dendrite.status_code == 401

    def get_required_fields(self) -> list[str]:
        """Names of the fields that have no default (pydantic-required)."""
        return [n for n, f in type(self).model_fields.items() if f.is_required()]

    def to_headers(self) -> dict[str, str]:
        """The HTTP headers a dendrite sends with this synapse, as bittensor builds them:
        ``name``, ``timeout``, ``bt_header_axon_*`` and ``bt_header_dendrite_*`` (fields
        that are set), ``bt_header_input_obj_<field>`` (base64 JSON of an empty value) for
        each required field, ``header_size``, ``total_size`` and ``computed_body_hash``.

        Raises ``ValueError`` when a required field's type cannot be JSON-encoded.
        """
        headers: dict[str, str] = {"name": str(self.name), "timeout": str(self.timeout)}
        for prefix, terminal in ((AXON_HEADER, self.axon), (DENDRITE_HEADER, self.dendrite)):
            if terminal is not None:
                for key, value in terminal.model_dump().items():
                    if value is not None:
                        headers[prefix + key] = str(value)
        required = set(self.get_required_fields())
        for field, value in self.model_dump().items():
            if field in headers or value is None or field not in required:
                continue
            try:
                empty = json.dumps(type(value)())
            except TypeError as e:
                raise ValueError(
                    f"required field {field!r} holds a {type(value).__name__}, which cannot be "
                    "sent as JSON; use JSON-serialisable field types"
                ) from e
            headers[INPUT_OBJ_HEADER + field] = base64.b64encode(empty.encode()).decode()
        headers["header_size"] = str(sys.getsizeof(headers))
        headers["total_size"] = str(self.get_total_size())
        headers["computed_body_hash"] = self.body_hash
        return headers

    @classmethod
    def parse_headers_to_inputs(cls, headers: Mapping[str, str]) -> dict[str, Any]:
        """The constructor arguments that ``headers`` (as :meth:`to_headers` writes them)
        describe: the two terminals, the input objects and the size/hash/timeout headers.
        Undecodable input objects are skipped."""
        inputs: dict[str, Any] = {"axon": {}, "dendrite": {}}
        for key, value in headers.items():
            if AXON_HEADER in key:
                inputs["axon"][key.split(AXON_HEADER, 1)[1]] = value
            elif DENDRITE_HEADER in key:
                inputs["dendrite"][key.split(DENDRITE_HEADER, 1)[1]] = value
            elif INPUT_OBJ_HEADER in key:
                field = key.split(INPUT_OBJ_HEADER, 1)[1]
                if field in inputs:
                    continue
                try:
                    inputs[field] = json.loads(base64.b64decode(value.encode()).decode("utf-8"))
                except ValueError:
                    continue
        for key in ("timeout", "name", "header_size", "total_size", "computed_body_hash"):
            inputs[key] = headers.get(key)
        return inputs

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Synapse:
        """A synapse rebuilt from the headers of a request or response."""
        return cls(**cls.parse_headers_to_inputs(headers))
