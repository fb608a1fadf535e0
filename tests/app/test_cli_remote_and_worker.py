"""`shotclone clone` through the model worker and through OpenAI-compatible servers."""

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli import main
from inference.synthetic import Gemma4Shape, write_pair
from tests.inference.servers import LlamaServer


@pytest.fixture(scope="module")
def servers(tiny_model: tuple[Path, Path]) -> Iterator[list[LlamaServer]]:
    started = [LlamaServer(*tiny_model), LlamaServer(*tiny_model)]
    yield started
    for s in started:
        s.kill()


def test_clone_through_a_server(servers: list[LlamaServer], ui_png: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "page.html"
    assert main(["clone", str(ui_png), "-o", str(out), "--endpoint", servers[0].url,
                 "--max-tokens", "20"]) == 0
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert "20 tokens at" in capsys.readouterr().err


def test_a_folder_spread_over_two_servers(servers: list[LlamaServer], ui_png: Path,
                                          tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "shots"
    folder.mkdir()
    for i in range(6):
        shutil.copy(ui_png, folder / f"shot{i}.png")
    (folder / "notes.txt").write_text("not an image")
    out = tmp_path / "pages"
    assert main(["clone", str(folder), "-o", str(out), "--max-tokens", "400",
                 "--endpoint", servers[0].url, "--endpoint", servers[1].url]) == 0
    assert sorted(p.name for p in out.iterdir()) == [f"shot{i}.html" for i in range(6)]
    err = capsys.readouterr().err
    assert "6 of 6 cloned" in err
    assert f"({servers[0].url})" in err and f"({servers[1].url})" in err  # both did work


def test_a_folder_with_one_bad_image_goes_on(tiny_model: tuple[Path, Path], ui_png: Path,
                                             tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "shots"
    folder.mkdir()
    shutil.copy(ui_png, folder / "good.png")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    out = tmp_path / "pages"
    code = main(["clone", str(folder), "-o", str(out), "--model", str(tiny_model[0]),
                 "--mmproj", str(tiny_model[1]), "--ctx", "4096", "--max-tokens", "10"])
    assert code == 2
    err = capsys.readouterr().err
    assert "broken.png failed" in err and "1 of 2 cloned, 1 failed" in err
    assert (out / "good.html").is_file()


def test_a_crash_prints_a_clear_error_and_the_next_run_works(
        tiny_model: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, screens: Path) -> None:
    args = ["--model", str(tiny_model[0]), "--mmproj", str(tiny_model[1]), "--ctx", "4096",
            "--max-tokens", "10"]
    monkeypatch.setenv("SHOTCLONE_DEBUG_UBATCH", "128")
    shot = str(screens / "sb-admin-login.png")
    assert main(["clone", shot, "-o", str(tmp_path / "a.html"), *args]) == 3
    err = capsys.readouterr().err
    assert "\nshotclone: error: The model worker crashed" in err
    assert "SIGABRT" in err and "Traceback" not in err
    monkeypatch.delenv("SHOTCLONE_DEBUG_UBATCH")
    assert main(["clone", shot, "-o", str(tmp_path / "b.html"), *args]) == 0


def children_of(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().split(")")[-1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def test_ctrl_c_during_prefill_stops_at_once_and_leaves_nothing(tmp_path: Path,
                                                               screens: Path) -> None:
    model, mmproj = write_pair(tmp_path / "model", Gemma4Shape(
        n_embd=512, n_layer=8, n_head=8, n_head_kv=2, head_dim=64, n_ff=2048))
    exe = Path(sys.executable).with_name("shotclone")
    # A full-page screenshot at the full image budget: seconds of prefill on this CPU.
    cli = subprocess.Popen([str(exe), "clone", str(screens / "landing-page-full.png"), "-o",
                            str(tmp_path / "x.html"), "--model", str(model), "--mmproj",
                            str(mmproj), "--ctx", "8192", "--no-text-hints"],  # straight to it
                           stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not children_of(cli.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = children_of(cli.pid)
    assert workers, "the worker never started"
    time.sleep(1.0)  # into the prefill
    os.kill(cli.pid, signal.SIGINT)
    stopped = time.monotonic()
    _, err = cli.communicate(timeout=10)
    # At once means well before the prefill would end (tens of seconds here); the bound is
    # loose because a busy 2-core machine delays any process exit by a second or two.
    assert time.monotonic() - stopped < 5
    assert cli.returncode == 130 and "stopped" in err.lower() and "Traceback" not in err
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists()
    assert not (tmp_path / "x.html").exists()
