"""Take the README's picture of the app: a real window on an X server (run under xvfb-run),
a real screenshot opened, the clone generated with the stand-in model and then refined by
hand in the code pane, as a user would, and compared; --dark takes it in the dark scheme.

    xvfb-run -s "-screen 0 1600x960x24" .venv/bin/python scripts/readme_screenshot.py docs/app.png
    xvfb-run -s "-screen 0 1600x960x24" .venv/bin/python scripts/readme_screenshot.py \
        --dark docs/app-dark.png
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOT = ROOT.parent / "shared" / "screens" / "sb-admin-login.png"
REFINED = ROOT / "benchmarks" / "pages" / "login.html"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", default="docs/app.png")
    parser.add_argument("--dark", action="store_true", help="the dark colour scheme")
    parser.add_argument("--shot", default=str(SHOT), help="the screenshot to clone")
    args = parser.parse_args()
    out, shot = Path(args.out), Path(args.shot)
    home = tempfile.mkdtemp(prefix="shotclone-shot-")
    os.environ["SHOTCLONE_HOME"] = home
    os.environ["SHOTCLONE_COLOR_SCHEME"] = "dark" if args.dark else "light"
    sys.path.insert(0, str(ROOT))
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from app.settings import Settings, save_settings
    from app.ui.main_window import MainWindow, app_icon
    from app.ui.theme import follow_system
    from inference.synthetic import write_pair

    model, mmproj = write_pair(Path(home) / "model")
    save_settings(Settings(model=str(model), mmproj=str(mmproj), n_ctx=4096, max_tokens=300,
                           seed=1))
    app = QApplication(sys.argv[:1])
    follow_system(app)
    app.setWindowIcon(app_icon())
    window = MainWindow()
    window.resize(1560, 900)
    window.move(20, 20)
    window.show()

    def wait(condition: object, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
            app.processEvents()
            time.sleep(0.01)

    window.open_image(shot)
    wait(lambda: window.shot is not None)
    window.generate()
    wait(lambda: window.review is not None and not window.running)
    first = window.review
    window.code.setPlainText(REFINED.read_text())  # the user's refinement
    wait(lambda: window.review is not first)
    window.code.set_formatted(True)  # the user's paste, laid out for reading
    window.compare.tabs.setCurrentIndex(1)  # side by side
    score = window.review.comparison.similarity
    wait(lambda: window.history.entries()[0].meta.get("similarity") == score)
    window.recent.refresh()  # the edit's scores were saved off the UI thread
    wait(lambda: False, 1.0)
    QGuiApplication.primaryScreen().grabWindow(0, 0, 0, 1600, 940).save(str(out))
    window.close()
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
