"""Errors of the application layer, under the one root in ``inference.errors``."""

from __future__ import annotations

from pathlib import Path

from inference.errors import Cancelled, ShotCloneError


class BadInput(ShotCloneError):
    """Something the user gave cannot be used as it is."""

    exit_code = 2


class ImageRejected(BadInput):
    """The screenshot cannot be read, or is too small, too large or too oddly shaped."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(message)
        self.source = source


class OutputExists(BadInput):
    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} already exists. Choose another name, or pass --force to "
                         "replace it.")
        self.path = path


class OutputFailed(ShotCloneError):
    """A finished result could not be written where asked (read-only, full disk, ...); the page
    is kept in the history, at ``kept``, when that could be written."""

    exit_code = 6

    def __init__(self, message: str, *, kept: Path | None = None) -> None:
        super().__init__(message)
        self.kept = kept


class BrowserMissing(ShotCloneError):
    """No Chromium to render with."""

    exit_code = 4


class RenderFailed(ShotCloneError):
    """The browser could not render the page."""

    exit_code = 4


class HotkeyUnavailable(ShotCloneError):
    """The global hotkey cannot be registered: taken, malformed, or not allowed here."""

    exit_code = 2


class UnexpectedError(ShotCloneError):
    """Something failed that ShotClone did not foresee: a bug. The traceback is kept."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(f"Something went wrong: {type(error).__name__}: {error}. The details "
                         "are kept with this run; please report it.")
        self.type_name = type(error).__name__


class StoppedWithPartial(Cancelled):
    """Stopped while the model was writing; what it had written is kept in ``kept``."""

    def __init__(self, kept: Path) -> None:
        super().__init__()
        self.kept = kept
