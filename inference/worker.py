"""The model in a child process of its own, so that nothing llama.cpp does can take the caller
down: a native abort or a CUDA fault kills only the worker, which the next job replaces, and a
cancel during image encoding or prefill (which Python cannot interrupt) kills it at once.

Wire: length-prefixed pickles of plain dicts, ``{"type", "request_id", ...}``. Every request
ends in ``done`` or ``error`` (the error's class, message and fields). The child's stderr
carries llama.cpp's log and, after a native crash, faulthandler's Python stack: both are
written to a copy of stderr taken at start, which llama-cpp-python's quiet mode (it points
fds 1 and 2 at /dev/null while it loads) does not silence. The child exits when its stdin closes,
so it never outlives its parent, even one killed with SIGKILL.

Run as ``python -m inference.worker`` (the parent does this)."""

from __future__ import annotations

import atexit
import contextlib
import enum
import faulthandler
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from inference.cancel import CancelToken
from inference.config import EngineConfig, GenerationRequest
from inference.errors import ShotCloneError, WorkerCrashed, error_from_dict, error_to_dict
from inference.events import (
    EngineEvent,
    GenerationDone,
    GenerationStats,
    ModelLoading,
    PromptStarted,
    TokenText,
    event_from_dict,
    event_to_dict,
)
from inference.gguf import inspect_pair, remember

START_TIMEOUT_S = 60.0
_POLL_S = 0.05
_EOF = {"type": "eof"}
_CRASH_DUMP = "Fatal Python error:"  # faulthandler's first line
_SIGNALS = {signal.SIGABRT: "llama.cpp aborted (SIGABRT)",
            signal.SIGSEGV: "a segmentation fault (SIGSEGV)",
            signal.SIGKILL: "it was killed (SIGKILL; often the out-of-memory killer)",
            signal.SIGBUS: "a bus error (SIGBUS)"}


def _send(stream: IO[bytes], message: dict[str, Any]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(4, "big") + data)
    stream.flush()


def _receive(stream: IO[bytes]) -> dict[str, Any] | None:
    header = stream.read(4)
    if len(header) < 4:
        return None
    data = stream.read(int.from_bytes(header, "big"))
    return pickle.loads(data) if data else None


def split_crash_dump(lines: list[str]) -> tuple[list[str], list[str]]:
    """A child's stderr lines: (the log before faulthandler's dump, the dump)."""
    starts = [i for i, line in enumerate(lines) if line.startswith(_CRASH_DUMP)]
    cut = starts[-1] if starts else len(lines)
    return lines[:cut], lines[cut:]


def crash_stack(dump: list[str], n: int = 24) -> tuple[str, ...]:
    """faulthandler's dump, shortened: the Python stack of each thread, the crashed one
    first (empty when there was no dump)."""
    threads: list[list[str]] = [[]]
    for line in dump[1:]:
        if line.startswith(("Thread 0x", "Current thread")):
            threads.append([])
        if line.strip() and not line.startswith("Extension modules"):
            threads[-1].append(line)
    threads.sort(key=lambda t: not (t and t[0].startswith("Current thread")))
    return tuple([*dump[:1], *(line for t in threads for line in t)][:n])


# ---------------------------------------------------------------------------------------- child

def _model_identity(config: EngineConfig) -> tuple[Any, ...]:
    """Settings plus the files' size and mtime: a file replaced on disk means a reload."""
    files = [p for p in (config.model, config.mmproj) if p is not None]
    return (config, *[(p.stat().st_size, p.stat().st_mtime_ns) for p in files])


def child_main() -> None:
    from inference import llama_log
    from inference.engine import LocalEngine

    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints from C code land in the log, not in the message stream
    log = os.fdopen(os.dup(2), "w", buffering=1)  # stays the parent's pipe, whatever fd 2 is
    faulthandler.enable(log, all_threads=True)
    llama_log.install(echo=log)
    inbox: queue.Queue[dict[str, Any]] = queue.Queue()
    cancels: dict[str, CancelToken] = {}
    send_lock = threading.Lock()

    def send(**message: Any) -> None:
        with send_lock:
            _send(channel, message)

    def read_stdin() -> None:
        while True:
            message = _receive(sys.stdin.buffer)
            if message is None:
                os._exit(0)  # the parent is gone: never outlive it
            if message["type"] == "cancel":
                token = cancels.get(message["request_id"])
                if token is not None:
                    token.cancel()
            else:
                inbox.put(message)

    threading.Thread(target=read_stdin, daemon=True, name="stdin").start()
    send(type="ready", pid=os.getpid())
    engine: LocalEngine | None = None
    identity: tuple[Any, ...] = ()
    while True:
        message = inbox.get()
        if message["type"] == "shutdown":
            if engine is not None:
                engine.close()
            send(type="bye")
            return
        request_id = message["request_id"]
        cancels[request_id] = token = CancelToken()
        try:
            config = EngineConfig(**message["config"])
            remember(*message.get("headers", ()))  # the parent read them: not again here
            if engine is None or _model_identity(config) != identity:
                if engine is not None:
                    engine.close()
                engine = None
                engine = LocalEngine(config)
                identity = _model_identity(config)
            request = GenerationRequest(**message["request"])
            for event in engine.stream(request, token):
                send(type="event", request_id=request_id, event=event_to_dict(event))
            send(type="done", request_id=request_id)
        except ShotCloneError as e:
            send(type="error", request_id=request_id, error=error_to_dict(e))
        except Exception as e:
            send(type="error", request_id=request_id, error=error_to_dict(ShotCloneError(
                f"The model worker failed: {type(e).__name__}: {e}")))
        finally:
            cancels.pop(request_id, None)


