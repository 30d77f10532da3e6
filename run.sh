#!/usr/bin/env bash
# Set up (first time) and run the map app on the embedded GeoPackage: http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
for r in $(.venv/bin/python -m layers.freshness); do   # a region's data changed (or it was never built): rebuild
  .venv/bin/python -m layers build --region "$r"
done
exec .venv/bin/python -m mapview.serve "$@"   # = streamlit run app.py (see mapview/serve.py)
