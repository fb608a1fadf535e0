"""The pipeline and the run model driven directly, with a scripted backend: every job ends
with exactly one terminal event, whatever goes wrong, and the run state (and history) follow."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from app.errors import RenderFailed, UnexpectedError
from app.intake import load_screenshot
from app.job.events import JobFailed, JobFinished, StageStarted, TokenChunk
from app.job.pipeline import CloneJob, run_clone
from app.job.run import BackendKeeper, RunState, error_text, job_for, run_job
from app.outputs.history import History
from app.settings import Settings
from inference.cancel import CancelToken
from inference.errors import GenerationFailed, ModelNotFound
from tests.app.fakes import ScriptedBackend, done, tokens

PAGE = ("<!DOCTYPE html><html><body>", "<h1>Hi</h1>", "</body></html>")


@pytest.fixture
def job(ui_png: Path) -> CloneJob:
    return CloneJob(screenshot=load_screenshot(ui_png), max_tokens=10, seed=3)


def terminal(events: list) -> object:  # type: ignore[type-arg]
    ends = [e for e in events if isinstance(e, JobFinished | JobFailed)]
    assert len(ends) == 1 and events[-1] is ends[0]
    return ends[0]


def test_a_finished_job_and_its_run_state(job: CloneJob, tmp_path: Path) -> None:
    backend = ScriptedBackend([*tokens(*PAGE), done(3)])
    history = History(tmp_path)
    run = RunState(max_tokens=10)
    run.record_in(history, job.screenshot, Settings(max_tokens=10))
    for ev in run_clone(job, backend):
        run.apply(ev)
    assert run.result is not None and run.result.page.found_html
    assert run.tokens == 3 and run.text == "".join(PAGE) and run.ended and not run.stopped
    assert backend.requests[0].seed == 3 and backend.requests[0].max_tokens == 10
    meta = history.entries()[0].meta
    assert meta["status"] == "done" and meta["settings"]["max_tokens"] == 10
    assert (history.entries()[0].folder / "stream.txt").read_text() == "".join(PAGE)


def test_stopped_without_finishing_keeps_what_was_written(job: CloneJob) -> None:
    events = list(run_clone(job, ScriptedBackend(tokens("<p>half"))))
    end = terminal(events)
    assert isinstance(end, JobFailed) and isinstance(end.error, GenerationFailed)
    assert end.partial_text == "<p>half"


def test_cancelled_is_a_stop_not_a_failure(job: CloneJob, tmp_path: Path) -> None:
    run = RunState(max_tokens=10, entry=History(tmp_path).start(job.screenshot, {}))
    for ev in run_clone(job, ScriptedBackend([*tokens("<p>"), done(1, "cancelled")])):
        run.apply(ev)
    assert run.stopped and run.phase().startswith("Stopped after 1 tokens")
    assert run.entry is not None and run.entry.meta["status"] == "stopped"


def test_an_unexpected_exception_ends_the_job_as_a_failure(
        job: CloneJob, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    backend = ScriptedBackend([*tokens("<p>"), KeyError("boom")])
    run = RunState(max_tokens=10, entry=History(tmp_path).start(job.screenshot, {}))
    with caplog.at_level(logging.ERROR, logger="shotclone"):
        events = list(run_clone(job, backend))
    end = terminal(events)
    assert isinstance(end, JobFailed) and isinstance(end.error, UnexpectedError)
    assert "KeyError" in str(end.error) and "Traceback" in end.details
    assert end.partial_text == "<p>"
    assert "KeyError" in caplog.text  # in the log
    for ev in events:
        run.apply(ev)
    meta = run.entry.meta  # type: ignore[union-attr]
    assert meta["status"] == "failed" and "KeyError: 'boom'" in meta["details"]
    message, details = error_text(end.error, details=end.details)
    assert "\n" not in message and "KeyError" in details


class _BrokenRenderer:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def render(self, *args: object, **kwargs: object) -> object:
        raise self.error


@pytest.mark.parametrize("error", [RenderFailed("The page could not be rendered."),
                                   ValueError("a bug in the render")])
def test_a_review_failure_leaves_the_page_standing(job: CloneJob, error: Exception) -> None:
    events = list(run_clone(job, ScriptedBackend([*tokens(*PAGE), done(3)]),
                            renderer=_BrokenRenderer(error)))  # type: ignore[arg-type]
    end = terminal(events)
    assert isinstance(end, JobFinished) and end.result.page.found_html
    assert end.result.review is None and end.result.review_error is not None
    assert [e.stage for e in events if isinstance(e, StageStarted)][-1] == "render"


def test_run_job_builds_the_backend_first_and_fails_cleanly_without_a_model(
        job: CloneJob) -> None:
    events = list(run_job(Settings(), job.screenshot, BackendKeeper(), CancelToken()))
    assert isinstance(events[0], StageStarted) and events[0].stage == "check"
    end = terminal(events)
    assert isinstance(end, JobFailed) and isinstance(end.error, ModelNotFound)


def test_a_failure_before_the_job_starts_still_ends_it(job: CloneJob) -> None:
    def full_disk() -> None:
        raise OSError(28, "No space left on device")

    events = list(run_job(Settings(), job.screenshot, BackendKeeper(), CancelToken(),
                          first=full_disk))
    end = terminal(events)
    assert isinstance(end, JobFailed) and "No space left" in str(end.error)


def test_job_for_maps_the_settings_once(job: CloneJob) -> None:
    made = job_for(Settings(max_tokens=77, temperature=0.5), job.screenshot)
    assert (made.max_tokens, made.temperature, made.seed) == (77, 0.5, None)
    assert job_for(Settings(seed=9), job.screenshot).seed == 9


def test_the_live_rate_counts_from_the_first_token(job: CloneJob) -> None:
    run = RunState(max_tokens=10)
    for i, at in enumerate((10.0, 10.5, 11.0), 1):
        run.apply(TokenChunk(job_id="j", text="x", n_tokens=i, max_tokens=10, at=at))
    assert run.rate == pytest.approx(2.0) and run.phase() == "Writing HTML: 3 tokens"
    assert run.take_preview() == "xxx" and run.take_preview() is None
    run.apply(TokenChunk(job_id="j", text="x", n_tokens=8, max_tokens=10, at=12.0))
    assert run.phase() == "Writing HTML: 8 of at most 10 tokens"  # near the limit: said


def test_errors_cross_a_process_boundary_whole() -> None:
    import pickle

    from app.errors import ImageRejected
    from inference.errors import WorkerCrashed, error_from_dict, error_to_dict

    crash = WorkerCrashed("The model worker crashed.\nLast lines", returncode=-11,
                          log_tail=("a", "b"))
    back = error_from_dict(pickle.loads(pickle.dumps(error_to_dict(crash))))
    assert type(back) is WorkerCrashed and str(back) == str(crash)
    assert (back.returncode, back.log_tail) == (-11, ("a", "b"))
    rejected = error_from_dict(error_to_dict(ImageRejected("too small", source="x.png")))
    assert isinstance(rejected, ImageRejected) and rejected.source == "x.png"


def test_loading_says_how_much_it_reads(job: CloneJob) -> None:
    from inference.events import ModelLoading

    run = RunState(max_tokens=10)
    for ev in run_clone(job, ScriptedBackend([ModelLoading(model="gemma", size_bytes=7_300_000_000),
                                              *tokens(*PAGE), done(3)])):
        run.apply(ev)
        if isinstance(ev, StageStarted) and ev.stage == "load":
            assert run.phase() == "Loading the model: gemma, 7.3 GB…"
    assert run.result is not None
