#!/usr/bin/env bash
# The core without Qt: a second environment with PySide6 and pytest-qt removed, running every
# test outside tests/ui. Proves the pipeline, CLI and inference need no GUI toolkit.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv-headless/bin/python ] || "${PYTHON:-python3}" -m venv .venv-headless
pip=(.venv-headless/bin/python -m pip --disable-pip-version-check -q)
"${pip[@]}" install -c scripts/constraints.txt -e ".[dev]"
"${pip[@]}" install -c scripts/constraints.txt --no-deps rapidocr_onnxruntime  # as setup.sh
"${pip[@]}" uninstall -y PySide6-Essentials shiboken6 pytest-qt
.venv-headless/bin/python -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('PySide6') is not None)"
exec .venv-headless/bin/python -m pytest --ignore=tests/ui "$@"
