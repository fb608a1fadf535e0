"""One JSON line per measure, with the machine and commit it was taken on."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# ../shared/screens beside the checkout (a git worktree may sit one folder deeper)
SHARED_SCREENS = next((p / "shared" / "screens" for p in ROOT.parents[:2]
                       if (p / "shared" / "screens").is_dir()), ROOT.parent / "shared" / "screens")


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def device() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores"


def emit(bench: str, value: float, unit: str, reference: float | None = None,
         lower_is_better: bool = True, **extra: object) -> dict[str, object]:
    """Print one measure; ratio is value/reference, so <= 1 is good for times."""
    line: dict[str, object] = {"bench": bench, "value": round(value, 4), "unit": unit}
    if reference is not None:
        line["reference"] = round(reference, 4)
        line["ratio"] = round(value / reference, 3) if reference else None
        line["ratio_means"] = "value / reference, lower is better" if lower_is_better \
            else "value / reference, higher is better"
    line.update(extra)
    line.update({"device": device(), "commit": _commit()})
    print(json.dumps(line), flush=True)
    return line


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000
