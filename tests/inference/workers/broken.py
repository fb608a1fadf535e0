"""Deliberately broken model workers, chosen by BROKEN_WORKER:
- fail_on_start: dies before saying it is ready;
- deaf: says it is ready, then ignores every request, the shutdown request and SIGTERM."""

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
