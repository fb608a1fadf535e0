"""What accelerators this machine has and how much memory they have free: NVIDIA through
nvidia-smi, Apple silicon's unified memory, and what llama.cpp itself was built for."""

from __future__ import annotations

import platform
import shutil
import subprocess
from dataclasses import dataclass

MIB = 1 << 20


@dataclass(frozen=True, kw_only=True)
class Gpu:
    name: str
    total: int  # bytes
    free: int
    kind: str  # "cuda", "metal"


def nvidia_gpus() -> list[Gpu]:
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return []
    try:
        out = subprocess.run([exe, "--query-gpu=name,memory.total,memory.free",
                              "--format=csv,noheader,nounits"], capture_output=True, text=True,
                             timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    gpus = []
    for line in out.strip().splitlines():
        name, total, free = (part.strip() for part in line.rsplit(",", 2))
        gpus.append(Gpu(name=name, total=int(total) * MIB, free=int(free) * MIB, kind="cuda"))
    return gpus


def apple_gpu() -> list[Gpu]:
    if platform.system() != "Darwin" or platform.machine() != "arm64":
        return []
    try:
        total = int(subprocess.run(["sysctl", "-n", "hw.memsize"], capture_output=True,
                                   text=True, timeout=5, check=True).stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return []
    # Metal may use about 3/4 of unified memory (recommendedMaxWorkingSetSize).
    return [Gpu(name="Apple silicon (unified memory)", total=total, free=total * 3 // 4,
                kind="metal")]


def detect_gpus() -> list[Gpu]:
    return nvidia_gpus() or apple_gpu()


def llama_build() -> dict[str, str | bool]:
    """What the installed llama-cpp-python really is."""
    import llama_cpp

    info = llama_cpp.llama_print_system_info().decode(errors="replace")
    offload = bool(llama_cpp.llama_supports_gpu_offload())
    backends = [name for name, flag in (("CUDA", "CUDA"), ("Metal", "METAL"),
                                        ("Vulkan", "VULKAN"), ("HIP", "HIP")) if flag in info]
    return {"version": llama_cpp.__version__, "gpu_offload": offload,
            "backend": ", ".join(backends) if offload and backends else
            ("GPU" if offload else "CPU only"), "system_info": info.strip()}
