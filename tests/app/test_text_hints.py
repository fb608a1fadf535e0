"""The screenshot's OCR text in the prompt: exact strings in reading order with positions."""

import re
from pathlib import Path

import pytest

from app.cli import main
from app.intake import load_screenshot
from app.job.pipeline import CloneJob
from app.review.ocr import ocr_available
from app.review.render import Renderer
from tests.app.variants import PRICING

pytestmark = pytest.mark.skipif(not ocr_available(), reason="no OCR engine installed")


@pytest.fixture
def pricing_png(tmp_path: Path, renderer: Renderer) -> Path:
    path = tmp_path / "pricing.png"
    path.write_bytes(renderer.render(PRICING, 1280, 800).png)
    return path


def test_the_prompt_lists_the_text_in_reading_order_with_positions(pricing_png: Path) -> None:
    shot = load_screenshot(pricing_png)
    prompt = CloneJob(screenshot=shot).request().prompt
    hints = re.findall(r"^- \((\d+), (\d+)\) (.+)$", prompt, re.MULTILINE)
    texts = [t for _, _, t in hints]
    assert "Lumen Analytics" in texts and "Talk to sales" in texts
    assert texts.index("Lumen Analytics") < texts.index("Talk to sales")  # top to bottom
    x, y, _ = hints[texts.index("Talk to sales")]
    assert 850 < int(x) < 950 and 380 < int(y) < 440  # where the button is, in CSS px
    assert "$" not in CloneJob(screenshot=shot, text_hints=False).request().prompt.split(
        "Rules:")[1]


def test_no_text_hints_makes_the_prompt_shorter(pricing_png: Path, tmp_path: Path,
                                                tiny_model: tuple[Path, Path],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    def prompt_tokens(*extra: str) -> int:
        assert main(["clone", str(pricing_png), "-o", str(tmp_path / "p.html"), "--force",
                     "--model", str(tiny_model[0]), "--mmproj", str(tiny_model[1]),
                     "--ctx", "4096", "--max-tokens", "4", *extra]) == 0
        m = re.search(r"text (\d+) prompt tokens", capsys.readouterr().err)
        assert m
        return int(m[1])

    assert prompt_tokens() > prompt_tokens("--no-text-hints") + 100
