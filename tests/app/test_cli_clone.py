"""`shotclone clone` end to end: real screenshot, real llama.cpp, real files."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from app.cli import main
from app.settings import settings_path
from inference.synthetic import write_mmproj

FAST = ["--ctx", "4096", "--max-tokens", "40", "--seed", "1"]


def model_args(tiny_model: tuple[Path, Path]) -> list[str]:
    return ["--model", str(tiny_model[0]), "--mmproj", str(tiny_model[1]), *FAST]


def test_clone_a_real_screenshot(tmp_path: Path, screens: Path, tiny_model: tuple[Path, Path],
                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "login.html"
    code = main(["clone", str(screens / "sb-admin-login.png"), "-o", str(out),
                 *model_args(tiny_model)])
    assert code == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str(out)  # stdout: the result only
    assert "40 tokens at" in captured.err and "tok/s" in captured.err
    assert "image 459 + text" in captured.err  # 1280x800 is 459 gemma4uv tokens
    soup = BeautifulSoup(out.read_text(), "html.parser")
    assert soup.find("meta", charset=True) is not None
    assert not soup.find_all(src=lambda s: s and not s.startswith("data:"))
    assert not soup.find_all("link")


def test_console_script_end_to_end(tmp_path: Path, ui_png: Path,
                                   tiny_model: tuple[Path, Path]) -> None:
    """The installed `shotclone` command, as a user runs it: no traceback, a file, exit 0."""
    out = tmp_path / "page.html"
    exe = Path(sys.executable).with_name("shotclone")
    run = subprocess.run([str(exe), "clone", str(ui_png), "-o", str(out),
                          *model_args(tiny_model)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert "Traceback" not in run.stderr
    bad = subprocess.run([str(exe), "clone", str(tiny_model[0]), "-o", str(tmp_path / "x.html"),
                          *model_args(tiny_model)], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2
    assert bad.stderr.startswith("shotclone: error: ") and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_settings_file_supplies_the_model(tmp_path: Path, ui_png: Path,
                                          tiny_model: tuple[Path, Path]) -> None:
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text(f'model = "{tiny_model[0]}"\nmmproj = "{tiny_model[1]}"\n'
                               "n_ctx = 4096\nmax_tokens = 10\n")
    out = tmp_path / "p.html"
    assert main(["clone", str(ui_png), "-o", str(out)]) == 0
    assert out.is_file()


def test_never_overwrites_without_force(tmp_path: Path, ui_png: Path,
                                        tiny_model: tuple[Path, Path],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "page.html"
    out.write_text("my own work")
    assert main(["clone", str(ui_png), "-o", str(out), *model_args(tiny_model)]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err
    assert out.read_text() == "my own work"
    assert main(["clone", str(ui_png), "-o", str(out), "--force", *model_args(tiny_model)]) == 0
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert not list(tmp_path.glob(".page.html.*"))  # no temp file left behind


@pytest.mark.parametrize("case, code, message", [
    ("no model", 3, "No model is set"),
    ("missing image", 2, "no such file"),
    ("not an image", 2, "Not an image: "),
    ("text-only model", 3, "text-only model"),
    ("mismatched mmproj", 3, "does not belong to"),
    ("truncated model", 3, "cut short"),
    ("not a gguf", 3, "not a GGUF file"),
    ("bad context", 2, "at least 2048"),
])
def test_bad_inputs(case: str, code: int, message: str, tmp_path: Path, ui_png: Path,
                    tiny_model: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    model, mmproj = map(str, tiny_model)
    image = str(ui_png)
    extra: list[str] = ["--model", model, "--mmproj", mmproj, *FAST]
    if case == "no model":
        extra = []
    elif case == "missing image":
        image = str(tmp_path / "nope.png")
    elif case == "not an image":
        image = model
    elif case == "text-only model":
        extra = ["--model", model, *FAST]
    elif case == "mismatched mmproj":
        other = write_mmproj(tmp_path / "mmproj-other.gguf", projection_dim=96)
        extra = ["--model", model, "--mmproj", str(other), *FAST]
    elif case == "truncated model":
        cut = tmp_path / "cut.gguf"
        cut.write_bytes(Path(model).read_bytes()[:50_000])
        extra = ["--model", str(cut), "--mmproj", mmproj, *FAST]
    elif case == "not a gguf":
        extra = ["--model", image, "--mmproj", mmproj, *FAST]
    elif case == "bad context":
        extra = ["--model", model, "--mmproj", mmproj, "--ctx", "100"]
    out = tmp_path / "out.html"
    assert main(["clone", image, "-o", str(out), *extra]) == code
    err = capsys.readouterr().err
    assert err.startswith("shotclone: error: ") and message in err
    assert not out.exists()


def test_gpu_layers_flag_is_checked(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["clone", "x.png", "--gpu-layers", "lots"])
    assert e.value.code == 2
    assert "use a number or 'auto'" in capsys.readouterr().err


def test_help_documents_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["clone", "--help"])
    text = capsys.readouterr().out
    for flag in ("--model", "--mmproj", "--gpu-layers", "--ctx", "--max-tokens",
                 "--temperature", "--seed", "--image-tokens", "--force", "-o"):
        assert flag in text


def test_speculation_writes_the_same_page_at_temperature_0(
        tmp_path: Path, ui_png: Path, tiny_model: tuple[Path, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    greedy = [*model_args(tiny_model), "--temperature", "0", "--max-tokens", "120"]
    assert main(["clone", str(ui_png), "-o", str(tmp_path / "on.html"), *greedy]) == 0
    assert "speculation kept" in capsys.readouterr().err
    assert main(["clone", str(ui_png), "-o", str(tmp_path / "off.html"), *greedy,
                 "--no-speculate"]) == 0
    assert "speculation kept" not in capsys.readouterr().err
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text("speculate = false\n")
    assert main(["clone", str(ui_png), "-o", str(tmp_path / "set.html"), *greedy]) == 0
    assert "speculation kept" not in capsys.readouterr().err
    on, off, by_setting = ((tmp_path / f"{n}.html").read_text() for n in ("on", "off", "set"))
    assert on == off == by_setting


def test_refine_with_the_tiny_model_never_ends_lower(tmp_path: Path, ui_png: Path,
                                                     tiny_model: tuple[Path, Path],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out, report = tmp_path / "page.html", tmp_path / "report"
    assert main(["clone", str(ui_png), "-o", str(out), "--refine", "2", "--report", str(report),
                 *model_args(tiny_model)[:4], "--ctx", "8192", "--max-tokens", "40",
                 "--seed", "1"]) == 0
    err = capsys.readouterr().err
    rounds = [line for line in err.splitlines() if line.startswith("refine round")]
    assert rounds and rounds[0].startswith("refine round 1: ")
    assert rounds[-1].split(": ", 1)[1].startswith(("answer not used", "failed"))
    assert "versions:" not in err  # no round beat the answer: it stands, as it was scored
    scores = json.loads((report / "scores.json").read_text())
    assert f"similarity {scores['similarity']:.3f}" in err
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_refine_must_be_a_count(ui_png: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["clone", str(ui_png), "--refine", "-1"])
    assert "'-1': use a number (rounds)" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["clone", str(ui_png), "--refine", "11"])
    assert "'11': use 0 to 10 (rounds)" in capsys.readouterr().err
