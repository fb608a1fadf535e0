"""One clone reads each GGUF header once, across the CLI, the planner, the worker backend and
the worker process (counted by the reader itself, in every process)."""

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path


def test_one_clone_reads_each_header_once(tmp_path: Path, ui_png: Path,
                                          tiny_model: tuple[Path, Path]) -> None:
    reads = tmp_path / "reads.log"
    exe = Path(sys.executable).with_name("shotclone")
    run = subprocess.run(
        [str(exe), "clone", str(ui_png), "-o", str(tmp_path / "page.html"), "--model",
         str(tiny_model[0]), "--mmproj", str(tiny_model[1]), "--gpu-layers", "auto",
         "--ctx", "4096", "--max-tokens", "8"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "SHOTCLONE_DEBUG_GGUF_READS": str(reads)})
    assert run.returncode == 0, run.stderr
    counts = Counter(reads.read_text().splitlines())
    assert counts == {str(tiny_model[0].resolve()): 1, str(tiny_model[1].resolve()): 1}
