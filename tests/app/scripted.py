"""A scriptable stand-in for a model (as llm's MockModel): each request gets the next answer,
streamed in pieces, and the requests are kept for the test to read. For the paths a tiny
random-weight model cannot reach, such as an edit that applies."""

from __future__ import annotations

from collections.abc import Iterator

from inference.cancel import CancelToken
from inference.config import GenerationRequest
from inference.events import EngineEvent, GenerationDone, GenerationStats, PromptStarted, TokenText


class ScriptedBackend:
    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.requests: list[GenerationRequest] = []

    def stream(self, request: GenerationRequest,
               cancel: CancelToken | None = None) -> Iterator[EngineEvent]:
        self.requests.append(request)
        if not self.answers:
            raise AssertionError("the model was asked more often than the test expected")
        text = self.answers.pop(0)
        yield PromptStarted()
        pieces = [text[i:i + 16] for i in range(0, len(text), 16)]
        for n, piece in enumerate(pieces, 1):
            if cancel is not None and cancel.cancelled:
                yield GenerationDone(finish_reason="cancelled", stats=GenerationStats())
                return
            yield TokenText(text=piece, n_tokens=n)
        yield GenerationDone(finish_reason="stop",
                             stats=GenerationStats(completion_tokens=len(pieces)))

    def close(self) -> None:
        pass
