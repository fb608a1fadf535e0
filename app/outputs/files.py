"""Writing user files safely: never half a file or half a report, never over one without being
told to, with the permissions the user's umask gives (or the replaced file's own)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path

from app.errors import BadInput, OutputExists

_umask_lock = threading.Lock()


def _umask() -> int:
    try:  # Linux says it without changing it
        with open("/proc/self/status") as f:
            return next(int(line.split()[1], 8) for line in f if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError):
        pass
    with _umask_lock:  # elsewhere reading it means setting it: keep our other writers out
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _mode_for(path: Path) -> int:
    """The replaced file's mode, else what a plain ``open()`` would have given a new file."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _write_temp(folder: Path, name: str, raw: bytes) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def write_atomic(path: Path, data: bytes | str, *, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename it
    into place, so a crash or a full disk leaves the old file (or none), never a torn one."""
    path = Path(path).expanduser()
    if path.exists() and not overwrite:
        raise OutputExists(path)
    if path.is_dir():
        raise BadInput(f"{path} is a folder; give a file name.")
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = _write_temp(path.parent, path.name, raw)
    try:
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_folder_atomic(folder: Path, files: Mapping[str, bytes | str], *,
                        overwrite: bool = False) -> list[Path]:
    """Write a set of files into ``folder`` as a whole or not at all: every file is written in
    full into a temporary folder beside it first (a full disk fails there, touching nothing),
    then moved in. Refuses to replace any of them unless ``overwrite``."""
    folder = Path(folder).expanduser()
    refuse_existing(folder, list(files), overwrite=overwrite)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".partial",
                                    dir=folder.parent))
    try:
        for name, data in files.items():
            tmp = _write_temp(staging, name, data.encode("utf-8") if isinstance(data, str)
                              else data)
            os.chmod(tmp, _mode_for(folder / name))
            os.replace(tmp, staging / name)
        if not folder.exists():
            os.chmod(staging, 0o777 & ~_umask())
            with contextlib.suppress(OSError):  # taken meanwhile: fall back to file by file
                os.rename(staging, folder)
                return [folder / name for name in files]
        folder.mkdir(exist_ok=True)
        for name in files:
            os.replace(staging / name, folder / name)
        return [folder / name for name in files]
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def refuse_existing(folder: Path, names: list[str], *, overwrite: bool) -> None:
    """Before any work: the report folder must be a folder, and hold none of the files unless
    they may be replaced."""
    folder = Path(folder).expanduser()
    if folder.exists() and not folder.is_dir():
        raise BadInput(f"{folder} is a file; a report needs a folder.")
    clash = [n for n in names if (folder / n).exists()]
    if clash and not overwrite:
        raise BadInput(f"{folder} already holds a report ({', '.join(clash)}). Choose another "
                       "folder, or pass --force to replace it.")


def check_writable(path: Path) -> None:
    """Before any work: the nearest existing folder on the way to ``path`` can be written."""
    folder = Path(path).expanduser().absolute().parent
    while not folder.exists():
        folder = folder.parent
    if not os.access(folder, os.W_OK):
        raise BadInput(f"Cannot write to {folder}: it is read-only. Choose another place.")
