"""User settings: one TOML file in the user's config directory, shared by the command line and
the app. ``SHOTCLONE_HOME`` moves every user file (settings, history, models) elsewhere."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

from inference.config import DEFAULT_IMAGE_TOKENS, EngineConfig
from inference.errors import ConfigError, ModelNotFound

DEFAULT_HOTKEY = "Ctrl+Alt+Shift+S"  # no desktop or common app binds this one


def config_dir() -> Path:
    home = os.environ.get("SHOTCLONE_HOME")
    return Path(home) if home else Path(platformdirs.user_config_dir("shotclone"))


def data_dir() -> Path:
    home = os.environ.get("SHOTCLONE_HOME")
    return Path(home) / "data" if home else Path(platformdirs.user_data_dir("shotclone"))


def settings_path() -> Path:
    return config_dir() / "settings.toml"


@dataclass(frozen=True, kw_only=True)
class Settings:
    model: str = ""
    mmproj: str = ""
    gpu_layers: int | str = "auto"
    n_ctx: int = 16384
    flash_attn: bool = True
    cache_type: str = "f16"
    image_tokens: int = DEFAULT_IMAGE_TOKENS
    n_threads: int = 0  # 0: llama.cpp's default
    max_tokens: int = 8192
    temperature: float = 0.2
    seed: int = -1  # -1: a new seed each run
    endpoint: str = ""  # an OpenAI-compatible server to use instead of the local model
    endpoint_model: str = ""
    hotkey: str = DEFAULT_HOTKEY  # captures a screen region from any application
    clone_after_capture: bool = True
    keep_in_tray: bool = True  # closing the window leaves ShotClone in the tray

    def engine_config(self) -> EngineConfig:
        if not self.model:
            raise ModelNotFound(
                "No model is set. Pass --model MODEL.gguf --mmproj MMPROJ.gguf, or set "
                f"'model' and 'mmproj' in {settings_path()}.")
        return EngineConfig(
            model=Path(self.model),
            mmproj=Path(self.mmproj) if self.mmproj else None,
            gpu_layers=self.gpu_layers,  # type: ignore[arg-type]
            n_ctx=self.n_ctx,
            flash_attn=self.flash_attn,
            cache_type=self.cache_type,  # type: ignore[arg-type]
            image_tokens=self.image_tokens,
            n_threads=self.n_threads or None,
        )

    def job_seed(self) -> int | None:
        """The job's seed: None (a new one each run) when unset."""
        return None if self.seed < 0 else self.seed

    def updated(self, **changes: Any) -> Settings:
        """A copy with the given values, ignoring those left as None (unset CLI flags)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def load_settings(path: Path | None = None) -> Settings:
    path = path or settings_path()
    if not path.is_file():
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path} is not valid TOML ({e}). Fix it or delete it.") from e
    known = {f.name: f for f in fields(Settings)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}; "
                          f"known: {', '.join(known)}.")
    return Settings(**data)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write every setting as flat TOML, atomically (the file may be open in an editor too)."""
    from app.outputs.files import write_atomic

    lines = ["# ShotClone settings, shared by the app and the command line."]
    lines += [f"{f.name} = {_toml_value(getattr(settings, f.name))}" for f in fields(Settings)]
    return write_atomic(path or settings_path(), "\n".join(lines) + "\n", overwrite=True)
