"""A model behind any OpenAI-compatible chat-completions endpoint (llama.cpp's llama-server,
LM Studio, vLLM, SGLang, llama-cpp-python's server): the image goes as a ``data:`` URI and the
answer streams back as server-sent events. The API key comes from the environment and is never
written anywhere."""

from __future__ import annotations

import http.client
import json
import os
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from inference.cancel import CancelToken
from inference.config import GenerationRequest
from inference.errors import ConfigError, RemoteError
from inference.events import (
    EngineEvent,
    FinishReason,
    GenerationDone,
    GenerationStats,
    PromptStarted,
    TokenText,
)
from inference.messages import chat_messages

API_KEY_VARIABLES = ("SHOTCLONE_API_KEY", "OPENAI_API_KEY")
_IMAGE_REFUSALS = ("image", "multimodal", "mmproj", "vision")


@dataclass(frozen=True, kw_only=True)
class RemoteConfig:
    endpoint: str  # the API base, e.g. http://127.0.0.1:8080/v1
    model: str | None = None  # None: whatever the server serves first
    timeout_s: float = 300.0  # longest wait for the next bytes (a big image's prefill counts)

    def __post_init__(self) -> None:
        url = urlparse(self.endpoint)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ConfigError(f"--endpoint {self.endpoint!r}: use an http(s) URL such as "
                              "http://127.0.0.1:8080/v1")
        object.__setattr__(self, "endpoint", self.endpoint.rstrip("/"))
        if self.timeout_s <= 0:
            raise ConfigError(f"timeout {self.timeout_s}: use a positive number of seconds.")


def api_key() -> str | None:
    for name in API_KEY_VARIABLES:
        if os.environ.get(name):
            return os.environ[name]
    return None


