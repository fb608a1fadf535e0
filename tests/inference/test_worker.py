"""The model worker process: real llama.cpp in a real child, crashed, cancelled and killed on
purpose."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest

from inference.cancel import CancelToken
from inference.config import EngineConfig, GenerationRequest
from inference.errors import ModelError, ModelMismatch, WorkerCrashed
from inference.events import (
    GenerationDone,
    ImageEncoded,
    ModelLoading,
    PromptStarted,
    TokenText,
)
from inference.synthetic import Gemma4Shape, write_pair
from inference.worker import GPU_CRASH_HINT, ModelWorker, ShutdownStep, WorkerBackend, on_a_gpu
from tests.conftest import make_ui_png

BROKEN = [sys.executable, "-m", "tests.inference.workers.broken"]


def request(**kw: object) -> GenerationRequest:
    base: dict[str, object] = dict(system="s", prompt="Clone this.", image_png=make_ui_png(),
                                   max_tokens=20, seed=1)
    return GenerationRequest(**{**base, **kw})  # type: ignore[arg-type]


def gone(pid: int, within: float = 5.0, *, reaped: bool = True) -> bool:
    """True once the process has exited, and (with ``reaped``) been waited for: not a zombie.
    An orphan's zombie is its new parent's (init's) to reap, so callers that were killed check
    only that it exited."""
    deadline = time.monotonic() + within
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z" and not reaped:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


@pytest.fixture
def backend(tiny_model: tuple[Path, Path]) -> Iterator[WorkerBackend]:
    b = WorkerBackend(EngineConfig(model=tiny_model[0], mmproj=tiny_model[1], n_ctx=4096))
    yield b
    b.close()


@pytest.fixture(scope="module")
def slow_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Big enough that reading a long prompt takes seconds on this CPU."""
    return write_pair(tmp_path_factory.mktemp("slow"), Gemma4Shape(
        n_embd=512, n_layer=8, n_head=8, n_head_kv=2, head_dim=64, n_ff=2048))


def test_streams_and_keeps_the_model_loaded(backend: WorkerBackend) -> None:
    first = list(backend.stream(request()))
    assert isinstance(first[0], ModelLoading) and isinstance(first[-1], GenerationDone)
    assert sum(isinstance(e, TokenText) for e in first) == 20
    pid = backend.worker.pid  # type: ignore[union-attr]
    second = list(backend.stream(request()))
    assert not any(isinstance(e, ModelLoading) for e in second)
    assert backend.worker.pid == pid and backend.starts == 1  # type: ignore[union-attr]


def test_changed_settings_reload_the_model(backend: WorkerBackend,
                                           tiny_model: tuple[Path, Path]) -> None:
    list(backend.stream(request()))
    backend.config = EngineConfig(model=tiny_model[0], mmproj=tiny_model[1], n_ctx=8192)
    assert any(isinstance(e, ModelLoading) for e in backend.stream(request()))
    assert backend.starts == 1  # same process, model reloaded inside it


def test_native_crash_is_reported_and_the_next_job_works(tiny_model: tuple[Path, Path]) -> None:
    """A micro-batch smaller than a large image makes llama.cpp abort (SIGABRT)."""
    b = WorkerBackend(EngineConfig(model=tiny_model[0], mmproj=tiny_model[1], n_ctx=4096,
                                   debug_ubatch=256))
    try:
        small = list(b.stream(request()))  # 104 image tokens: fits the micro-batch
        assert isinstance(small[-1], GenerationDone)
        crashed_pid = b.worker.pid  # type: ignore[union-attr]
        with pytest.raises(WorkerCrashed) as e:
            list(b.stream(request(image_png=make_ui_png(1280, 800))))  # 459 tokens: abort
        assert e.value.returncode == -signal.SIGABRT
        message = str(e.value)
        assert "llama.cpp aborted (SIGABRT)" in message and "next job starts a fresh" in message
        assert "non-causal attention requires n_ubatch >= n_tokens" in message  # the log tail
        assert GPU_CRASH_HINT not in message  # a CPU build: no GPU to blame
        assert gone(crashed_pid)  # reaped, no zombie
        after = list(b.stream(request()))
        assert isinstance(after[-1], GenerationDone) and b.starts == 2
    finally:
        b.close()


def test_a_crash_loading_onto_a_gpu_suggests_the_cpu(tiny_model: tuple[Path, Path]) -> None:
    """What llama.cpp's CUDA build logs as it starts, with layers asked for the GPU."""
    cuda_log = ["ggml_cuda_init: found 1 CUDA devices:",
                "  Device 0: NVIDIA H100 80GB HBM3, compute capability 9.0, VMM: yes",
                "load_tensors: offloaded 49/49 layers to GPU"]
    pair = {"model": tiny_model[0], "mmproj": tiny_model[1]}
    assert on_a_gpu(EngineConfig(**pair, gpu_layers="auto"), cuda_log)
    assert on_a_gpu(EngineConfig(**pair, gpu_layers=20), cuda_log)
    assert not on_a_gpu(EngineConfig(**pair, gpu_layers=0), cuda_log)
    assert not on_a_gpu(EngineConfig(**pair, gpu_layers="auto"),
                        ["load_tensors:   CPU_Mapped model buffer size =  1200.00 MiB"])


def test_cancel_while_decoding_keeps_the_model(backend: WorkerBackend) -> None:
    list(backend.stream(request()))
    cancel = CancelToken()
    events = []
    for ev in backend.stream(request(max_tokens=200_000), cancel):
        events.append(ev)
        if isinstance(ev, TokenText) and ev.n_tokens == 5:
            cancel.cancel()
    done = events[-1]
    assert isinstance(done, GenerationDone) and done.finish_reason == "cancelled"
    assert done.stats.completion_tokens < 200_000
    assert backend.starts == 1 and backend.worker is not None and backend.worker.alive
    assert not any(isinstance(e, ModelLoading) for e in backend.stream(request()))


def test_cancel_during_prefill_kills_the_worker_within_a_second(
        slow_model: tuple[Path, Path]) -> None:
    b = WorkerBackend(EngineConfig(model=slow_model[0], mmproj=slow_model[1], n_ctx=8192))
    try:
        list(b.stream(request(max_tokens=2)))  # loaded and warm
        pid = b.worker.pid  # type: ignore[union-attr]
        cancel = CancelToken()
        long_prompt = request(prompt="x " * 2500, image_png=make_ui_png(1280, 800))
        events = []
        cancelled_at = 0.0
        for ev in b.stream(long_prompt, cancel):
            events.append(ev)
            if isinstance(ev, PromptStarted):
                time.sleep(0.3)  # deep inside llama.cpp's prefill now, which takes seconds
                cancel.cancel()
                cancelled_at = time.monotonic()
        assert time.monotonic() - cancelled_at < 1.0
        assert not any(isinstance(e, ImageEncoded | TokenText) for e in events)
        assert isinstance(events[-1], GenerationDone)
        assert events[-1].finish_reason == "cancelled"
        assert gone(pid, within=1.0)
        assert isinstance(list(b.stream(request(max_tokens=2)))[-1], GenerationDone)
        assert b.starts == 2
    finally:
        b.close()


def test_bad_files_are_refused_before_a_process_starts(tiny_model: tuple[Path, Path]) -> None:
    with pytest.raises(ModelMismatch):
        WorkerBackend(EngineConfig(model=tiny_model[0], mmproj=None))


def test_shutdown_steps() -> None:
    polite = ModelWorker()
    assert polite.shutdown(grace=4) is ShutdownStep.ASKED
    assert polite.shutdown() is ShutdownStep.ALREADY_GONE
    deaf = ModelWorker(env={"BROKEN_WORKER": "deaf"}, command=BROKEN)
    assert deaf.shutdown(grace=1) is ShutdownStep.KILLED
    assert gone(deaf.pid)


def test_a_worker_that_dies_on_start(tiny_model: tuple[Path, Path]) -> None:
    with pytest.raises(WorkerCrashed, match="(?s)while starting: exit code 3.*libcuda"):
        ModelWorker(env={"BROKEN_WORKER": "fail_on_start"}, command=BROKEN)


def test_a_native_crash_while_loading_quietly_shows_the_log_and_the_stack(
        tiny_model: tuple[Path, Path]) -> None:
    """llama-cpp-python points fds 1 and 2 at /dev/null while it loads (verbose=False): the
    log and faulthandler's Python stack must still reach the parent."""
    config = EngineConfig(model=tiny_model[0], mmproj=tiny_model[1], n_ctx=4096)
    worker = ModelWorker(env={"BROKEN_WORKER": "segv_in_load"}, command=BROKEN)
    try:
        worker.send(type="generate", request_id="r", config=config.to_dict(),
                    request=asdict(request()))
        while worker.next_message(60)["type"] not in ("eof", "timeout"):
            pass
        message = worker.describe_exit("while loading")
    finally:
        worker.kill()
    assert worker.process.returncode == -signal.SIGSEGV
    assert "a segmentation fault (SIGSEGV)" in message
    assert "load_tensors" in message  # llama.cpp's log, written while fd 2 was /dev/null
    stack = message.split("Where it crashed:\n", 1)[1].splitlines()
    assert stack[0] == "Fatal Python error: Segmentation fault"
    assert stack[1].startswith("Current thread") and "load_then_crash" in stack[2]
    assert any("engine.py" in line and "in load" in line for line in stack)


CALLER = """
import sys, time
from pathlib import Path
from inference.config import EngineConfig, GenerationRequest
from inference.worker import WorkerBackend
b = WorkerBackend(EngineConfig(model=Path(sys.argv[1]), mmproj=Path(sys.argv[2]), n_ctx=4096))
png = Path(sys.argv[3]).read_bytes()
list(b.stream(GenerationRequest(system="s", prompt="p", image_png=png, max_tokens=2)))
print(b.worker.pid, flush=True)
time.sleep(600)
"""


def test_caller_killed_with_sigkill_leaves_no_worker(tmp_path: Path, ui_png: Path,
                                                     tiny_model: tuple[Path, Path]) -> None:
    caller = subprocess.Popen([sys.executable, "-c", CALLER, str(tiny_model[0]),
                               str(tiny_model[1]), str(ui_png)], stdout=subprocess.PIPE,
                              text=True, cwd=Path(__file__).resolve().parents[2])
    assert caller.stdout is not None
    worker_pid = int(caller.stdout.readline())
    assert not gone(worker_pid, within=0.1)
    os.kill(caller.pid, signal.SIGKILL)
    caller.wait()
    assert gone(worker_pid, reaped=False)


def test_a_worker_killed_mid_answer_is_reported_as_such(backend: WorkerBackend) -> None:
    """What the out-of-memory killer does: SIGKILL, no warning, no log line."""
    with pytest.raises(WorkerCrashed, match="SIGKILL; often the out-of-memory killer") as e:
        for ev in backend.stream(request(max_tokens=200_000)):
            if isinstance(ev, TokenText) and ev.n_tokens == 3:
                os.kill(backend.worker.pid, signal.SIGKILL)  # type: ignore[union-attr]
    assert "while writing" in str(e.value) and e.value.returncode == -signal.SIGKILL
    assert isinstance(list(backend.stream(request()))[-1], GenerationDone)
    assert backend.starts == 2


def test_an_error_in_the_worker_keeps_its_class_and_fields(tiny_model: tuple[Path, Path],
                                                           tmp_path: Path) -> None:
    import shutil

    model = tmp_path / "model.gguf"
    shutil.copy(tiny_model[0], model)
    b = WorkerBackend(EngineConfig(model=model, mmproj=tiny_model[1], n_ctx=4096))
    try:
        model.write_bytes(b"GGUF" + b"\0" * 64)  # damaged after the parent checked it
        with pytest.raises(ModelError) as e:
            list(b.stream(request(max_tokens=2)))
    finally:
        b.close()
    assert e.value.path is not None and Path(e.value.path).name == "model.gguf"
