"""The one interface every way of running a model implements, and the registry of them.
A backend turns a ``GenerationRequest`` into a stream of engine events that ends with exactly
one ``GenerationDone``; it raises ``ShotCloneError`` subclasses for anything that goes wrong."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

from inference.cancel import CancelToken
from inference.config import EngineConfig, GenerationRequest
from inference.errors import ConfigError
from inference.events import EngineEvent
from inference.remote import RemoteBackend, RemoteConfig


class Backend(Protocol):
    def stream(self, request: GenerationRequest,
               cancel: CancelToken | None = None) -> Iterator[EngineEvent]: ...

    def close(self) -> None: ...


BackendFactory = Callable[..., Backend]
BACKENDS: dict[str, BackendFactory] = {}


def register_backend(name: str, factory: BackendFactory) -> None:
    BACKENDS[name] = factory


def make_backend(name: str, **options: Any) -> Backend:
    try:
        factory = BACKENDS[name]
    except KeyError:
        raise ConfigError(f"Unknown backend {name!r}: use one of {', '.join(BACKENDS)}.") from None
    return factory(**options)


def _in_process(config: EngineConfig) -> Backend:
    from inference.engine import LocalEngine  # loads llama.cpp into this process

    return LocalEngine(config)


def _worker(config: EngineConfig) -> Backend:
    from inference.worker import WorkerBackend

    return WorkerBackend(config)


def _remote(config: RemoteConfig) -> Backend:
    return RemoteBackend(config)


register_backend("in-process", _in_process)
register_backend("worker", _worker)
register_backend("remote", _remote)
