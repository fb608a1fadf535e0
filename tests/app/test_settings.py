"""Settings are checked when they are read: a wrong type or an unknown key is named with its
file, never misread, and the app can still open with the defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from app.settings import (
    SPECS,
    Settings,
    load_settings,
    load_settings_or_defaults,
    save_settings,
    settings_path,
)
from inference.errors import ConfigError


@pytest.mark.parametrize(("line", "says"), [
    ("model = 5", 'model = 5: use text in quotes'),
    ('n_ctx = "big"', "n_ctx = 'big': use a whole number"),
    ("seed = 1.5", "seed = 1.5: use a whole number"),
    ("endpoint = 5", "endpoint = 5: use text in quotes"),
    ('flash_attn = "no"', "flash_attn = 'no': use true or false"),
    ("gpu_layers = true", 'gpu_layers = True: use a whole number or "auto"'),
    ('cache_type = "q5"', "cache_type = 'q5': use one of f16, q8_0, q4_0"),
    ("temperature = 7", "temperature = 7: use 0 to 2"),
    ("colour = 1", "unknown setting 'colour'"),
])
def test_a_wrong_setting_is_named_with_its_file(tmp_path: Path, line: str, says: str) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(line + "\n")
    with pytest.raises(ConfigError) as e:
        load_settings(path)
    assert str(e.value).startswith(str(path)) and says in str(e.value)
    settings, problem = load_settings_or_defaults(path)
    assert settings == Settings() and says in problem and "default settings" in problem


def test_the_cli_exits_2_on_a_broken_settings_file(
        ui_png: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text('flash_attn = "no"\n')
    assert main(["clone", str(ui_png), "-o", str(ui_png.with_suffix(".html"))]) == 2
    err = capsys.readouterr().err
    assert "flash_attn = 'no'" in err and str(settings_path()) in err
    assert "Traceback" not in err


def test_unset_is_one_convention_and_older_files_still_read(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    save_settings(Settings(model="m.gguf"), path)
    text = path.read_text()
    assert "seed" not in text and "n_threads" not in text  # unset: left out
    assert load_settings(path) == Settings(model="m.gguf")
    path.write_text("seed = -1\nn_threads = 0\n")  # what earlier versions wrote for unset
    assert load_settings(path) == Settings()
    assert Settings(model="m.gguf").engine_config().n_threads is None


def test_every_saved_value_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    chosen = Settings(model="m.gguf", gpu_layers=12, n_threads=4, seed=7, temperature=1,
                      flash_attn=False, endpoint="http://127.0.0.1:1/v1")
    save_settings(chosen, path)
    assert load_settings(path) == chosen
    assert set(SPECS) == set(Settings.__dataclass_fields__)
