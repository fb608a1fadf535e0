#!/usr/bin/env bash
# Prepare .gpu-carry/ for benchmarks/gpu_check.sh, which runs on a GPU machine with no network
# (Python 3.12 there, with numpy, pillow, jinja2, pyyaml, scikit-build-core, cmake and ninja,
# but not the packages below). Run it here, with network, in the checkout that travels to
# that machine; the folder is ignored by git and goes along as a carried path (`.gpu-carry`).
#
#   bash benchmarks/gpu_carry.sh            # PYTHON=... to use another interpreter for pip
#
# It holds: the llama-cpp-python 0.3.36 source archive, slimmed from 77 MB to what the build
# reads (the vendored llama.cpp's test models, docs, web UI and examples removed), so that the
# whole tree travels under its 64 MiB limit; pure-Python wheels of ShotClone's and
# llama-cpp-python's needs that the machine lacks; and the build backend (scikit-build-core).
set -euo pipefail
cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
PY=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}
DEST=.gpu-carry
LLAMA=llama-cpp-python==0.3.36
WHEELS=(gguf==0.19.0 platformdirs==4.14.8 diskcache==5.6.3 beautifulsoup4==4.15.0
        soupsieve==4.1.3 pybind11_pixelmatch==0.1.6)
BUILD=(scikit-build-core==1.1.2 pathspec==1.1.1)  # the build backend, whatever is installed

exclude=$(git rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$exclude")"
grep -qxF "/$DEST/" "$exclude" 2>/dev/null || echo "/$DEST/" >>"$exclude"

rm -rf "$DEST"
mkdir -p "$DEST/wheels" "$DEST/build"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    -d "$DEST/wheels" "${WHEELS[@]}"
"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    -d "$DEST/build" "${BUILD[@]}"
"$PY" -m pip download -q --no-deps --no-binary=:all: -d "$tmp" "$LLAMA"
tar -xzf "$tmp"/llama_cpp_python-*.tar.gz -C "$tmp"
src=$(find "$tmp" -maxdepth 1 -type d -name 'llama_cpp_python-*')
vendor="$src/vendor/llama.cpp"
# Gemma 4's tokenizer (5 MB gzipped) for bench_decode's offline acceptance on real HTML
gzip -c "$vendor/models/ggml-vocab-gemma-4.gguf" >"$DEST/ggml-vocab-gemma-4.gguf.gz"
# Nothing here is read by a build of the Python package (llama.cpp's tests, examples and
# tools other than mtmd are off when it is built as a subproject).
rm -rf "$vendor"/{models,docs,examples,benches,tests,media,tools/ui,tools/server/public*} \
       "$src"/{examples,docs,tests}
tar -czf "$DEST/$(basename "$src").tar.gz" -C "$tmp" "$(basename "$src")"
du -sh "$DEST"/* "$DEST"/wheels/* "$DEST"/build/* | sed 's/^/gpu_carry: /' >&2
