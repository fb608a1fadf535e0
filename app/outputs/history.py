"""Every run kept on disk under the user's data directory: the screenshot, the model's answer
as it streamed (appended as it arrives, so a crash loses nothing), the page, the render, the
scores and the settings used. One folder per run; ``meta.json`` says what happened.

Every state of the page is a version, kept in ``versions/``: the model's first answer, each
kept repair step and refine round, each edit by instruction or by hand. ``page.html`` is the
current one; the user can go back to any version (Ctrl+Z goes back one) or export it."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from app.outputs.files import write_atomic
from app.settings import data_dir

if TYPE_CHECKING:  # the app lists its history at start-up: keep that light
    from app.intake import Screenshot
    from app.job.events import CloneResult, Version
    from app.review.review import Review

SCREENSHOT, STREAM, PAGE, META = "screenshot.png", "stream.txt", "page.html", "meta.json"
VERSIONS = "versions"


def history_dir() -> Path:
    return data_dir() / "history"


class HistoryEntry:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._stream: IO[str] | None = None

    @property
    def id(self) -> str:
        return self.folder.name

    @property
    def meta(self) -> dict[str, Any]:
        try:
            return json.loads((self.folder / META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"status": "damaged"}

    def _update(self, **changes: Any) -> None:
        meta = {**self.meta, **changes}
        write_atomic(self.folder / META, json.dumps(meta, indent=2) + "\n", overwrite=True)

    @property
    def screenshot_path(self) -> Path:
        return self.folder / SCREENSHOT

    def screenshot(self) -> Screenshot:
        from app.intake import load_screenshot

        meta = self.meta
        return load_screenshot(self.screenshot_path, device_pixel_ratio=meta.get("dpr", 1.0),
                               name=meta.get("source") or SCREENSHOT)

    def html(self) -> str | None:
        """The finished page, else the answer as far as it streamed."""
        for name in (PAGE, STREAM):
            path = self.folder / name
            if path.is_file():
                return path.read_text(encoding="utf-8")
        return None

    def append_stream(self, text: str) -> None:
        if self._stream is None:
            self._stream = (self.folder / STREAM).open("a", encoding="utf-8")
        self._stream.write(text)
        self._stream.flush()  # into the OS now: a crash of the app keeps it

    def _close_stream(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def finish(self, result: CloneResult) -> None:
        from app.job.events import Version

        self._close_stream()
        self._update(status="done", finished=time.time(), stats=asdict(result.stats),
                     finish_reason=result.finish_reason, found_html=result.page.found_html)
        score = result.review.similarity if result.review else None
        for version in result.versions or (Version(kind="answer", label="the model's answer",
                                                   html=result.page.html, score=score),):
            self.add_version(version)

    # ------------------------------------------------------------------ versions

    def versions(self) -> list[dict[str, Any]]:
        """Each version's number, kind, label, score and file, oldest first."""
        return list(self.meta.get("versions", []))

    @property
    def current_version(self) -> int | None:
        return self.meta.get("current")

    def add_version(self, version: Version) -> int:
        """Keep ``version`` and make it the current page; returns its number (from 1)."""
        n = len(self.versions()) + 1
        name = f"{VERSIONS}/{n:03d}-{version.kind}.html"
        write_atomic(self.folder / name, version.html)
        write_atomic(self.folder / PAGE, version.html, overwrite=True)
        self._update(versions=[*self.versions(), {
            "n": n, "kind": version.kind, "label": version.label, "file": name,
            "score": None if version.score is None else round(version.score, 4),
            "at": time.time()}], current=n)
        return n

    def version_html(self, n: int) -> str:
        for v in self.versions():
            if v["n"] == n:
                return (self.folder / v["file"]).read_text(encoding="utf-8")
        raise KeyError(f"run {self.id} has no version {n}")

    def go_to(self, n: int) -> str:
        """Make version ``n`` the current page again (later ones stay); returns its HTML."""
        html = self.version_html(n)
        write_atomic(self.folder / PAGE, html, overwrite=True)
        self._update(current=n)
        return html

    def export_version(self, n: int, path: Path, overwrite: bool = False) -> Path:
        return write_atomic(path, self.version_html(n), overwrite=overwrite)

    def versions_line(self) -> str:
        """The versions with their scores, for the Recent list."""
        from app.job.events import Version, versions_line

        return versions_line([Version(kind=v["kind"], label=v["label"], html="",
                                      score=v.get("score")) for v in self.versions()])

    def save_review(self, review: Review) -> None:
        """Keep the render, the pictures and the scores of the page (final or edited)."""
        from app.review.review import original_blocks, write_report

        write_report(self.folder, review)
        if review.text is not None:  # its OCR, kept beside it: a reopened run is not read again
            original_blocks(self.screenshot(), self.folder)
        score = round(review.similarity, 4)
        current = self.current_version
        self._update(similarity=review.similarity, versions=[
            {**v, "score": score} if v["n"] == current and v.get("score") is None else v
            for v in self.versions()])

    def save_page(self, html: str, label: str = "edited by hand") -> None:
        """The user's edit of the page: a new version, now the current page. Typing on in the
        version just made by hand goes on in that same version, so one Ctrl+Z undoes it all."""
        from app.job.events import Version

        versions = self.versions()
        last = versions[-1] if versions else None
        if last is not None and last["kind"] == "hand" and self.current_version == last["n"]:
            write_atomic(self.folder / last["file"], html, overwrite=True)
            write_atomic(self.folder / PAGE, html, overwrite=True)
            self._update(versions=[*versions[:-1], {**last, "score": None, "at": time.time()}],
                         edited=True)
            return
        self.add_version(Version(kind="hand", label=label, html=html))
        self._update(edited=True)

    def fail(self, message: str, status: str = "failed", details: str = "") -> None:
        """Say why the run ended early; ``details`` (a traceback) goes in with it."""
        self._close_stream()
        self._update(status=status, finished=time.time(), error=message,
                     **({"details": details} if details else {}))


class History:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root or history_dir()

    def start(self, shot: Screenshot, settings: dict[str, Any]) -> HistoryEntry:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        folder = self.root / f"{stamp}-{uuid.uuid4().hex[:6]}"
        folder.mkdir(parents=True)
        write_atomic(folder / SCREENSHOT, shot.png)
        entry = HistoryEntry(folder)
        entry._update(status="running", created=time.time(), source=shot.source,
                      width=shot.width, height=shot.height, dpr=shot.device_pixel_ratio,
                      screenshot_sha=hashlib.sha256(shot.png).hexdigest()[:16],
                      settings=settings)
        return entry

    def entries(self) -> list[HistoryEntry]:
        if not self.root.is_dir():
            return []
        folders = [p for p in self.root.iterdir() if (p / SCREENSHOT).is_file()]
        return [HistoryEntry(p) for p in sorted(folders, reverse=True)]

    def by_screenshot(self) -> list[list[HistoryEntry]]:
        """The runs grouped by screenshot (the same picture regenerated), newest first."""
        groups: dict[str, list[HistoryEntry]] = {}
        for entry in self.entries():
            groups.setdefault(entry.meta.get("screenshot_sha") or entry.id, []).append(entry)
        return list(groups.values())

    def delete(self, entry: HistoryEntry) -> None:
        entry._close_stream()
        shutil.rmtree(entry.folder, ignore_errors=True)
