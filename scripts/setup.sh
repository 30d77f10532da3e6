#!/usr/bin/env bash
# Everything a fresh Debian machine with Python 3.11 needs. Idempotent: a second run installs nothing new.
#   scripts/setup.sh          app: Python packages, GSHHG rivers, Leaflet files, the GeoPackage
#   scripts/setup.sh --dev    also test packages and Debian's chromium for the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."
dev=0; [ "${1:-}" = "--dev" ] && dev=1

debs=(gmt-gshhg-high)              # GSHHG river lines used to trace river courses (LGPL)
debs+=(fonts-wqy-microhei)         # CJK font for print maps and PDFs (Apache-2.0 or GPL-3+ with font exception)
command -v npm >/dev/null || debs+=(npm)   # Leaflet is fetched from the npm registry once, then served locally
[ "$dev" = 1 ] && debs+=(chromium poppler-utils)   # browser tests; pdffonts/pdftotext check the PDFs
[ "$dev" = 1 ] && debs+=(postgresql postgresql-15-postgis-3)   # the store tests run a throwaway PostGIS cluster (tests/pg.py)
need=()
for d in "${debs[@]}"; do dpkg -s "$d" >/dev/null 2>&1 || need+=("$d"); done
if [ "${#need[@]}" -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing Debian packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
req=requirements.txt; [ "$dev" = 1 ] && req=requirements-dev.txt
stamp=".venv/.installed-$(cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)-$dev"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$req"
  touch "$stamp"
fi

.venv/bin/python -m mapview.assets          # no-op when the files are already there
.venv/bin/python -m mapview.webfont         # Chinese web font subset for viewers without Chinese fonts (once)
[ -f "${PROJECTMAP_GPKG:-data/liaocheng.gpkg}" ] || .venv/bin/python -m layers build
[ -f data/regions/heze/heze.gpkg ] || .venv/bin/python -m layers build --region heze  # the second region (?region=heze)
