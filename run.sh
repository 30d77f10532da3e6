#!/usr/bin/env bash
# Set up (first time) and run the map app on the embedded GeoPackage: http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
.venv/bin/python -m layers.freshness || .venv/bin/python -m layers build   # the data changed: rebuild first
exec .venv/bin/python -m mapview.serve "$@"   # = streamlit run app.py (see mapview/serve.py)
