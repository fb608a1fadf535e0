"""Clone one screenshot to files, or many spread over several backends (one job per backend
at a time): the path for users who outgrow one machine. No Qt here."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from app.errors import BadInput, OutputFailed, StoppedWithPartial
from app.intake import Screenshot, load_screenshot
from app.job.events import CloneResult, JobEvent, JobFailed, TokenChunk
from app.job.pipeline import run_clone
from app.job.run import BackendPlan, job_for, reviews
from app.outputs.files import check_writable, refuse_existing, write_atomic
from app.outputs.history import PAGE, STREAM, History
from app.review.render import Renderer
from app.review.review import REPORT_FILES, write_report
from app.settings import Settings
from inference.backend import Backend
from inference.cancel import CancelToken
from inference.errors import Cancelled, ShotCloneError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff"}

Follow = Callable[[Iterable[JobEvent]], CloneResult]  # drains a job's events into its result


@dataclass(frozen=True, kw_only=True)
class Target:
    """One screenshot and where its page (and report) go."""

    image: Path
    output: Path
    report: Path | None = None
    device_pixel_ratio: float | None = None  # None: from the file, else 1
    overwrite: bool = False
    reference: Path | None = None  # the page the image was taken of, for HTML-based scores


@dataclass(frozen=True, kw_only=True)
class Outcome:
    target: Target
    backend: str
    result: CloneResult | None = None
    error: ShotCloneError | None = None


def images_in(folder: Path) -> list[Path]:
    found = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not found:
        raise BadInput(f"{folder} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))}).")
    return found


def check_target(target: Target) -> None:
    """Everything about where the results go that can be known before the model runs."""
    if target.output.is_dir():
        raise BadInput(f"{target.output} is a folder; give a file name, or end it with / to "
                       "write into it.")
    if target.output.exists() and not target.overwrite:
        raise BadInput(f"{target.output} already exists. Choose another name with -o, or "
                       "pass --force to replace it.")
    if target.output.exists() and target.image.exists() and \
            target.output.samefile(target.image):
        raise BadInput(f"{target.output} is the screenshot itself; choose another name with -o.")
    check_writable(target.output)
    if target.report is not None:
        refuse_existing(target.report, list(REPORT_FILES), overwrite=target.overwrite)
        check_writable(target.report / REPORT_FILES[0])


def clone_to_files(target: Target, backend: Backend, settings: Settings, follow: Follow,
                   renderer: Renderer | None = None,
                   cancel: CancelToken | None = None) -> CloneResult:
    """Screenshot in, page (and report) out: the one path behind every clone the CLI runs. A
    write that fails once the model has run keeps the page in the history and says where."""
    check_target(target)
    shot = load_screenshot(target.image, device_pixel_ratio=target.device_pixel_ratio)
    job = job_for(settings, shot)
    if target.reference is not None:
        job = replace(job, reference_html=target.reference.read_text(encoding="utf-8",
                                                                     errors="replace"))
    written: list[str] = []
    try:
        result = follow(_recording(run_clone(job, backend, cancel, renderer=renderer), written))
    except (KeyboardInterrupt, Cancelled) as e:
        if not written:
            raise  # nothing to keep: stopped as before
        raise _partial_kept(shot, "".join(written)) from e
    writing = target.output
    try:
        write_atomic(target.output, result.page.html, overwrite=target.overwrite)
        if target.report is not None and result.review is not None:
            writing = target.report
            generation = {"generation": asdict(result.stats),
                          "finish_reason": result.finish_reason}
            write_report(target.report, result.review, generation, overwrite=target.overwrite)
    except (OSError, BadInput) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise _kept_in_history(result, f"Could not write {writing}: {reason}") from e
    return result


def _recording(events: Iterable[JobEvent], written: list[str]) -> Iterator[JobEvent]:
    """Pass a job's events on, keeping the model's text as it arrives."""
    for ev in events:
        if isinstance(ev, TokenChunk):
            written.append(ev.text)
        elif isinstance(ev, JobFailed) and ev.partial_text:
            written[:] = [ev.partial_text]
        yield ev


def _partial_kept(shot: Screenshot, text: str) -> Cancelled:
    """Stopped while writing: what the model had written goes to the history, as the app
    keeps it, and the error says where."""
    try:
        entry = History().start(shot, {})
        entry.append_stream(text)
        entry.fail("stopped by the user", status="stopped")
    except OSError:
        return Cancelled()
    return StoppedWithPartial(entry.folder / STREAM)


def _kept_in_history(result: CloneResult, what: str) -> OutputFailed:
    try:
        entry = History().start(result.screenshot, {})
        entry.finish(result)
        if result.review is not None:
            entry.save_review(result.review)
    except OSError as e:
        return OutputFailed(f"{what.rstrip('.')}. The page could not be kept in the history "
                            f"either ({e.strerror or e}).")
    kept = entry.folder / PAGE
    return OutputFailed(f"{what.rstrip('.')}. The page is kept in {kept}.", kept=kept)


def run_batch(targets: list[Target], backends: list[BackendPlan],
              settings: Settings, follow: Follow, *, with_report: bool,
              on_outcome: Callable[[Outcome], None],
              cancel: CancelToken | None = None) -> list[Outcome]:
    """Clone every target, one thread per backend pulling the next target when it is free."""
    cancel = cancel or CancelToken()
    todo: queue.Queue[Target] = queue.Queue()
    for t in targets:
        todo.put(t)
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def record(outcome: Outcome) -> None:
        with lock:
            outcomes.append(outcome)
            on_outcome(outcome)

    def work(plan: BackendPlan) -> None:
        name = plan.name
        with contextlib.ExitStack() as stack:
            backend = plan.make()
            stack.callback(backend.close)
            renderer = stack.enter_context(Renderer()) \
                if with_report or reviews(settings) else None
            while not cancel.cancelled:
                try:
                    target = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    result = clone_to_files(target, backend, settings, follow, renderer, cancel)
                    record(Outcome(target=target, backend=name, result=result))
                except ShotCloneError as e:
                    record(Outcome(target=target, backend=name, error=e))

    running = len(backends)
    all_done = threading.Event()

    def work_then_count(plan: BackendPlan) -> None:
        nonlocal running
        try:
            work(plan)
        finally:
            with lock:
                running -= 1
                if not running:
                    all_done.set()

    for b in backends:
        threading.Thread(target=work_then_count, args=(b,), daemon=True,
                         name=f"batch {b.name}").start()
    # Waiting on an Event, not Thread.join: a join that Ctrl+C interrupts forgets its thread
    # (CPython 3.11), and a browser or llama.cpp still running in a thread while the interpreter
    # shuts down crashes it in native code.
    try:
        while not all_done.wait(0.2):
            pass
    except KeyboardInterrupt:
        cancel.cancel()
        _wait_out(all_done)
        raise Cancelled() from None
    return outcomes


def _wait_out(done: threading.Event) -> None:
    """Wait until every thread has stopped, whatever the user presses meanwhile: each stops at
    its next step (a token, or the end of a render's time budget) and closes what it opened."""
    while True:
        try:
            if done.wait(0.2):
                return
        except KeyboardInterrupt:
            continue
