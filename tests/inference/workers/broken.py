"""Deliberately broken model workers, chosen by BROKEN_WORKER:
- fail_on_start: dies before saying it is ready;
- deaf: says it is ready, then ignores every request, the shutdown request and SIGTERM;
- segv_in_load: the real worker, whose model load really segfaults right after llama.cpp has
  read the model, while llama-cpp-python's quiet mode points fds 1 and 2 at /dev/null (as an
  unknown native fault on a GPU machine would)."""

import faulthandler
import os
import pickle
import signal
import sys
import time

mode = os.environ.get("BROKEN_WORKER", "")
if mode == "fail_on_start":
    print("worker: cannot start: libcuda.so.1 not found", file=sys.stderr, flush=True)
    sys.exit(3)
if mode == "deaf":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    data = pickle.dumps({"type": "ready", "pid": os.getpid()})
    sys.stdout.buffer.write(len(data).to_bytes(4, "big") + data)
    sys.stdout.buffer.flush()
    while True:
        time.sleep(3600)
if mode == "segv_in_load":
    import llama_cpp.llama_cpp as llama

    from inference.worker import child_main

    real_load = llama.llama_model_load_from_file

    def load_then_crash(*args: object) -> object:
        real_load(*args)
        faulthandler._sigsegv()  # a real SIGSEGV, raised in C

    llama.llama_model_load_from_file = load_then_crash
    child_main()
