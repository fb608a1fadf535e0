"""Ctrl+C, as a terminal sends it (SIGINT to the whole process group), at many moments of a
folder clone with --report: always exit 130, no native crash, nothing half-written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.app.test_cli_clone import model_args

CRASH_SIGNS = ("Traceback", "Fatal Python error", "Segmentation", "malloc", "core dumped",
               "internal error", "Aborted")
EXE = Path(sys.executable).with_name("shotclone")


def _interrupt_run(cmd: list[str], after: float, started: str = "cloning") -> tuple[int, str]:
    """Start ``cmd`` in a session of its own, wait until it has begun cloning, let ``after``
    seconds pass and press Ctrl+C the way a terminal does."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)
    assert proc.stderr is not None
    err = ""
    while started not in err and proc.poll() is None:
        err += proc.stderr.readline()
    time.sleep(after)  # only where in the run the key lands, never whether the test passes
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
    _, rest = proc.communicate(timeout=180)
    return proc.returncode, err + rest


@pytest.mark.parametrize("after", [0.0, 0.5, 1.5, 3.0, 4.5, 6.0])
def test_ctrl_c_in_a_folder_clone_with_report(tmp_path: Path, ui_png: Path, after: float,
                                              tiny_model: tuple[Path, Path]) -> None:
    shots = tmp_path / "shots"
    shots.mkdir()
    for name in ("a.png", "b.png", "c.png"):
        (shots / name).write_bytes(ui_png.read_bytes())
    pages, reports = tmp_path / "pages", tmp_path / "reports"
    code, err = _interrupt_run([str(EXE), "clone", str(shots), "-o", str(pages), "--report",
                                str(reports), *model_args(tiny_model)], after)
    if code == 0:  # finished before the key landed: nothing to stop
        assert "3 of 3 cloned" in err
        return
    _assert_stopped_cleanly(code, err, tmp_path)


@pytest.mark.parametrize("after", [0.3, 2.0])
def test_ctrl_c_in_a_single_clone_with_report(tmp_path: Path, ui_png: Path, after: float,
                                              tiny_model: tuple[Path, Path]) -> None:
    code, err = _interrupt_run([str(EXE), "clone", str(ui_png), "-o", str(tmp_path / "pages/"),
                                "--report", str(tmp_path / "reports" / "ui"),
                                *model_args(tiny_model)], after, started="gpu:")
    if code != 0:
        _assert_stopped_cleanly(code, err, tmp_path)


def _assert_stopped_cleanly(code: int, err: str, tmp_path: Path) -> None:
    pages, reports = tmp_path / "pages", tmp_path / "reports"
    assert code == 130, err
    assert not [s for s in CRASH_SIGNS if s in err], err
    assert err.strip().splitlines()[-1] == "shotclone: Stopped by the user."
    for page in pages.glob("*") if pages.exists() else []:
        assert page.suffix == ".html" and page.read_text().rstrip().endswith("</html>")
    for report in reports.iterdir() if reports.exists() else []:
        assert sorted(p.name for p in report.iterdir()) == [
            "diff.png", "render.png", "scores.json", "side_by_side.png"], report
    assert not list(tmp_path.rglob("*.partial")) and not list(tmp_path.rglob("*.tmp"))
