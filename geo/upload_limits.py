"""How much work an upload may cause: a vertex cap, and geometry repair in a worker with a time and memory limit.

``shapely.make_valid`` on a zigzag ring of 20 000 vertices takes ~50 s; of 450 000 vertices (9.8 MB, under the
20 MB upload limit) it ran 102 s and then died at 5.8 GB, in the server process. So:

- ``MAX_VERTICES`` (100 000) caps an upload: a 100 km river course digitised at 1 m spacing, ten times what the
  registry's longest geometries need. Every linear step (reading, reprojecting, validity test, the map preview of a
  few MB) stays in milliseconds, and the file size limit alone does not bound vertices (a zip unpacks to 100 MB);
- what does not grow linearly (``make_valid``, unions of overlapping parts) runs through :func:`run_repair`: in a
  worker process (:func:`geo.bounded.run_bounded`) with ``REPAIR_SECONDS`` and ``REPAIR_MEMORY``; an overrun is an
  UploadError that says the geometry is too complex.

The repair functions live here too, in a module that imports only shapely: the worker processes import this
module, so their memory limit measures the repair, not the app's imports.
"""
from __future__ import annotations

import logging

import numpy as np
import shapely

from geo import bounded
from geo.upload_errors import UploadError

__all__ = ["MAX_VERTICES", "REPAIR_MEMORY", "REPAIR_SECONDS", "check_vertices", "polygon_parts", "repair_polygon",
           "run_repair", "union"]

log = logging.getLogger(__name__)

MAX_VERTICES = 100_000
REPAIR_SECONDS = 10.0         # make_valid of a 100 000-vertex outline with a few defects takes well under 1 s
REPAIR_MEMORY = 512 * 2**20   # address space a repair may add to its worker


def check_vertices(geoms) -> None:
    n = int(shapely.get_num_coordinates(np.asarray(geoms, dtype=object)).sum()) if len(geoms) else 0
    if n > MAX_VERTICES:
        raise UploadError(f"几何共有 {n:,} 个顶点，超过上限 {MAX_VERTICES:,}。请在 GIS 软件中简化（如 1 米容差）后重新上传。",
                          f"The geometry has {n:,} vertices, over the limit of {MAX_VERTICES:,}. Simplify it in a "
                          f"GIS (e.g. with a 1 m tolerance) and upload again.")


def run_repair(fn, *args):
    """fn(*args) (a function of this module) in a worker with REPAIR_SECONDS and REPAIR_MEMORY."""
    try:
        return bounded.run_bounded(fn, *args, seconds=REPAIR_SECONDS, memory=REPAIR_MEMORY)
    except bounded.TimedOut:
        raise UploadError(f"几何修复超时（超过 {REPAIR_SECONDS:g} 秒），几何过于复杂（如大量自相交）。请在 GIS 软件中修正或简化后重新上传。",
                          f"Repairing the geometry took too long (over {REPAIR_SECONDS:g} s): it is too complex "
                          f"(e.g. many self-intersections). Fix or simplify it in a GIS and upload again.") from None
    except bounded.OutOfMemory:
        raise UploadError(f"几何修复所需内存超过上限（{REPAIR_MEMORY // 2**20} MB），几何过于复杂。请在 GIS 软件中修正或简化后重新上传。",
                          f"Repairing the geometry needs more memory than allowed ({REPAIR_MEMORY // 2**20} MB): "
                          f"it is too complex. Fix or simplify it in a GIS and upload again.") from None
    except bounded.WorkerFailed as e:
        log.warning("geometry repair failed: %s", e)
        raise UploadError("几何修复失败，几何可能过于复杂。请在 GIS 软件中修正后重新上传。",
                          "Repairing the geometry failed; it may be too complex. Fix it in a GIS and upload "
                          "again.") from None


# ------------------------------------------------------------------------------- run in the worker process

def polygon_parts(g) -> list:
    if g.geom_type == "Polygon":
        return [g]
    if g.geom_type in ("MultiPolygon", "GeometryCollection"):
        return [p for part in g.geoms for p in polygon_parts(part)]
    return []


def repair_polygon(geom, tolerance: float):
    """make_valid if it keeps the polygon count and the area (within ``tolerance``); None if that is not safe."""
    fixed = shapely.make_valid(geom)
    # zero-area leftovers (a spike becomes a line) are dropped; the polygon count and the area must not change
    polys = [p for p in polygon_parts(fixed) if not p.is_empty]
    n_before = len(polygon_parts(geom))
    if not polys or len(polys) != n_before:
        return None
    repaired = polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
    shells = shapely.union_all([shapely.Polygon(p.exterior) for p in polygon_parts(geom)])
    holes = sum(shapely.Polygon(r).area for p in polygon_parts(geom) for r in p.interiors)
    expected = shells.area - holes if shells.is_valid else abs(geom.area)
    if expected <= 0 or abs(repaired.area - expected) / expected > tolerance:
        return None
    return repaired


def union(geoms: list):
    return shapely.union_all(geoms)
