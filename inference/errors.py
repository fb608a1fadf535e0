"""The one exception hierarchy. ``str(error)`` is shown to the user verbatim, so every
message says what happened and what to do about it; attributes carry the data a UI needs.
A message's first line is its headline; lines after it are details (llama.cpp's log)."""

from __future__ import annotations

from pathlib import Path


class ShotCloneError(Exception):
    """Base of every error a user can act on. ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class ConfigError(ShotCloneError):
    """A setting is out of range or contradicts another."""

    exit_code = 2


class ModelError(ShotCloneError):
    """The model files cannot be used (missing, damaged, wrong kind, mismatched)."""

    exit_code = 3

    def __init__(self, message: str, *, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class ModelNotFound(ModelError):
    """No model configured, or the configured file is gone."""


class BadGGUF(ModelError):
    """The file is not a readable GGUF (wrong magic, truncated, corrupt header)."""


class ModelMismatch(ModelError):
    """A model and its vision projector do not belong together."""


class ModelLoadFailed(ModelError):
    """llama.cpp refused to load files that passed our own checks."""


class GenerationFailed(ShotCloneError):
    """llama.cpp failed while reading the prompt or writing the answer."""

    exit_code = 3


class Cancelled(ShotCloneError):
    """The user stopped the job. Not a failure: nothing was lost."""

    exit_code = 130

    def __init__(self, message: str = "Stopped by the user.") -> None:
        super().__init__(message)


class WorkerCrashed(GenerationFailed):
    """The model worker process died: a native crash in llama.cpp, a CUDA fault, the OOM killer."""

    def __init__(self, message: str, *, returncode: int | None = None,
                 log_tail: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.returncode = returncode
        self.log_tail = log_tail


class RemoteError(GenerationFailed):
    """An OpenAI-compatible server could not be reached or refused the request."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


_PLAIN = (str, int, float, bool, type(None), Path, tuple)


def error_to_dict(error: ShotCloneError) -> dict[str, object]:
    """Plain data for a process boundary: the class by name, the message and its fields (a
    ``ModelError``'s path, a ``WorkerCrashed``'s log)."""
    fields = {k: v for k, v in vars(error).items() if isinstance(v, _PLAIN)}
    return {"code": type(error).__name__, "message": str(error), "fields": fields}


def error_from_dict(data: dict[str, object]) -> ShotCloneError:
    """The error again, of its own class (or the root, for a name unknown here) with its
    fields, whatever its constructor asks for."""
    cls = error_types().get(str(data["code"]), ShotCloneError)
    error = cls.__new__(cls)
    Exception.__init__(error, data["message"])
    error.__dict__.update(data.get("fields") or {})  # type: ignore[arg-type]
    return error


def error_types() -> dict[str, type[ShotCloneError]]:
    """Every error class by name, so an error can cross a process boundary as plain data."""
    found: dict[str, type[ShotCloneError]] = {}
    pending: list[type[ShotCloneError]] = [ShotCloneError]
    while pending:
        cls = pending.pop()
        found[cls.__name__] = cls
        pending.extend(cls.__subclasses__())
    return found


class DownloadFailed(ShotCloneError):
    """A model could not be fetched; what was fetched so far is kept for the next try."""

    exit_code = 5

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class NotEnoughDisk(DownloadFailed):
    def __init__(self, message: str, *, needed: int, free: int) -> None:
        super().__init__(message)
        self.needed, self.free = needed, free
