#!/usr/bin/env bash
# Set up ShotClone in ./.venv on a fresh machine:
#   1. system packages it needs (a Chromium to render with, the libraries OCR loads; Xvfb and X libraries for the GUI
#      tests and strace for the sandbox's DNS test with --dev), through apt where there is one;
#   2. llama-cpp-python built for this machine's GPU (CUDA, Metal or Vulkan), else for the CPU;
#   3. ShotClone itself (editable), with the test tools when --dev is given.
# Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
dev=0
[ "${1:-}" = "--dev" ] && dev=1
python=${PYTHON:-python3}
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# 1. System packages --------------------------------------------------------------------
if command -v apt-get >/dev/null 2>&1; then
  need=()
  command -v chromium >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1 \
    || need+=(chromium)
  # OCR: OpenCV loads GLib
  ldconfig -p 2>/dev/null | grep -q 'libgthread-2\.0\.so\.0' || need+=(libglib2.0-0)
  if [ "$dev" = 1 ]; then
    for pkg in xvfb xdotool libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 \
               libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-randr0 libegl1 \
               libgl1 libfontconfig1 libdbus-1-3 fonts-dejavu-core strace; do
      dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
    done
  fi
  if [ ${#need[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    say "installing system packages: ${need[*]}"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${need[@]}"
  fi
elif [ "$(uname)" != Darwin ]; then
  say "no apt-get here: install Chromium (or Chrome) yourself, or set SHOTCLONE_BROWSER"
fi

# 2. Python environment -----------------------------------------------------------------
[ -x .venv/bin/python ] || { say "creating .venv"; "$python" -m venv .venv; }
pip=(.venv/bin/python -m pip --disable-pip-version-check -q)
"${pip[@]}" install --upgrade pip >/dev/null

# 3. llama-cpp-python for this machine's accelerator ------------------------------------
gpu_args=""
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  if command -v nvcc >/dev/null 2>&1 || [ -x /usr/local/cuda/bin/nvcc ]; then
    export PATH="/usr/local/cuda/bin:$PATH"
    gpu_args="-DGGML_CUDA=on"
  else
    say "NVIDIA GPU found but no CUDA toolkit (nvcc): building llama.cpp for the CPU." \
        "Install the CUDA toolkit and run this again to use the GPU."
  fi
elif [ "$(uname)" = Darwin ] && [ "$(uname -m)" = arm64 ]; then
  gpu_args="-DGGML_METAL=on"
elif command -v vulkaninfo >/dev/null 2>&1 && command -v glslc >/dev/null 2>&1; then
  gpu_args="-DGGML_VULKAN=on"
fi
has_llama() { .venv/bin/python -c "import llama_cpp" >/dev/null 2>&1; }
offloads() {
  .venv/bin/python -c "import llama_cpp, sys; sys.exit(0 if llama_cpp.llama_supports_gpu_offload() else 1)" \
    >/dev/null 2>&1
}
if [ -n "$gpu_args" ]; then
  if ! offloads; then
    say "building llama-cpp-python with $gpu_args (several minutes)"
    CMAKE_ARGS="$gpu_args" "${pip[@]}" install --no-cache-dir --force-reinstall --no-deps \
      -c scripts/constraints.txt llama-cpp-python
  fi
elif ! has_llama; then
  say "building llama-cpp-python for the CPU (about 5 minutes on 2 cores; cached after)"
  CMAKE_ARGS="-DGGML_NATIVE=OFF" "${pip[@]}" install -c scripts/constraints.txt llama-cpp-python
fi

# 4. ShotClone ---------------------------------------------------------------------------
extra=""
[ "$dev" = 1 ] && extra="[dev]"
say "installing shotclone$extra"
"${pip[@]}" install -c scripts/constraints.txt -e ".$extra"
# RapidOCR without its opencv-python (pyproject.toml lists its other needs, OpenCV headless)
"${pip[@]}" install -c scripts/constraints.txt --no-deps rapidocr_onnxruntime
say "ready: .venv/bin/shotclone"
