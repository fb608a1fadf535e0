"""Fetch a catalog model from the Hugging Face Hub (or any server speaking its API, selected
with HF_ENDPOINT): list the repository, pick the files, check the disk, download with progress
and resume (a partial file is kept across runs and continued with an HTTP Range request), then
check each file against the Hub's SHA-256. A failing server is retried with exponential backoff
up to a limit that counts every failed attempt, a cut mid-file included; files already in the
folder are checked too."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.cancel import CancelToken
from inference.catalog import CatalogEntry, pick_files
from inference.errors import Cancelled, DownloadFailed, NotEnoughDisk

CHUNK = 1 << 20
ATTEMPTS = 8  # failed attempts per file before giving up; every one counts, cut mid-file or not
BACKOFF_S, BACKOFF_CAP_S = 1.0, 30.0  # the first wait after a failure, and the longest
RETRY_STATUS = (408, 429, 500, 502, 503, 504)  # a busy or failing server: try again later
DISK_MARGIN = 256 << 20  # leave this much free after the download
LOGIN_HELP = ("accept the model's licence on its page at huggingface.co, then log in with "
              "`hf auth login` (or set HF_TOKEN)")


def endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")


def _headers() -> dict[str, str]:
    from huggingface_hub.utils import build_hf_headers

    return build_hf_headers(library_name="shotclone")


@dataclass(frozen=True, kw_only=True)
class RemoteFile:
    name: str
    size: int
    sha256: str | None


@dataclass(frozen=True, kw_only=True)
class DownloadPlan:
    entry: CatalogEntry
    revision: str
    files: tuple[RemoteFile, ...]  # the model's files, then the mmproj
    folder: Path

    @property
    def total(self) -> int:
        return sum(f.size for f in self.files)

    def path(self, f: RemoteFile) -> Path:
        return self.folder / f.name.rsplit("/", 1)[-1]

    @property
    def model_path(self) -> Path:
        return self.path(self.files[0])

    @property
    def mmproj_path(self) -> Path:
        return self.path(self.files[-1])


@dataclass(frozen=True, kw_only=True)
class DownloadProgress:
    file: str
    done: int  # bytes of all files
    total: int
    speed: float  # bytes per second, recent
    eta_s: float | None


def _hub_error(e: Exception, repo: str) -> DownloadFailed:
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    if isinstance(e, GatedRepoError):
        return DownloadFailed(f"{repo} is gated: {LOGIN_HELP}.", status=401)
    if isinstance(e, RepositoryNotFoundError):
        return DownloadFailed(f"{repo} does not exist on {endpoint()} (or is private: "
                              "log in with `hf auth login`).", status=404)
    if isinstance(e, RevisionNotFoundError):
        return DownloadFailed(f"{repo} has no such revision.", status=404)
    if isinstance(e, HfHubHTTPError):
        return DownloadFailed(f"The Hub refused to list {repo}: {e}.")
    return DownloadFailed(f"Cannot reach {endpoint()} ({type(e).__name__}: {e}). Check the "
                          "connection and try again.")


def plan(entry: CatalogEntry, folder: Path, revision: str = "main") -> DownloadPlan:
    """List the repository and pick the files for the entry's quant."""
    from huggingface_hub import HfApi

    try:
        info = HfApi(endpoint=endpoint()).model_info(entry.repo, revision=revision,
                                                     files_metadata=True)
    except Exception as e:  # the hub client raises many kinds; each becomes one clear message
        raise _hub_error(e, entry.repo) from e
    siblings = {s.rfilename: s for s in info.siblings or []}
    models, mmproj = pick_files(list(siblings), entry.quant, entry.repo)
    files = []
    for name in [*models, mmproj]:
        s = siblings[name]
        files.append(RemoteFile(name=name, size=int(s.size or 0),
                                sha256=s.lfs.sha256 if s.lfs else None))
    return DownloadPlan(entry=entry, revision=info.sha or revision, files=tuple(files),
                        folder=folder)


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".part")


def check_disk(p: DownloadPlan) -> int:
    """Bytes still to fetch; ``NotEnoughDisk`` when they do not fit."""
    p.folder.mkdir(parents=True, exist_ok=True)
    needed = 0
    for f in p.files:
        if p.path(f).is_file():
            continue
        part = _partial(p.path(f))
        needed += f.size - (part.stat().st_size if part.is_file() else 0)
    free = shutil.disk_usage(p.folder).free
    if needed + DISK_MARGIN > free:
        raise NotEnoughDisk(f"The download needs {needed / 1e9:.1f} GB but {p.folder} has "
                            f"{free / 1e9:.1f} GB free. Free some space or choose another "
                            "folder.", needed=needed, free=free)
    return needed


class _Meter:
    def __init__(self, total: int, done: int, report: Callable[[DownloadProgress], None]) -> None:
        self.total, self.done, self.report = total, done, report
        self.window: list[tuple[float, int]] = [(time.monotonic(), done)]

    def add(self, name: str, n: int) -> None:
        self.done += n
        now = time.monotonic()
        self.window.append((now, self.done))
        while len(self.window) > 2 and now - self.window[0][0] > 5:
            self.window.pop(0)
        t0, d0 = self.window[0]
        speed = (self.done - d0) / (now - t0) if now > t0 else 0.0
        eta = (self.total - self.done) / speed if speed > 0 else None
        self.report(DownloadProgress(file=name, done=self.done, total=self.total, speed=speed,
                                     eta_s=eta))


