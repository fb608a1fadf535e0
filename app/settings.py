"""User settings: one TOML file in the user's config directory, shared by the command line and
the app. ``SHOTCLONE_HOME`` moves every user file (settings, history, models) elsewhere."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

from inference.config import CACHE_TYPES, DEFAULT_IMAGE_TOKENS, EngineConfig
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


@dataclass(frozen=True)
class Spec:
    """What one setting may hold. The CLI's help defaults, the settings dialog's ranges and the
    check of a loaded file all read it. ``None`` as a default means unset: the key is left out
    of the file, and the engine or the job decides (threads: llama.cpp's; seed: a new one)."""

    kind: type  # a float setting also takes a whole number; an int one takes no bool
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()  # the strings allowed (besides numbers, for gpu_layers)
    unset: Any = None  # what older files wrote for "unset" (seed -1, threads 0): read as None


def _setting(default: Any, spec: Spec) -> Any:
    return field(default=default, metadata={"spec": spec})


@dataclass(frozen=True, kw_only=True)
class Settings:
    model: str = _setting("", Spec(str, "the vision-language model (.gguf)"))
    mmproj: str = _setting("", Spec(str, "its vision projector (mmproj-*.gguf)"))
    gpu_layers: int | str = _setting("auto", Spec(
        int, "layers on the GPU; auto: what fits in the GPU's free memory, none on a build "
        "that cannot offload", 0, 999, choices=("auto",)))
    n_ctx: int = _setting(16384, Spec(int, "context size in tokens", 2048, 262144))
    flash_attn: bool = _setting(True, Spec(bool, "flash attention"))
    cache_type: str = _setting("f16", Spec(str, "KV-cache type", choices=CACHE_TYPES))
    image_tokens: int = _setting(DEFAULT_IMAGE_TOKENS, Spec(
        int, "most tokens the image may take; more reads small text better", 64, 4096))
    n_threads: int | None = _setting(None, Spec(int, "CPU threads", 1, 1024, unset=0))
    max_tokens: int = _setting(8192, Spec(int, "longest answer in tokens", 1, 131072))
    temperature: float = _setting(0.2, Spec(float, "sampling temperature", 0.0, 2.0))
    text_hints: bool = _setting(True, Spec(bool, "put the screenshot's text, read by OCR, "
                                           "into the prompt (when OCR is installed)"))
    seed: int | None = _setting(None, Spec(int, "sampling seed, for repeatable output", 0,
                                           2**31 - 1, unset=-1))
    speculate: bool = _setting(True, Spec(bool, "n-gram speculative decoding: faster, and "
                                          "the same page at temperature 0"))
    repair_text: bool = _setting(True, Spec(bool, "after the answer, write the screenshot's "
                                            "words where the page misreads a few characters"))
    repair_images: bool = _setting(True, Spec(bool, "after the answer, fill image placeholders "
                                              "with the screenshot's pixels"))
    repair_colours: bool = _setting(True, Spec(bool, "after the answer, snap colours a few "
                                               "shades off to the screenshot's"))
    refine_rounds: int = _setting(0, Spec(int, "rounds in which the model fixes the worst "
                                          "differences; each kept only if the score rises", 0,
                                          10))
    endpoint: str = _setting("", Spec(str, "an OpenAI-compatible server to use instead"))
    endpoint_model: str = _setting("", Spec(str, "the model to ask the server for"))
    hotkey: str = _setting(DEFAULT_HOTKEY, Spec(str, "captures a screen region from any app"))
    clone_after_capture: bool = _setting(True, Spec(bool, "clone a capture at once"))
    keep_in_tray: bool = _setting(True, Spec(bool, "closing the window leaves ShotClone in "
                                             "the tray"))

    def engine_config(self) -> EngineConfig:
        if not self.model:
            raise ModelNotFound(
                "No model is set. Run `shotclone models pull` to download the recommended "
                "one, pass --model MODEL.gguf --mmproj MMPROJ.gguf, or set 'model' and "
                f"'mmproj' in {settings_path()}.")
        return EngineConfig(
            model=Path(self.model),
            mmproj=Path(self.mmproj) if self.mmproj else None,
            gpu_layers=self.gpu_layers,  # type: ignore[arg-type]
            n_ctx=self.n_ctx,
            flash_attn=self.flash_attn,
            cache_type=self.cache_type,  # type: ignore[arg-type]
            image_tokens=self.image_tokens,
            n_threads=self.n_threads,
            draft_tables=data_dir() / "drafts",
        )

    def updated(self, **changes: Any) -> Settings:
        """A copy with the given values, ignoring those left as None (unset CLI flags)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


SPECS: dict[str, Spec] = {f.name: f.metadata["spec"] for f in fields(Settings)}
DEFAULTS = Settings()


def help_for(name: str) -> str:
    """A setting's help with its default, for the CLI's options."""
    default = getattr(DEFAULTS, name)
    return SPECS[name].help + (f" (default: {default})" if default not in (None, "") else "")


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def problem_with(name: str, value: Any) -> str | None:
    """Why ``value`` cannot be setting ``name``, or None."""
    spec = SPECS[name]
    kinds = (float, int) if spec.kind is float else (spec.kind,)
    if isinstance(value, str) and spec.choices:
        if value in spec.choices:
            return None
        if str in kinds:
            return f"use one of {', '.join(spec.choices)}"
    # bool is an int to Python, never to a user: `gpu_layers = true` is refused
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        names = {int: "a whole number", float: "a number", bool: "true or false",
                 str: "text in quotes"}
        what = [names[spec.kind]] + [f'"{c}"' for c in spec.choices if str not in kinds]
        return f"use {' or '.join(dict.fromkeys(what))}, not {value!r}"
    if spec.low is not None and spec.high is not None and not spec.low <= value <= spec.high:
        return f"use {_number(spec.low)} to {_number(spec.high)}"
    return None


def check_settings(data: dict[str, Any], path: Path) -> Settings:
    """Settings from a file's table, every key checked; all problems told at once."""
    data = _read_unset(data)
    problems = [f"unknown setting {key!r} (known: {', '.join(SPECS)})"
                for key in sorted(set(data) - set(SPECS))]
    problems += [f"{key} = {data[key]!r}: {why}" for key in SPECS if data.get(key) is not None
                 and (why := problem_with(key, data[key])) is not None]
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems) + ". Fix or delete those lines.")
    return Settings(**data)


def _read_unset(data: dict[str, Any]) -> dict[str, Any]:
    return {k: None if k in SPECS and v == SPECS[k].unset and not isinstance(v, bool) else v
            for k, v in data.items()}


def load_settings(path: Path | None = None) -> Settings:
    path = path or settings_path()
    if not path.is_file():
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path} is not valid TOML ({e}). Fix it or delete it.") from e
    except OSError as e:
        raise ConfigError(f"{path} cannot be read ({e.strerror}).") from e
    return check_settings(data, path)


def load_settings_or_defaults(path: Path | None = None) -> tuple[Settings, str]:
    """For the app, which must open whatever the file holds: the settings, or the defaults and
    a message saying why."""
    try:
        return load_settings(path), ""
    except ConfigError as e:
        return Settings(), f"{e} ShotClone opened with the default settings."


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
    lines += [f"{f.name} = {_toml_value(getattr(settings, f.name))}" for f in fields(Settings)
              if getattr(settings, f.name) is not None]  # unset: left out
    return write_atomic(path or settings_path(), "\n".join(lines) + "\n", overwrite=True)
