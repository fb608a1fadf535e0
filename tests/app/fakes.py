"""A scriptable stand-in for a model backend (as llm's MockModel): the tests say what it
streams, where it stops, and what it raises."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from inference.cancel import CancelToken
from inference.config import GenerationRequest
from inference.events import EngineEvent, GenerationDone, GenerationStats, TokenText


def tokens(*texts: str) -> list[EngineEvent]:
    return [TokenText(text=t, n_tokens=i) for i, t in enumerate(texts, 1)]


def done(n: int, reason: str = "stop") -> GenerationDone:
    return GenerationDone(finish_reason=reason,  # type: ignore[arg-type]
                          stats=GenerationStats(completion_tokens=n, decode_tps=10.0))


class ScriptedBackend:
    """Streams its script: each item an event to yield or an exception to raise."""

    def __init__(self, script: Sequence[EngineEvent | Exception]) -> None:
        self.script = list(script)
        self.requests: list[GenerationRequest] = []
        self.closed = False

    def stream(self, request: GenerationRequest,
               cancel: CancelToken | None = None) -> Iterator[EngineEvent]:
        self.requests.append(request)
        for step in self.script:
            if isinstance(step, Exception):
                raise step
            yield step

    def close(self) -> None:
        self.closed = True
