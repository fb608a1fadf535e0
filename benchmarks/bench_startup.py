"""Cold start to a visible main window, over a bare PySide6 window's cold start, each in a fresh
interpreter, in the same run (as napari's benchmark_import times `import napari`).

    python -m benchmarks.bench_startup [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

from benchmarks._report import ROOT, emit

BARE = """
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
w = QWidget(); w.resize(1480, 880); w.show(); app.processEvents()
"""
OURS = """
from PySide6.QtWidgets import QApplication
from app.ui.main_window import MainWindow
app = QApplication([]); app.setStyle("Fusion")
w = MainWindow(); w.show(); app.processEvents()
"""


def cold_start(code: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT)
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               "SHOTCLONE_HOME": home}
        cold_start(BARE, env)  # the first run warms the disk cache for both
        cold_start(OURS, env)
        bare, ours = [], []
        for _ in range(args.runs):
            bare.append(cold_start(BARE, env))
            ours.append(cold_start(OURS, env))
    emit("cold_start_to_window", statistics.median(ours) * 1000, "ms",
         statistics.median(bare) * 1000, reference_is="bare PySide6 QWidget, fresh interpreter",
         runs=args.runs, platform=env["QT_QPA_PLATFORM"], target="ratio <= 2")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