class RemoteBackend:
    """The ``Backend`` for one OpenAI-compatible endpoint."""

    def __init__(self, config: RemoteConfig) -> None:
        self.config = config

    def _request(self, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        key = api_key()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        url = self.config.endpoint + path
        data = json.dumps(body).encode() if body is not None else None
        try:
            return urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers),
                                          timeout=self.config.timeout_s)
        except urllib.error.HTTPError as e:
            raise self._http_error(e, url) from e
        except urllib.error.URLError as e:
            reason = e.reason
            if isinstance(reason, ConnectionRefusedError):
                raise RemoteError(f"Nothing answers at {self.config.endpoint} (connection "
                                  "refused). Is the server running, on that port?") from e
            if isinstance(reason, TimeoutError | socket.timeout):
                raise RemoteError(f"{self.config.endpoint} did not answer within "
                                  f"{self.config.timeout_s:.0f} s.") from e
            if isinstance(reason, ConnectionError):  # reset while the request was going out
                raise self._broke(reason) from e
            raise RemoteError(f"Cannot reach {self.config.endpoint}: {reason}.") from e
        except TimeoutError as e:
            raise RemoteError(f"{self.config.endpoint} did not answer within "
                              f"{self.config.timeout_s:.0f} s.") from e
        except (ConnectionError, http.client.HTTPException) as e:  # reset before the answer
            raise self._broke(e) from e

    def _broke(self, e: Exception) -> RemoteError:
        return RemoteError(f"The connection to {self.config.endpoint} broke before it answered "
                           f"({type(e).__name__}: {e}). Check that it is an OpenAI-compatible "
                           "server and that it is up, then try again.")

    def _http_error(self, e: urllib.error.HTTPError, url: str) -> RemoteError:
        try:
            body = e.read().decode("utf-8", errors="replace")
        except OSError:
            body = ""
        detail = body
        try:
            parsed = json.loads(body)
            err = parsed.get("error", parsed.get("detail", parsed))
            detail = err.get("message", str(err)) if isinstance(err, dict) else str(err)
        except (ValueError, AttributeError):
            pass
        detail = detail.strip()[:300]
        if e.code in (401, 403):
            return RemoteError(
                f"{self.config.endpoint} refused the request (HTTP {e.code}: {detail}). Set "
                f"the server's API key in {API_KEY_VARIABLES[0]} (or {API_KEY_VARIABLES[1]}).",
                status=e.code)
        if e.code == 404:
            return RemoteError(
                f"{url} does not exist (HTTP 404: {detail}). Check --endpoint (the API base "
                "usually ends in /v1) and --endpoint-model.", status=404)
        if any(word in detail.lower() for word in _IMAGE_REFUSALS):
            return RemoteError(
                f"The server's model cannot read images (HTTP {e.code}: {detail}). Serve a "
                "vision model with its projector (for llama-server: --mmproj FILE).",
                status=e.code)
        return RemoteError(f"{self.config.endpoint} failed (HTTP {e.code}: {detail}).",
                           status=e.code)

    def served_models(self) -> list[str]:
        with self._request("/models") as response:
            return [m["id"] for m in json.load(response).get("data", [])]

    def _check_model(self) -> None:
        """Lenient servers answer with their own model whatever name is asked for; ask first."""
        if self.config.model is None:
            return
        try:
            served = self.served_models()
        except (RemoteError, ValueError, KeyError, TypeError):
            return  # no /models here: let the request itself tell
        if served and self.config.model not in served:
            raise RemoteError(f"{self.config.endpoint} serves no model "
                              f"'{self.config.model}'; it serves: {', '.join(served)}.",
                              status=404)

    def stream(self, request: GenerationRequest,
               cancel: CancelToken | None = None) -> Iterator[EngineEvent]:
        cancel = cancel or CancelToken()
        self._check_model()
        body: dict[str, Any] = {
            "messages": chat_messages(request), "stream": True,
            "max_tokens": request.max_tokens, "temperature": request.temperature,
            "stream_options": {"include_usage": True},
        }
        if self.config.model:
            body["model"] = self.config.model
        if request.seed is not None:
            body["seed"] = request.seed
        started = time.monotonic()
        yield PromptStarted()
        n = 0
        first = last = 0.0
        finish: FinishReason | None = None
        usage: dict[str, Any] = {}
        with self._request("/chat/completions", body) as response:
            try:
                for raw in response:
                    line = raw.decode("utf-8", errors="replace").strip()
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        finish = finish or "stop"
                        break
                    chunk = json.loads(data)
                    if "error" in chunk:
                        err = chunk["error"]
                        why = err.get("message", err) if isinstance(err, dict) else err
                        raise RemoteError(f"The server failed mid-answer: {why}")
                    usage = chunk.get("usage") or usage
                    for choice in chunk.get("choices", []):
                        text = (choice.get("delta") or {}).get("content")
                        if text:
                            n += 1
                            last = time.monotonic()
                            first = first or last
                            yield TokenText(text=text, n_tokens=n)
                        if choice.get("finish_reason"):
                            finish = "length" if choice["finish_reason"] == "length" else "stop"
                    if cancel.cancelled:
                        finish = "cancelled"
                        break
            except TimeoutError as e:
                raise RemoteError(f"{self.config.endpoint} stopped sending for "
                                  f"{self.config.timeout_s:.0f} s after {n} tokens.") from e
            except (OSError, ValueError) as e:
                raise RemoteError(f"The connection to {self.config.endpoint} broke after {n} "
                                  f"tokens ({e}).") from e
        if finish is None:
            raise RemoteError(f"{self.config.endpoint} stopped sending mid-answer after {n} "
                              "tokens (the server went away or restarted). Try again.")
        stats = GenerationStats(
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or n),
            ttft_s=(first or time.monotonic()) - started,
            decode_tps=(n - 1) / (last - first) if n > 1 and last > first else 0.0,
            total_s=time.monotonic() - started)
        yield GenerationDone(finish_reason=finish, stats=stats)

    def close(self) -> None:
        """Nothing held open between requests."""
