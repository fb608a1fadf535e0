"""Clone one screenshot to files, or many spread over several backends (one job per backend
at a time): the path for users who outgrow one machine. No Qt here."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from app.errors import BadInput
from app.intake import load_screenshot
from app.job.events import CloneResult, JobEvent
from app.job.pipeline import run_clone
from app.job.run import BackendPlan, job_for
from app.outputs.files import write_atomic
from app.review.render import Renderer
from app.review.review import write_report
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


def clone_to_files(target: Target, backend: Backend, settings: Settings, follow: Follow,
                   renderer: Renderer | None = None,
                   cancel: CancelToken | None = None) -> CloneResult:
    """Screenshot in, page (and report) out: the one path behind every clone the CLI runs."""
    if target.output.exists() and not target.overwrite:
        raise BadInput(f"{target.output} already exists. Choose another name with -o, or "
                       "pass --force to replace it.")
    shot = load_screenshot(target.image, device_pixel_ratio=target.device_pixel_ratio)
    job = job_for(settings, shot)
    result = follow(run_clone(job, backend, cancel, renderer=renderer))
    write_atomic(target.output, result.html.html, overwrite=target.overwrite)
    if target.report is not None and result.review is not None:
        generation = {"generation": asdict(result.stats), "finish_reason": result.finish_reason}
        write_report(target.report, result.review, generation)
    return result


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

    def report(outcome: Outcome) -> None:
        with lock:
            outcomes.append(outcome)
            on_outcome(outcome)

    def work(plan: BackendPlan) -> None:
        name = plan.name
        with contextlib.ExitStack() as stack:
            backend = plan.make()
            stack.callback(backend.close)
            renderer = stack.enter_context(Renderer()) if with_report else None
            while not cancel.cancelled:
                try:
                    target = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    result = clone_to_files(target, backend, settings, follow, renderer, cancel)
                    report(Outcome(target=target, backend=name, result=result))
                except ShotCloneError as e:
                    report(Outcome(target=target, backend=name, error=e))

    threads = [threading.Thread(target=work, args=(b,), daemon=True, name=f"batch {b.name}")
               for b in backends]
    for th in threads:
        th.start()
    try:
        for th in threads:
            while th.is_alive():
                th.join(0.2)  # short joins keep Ctrl+C responsive
    except KeyboardInterrupt:
        cancel.cancel()
        for th in threads:
            th.join(10)
        raise Cancelled() from None
    return outcomes