def backoff(failures: int) -> float:
    """Seconds to wait after the n-th failed attempt: doubling from BACKOFF_S, capped."""
    return min(BACKOFF_CAP_S, BACKOFF_S * 2 ** (failures - 1))


def _sha256_of(path: Path) -> hashlib._Hash:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            h.update(block)
    return h


def _open(url: str, headers: dict[str, str], repo: str, name: str) -> Any:
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60)
    except urllib.error.HTTPError as e:
        if e.code in (401, 403):
            raise DownloadFailed(f"{repo} refused the download (HTTP {e.code}): {LOGIN_HELP}.",
                                 status=e.code) from e
        if e.code == 404:
            raise DownloadFailed(f"{name} is not in {repo}.", status=404) from e
        if e.code in RETRY_STATUS:
            raise  # counted and retried like a dropped connection
        raise DownloadFailed(f"The Hub failed to send {name} (HTTP {e.code}).",
                             status=e.code) from e


def _fetch(p: DownloadPlan, f: RemoteFile, meter: _Meter, cancel: CancelToken) -> None:
    target = p.path(f)
    part = _partial(target)
    etag_file = part.with_name(part.name + ".etag")
    url = f"{endpoint()}/{p.entry.repo}/resolve/{p.revision}/{f.name}"
    failures = 0
    while True:
        have = part.stat().st_size if part.is_file() else 0
        if have >= f.size:
            break  # fetched in full, maybe by an earlier run that stopped before checking it
        headers = _headers()
        if have:
            headers["Range"] = f"bytes={have}-"
            if etag_file.is_file():
                headers["If-Range"] = etag_file.read_text()
        try:
            with _open(url, headers, p.entry.repo, f.name) as r:
                if have and r.status == 200:  # the server would not resume: start over
                    meter.add(f.name, -have)
                    have = 0
                if r.headers.get("ETag"):
                    etag_file.write_text(r.headers["ETag"])
                with part.open("ab" if have else "wb") as out:
                    while block := r.read(CHUNK):
                        if cancel.cancelled:
                            raise Cancelled("Download stopped; run it again to resume.")
                        out.write(block)
                        meter.add(f.name, len(block))
            got = part.stat().st_size
            if got < f.size:  # http.client ends a body cut short without an error
                raise ConnectionError(f"the connection closed after {got} of {f.size} bytes")
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError,
                TimeoutError) as e:
            if isinstance(e, urllib.error.URLError) and failures == 0 and not have and \
                    isinstance(e.reason, ConnectionRefusedError | socket.gaierror):
                raise DownloadFailed(f"Cannot reach {endpoint()} ({e.reason}). Check the "
                                     "connection and try again.") from e
            failures += 1
            if failures >= ATTEMPTS:
                if part.is_file() and not part.stat().st_size:
                    part.unlink()  # nothing worth resuming
                kept = "What was fetched is kept: run the same command again to resume. " \
                    if part.is_file() else ""
                raise DownloadFailed(
                    f"Gave up on {f.name} after {failures} failed attempts (the last: "
                    f"{type(e).__name__}: {e}). {kept}Check the connection or try later."
                ) from e
            if cancel.wait(backoff(failures)):
                raise Cancelled("Download stopped; run it again to resume.") from None
            continue  # resume from what is on disk
        except OSError as e:
            raise DownloadFailed(f"Cannot write {part}: {e.strerror or e}. Free some space or "
                                 "choose another folder; the partial file resumes later.") from e
    if f.sha256 and _sha256_of(part).hexdigest() != f.sha256:
        part.unlink()
        etag_file.unlink(missing_ok=True)
        raise DownloadFailed(f"{f.name} arrived damaged (its SHA-256 does not match the Hub's) "
                             "and was deleted. Run the command again to fetch it afresh.")
    part.replace(target)
    etag_file.unlink(missing_ok=True)


def _check_present(p: DownloadPlan, f: RemoteFile) -> None:
    """A file already in the folder under the right name must be the Hub's file, not just any
    file of that name: its size, then its SHA-256 (when the Hub gives one)."""
    path = p.path(f)
    size = path.stat().st_size
    wrong = f"{size} bytes, not {f.size}" if size != f.size else \
        "its SHA-256 differs" if f.sha256 and _sha256_of(path).hexdigest() != f.sha256 else None
    if wrong:
        raise DownloadFailed(f"{path} is already there but is not {p.entry.repo}'s {f.name} "
                             f"({wrong}). Move it away or delete it, then run again.")


def download(p: DownloadPlan, progress: Callable[[DownloadProgress], None] = lambda _: None,
             cancel: CancelToken | None = None) -> tuple[Path, Path]:
    """Fetch every file of the plan not already there; return (model, mmproj) paths."""
    cancel = cancel or CancelToken()
    remaining = check_disk(p)
    meter = _Meter(p.total, p.total - remaining, progress)
    for f in p.files:
        if p.path(f).is_file():
            _check_present(p, f)
        else:
            _fetch(p, f, meter, cancel)
    (p.folder / "source.json").write_text(json.dumps(
        {"repo": p.entry.repo, "revision": p.revision, "quant": p.entry.quant,
         "files": [f.name for f in p.files]}, indent=2))
    return p.model_path, p.mmproj_path
