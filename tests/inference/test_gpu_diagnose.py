"""benchmarks/gpu_diagnose.py on the CPU: each step in a real subprocess with the tiny model,
one JSON line each, llama.cpp's log kept even while llama-cpp-python silences stderr."""

import json
from pathlib import Path

import pytest

from benchmarks import gpu_diagnose


def test_steps_report_json_and_the_log_of_a_quiet_load(
        tiny_model: tuple[Path, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    rc = gpu_diagnose.main(["--model", str(tiny_model[0]), "--mmproj", str(tiny_model[1]),
                            "--gpu-layers", "0", "--work", str(tmp_path),
                            "--steps", "text_quiet,text_quiet_log_callback,engine_load"])
    reports = {r["name"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert rc == 0 and list(reports) == ["text_quiet", "text_quiet_log_callback", "engine_load"]
    assert all(r["ok"] and r["rc"] == 0 and r["signal"] is None and r["stack"] == []
               for r in reports.values())
    assert reports["text_quiet"]["log"] == []  # quiet mode: llama-cpp-python's own log is gone
    assert reports["text_quiet"]["result"]["tokens"] == 8
    quiet_log = (tmp_path / "text_quiet_log_callback.log").read_text()
    assert "llama_model_loader" in quiet_log  # ours survives it, through the kept stderr
    assert reports["engine_load"]["result"]["gpu_layers"] == 0


def test_unknown_steps_are_refused(tiny_model: tuple[Path, Path]) -> None:
    with pytest.raises(SystemExit):
        gpu_diagnose.main(["--model", str(tiny_model[0]), "--mmproj", str(tiny_model[1]),
                           "--steps", "text_quiet,warp_drive"])
