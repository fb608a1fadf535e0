"""`shotclone doctor` checks the configured set-up as `clone` would, and its exit code says
whether it can clone."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from app.settings import Settings, save_settings
from inference.synthetic import write_mmproj
from tests.inference.servers import CannedServer, free_port


def doctor(capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["doctor"])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_good_set_up(tiny_model: tuple[Path, Path],
                       capsys: pytest.CaptureFixture[str]) -> None:
    save_settings(Settings(model=str(tiny_model[0]), mmproj=str(tiny_model[1])))
    code, out, err = doctor(capsys)
    assert code == 0, out
    assert "ready to clone" in out and "PROBLEM" not in out and not err
    assert "gpu: " in out


def test_no_model_set_says_how_to_get_one(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = doctor(capsys)
    assert code == 3
    assert "PROBLEM: No model is set" in out and "shotclone models pull" in out
    assert "cannot clone" in err


def test_a_model_path_that_does_not_exist(tmp_path: Path, tiny_model: tuple[Path, Path],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    save_settings(Settings(model=str(tmp_path / "gone.gguf"), mmproj=str(tiny_model[1])))
    code, out, _ = doctor(capsys)
    assert code == 3
    assert f"PROBLEM: {tmp_path / 'gone.gguf'}: no such file" in out


def test_a_mismatched_projector(tmp_path: Path, tiny_model: tuple[Path, Path],
                                capsys: pytest.CaptureFixture[str]) -> None:
    other = write_mmproj(tmp_path / "mmproj-other.gguf", projection_dim=96)
    save_settings(Settings(model=str(tiny_model[0]), mmproj=str(other)))
    code, out, _ = doctor(capsys)
    assert code == 3
    assert "PROBLEM: mmproj-other.gguf does not belong to" in out


def test_a_model_server_that_is_not_there(capsys: pytest.CaptureFixture[str]) -> None:
    save_settings(Settings(endpoint=f"http://127.0.0.1:{free_port()}/v1"))
    code, out, _ = doctor(capsys)
    assert code == 3
    assert "model server: http://127.0.0.1:" in out and "PROBLEM:" in out


def test_a_settings_file_that_cannot_be_read(shotclone_home: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    (shotclone_home / "settings.toml").write_text("model = [unclosed")
    code, out, _ = doctor(capsys)
    assert code == 2 and "PROBLEM:" in out and "not valid TOML" in out


def test_a_model_server_that_answers(capsys: pytest.CaptureFixture[str]) -> None:
    server = CannedServer(200, {}, models=("gemma-4-12b",))
    try:
        save_settings(Settings(endpoint=server.url, endpoint_model="gemma-4-12b"))
        code, out, _ = doctor(capsys)
        assert code == 0 and "serves: gemma-4-12b" in out
        save_settings(Settings(endpoint=server.url, endpoint_model="llava"))
        code, out, _ = doctor(capsys)
        assert code == 3 and "serves no model 'llava'" in out
    finally:
        server.close()
