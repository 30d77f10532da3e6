"""Coordinate systems used in the project.

- WGS84 (EPSG:4326): storage and export (GeoJSON is RFC 7946).
- CGCS2000 3° Gauss-Krüger, the zone of the current region (core.region; CM 117°E, EPSG:4548, for 聊城 and 菏泽):
  lengths and areas. It lists northing first, so every transformer here uses always_xy=True.
- GCJ-02: the offset system of Amap/Gaode and Tencent. The forward transform (WGS84 → GCJ-02) is the published
  closed formula (Krasovsky-1940 ellipsoid constants); the inverse has no closed form and is solved by fixed-point
  iteration to well under a millimetre.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import shapely
from pyproj import Transformer

WGS84 = "EPSG:4326"
CGCS2000 = "EPSG:4490"
METRIC = "EPSG:4548"  # CGCS2000 / 3-degree Gauss-Kruger CM 117E: the default region's (metric() is the current one)

_A = 6378245.0
_EE = 0.00669342162296594323


def _delta(lon, lat):
    x, y = lon - 105.0, lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * math.pi) + 320 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon, lat):
    """WGS84 → GCJ-02 (arrays or scalars)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon, lat, tol=1e-10, max_iter=30):
    """GCJ-02 → WGS84 by iteration: find w with wgs84_to_gcj02(w) == g."""
    g_lon, g_lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(max_iter):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = f_lon - g_lon, f_lat - g_lat
        w_lon, w_lat = w_lon - e_lon, w_lat - e_lat
        if np.all(np.abs(e_lon) < tol) and np.all(np.abs(e_lat) < tol):
            break
    return w_lon, w_lat


def _map_xy(geom, fn):
    def apply(coords):
        x, y = fn(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])
    return shapely.transform(geom, apply)


def geom_gcj02_to_wgs84(geom):
    """A shapely geometry (or array of them) from GCJ-02 to WGS84."""
    return _map_xy(geom, gcj02_to_wgs84)


def geom_wgs84_to_gcj02(geom):
    """For display over Gaode tiles only; never export the result."""
    return _map_xy(geom, wgs84_to_gcj02)


@lru_cache(maxsize=None)
def transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def metric() -> str:
    """The metric CRS of the current region (its file's metric_crs, checked against its longitude)."""
    from core import region
    return region.current().metric_crs


def to_metric(geom):
    """WGS84 geometry → the current region's metric CRS (metres), for lengths, areas and buffers."""
    t = transformer(WGS84, metric())
    return shapely.transform(geom, lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))


def from_metric(geom):
    t = transformer(metric(), WGS84)
    return shapely.transform(geom, lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))
