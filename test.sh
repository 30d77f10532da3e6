#!/usr/bin/env bash
# Set up (first time) and run the whole test suite, browser tests in Debian's chromium included.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh --dev
exec .venv/bin/python -m pytest -q "$@"
