"""`shotclone bench` over a small folder with the tiny model: the report, resuming, Ctrl+C."""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.cli import main
from app.review.render import Renderer
from tests.app.variants import PRICING


@pytest.fixture
def shots(tmp_path: Path, renderer: Renderer, ui_png: Path) -> Path:
    """Two screenshots, one with the page it was taken of beside it (a benchmark pair)."""
    folder = tmp_path / "shots"
    folder.mkdir()
    (folder / "pricing.png").write_bytes(renderer.render(PRICING, 800, 500).png)
    (folder / "pricing.html").write_text(PRICING)
    shutil.copy(ui_png, folder / "ui.png")
    return folder


def model_args(tiny_model: tuple[Path, Path], tokens: int) -> list[str]:
    return ["--model", str(tiny_model[0]), "--mmproj", str(tiny_model[1]), "--ctx", "4096",
            "--max-tokens", str(tokens), "--seed", "1"]


def test_bench_writes_every_score_and_a_report_then_resumes(
        shots: Path, tmp_path: Path, tiny_model: tuple[Path, Path], renderer: Renderer,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bench"
    assert main(["bench", str(shots), "-o", str(out), *model_args(tiny_model, 30)]) == 0
    err = capsys.readouterr().err
    assert "0 already done; 2 to clone" in err and "2/2" in err
    rows = list(csv.DictReader((out / "bench.csv").open()))
    assert [r["page"] for r in rows] == ["pricing.png", "ui.png"]
    for r in rows:
        assert r["completion_tokens"] == "30" and float(r["decode_tps"]) > 0
        assert float(r["ttft_s"]) > 0 and 0 <= float(r["similarity"]) < 0.6
        assert r["visual"] and r["block"] and r["error"] == ""
    assert rows[0]["reference_similarity"] and not rows[1]["reference_similarity"]
    summary = json.loads((out / "bench.json").read_text())
    assert summary["done"] == 2 and not summary["stopped"]
    assert set(summary["means"]) >= {"similarity", "block", "text", "position", "colour",
                                     "visual", "ttft_s", "decode_tps"}

    report = (out / "report.html").read_text()
    assert report.count("<img") == 6  # original, clone, differences per page
    page = renderer.render(report, 1280, 2000)
    assert page.blocked_requests == ()  # self-contained: every picture is a data: URI

    shutil.copy(shots / "ui.png", shots / "ui-copy.png")
    assert main(["bench", str(shots), "-o", str(out), *model_args(tiny_model, 30)]) == 0
    assert "2 already done; 1 to clone" in capsys.readouterr().err
    assert len(list(csv.DictReader((out / "bench.csv").open()))) == 3


def test_ctrl_c_leaves_a_valid_report_and_the_rest_resumes(
        shots: Path, tmp_path: Path, tiny_model: tuple[Path, Path]) -> None:
    for i in range(3):
        shutil.copy(shots / "ui.png", shots / f"more{i}.png")
    out = tmp_path / "bench"
    exe = Path(sys.executable).with_name("shotclone")
    cli = subprocess.Popen([str(exe), "bench", str(shots), "-o", str(out),
                            *model_args(tiny_model, 1500)], stderr=subprocess.PIPE, text=True,
                           env={**os.environ, "PYTHONPATH": str(Path.cwd())})
    deadline = time.monotonic() + 120
    while not list(out.glob("pages/*/scores.json")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(out.glob("pages/*/scores.json")), "no page finished"
    os.kill(cli.pid, signal.SIGINT)
    _, err = cli.communicate(timeout=30)
    assert cli.returncode == 130 and "Traceback" not in err
    summary = json.loads((out / "bench.json").read_text())
    assert summary["stopped"] and 1 <= summary["done"] < 5 and summary["pages"] == 5
    assert (out / "report.html").read_text().endswith("</html>")
    assert main(["bench", str(shots), "-o", str(out), *model_args(tiny_model, 30)]) == 0
    summary = json.loads((out / "bench.json").read_text())
    assert summary["done"] == 5 and not summary["stopped"]
