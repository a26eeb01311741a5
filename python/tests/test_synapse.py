"""`taonet.Synapse` against bittensor 10.5's `Synapse`: same JSON, hash and headers (no network)."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar, Optional

import pydantic
import pytest

import taonet
from taonet import StreamingSynapse, Synapse, TerminalInfo

bt = pytest.importorskip("bittensor")


def declare(base: type, name: str, fields: dict[str, Any], hashed: tuple[str, ...]) -> type:
    """The class `name(base)` with `fields` ({name: (annotation, default)}) and hashed fields."""
    namespace: dict[str, Any] = {
        "__annotations__": {k: ann for k, (ann, _) in fields.items()},
        "__module__": __name__,
        **{k: default for k, (_, default) in fields.items()},
    }
    namespace["__annotations__"]["required_hash_fields"] = ClassVar[tuple[str, ...]]
    namespace["required_hash_fields"] = hashed
    return type(name, (base,), namespace)


CASES: list[tuple[str, dict[str, Any], tuple[str, ...], dict[str, Any]]] = [
    (
        "IntSynapse",
        {"a": (int, 0), "b": (int, 0), "out": (Optional[int], None)},  # noqa: UP045
        ("a", "b"),
        {"a": -7, "b": 2**62},
    ),
    (
        "TextSynapse",
        {"prompt": (str, ""), "tags": (list[str], []), "answer": (Optional[str], None)},  # noqa: UP045
        ("prompt", "tags"),
        {"prompt": 'it\'s "quoted"\n\tünïcødé ✓', "tags": ["a'b", 'c"d', "e'f\"g", "\\", "\x01"]},
    ),
    (
        "FloatSynapse",
        {"xs": (list[float], []), "scale": (float, 1.0), "flag": (bool, False)},
        ("xs", "scale", "flag"),
        {"xs": [0.1, 1.0, 1e16, 1e-05, -2.5, 123456789.125], "scale": 3.0, "flag": True},
    ),
    (
        "OptionalSynapse",
        {"maybe": (Optional[int], None), "nested": (list[list[int]], [])},  # noqa: UP045
        ("maybe", "nested"),
        {"nested": [[1, 2], [], [3]]},
    ),
    ("PlainSynapse", {"n": (int, 5)}, (), {}),
]


@pytest.mark.parametrize(("name", "fields", "hashed", "values"), CASES, ids=[c[0] for c in CASES])
def test_json_hash_and_headers_equal_bittensor(
    name: str, fields: dict[str, Any], hashed: tuple[str, ...], values: dict[str, Any]
) -> None:
    ours_cls = declare(Synapse, name, fields, hashed)
    theirs_cls = declare(bt.Synapse, name, fields, hashed)
    ours, theirs = ours_cls(**values), theirs_cls(**values)

    assert ours.model_dump() == theirs.model_dump()
    assert ours.model_dump_json() == theirs.model_dump_json()
    assert ours.body_hash == theirs.body_hash
    assert ours.name == theirs.name == name
    assert ours.to_headers() == theirs.to_headers()

    # Each side parses the other's JSON into an equal object.
    assert (
        ours_cls.model_validate_json(theirs.model_dump_json()).model_dump() == theirs.model_dump()
    )
    assert theirs_cls.model_validate_json(ours.model_dump_json()).model_dump() == ours.model_dump()

    # Headers of a signed request rebuild the same object on both sides.
    headers = theirs.to_headers()
    headers.update(
        bt_header_dendrite_nonce="1700000000000000000",
        bt_header_dendrite_hotkey="5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
        bt_header_axon_status_code="200",
        bt_header_axon_process_time="0.25",
    )
    assert (
        ours_cls.from_headers(headers).model_dump() == theirs_cls.from_headers(headers).model_dump()
    )


def test_the_hash_changes_with_every_hashed_field_only() -> None:
    cls = declare(Synapse, "H", {"a": (int, 0), "b": (str, ""), "free": (int, 0)}, ("a", "b"))
    base = cls(a=1, b="x")
    assert cls(a=2, b="x").body_hash != base.body_hash
    assert cls(a=1, b="y").body_hash != base.body_hash
    assert cls(a=1, b="x", free=99).body_hash == base.body_hash
    empty = cls()
    assert declare(Synapse, "E", {}, ())().body_hash == taonet.synapse.sha3_256_hex("")
    assert empty.body_hash != base.body_hash
    with pytest.raises(AttributeError, match="body_hash"):
        base.body_hash = "0x00"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        base.computed_body_hash = "forged"


def test_name_is_the_class_name_and_terminals_convert_header_text() -> None:
    cls = declare(Synapse, "Routed", {"v": (int, 0)}, ())
    assert cls.model_validate({"name": "Other", "v": 1}).name == "Routed"
    t = TerminalInfo(status_code="408", process_time="1.5", port="8091", nonce="12")
    assert (t.status_code, t.process_time, t.port, t.nonce) == (408, 1.5, 8091, 12)
    with pytest.raises(pydantic.ValidationError):
        TerminalInfo(port="not a port")


def test_status_properties_follow_the_dendrite_status() -> None:
    syn = Synapse()
    assert not syn.is_success and syn.is_failure  # no status yet: not 200
    for code, prop in [
        (200, "is_success"),
        (408, "is_timeout"),
        (403, "is_blacklist"),
        (401, "failed_verification"),
    ]:
        syn.dendrite.status_code = code
        flags = {
            p: getattr(syn, p)
            for p in ("is_success", "is_timeout", "is_blacklist", "failed_verification")
        }
        assert flags == {p: p == prop for p in flags}
        assert syn.is_failure == (code != 200)
    assert syn.deserialize() is syn
    assert syn.get_total_size() == syn.total_size > 0


def test_a_required_field_is_announced_in_the_headers_as_bittensor_does() -> None:
    ours = declare(Synapse, "Req", {"items": (list[int], ...)}, ())(items=[1, 2])
    theirs = declare(bt.Synapse, "Req", {"items": (list[int], ...)}, ())(items=[1, 2])
    assert ours.get_required_fields() == ["items"]
    headers = ours.to_headers()
    assert headers["bt_header_input_obj_items"] == "W10="  # base64 of "[]"
    assert headers == theirs.to_headers()


class Tokens(StreamingSynapse):
    prompt: str = ""
    completion: str = ""

    async def process_streaming_response(self, response: Any) -> Any:
        async for chunk in response.content.iter_any():
            text = chunk.decode()
            self.completion += text
            yield text

    def extract_response_json(self, response: Any) -> dict[str, Any]:
        return {"prompt": self.prompt, "completion": self.completion}


def test_streaming_synapse_is_abstract_and_wraps_a_token_streamer() -> None:
    class Incomplete(StreamingSynapse):
        pass

    with pytest.raises(TypeError, match="abstract"):
        Incomplete()

    sent: list[dict[str, Any]] = []

    async def streamer(send: Any) -> None:
        for word in ("a", "b"):
            await send({"type": "http.response.body", "body": word.encode(), "more_body": True})

    syn = Tokens(prompt="p")
    response = syn.create_streaming_response(streamer)
    assert isinstance(response, StreamingSynapse.BTStreamingResponse)
    assert response.synapse is syn

    async def collect(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(response.token_streamer(collect))
    assert [m["body"] for m in sent] == [b"a", b"b"]
    with pytest.raises(TypeError, match="token_streamer"):
        syn.create_streaming_response("not callable")  # type: ignore[arg-type]
    # The same JSON as bittensor's StreamingSynapse with the same fields.
    assert syn.model_dump() == {
        **Synapse().model_dump(),
        "name": "Tokens",
        "prompt": "p",
        "completion": "",
    }
