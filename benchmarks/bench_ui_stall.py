"""The longest the UI thread goes without running its event loop during a whole run (open a
real screenshot, generate with the model worker, live previews, final render and compare),
measured with a 10 ms heartbeat timer, against the same heartbeat on an idle window in the same
run. Target: the longest stall <= 100 ms.

    python -m benchmarks.bench_ui_stall [--tokens 400]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks._report import SHARED_SCREENS, emit


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tokens", type=int, default=400)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = tempfile.mkdtemp(prefix="shotclone-bench-")
    os.environ["SHOTCLONE_HOME"] = home

    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from app.settings import Settings, save_settings
    from app.ui.main_window import MainWindow
    from assets import asset
    from inference.synthetic import write_pair

    model, mmproj = write_pair(Path(home) / "model")
    save_settings(Settings(model=str(model), mmproj=str(mmproj), n_ctx=8192,
                           max_tokens=args.tokens, seed=1))
    app = QApplication(sys.argv[:1])
    window = MainWindow()
    window.show()
    clock = QElapsedTimer()
    gaps: list[float] = []
    last = [0.0]

    def beat() -> None:
        now = clock.nsecsElapsed() / 1e6
        gaps.append(now - last[0])
        last[0] = now

    heart = QTimer(interval=10)
    heart.timeout.connect(beat)

    def measure(seconds: float | None, until: object = None) -> float:
        gaps.clear()
        clock.start()
        last[0] = 0.0
        heart.start()
        deadline = time.monotonic() + (seconds or 600)
        while time.monotonic() < deadline and not (until and until()):  # type: ignore[operator]
            app.processEvents()
            time.sleep(0.001)
        heart.stop()
        return max(gaps[1:] or [0.0])

    idle = measure(2.0)
    shot = SHARED_SCREENS / "sb-admin-login.png"
    window.open_image(shot if shot.is_file() else asset("samples/joke-card.png"))
    measure(10, lambda: window.shot is not None)
    window.generate()
    busy = measure(None, lambda: window.review is not None and not window.running)
    seconds = clock.elapsed() / 1000
    similarity = window.review.comparison.similarity
    window.close()
    app.processEvents()
    emit("ui_longest_stall", busy, "ms", idle, reference_is="heartbeat on the idle window",
         run_s=round(seconds, 1), tokens=args.tokens, similarity=round(similarity, 3),
         target="<= 100 ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
