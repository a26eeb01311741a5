"""`StreamingSynapse`: a synapse whose answer is streamed back in chunks.

On the axon, ``forward`` returns ``synapse.create_streaming_response(token_streamer)``;
``token_streamer(send)`` is an ``async`` function that calls
``await send({"type": "http.response.body", "body": b"...", "more_body": True})`` for each
chunk, as an ASGI app does (bittensor's shape). A message with ``more_body: False`` ends the
stream; so does returning. The response is ``200`` with ``content-type: text/event-stream``
and the chunks as the body, in order, unframed.

On the dendrite, :meth:`StreamingSynapse.process_streaming_response` reads the response (an
object with ``status``, ``headers`` and ``content.iter_any()`` / ``content.iter_chunked(n)``,
as aiohttp's ``ClientResponse``) and yields what the caller should see;
:meth:`StreamingSynapse.extract_response_json` then gives the fields the synapse takes from
the response.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, ClassVar

from pydantic import ConfigDict

from taonet.synapse import Synapse

__all__ = ["BTStreamingResponse", "Send", "StreamingSynapse", "TokenStreamer"]

Send = Callable[[dict[str, Any]], Awaitable[None]]
"""The ``send`` a token streamer is given: takes an ASGI ``http.response.body`` message."""
TokenStreamer = Callable[[Send], Awaitable[None]]
"""An ``async`` function producing the chunks of a streamed answer through ``send``."""


class BTStreamingResponse:
    """A streamed answer to a request: what ``forward`` returns to stream.

    The axon runs ``token_streamer`` with a ``send`` that forwards each message's ``body``
    to the caller. Build it with :meth:`StreamingSynapse.create_streaming_response`.
    """

    def __init__(self, token_streamer: TokenStreamer, synapse: StreamingSynapse | None) -> None:
        if not callable(token_streamer):
            raise TypeError(
                "token_streamer must be an async function taking send (got "
                f"{type(token_streamer).__name__})"
            )
        self.token_streamer: TokenStreamer = token_streamer
        """The ``async`` function that produces the chunks."""
        self.synapse: StreamingSynapse | None = synapse
        """The synapse being answered."""
        self.media_type: str = "text/event-stream"
        """The response's content type."""


class StreamingSynapse(Synapse, ABC):
    """A synapse answered by a stream of chunks (as bittensor's ``StreamingSynapse``).

    Subclasses implement :meth:`process_streaming_response` and
    :meth:`extract_response_json`; the axon side answers with
    :meth:`create_streaming_response`.
    """

    model_config = ConfigDict(validate_assignment=True)

    BTStreamingResponse: ClassVar[type[BTStreamingResponse]] = BTStreamingResponse
    """The streamed-answer class (bittensor has it nested here)."""

    @abstractmethod
    def process_streaming_response(self, response: Any) -> AsyncIterator[Any]:
        """An async generator over ``response`` (``response.content.iter_any()`` gives the
        chunks as they arrive): yields what the caller of ``call_stream`` receives, and may
        accumulate into ``self``."""

    @abstractmethod
    def extract_response_json(self, response: Any) -> dict[str, Any]:
        """The fields (a dict) the synapse takes from the finished response; may use
        ``response.headers`` and what :meth:`process_streaming_response` accumulated."""

    def create_streaming_response(self, token_streamer: TokenStreamer) -> BTStreamingResponse:
        """The answer ``forward`` returns to stream the chunks ``token_streamer(send)``
        produces."""
        return BTStreamingResponse(token_streamer, synapse=self)
