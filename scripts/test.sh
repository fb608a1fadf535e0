#!/usr/bin/env bash
# Set up everything the tests need, then run the checks and every test (arguments go to
# pytest): lint, import contracts, the whole suite, then the core again without Qt installed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
.venv/bin/ruff check .
.venv/bin/lint-imports
QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest "$@"
echo "== the core again, without Qt =="
bash scripts/test_headless.sh -q "$@"
