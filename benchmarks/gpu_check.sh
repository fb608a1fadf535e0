#!/usr/bin/env bash
# ShotClone on an NVIDIA GPU with no network, in under 10 minutes: build llama-cpp-python for
# CUDA (the card's architecture, from nvidia-smi) from the source archive that
# benchmarks/gpu_carry.sh put in .gpu-carry/, write the real-shaped Gemma 4 12B Q4_K_M pair
# with random Q4_K/Q6_K data, then print JSON lines: the build, the offload plan, decode tok/s
# and time to first token of ShotClone's worker path and of raw llama-cpp-python in the same
# run (benchmarks/bench_decode.py), and the planner's GPU figures against the buffers
# llama.cpp reports (benchmarks/bench_planner.py). stdout holds only the JSON lines; the
# build log and each step's full output are in $WORK.
#
#   bash benchmarks/gpu_check.sh                   # the GPU machine (python3 there)
#   PYTHON=.venv/bin/python bash benchmarks/gpu_check.sh --cpu --small   # a check, here
#
# --cpu   no CUDA: the interpreter's own llama-cpp-python, everything on the CPU
# --build with --cpu: still build the carried archive (for the CPU) to check that step
# --small a small model with the real 262,144-token vocabulary instead of the 7.4 GB one
# --tokens=N, --rounds=N   passed to bench_decode (default 128 and 2)
# --diagnose instead of the benchmarks, run each step of the model path alone in a subprocess
#            (benchmarks/gpu_diagnose.py): one JSON line per step, whole logs in $WORK/diagnose
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CARRY=$ROOT/.gpu-carry
WORK=${WORK:-/tmp/shotclone-gpu-check}
PY=${PYTHON:-python3}
cpu=0 build=1 small=0 diag=0 tokens=128 rounds=2
for arg in "$@"; do
    case $arg in
        --cpu) cpu=1 build=0 ;;
        --build) build=1 ;;
        --small) small=1 ;;
        --diagnose) diag=1 ;;
        --tokens=*) tokens=${arg#*=} ;;
        --rounds=*) rounds=${arg#*=} ;;
        *) echo "gpu_check: unknown option $arg" >&2; exit 2 ;;
    esac
done
mkdir -p "$WORK"
started=$(date +%s)
elapsed() { echo $(($(date +%s) - started)); }
say() { echo "gpu_check: $*" >&2; }
export SHOTCLONE_HOME=$WORK/home PYTHONUNBUFFERED=1

if ((cpu)); then
    gpu='{"gpu": null}'
    cmake_args="-DGGML_NATIVE=ON"
else
    command -v nvcc >/dev/null || export PATH=/usr/local/cuda/bin:$PATH
    arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d ' .')
    name=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -1)
    gpu="{\"gpu\": \"$name\", \"cuda_arch\": \"$arch\", \"nvcc\": \"$(nvcc --version | tail -1)\"}"
    cmake_args="-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=$arch"
fi
echo "{\"step\": \"machine\", \"cores\": $(nproc), \"python\": \"$($PY -V 2>&1)\", \"device\": $gpu}"

if ((build)); then
    [ -d "$CARRY" ] || { say "no $CARRY: run benchmarks/gpu_carry.sh where there is network"; exit 1; }
    site=$WORK/site
    pip=("$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade
         --target "$site")
    "${pip[@]}" "$CARRY"/wheels/*.whl
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target "$WORK/build-site" "$CARRY"/build/*.whl
    say "building llama-cpp-python ($cmake_args) on $(nproc) cores; log: $WORK/build.log"
    if ! PYTHONPATH=$WORK/build-site CMAKE_ARGS="$cmake_args" \
            CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) \
            "${pip[@]}" --no-build-isolation "$CARRY"/llama_cpp_python-*.tar.gz \
            >"$WORK/build.log" 2>&1; then
        tail -30 "$WORK/build.log" >&2
        echo "{\"step\": \"build\", \"ok\": false, \"seconds\": $(elapsed)}"
        exit 1
    fi
    export PYTHONPATH=$site:$ROOT
else
    export PYTHONPATH=$ROOT
fi
offload=$("$PY" -c "import llama_cpp; print(str(llama_cpp.llama_supports_gpu_offload()).lower())")
echo "{\"step\": \"build\", \"ok\": true, \"built\": $( ((build)) && echo true || echo false ), \"gpu_offload\": $offload, \"seconds\": $(elapsed)}"
if ((!cpu)) && [ "$offload" != true ]; then say "this build cannot offload to the GPU"; exit 1; fi

pair=$("$PY" - "$WORK/model" "$small" <<'EOF'
import sys, time
from pathlib import Path
from inference.synthetic import GEMMA4_12B, Gemma4Shape, write_real_shaped_pair
small = Gemma4Shape(n_embd=512, n_layer=6, n_head=4, n_head_kv=2, head_dim=128, n_ff=1024,
                    swa_every=6, sliding_window=1024, vision_dim=64, vocab_size=262144)
started = time.monotonic()
model, mmproj = write_real_shaped_pair(Path(sys.argv[1]), random_data=True,
                                       shape=small if sys.argv[2] == "1" else GEMMA4_12B)
print(f"{model}\t{mmproj}\t{model.stat().st_size}\t{time.monotonic() - started:.1f}")
EOF
)
IFS=$'\t' read -r model mmproj bytes seconds <<<"$pair"
echo "{\"step\": \"model\", \"path\": \"$model\", \"bytes\": $bytes, \"random_data\": true, \"write_s\": $seconds}"

if ((diag)); then
    status=0
    "$PY" -m benchmarks.gpu_diagnose --model "$model" --mmproj "$mmproj" \
        --gpu-layers "$( ((cpu)) && echo 0 || echo auto)" --work "$WORK/diagnose" || status=1
    echo "{\"step\": \"done\", \"ok\": $( ((status)) && echo false || echo true ), \"seconds\": $(elapsed)}"
    exit $status
fi

step() {  # run a benchmark; its JSON lines to stdout, everything to $WORK/NAME.log
    local name=$1; shift
    if ! "$PY" -m "$@" >"$WORK/$name.log" 2>&1; then
        tail -20 "$WORK/$name.log" >&2
        echo "{\"step\": \"$name\", \"ok\": false, \"seconds\": $(elapsed)}"
        return 1
    fi
    grep '^{' "$WORK/$name.log" || true
}
status=0
step decode benchmarks.bench_decode --model "$model" --mmproj "$mmproj" --gpu-layers auto \
    --json --tokens "$tokens" --rounds "$rounds" || status=1
step planner benchmarks.bench_planner --model "$model" --mmproj "$mmproj" --gpu-layers auto \
    || status=1
echo "{\"step\": \"done\", \"ok\": $( ((status)) && echo false || echo true ), \"seconds\": $(elapsed)}"
exit $status
