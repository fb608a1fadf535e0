"""A scriptable stand-in for a model (as llm's MockModel): each request gets the next answer,
streamed in pieces, and the requests are kept for the test to read. For the paths a tiny
random-weight model cannot reach, such as an edit that applies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

from inference.cancel import CancelToken
from inference.config import GenerationRequest
from inference.events import EngineEvent, GenerationDone, GenerationStats, PromptStarted, TokenText
from tests.inference.servers import serve, stop


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


class ScriptedServer:
    """An OpenAI-compatible chat-completions server on 127.0.0.1 that streams the next scripted
    answer to each request and keeps the requests' bodies: the CLI's real remote path, with
    answers a test chooses."""

    def __init__(self, *answers: str, chunk: int = 16) -> None:
        self.answers = list(answers)
        self.bodies: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                server.bodies.append(json.loads(self.rfile.read(
                    int(self.headers.get("Content-Length", 0)))))
                text = server.answers.pop(0) if server.answers else ""
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for i in range(0, len(text), chunk):
                    piece = {"choices": [{"delta": {"content": text[i:i + chunk]}}]}
                    self.wfile.write(f"data: {json.dumps(piece)}\n\n".encode())
                done = {"choices": [{"delta": {}, "finish_reason": "stop"}]}
                self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())

            def log_message(self, *args: object) -> None:
                pass

        self.httpd, self.url = serve(Handler)

    def close(self) -> None:
        stop(self.httpd)