# --------------------------------------------------------------------------------------- parent

class ShutdownStep(enum.Enum):
    """Which step of ``ModelWorker.shutdown`` ended the process (for tests and logs)."""

    ALREADY_GONE = "already gone"
    ASKED = "asked"
    TERMINATED = "terminated"
    KILLED = "killed"


class ModelWorker:
    """One child process. Messages from it arrive on ``messages``; ``_EOF`` means it is gone."""

    def __init__(self, env: dict[str, str] | None = None,
                 command: list[str] | None = None) -> None:
        """``command`` replaces the child program (tests use deliberately broken ones)."""
        child_env = {**os.environ, **(env or {}), "GGML_NO_BACKTRACE": "1",
                     "PYTHONUNBUFFERED": "1"}
        root = str(Path(__file__).resolve().parents[1])
        child_env["PYTHONPATH"] = os.pathsep.join(
            p for p in (root, child_env.get("PYTHONPATH", "")) if p)
        self.process = subprocess.Popen(
            command or [sys.executable, "-m", "inference.worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env,
            start_new_session=True)  # Ctrl+C reaches the parent, which then decides
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.log: deque[str] = deque(maxlen=200)
        self._send_lock = threading.Lock()
        threading.Thread(target=self._read_messages, daemon=True, name="worker-out").start()
        self._log_reader = threading.Thread(target=self._read_log, daemon=True,
                                            name="worker-log")
        self._log_reader.start()
        _live_workers.add(self)
        ready = self.next_message(START_TIMEOUT_S)
        if ready.get("type") != "ready":
            self.kill()
            raise WorkerCrashed(self.describe_exit("while starting"),
                                returncode=self.process.returncode, log_tail=self.log_tail())

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read_messages(self) -> None:
        assert self.process.stdout is not None
        with contextlib.suppress(OSError, EOFError, pickle.UnpicklingError, ValueError):
            while (message := _receive(self.process.stdout)) is not None:
                self.messages.put(message)
        self.messages.put(_EOF)

    def _read_log(self) -> None:
        assert self.process.stderr is not None
        for raw in self.process.stderr:
            self.log.append(raw.decode("utf-8", errors="replace").rstrip())

    def log_tail(self, n: int = 12) -> tuple[str, ...]:
        """The last lines of llama.cpp's log, before any crash dump."""
        lines, _ = split_crash_dump(list(self.log))
        return tuple(line for line in lines[-n:] if line.strip())

    def crash_stack(self) -> tuple[str, ...]:
        return crash_stack(split_crash_dump(list(self.log))[1])

    def next_message(self, timeout: float | None = None) -> dict[str, Any]:
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            return {"type": "timeout"}

    def send(self, **message: Any) -> bool:
        """False when the child is already gone."""
        assert self.process.stdin is not None
        try:
            with self._send_lock:
                _send(self.process.stdin, message)
            return True
        except (BrokenPipeError, OSError, ValueError):
            return False

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def describe_exit(self, when: str) -> str:
        code = self.process.wait()
        self._log_reader.join(timeout=2.0)  # the last lines (the crash dump) may still be in flight
        if code < 0 and -code in _SIGNALS:
            why = _SIGNALS[signal.Signals(-code)]
        elif code < 0:
            why = f"signal {signal.Signals(-code).name}"
        else:
            why = f"exit code {code}"
        tail = "\n".join(self.log_tail()) or "(it wrote nothing)"
        stack = "\n".join(self.crash_stack())
        return (f"The model worker crashed {when}: {why}. ShotClone is fine and the next job "
                f"starts a fresh worker.\nLast lines of llama.cpp's log:\n{tail}"
                + (f"\nWhere it crashed:\n{stack}" if stack else ""))

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self.process.wait()
        self._forget()

    def shutdown(self, grace: float = 5.0) -> ShutdownStep:
        """Ask, then SIGTERM after grace/2, then SIGKILL after another grace/2."""
        try:
            if not self.alive:
                return ShutdownStep.ALREADY_GONE
            if self.send(type="shutdown"):
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(grace / 2)
                    return ShutdownStep.ASKED
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(grace / 2)
                return ShutdownStep.TERMINATED
            self.process.kill()
            self.process.wait()
            return ShutdownStep.KILLED
        finally:
            self._forget()

    def _forget(self) -> None:
        _live_workers.discard(self)
        for pipe in (self.process.stdin, self.process.stdout, self.process.stderr):
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()


_live_workers: set[ModelWorker] = set()


@atexit.register
def _stop_workers() -> None:
    for worker in list(_live_workers):
        worker.shutdown(grace=2.0)


# llama.cpp's GPU backends name themselves in the log as they start.
_GPU_BACKENDS = ("CUDA", "ROCm", "HIP", "Vulkan", "Metal", "SYCL")
GPU_CRASH_HINT = ("\nIt crashed with layers going to the GPU: if it happens again, "
                  "--gpu-layers 0 (in the app, Settings: GPU layers 0) runs the model on the CPU "
                  "alone, slower but without the GPU's part of llama.cpp.")


def on_a_gpu(config: EngineConfig, log: Sequence[str]) -> bool:
    """Whether layers were meant for a GPU that llama.cpp had started: a crash there is worth
    trying again on the CPU."""
    return config.gpu_layers != 0 and any(name in line for line in log for name in _GPU_BACKENDS)


class WorkerBackend:
    """The ``Backend`` that runs the model in a ``ModelWorker``, starting a fresh one whenever
    the last one died. Soft cancel while tokens flow (the model stays loaded); hard cancel
    (the worker is killed) while the model loads, the image is encoded or the prompt read."""

    def __init__(self, config: EngineConfig, env: dict[str, str] | None = None) -> None:
        # Refuse bad files before starting a process; the headers go to the worker with each
        # request, so that it need not read them again.
        vision = inspect_pair(config.model, config.mmproj)
        self._headers = (vision.model, vision.mmproj)
        self.config = config
        self._env = env
        self.worker: ModelWorker | None = None
        self.starts = 0

    def _ensure_worker(self) -> ModelWorker:
        if self.worker is None or not self.worker.alive:
            if self.worker is not None:
                self.worker.kill()  # reap a dead one
            self.worker = ModelWorker(self._env)
            self.starts += 1
        return self.worker

    def stream(self, request: GenerationRequest,
               cancel: CancelToken | None = None) -> Iterator[EngineEvent]:
        cancel = cancel or CancelToken()
        worker = self._ensure_worker()
        request_id = uuid.uuid4().hex
        started = time.monotonic()
        decoding = finished = False
        worker.send(type="generate", request_id=request_id, config=self.config.to_dict(),
                    request=asdict(request), headers=self._headers)
        try:
            while True:
                if cancel.cancelled and not decoding:
                    self._hard_cancel()
                    yield GenerationDone(finish_reason="cancelled", stats=GenerationStats(
                        total_s=time.monotonic() - started))
                    finished = True
                    return
                if cancel.cancelled:
                    worker.send(type="cancel", request_id=request_id)
                message = worker.next_message(_POLL_S)
                kind = message["type"]
                if kind == "timeout" or message.get("request_id", request_id) != request_id:
                    continue
                if kind == "eof":
                    phase = "while writing" if decoding else "while loading or reading the image"
                    message = worker.describe_exit(phase)
                    if not decoding and on_a_gpu(self.config, worker.log_tail()):
                        message += GPU_CRASH_HINT
                    raise WorkerCrashed(message, returncode=worker.process.returncode,
                                        log_tail=worker.log_tail())
                if kind == "error":
                    finished = True
                    raise error_from_dict(message["error"])
                if kind == "done":
                    finished = True
                    return
                event = event_from_dict(message["event"])
                decoding = decoding or isinstance(event, TokenText)
                if isinstance(event, ModelLoading | PromptStarted):
                    decoding = False
                yield event
        finally:
            if not finished and self.worker is not None and self.worker.alive:
                self._hard_cancel()  # abandoned mid-request: nothing may keep running

    def _hard_cancel(self) -> None:
        if self.worker is not None:
            self.worker.kill()
            self.worker = None

    def close(self) -> None:
        if self.worker is not None:
            self.worker.shutdown()
            self.worker = None


if __name__ == "__main__":
    child_main()
