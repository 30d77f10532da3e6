"""Is the GeoPackage older than the data it is built from? Then the app says so (with the command to rebuild) and
./run.sh rebuilds before starting."""
from __future__ import annotations

import sys
from pathlib import Path

from layers.store import DATA_DIR, gpkg_path

INPUTS = ["projects.csv", "gazetteer.csv", "evidence.csv", "river_waypoints.csv", "geometries/*.geojson"]


def stale_inputs(gpkg=None, data_dir: Path = DATA_DIR) -> list[Path]:
    """The data files changed after the GeoPackage was last written (all of them if there is no GeoPackage)."""
    path = gpkg_path(gpkg)
    built = path.stat().st_mtime if path.is_file() else float("-inf")
    return sorted(p for pattern in INPUTS for p in Path(data_dir).glob(pattern) if p.stat().st_mtime > built)


if __name__ == "__main__":  # exit 1 when a rebuild is due (scripts: `python -m layers.freshness || … build`)
    stale = stale_inputs()
    for p in stale:
        print(f"newer than the GeoPackage: {p}", file=sys.stderr)
    sys.exit(1 if stale else 0)
