"""Shared fixtures: a private user directory per test, the tiny random-weight Gemma 4 pair,
and the real screenshots from ../shared/screens when they are there."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from inference.synthetic import write_pair, write_real_shaped_pair

# ../shared/screens beside the checkout (a git worktree may sit one folder deeper)
SCREENS = next((p / "shared" / "screens" for p in Path(__file__).resolve().parents[2:4]
                if (p / "shared" / "screens").is_dir()),
               Path(__file__).resolve().parents[2] / "shared" / "screens")


def pytest_configure(config: pytest.Config) -> None:
    sys._called_from_test = True  # type: ignore[attr-defined]  # the CLI re-raises surprises
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def shotclone_home(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("SHOTCLONE_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(model.gguf, mmproj.gguf) of a tiny random-weight Gemma 4 with a gemma4uv projector."""
    return write_pair(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def screens() -> Path:
    if not (SCREENS / "sb-admin-login.png").is_file():
        pytest.skip(f"the shared screenshots are not at {SCREENS}")
    return SCREENS


def make_ui_png(width: int = 640, height: int = 400) -> bytes:
    """A small, UI-looking screenshot drawn here, for tests that must run without ../shared."""
    img = Image.new("RGB", (width, height), "#f8f9fc")
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, width, 48], fill="#4e73df")
    d.text((16, 16), "Dashboard", fill="white")
    d.rounded_rectangle([24, 80, width // 2 - 12, 200], radius=8, fill="white", outline="#e3e6f0")
    d.text((40, 100), "Earnings (monthly)  $40,000", fill="#5a5c69")
    d.rounded_rectangle([width // 2 + 12, 80, width - 24, 200], radius=8, fill="white",
                        outline="#e3e6f0")
    d.rectangle([40, 240, 200, 280], fill="#1cc88a")
    d.text((60, 254), "Sign in", fill="white")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def ui_png(tmp_path: Path) -> Path:
    path = tmp_path / "ui.png"
    path.write_bytes(make_ui_png())
    return path


@pytest.fixture
def fake_hub(tiny_model: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A local server speaking the Hub's API, holding the tiny model as test-org/tiny-GGUF;
    HF_ENDPOINT points at it."""
    from tests.inference.hub import FakeHub, Repo

    model, mmproj = (p.read_bytes() for p in tiny_model)
    server = FakeHub(repos={"test-org/tiny-GGUF": Repo(files={
        "README.md": b"# tiny",
        "tiny-Q4_K_M.gguf": model,
        "tiny-Q8_0.gguf": model,
        "mmproj-tiny-F32.gguf": mmproj,
        "mmproj-tiny-F16.gguf": mmproj,
    })})
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    yield server
    server.close()


@pytest.fixture(scope="session")
def real_shaped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(model, mmproj) shaped like Gemma 4 12B Q4_K_M at full size: a sparse 7.4 GB file."""
    return write_real_shaped_pair(tmp_path_factory.mktemp("real-shaped"))
