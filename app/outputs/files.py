"""Writing user files safely: never half a file, never over one without being told to."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from app.errors import OutputExists


def write_atomic(path: Path, data: bytes | str, *, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename it
    into place, so a crash or a full disk leaves the old file (or none), never a torn one."""
    path = Path(path).expanduser()
    if path.exists() and not overwrite:
        raise OutputExists(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
