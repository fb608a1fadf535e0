"""Gemma 4's real tokenizer for benchmarks: llama.cpp ships it as a vocabulary-only GGUF
(models/ggml-vocab-gemma-4.gguf) in its source tree, which llama-cpp-python's source package
on PyPI carries. Taken from .gpu-carry/ where benchmarks/gpu_carry.sh put it (a machine with no
network), else fetched once with pip; kept in the data folder."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
import tarfile
import tempfile
from importlib.metadata import version
from pathlib import Path

from app.settings import data_dir
from benchmarks._report import ROOT

NAME = "ggml-vocab-gemma-4.gguf"
MEMBER = f"vendor/llama.cpp/models/{NAME}"


def gemma4_vocab() -> Path | None:
    """The vocabulary's path, or None where it cannot be had (no network, nothing carried)."""
    path = data_dir() / "vocab" / NAME
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    carried = ROOT / ".gpu-carry" / f"{NAME}.gz"
    if carried.is_file():
        with gzip.open(carried) as source, path.open("wb") as out:
            shutil.copyfileobj(source, out)
        return path
    release = version("llama_cpp_python")
    with tempfile.TemporaryDirectory() as tmp:
        print(f"fetching llama-cpp-python {release}'s source package for Gemma 4's vocabulary",
              file=sys.stderr)
        fetched = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                                  "--no-binary", ":all:", "--quiet", "-d", tmp,
                                  f"llama-cpp-python=={release}"])
        archives = list(Path(tmp).glob("llama_cpp_python-*.tar.gz"))
        if fetched.returncode != 0 or not archives:
            return None
        with tarfile.open(archives[0]) as tar:
            source = tar.extractfile(f"{archives[0].name.removesuffix('.tar.gz')}/{MEMBER}")
            if source is None:
                return None
            part = path.with_suffix(".part")
            part.write_bytes(source.read())
            part.replace(path)
    return path
