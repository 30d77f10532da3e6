"""**GSHHG WDB-II rivers** (Debian ``gmt-gshhg-high``, ``/usr/share/gmt-gshhg/binned_river_h.nc``). Unnamed lines,
WGS84, positional accuracy roughly 0.3–2 km. Licence: LGPL-3+ (GSHHG by P. Wessel and W. H. F. Smith; river
lineaments from the CIA World Data Bank II). The file is GMT's binned netCDF-4 (HDF5) layout, read with h5py:

- the globe is cut into square bins of ``Bin_size_in_minutes`` (120' = 2° in the high-resolution file); bins are
  numbered row by row from the north-west corner (90°N, 0°E), eastward, then southward:
  ``bin = row * N_bins_in_360_longitude_range + col`` with ``row = (90 - lat_north_edge) / size`` and
  ``col = lon_west_edge / size`` (checked against the data: the decoded lines near 116°E 36°N follow the 黄河
  and coincide with the NGCC 1:4M 黄河 to within about a kilometre);
- each bin lists ``N_segments_in_a_bin`` segments starting at ``Id_of_first_segment_in_a_bin``; each segment has
  ``N_points_for_a_segment`` points starting at ``Id_of_first_point_in_a_segment`` and a hierarchical level;
- point coordinates are offsets from the bin's south-west corner in units of 1/65535 of the bin size, stored as
  int16 but meaning uint16.

River levels (GMT ``coast -I``): 0 double-lined rivers (river-lakes), 1 permanent major rivers, 2 additional major
rivers, 3 additional rivers, 4 minor rivers, 5–7 intermittent rivers (major, additional, minor), 8 major canals,
9 minor canals, 10 irrigation canals. Every decoded line keeps its level.
"""
from __future__ import annotations

import os
from functools import lru_cache

import numpy as np
import shapely
from shapely.geometry import LineString

from core.region import REGION_BOX

__all__ = ["GSHHG_RIVERS", "GSHHG_SOURCE", "GSHHG_PRECISION_M", "RIVER_LEVELS", "gshhg_lines", "check_bbox"]

GSHHG_RIVERS = os.environ.get("PROJECTMAP_GSHHG_RIVERS", "/usr/share/gmt-gshhg/binned_river_h.nc")
GSHHG_SOURCE = "GSHHG WDB-II rivers (high res, LGPL)"
GSHHG_PRECISION_M = 2000.0  # stated positional accuracy ~0.3–2 km: we take the upper end

RIVER_LEVELS = {
    0: "double-lined river (river-lake)",
    1: "permanent major river",
    2: "additional major river",
    3: "additional river",
    4: "minor river",
    5: "intermittent river (major)",
    6: "intermittent river (additional)",
    7: "intermittent river (minor)",
    8: "major canal",
    9: "minor canal",
    10: "irrigation canal",
}


@lru_cache(maxsize=1)
def _gshhg_arrays(path: str):
    import h5py

    if not os.path.exists(path):
        raise FileNotFoundError(f"GSHHG river file not found: {path} (install Debian package gmt-gshhg-high)")
    with h5py.File(path, "r") as f:
        def arr(name):
            return f[name][:]
        return {
            "bin_deg": float(arr("Bin_size_in_minutes")[0]) / 60.0,
            "nx": int(arr("N_bins_in_360_longitude_range")[0]),
            "ny": int(arr("N_bins_in_180_degree_latitude_range")[0]),
            "first_seg": arr("Id_of_first_segment_in_a_bin").astype(np.int64),
            "n_seg": arr("N_segments_in_a_bin").astype(np.int64),
            "n_pts": arr("N_points_for_a_segment").astype(np.int64),
            "level": arr("Hierarchial_level_of_a_segment").astype(np.int64),
            "first_pt": arr("Id_of_first_point_in_a_segment").astype(np.int64),
            "dx": arr("Relative_longitude_from_SW_corner_of_bin").view(np.uint16),
            "dy": arr("Relative_latitude_from_SW_corner_of_bin").view(np.uint16),
        }


def check_bbox(bbox):
    """(min_lon, min_lat, max_lon, max_lat) as floats, or ValueError saying what is wrong."""
    bbox = tuple(float(v) for v in bbox)
    if len(bbox) != 4:
        raise ValueError(f"bbox must be (min_lon, min_lat, max_lon, max_lat), got {bbox!r}")
    x0, y0, x1, y1 = bbox
    if not (x0 < x1 and y0 < y1 and -90 <= y0 and y1 <= 90 and -180 <= x0 and x1 <= 360):
        raise ValueError(f"bad bbox {bbox!r}: need min < max, lat within ±90, lon within -180..360")
    if x0 < 0 < x1:
        raise ValueError(f"bbox {bbox!r} crosses the prime meridian; split it")
    return bbox


@lru_cache(maxsize=16)
def _gshhg_lines_cached(bbox, path):
    a = _gshhg_arrays(path)
    size, nx = a["bin_deg"], a["nx"]
    x0, y0, x1, y1 = bbox
    shift = 360.0 if x1 <= 0 else 0.0  # the file's longitudes run 0..360
    col0, col1 = int(np.floor((x0 + shift) / size)), int(np.ceil((x1 + shift) / size)) - 1
    row0, row1 = int(np.floor((90.0 - y1) / size)), int(np.ceil((90.0 - y0) / size)) - 1
    clip = shapely.box(*bbox)
    out = []
    for row in range(max(row0, 0), min(row1, a["ny"] - 1) + 1):
        south = 90.0 - (row + 1) * size
        for col in range(max(col0, 0), min(col1, nx - 1) + 1):
            b = row * nx + col
            west = col * size - shift
            s0 = a["first_seg"][b]
            for s in range(s0, s0 + a["n_seg"][b]):
                p0, n = a["first_pt"][s], a["n_pts"][s]
                if n < 2:
                    continue
                lon = west + a["dx"][p0:p0 + n] * (size / 65535.0)
                lat = south + a["dy"][p0:p0 + n] * (size / 65535.0)
                line = LineString(np.column_stack([lon, lat]))
                if not line.intersects(clip):
                    continue
                part = line.intersection(clip)
                for g in getattr(part, "geoms", [part]):
                    if isinstance(g, LineString) and g.length > 0:
                        out.append((g, int(a["level"][s])))
    return tuple(out)


def gshhg_lines(bbox=REGION_BOX, levels=None, path=None):
    """GSHHG WDB-II river lines clipped to ``bbox`` as a list of ``(LineString, level)`` (EPSG:4326).

    Only the bins that intersect the bbox are decoded. Lines are cut at bin edges (as stored); ``levels`` (an
    iterable of ints) keeps only those levels.
    """
    lines = _gshhg_lines_cached(check_bbox(bbox), path or GSHHG_RIVERS)
    if levels is not None:
        keep = {int(v) for v in levels}
        return [(g, lv) for g, lv in lines if lv in keep]
    return list(lines)
