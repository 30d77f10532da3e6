"""Is a region's GeoPackage older than the data it is built from? Then the app says so (with the command to
rebuild) and ./run.sh rebuilds before starting."""
from __future__ import annotations

from pathlib import Path

from core import region, regions
from layers.store import gpkg_path

INPUTS = ["projects.csv", "gazetteer.csv", "evidence.csv", "river_waypoints.csv", "geometries/*.geojson"]


def stale_inputs(gpkg=None, data_dir: Path | None = None) -> list[Path]:
    """The data files changed after the GeoPackage was last written (all of them if there is no GeoPackage). The
    data folder is the current region's (where its registry lives: data/ for 聊城, data/regions/heze/ for 菏泽)."""
    path = gpkg_path(gpkg)
    data_dir = Path(data_dir) if data_dir else region.current().registry.parent
    built = path.stat().st_mtime if path.is_file() else float("-inf")
    return sorted(p for pattern in INPUTS for p in data_dir.glob(pattern) if p.stat().st_mtime > built)


def stale_regions() -> list[str]:
    """The keys of the regions whose GeoPackage is missing or older than their data."""
    out = []
    for key in regions.available():
        with region.use(key):
            if stale_inputs():
                out.append(key)
    return out


if __name__ == "__main__":  # prints the regions to rebuild (./run.sh: `for r in $(python -m layers.freshness)`)
    print(" ".join(stale_regions()))
