"""Memory soak: 20 consecutive clone jobs on one model worker; prints how much the worker's
resident memory grew from the end of the first job to the end of the last (target: <= 5%).

    python -m benchmarks.soak_worker [--jobs 20]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from app.intake import load_screenshot
from app.job.pipeline import CloneJob, clone
from assets import asset
from benchmarks._models import synthetic_pair
from benchmarks._report import emit
from inference.config import EngineConfig
from inference.synthetic import Gemma4Shape
from inference.worker import WorkerBackend

SOAK_SHAPE = Gemma4Shape(n_embd=512, n_layer=8, n_head=8, n_head_kv=2, head_dim=64, n_ff=2048)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--tokens", type=int, default=300)
    args = parser.parse_args(argv)
    model, mmproj = synthetic_pair(SOAK_SHAPE)
    backend = WorkerBackend(EngineConfig(model=model, mmproj=mmproj, n_ctx=8192))
    shot = load_screenshot(asset("samples/joke-card.png"))
    samples = []
    try:
        for i in range(args.jobs):
            clone(CloneJob(screenshot=shot, max_tokens=args.tokens, seed=i), backend)
            assert backend.worker is not None
            samples.append(rss_mb(backend.worker.pid))
        starts = backend.starts
    finally:
        backend.close()
    growth = (samples[-1] - samples[0]) / samples[0] * 100
    emit("worker_rss_growth", growth, "%", jobs=args.jobs, first_mb=round(samples[0], 1),
         last_mb=round(samples[-1], 1), peak_mb=round(max(samples), 1), worker_starts=starts,
         target="<= 5%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
