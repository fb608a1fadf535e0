"""Render a job's events as a live status line on a terminal (stderr, like `llm`): results go to
stdout or files, progress never does. On a non-terminal the live line stays quiet."""

from __future__ import annotations

import contextlib
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO

from app.job.events import CloneResult, JobEvent, JobFailed, JobFinished, StepFinished, TokenChunk
from app.job.pipeline import unwrap
from app.job.run import RunState

_REFRESH_S = 0.1


class ProgressLine:
    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.live = not quiet and self.stream.isatty()
        self.started = time.monotonic()
        self._last_draw = 0.0
        self._shown = False

    def show(self, text: str, *, force: bool = False) -> None:
        if not self.live:
            return
        now = time.monotonic()
        if not force and now - self._last_draw < _REFRESH_S:
            return
        self._last_draw = now
        width = max(20, shutil.get_terminal_size((80, 20)).columns - 1)
        line = f"{text}  {now - self.started:5.1f} s"
        self.stream.write("\r" + line[:width].ljust(width))
        self.stream.flush()
        self._shown = True

    def end(self) -> None:
        if self._shown:
            self.stream.write("\r" + " " * (shutil.get_terminal_size((80, 20)).columns - 1)
                              + "\r")
            self.stream.flush()
            self._shown = False


def follow(events: Iterable[JobEvent], quiet: bool = False,
           echo: TextIO | None = None) -> CloneResult:
    """Drain a job's events, drawing its run state (unless quiet) or, with ``echo``, writing
    the model's answer there as it streams; return its result or raise its error."""
    line = ProgressLine(quiet=quiet or echo is not None)
    state = RunState(max_tokens=0)
    try:
        for ev in events:
            state.apply(ev)
            if isinstance(ev, StepFinished):
                if not quiet:  # one line per step, kept on the terminal
                    line.end()
                    print(ev.line, file=line.stream)
            elif isinstance(ev, JobFinished | JobFailed):
                line.end()
                if echo is not None:
                    echo.write("\n")
                return unwrap(ev)
            elif isinstance(ev, TokenChunk):
                if echo is not None:
                    echo.write(ev.text)
                    echo.flush()
                line.show(f"{state.phase()}  {state.rate:.1f} tok/s")
            else:
                line.show(state.phase(), force=True)
    finally:
        line.end()
    raise RuntimeError("the job ended without a final event")


def summary(result: CloneResult, out: str) -> str:
    s = result.stats
    parts = [f"wrote {out}: {s.completion_tokens} tokens at {s.decode_tps:.1f} tok/s",
             f"first token after {s.ttft_s:.1f} s (image {s.image_tokens} + text "
             f"{s.prompt_tokens - s.image_tokens} prompt tokens)",
             f"{s.total_s:.1f} s in all"]
    if s.speculative:
        parts.append(f"speculation kept {s.accepted} of {s.drafted} drafted tokens "
                     f"({s.decode_steps} passes)")
    if result.finish_reason == "length" and result.page.found_html:
        parts.append("stopped at --max-tokens, the page was closed off")
    return ", ".join(parts)


@contextlib.contextmanager
def download_bar(stream: TextIO | None = None) -> Iterator[Callable[[Any], None]]:
    """A terminal progress bar for downloads: bytes, percent, speed and time left."""
    out = stream or sys.stderr
    live = out.isatty()
    last = [0.0]

    def show(p: Any) -> None:
        now = time.monotonic()
        if not live or (now - last[0] < _REFRESH_S and p.done < p.total):
            return
        last[0] = now
        width = max(20, shutil.get_terminal_size((80, 20)).columns - 1)
        share = p.done / p.total if p.total else 1.0
        eta = f"{p.eta_s:.0f} s left" if p.eta_s is not None else ""
        text = (f" {share:6.1%}  {p.done / 1e9:.2f}/{p.total / 1e9:.2f} GB  "
                f"{p.speed / 1e6:.1f} MB/s  {eta}")
        bar_width = max(10, width - len(text) - 2)
        filled = round(bar_width * share)
        out.write("\r[" + "#" * filled + "." * (bar_width - filled) + "]" + text)
        out.flush()

    try:
        yield show
    finally:
        if live:
            out.write("\n")


@contextlib.contextmanager
def bench_bar(total: int, stream: TextIO | None = None) -> Iterator[Callable[[str, bool], None]]:
    """A progress bar for many pages: a line per page, and on a terminal a bar with the pages
    done, failures and the time left (from the mean time per page so far)."""
    out = stream or sys.stderr
    started, done, failed = time.monotonic(), 0, 0

    def page(name: str, ok: bool) -> None:
        nonlocal done, failed
        done += 1
        failed += not ok
        elapsed = time.monotonic() - started
        left = elapsed / done * (total - done)
        width = 24
        filled = round(width * done / max(1, total))
        bar = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        status = f"{bar}  {name}{'' if ok else ' failed'}  {_duration(left)} left" \
            f"{f', {failed} failed' if failed else ''}"
        out.write(("\r" if out.isatty() else "") + status + ("" if out.isatty() else "\n"))
        out.flush()

    try:
        yield page
    finally:
        if out.isatty() and done:
            out.write("\n")


def _duration(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"
