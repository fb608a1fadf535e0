"""A screenshot at the size limit (7000 x 7000, 49 megapixels) is rendered, compared and
reported within a documented amount of memory: the comparison goes in strips, so what it needs
beyond the pictures themselves grows with the width only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageDraw

MEMORY_BOUND = 3_000_000_000  # peak RSS of `diff --report` at 49 MP (README); 2.1 GB measured


def test_a_49_megapixel_diff_stays_within_its_memory_bound(tmp_path: Path) -> None:
    shot = Image.new("RGB", (7000, 7000), "#f8f9fc")
    draw = ImageDraw.Draw(shot)
    for y in range(0, 7000, 350):
        draw.rectangle([40, y + 20, 6900, y + 300], fill="white", outline="#e3e6f0")
        draw.text((80, y + 60), f"Card {y // 350}", fill="#333333")
    shot.save(tmp_path / "big.png")
    (tmp_path / "big.html").write_text(
        "<!DOCTYPE html><body style='margin:0;background:#f8f9fc'>" + "".join(
            "<div style='margin:20px 40px;height:280px;background:white;"
            "border:1px solid #e3e6f0'>Card</div>" for _ in range(20)) + "</body>")
    run = subprocess.run([sys.executable, "-c", (
        "import resource, sys; from app.cli import main; "
        f"code = main(['diff', {str(tmp_path / 'big.png')!r}, {str(tmp_path / 'big.html')!r}, "
        f"'--report', {str(tmp_path / 'report')!r}]); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024); sys.exit(code)")],
        capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    peak = int(run.stdout.split()[-1])
    assert peak < MEMORY_BOUND, f"peak {peak / 1e9:.2f} GB"
    assert len(list((tmp_path / "report").iterdir())) == 4
