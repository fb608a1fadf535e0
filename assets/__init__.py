"""The app's own images (icon, sample screenshots), shipped inside the package."""

from __future__ import annotations

from pathlib import Path

ASSETS = Path(__file__).resolve().parent


def asset(name: str) -> Path:
    path = ASSETS / name
    if not path.is_file():
        raise FileNotFoundError(f"ShotClone asset {name!r} is missing from {ASSETS}")
    return path
