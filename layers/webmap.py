"""The web map's data, made once for the app and for the offline HTML file: compact, pre-escaped payloads for
the counties and the projects, and the options the map's JavaScript (static/pm/map.js) reads.

Safety: every text in a payload is escaped here (layers.escape, layers.popup) and the payloads are embedded with
`safe_json`; the JavaScript only concatenates the already-escaped strings.
"""
from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from layers import styles
from layers.escape import esc
from layers.popup import EXCERPT_INDEX, POPUP_FIELDS, TOOLTIP_INDEX, popup_parts

if TYPE_CHECKING:  # the payloads are made at build time; the app imports this module for Payload and options only
    import geopandas as gpd

# Above this many project features the map is drawn on a <canvas> instead of SVG elements.
CANVAS_THRESHOLD = 3000


def style_key(row) -> tuple[str, str, str]:
    return (str(row.get("category")), str(row.get("status")), str(row.get("precision")))


_DRAW_ORDER = {"polygon": 0, "line": 1, "point": 2}


def _kind(geom) -> str:
    t = geom.geom_type if geom is not None else ""
    return "polygon" if "Polygon" in t else "line" if "LineString" in t else "point"


def display_style(category: str, status: str, precision: str, kind: str) -> dict:
    """`layers.styles.feature_style`, plus: an area known only as "the county" is drawn as an outline without fill
    (it would tint and cover the whole county and catch every click inside it)."""
    s = styles.feature_style(category, status, precision)
    if kind == "polygon" and precision == "county":
        s["fill"] = False
        s["fillOpacity"] = 0.0
        s["weight"] = min(s["weight"], 3)
    return s


def _geojson_geometry(geom) -> dict | None:
    if geom is None or geom.is_empty:
        return None
    return geom.__geo_interface__


def _radius(value) -> int:
    """The error radius in whole metres for the map (0 when unknown)."""
    try:
        r = float(value)
    except (TypeError, ValueError):
        return 0
    return int(round(r)) if math.isfinite(r) and r > 0 else 0


# Drawn outlines are simplified within a twentieth of a feature's own error radius, at most this many metres
# (invisible at the map's scales; a county-level area keeps about half of its vertices). Exports are never touched.
SIMPLIFY_MAX_M = 50.0
METRES_PER_DEGREE = 111_320.0


def _simplified(geoms, precision_m) -> np.ndarray:
    import numpy as np
    import shapely
    radius = np.nan_to_num(np.asarray(precision_m, dtype=float), nan=0.0, posinf=0.0)
    tolerance = np.clip(radius / 20.0, 0.0, SIMPLIFY_MAX_M) / METRES_PER_DEGREE
    return shapely.simplify(np.asarray(geoms), tolerance, preserve_topology=True)


def _display_geometries(gdf: gpd.GeoDataFrame, gcj02: bool, precision_m=None) -> np.ndarray:
    """The geometries as drawn: simplified within their error (`precision_m`, metres; none when not given), shifted
    to GCJ-02 over Gaode tiles (display only), 6 decimals (≈ 0.1 m)."""
    import numpy as np
    import shapely
    geoms = gdf.geometry.values
    if len(gdf) and precision_m is not None:
        geoms = _simplified(geoms, precision_m)
    if gcj02 and len(gdf):
        from geo.crs import geom_wgs84_to_gcj02
        geoms = geom_wgs84_to_gcj02(geoms)
    if len(gdf):  # more digits only cost bytes
        geoms = shapely.transform(np.asarray(geoms), lambda c: np.round(c, 6))
    return np.asarray(geoms)


def project_data(gdf: gpd.GeoDataFrame, gcj02: bool = False) -> dict:
    """The compact, pre-escaped payload for the project layer: features + a table of distinct styles + a table
    of distinct escaped strings. `rows` maps features back to input rows (pop it before serialising).

    gcj02=True shifts coordinates to GCJ-02 for display over Gaode tiles (display only; never exported).
    """
    geoms = _display_geometries(gdf, gcj02, precision_m=pd_numeric(gdf["precision_m"]) if "precision_m" in gdf
                                 else None)
    style_index: dict[tuple, int] = {}
    strings: dict[str, int] = {"": 0}  # popup texts repeat a lot (agencies, categories…): one table of them
    feats, rows = [], []  # rows: the input row position of each feature (not sent to the browser)
    records = gdf.drop(columns=gdf.geometry.name).to_dict("records")
    # Draw order: areas under lines under points, so that a large area never hides a point from the mouse.
    order = sorted(range(len(records)), key=lambda i: (_DRAW_ORDER.get(_kind(geoms[i]), 3),
                                                       records[i].get("precision") != "county"))
    for i in order:
        rec, g = records[i], _geojson_geometry(geoms[i])
        if g is None:
            continue
        k = style_index.setdefault(style_key(rec) + (_kind(geoms[i]),), len(style_index))
        feats.append({"type": "Feature", "geometry": g, "properties": {
            "i": esc(rec.get("id")), "k": k, "v": [strings.setdefault(p, len(strings)) for p in popup_parts(rec)],
            "r": _radius(rec.get("precision_m"))}})
        rows.append(i)
    # each style also names its category and status (c, s): the map hides and shows by them without a rerun
    return {"rows": rows, "styles": [display_style(*key) | {"c": esc(key[0]), "s": esc(key[1])} for key in style_index],
            "strings": list(strings),
            "labels": [lab for _, lab in POPUP_FIELDS], "excerpt": EXCERPT_INDEX, "tooltip": TOOLTIP_INDEX,
            "data": {"type": "FeatureCollection", "features": feats}}


def pd_numeric(values) -> np.ndarray:
    """Numbers, NaN where a value is missing or not a number."""
    import pandas as pd
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)


COUNTY_SIMPLIFY_M = 30.0  # the county base is a backdrop at 1:200 000 and smaller


def county_data(counties: gpd.GeoDataFrame, gcj02: bool = False) -> dict:
    """County polygons (simplified within COUNTY_SIMPLIFY_M) + label points (representative points of the true
    outline, always inside), names escaped."""
    import geopandas as gpd
    import shapely
    labels_at = counties.geometry.representative_point()
    geoms = gpd.GeoSeries(shapely.simplify(counties.geometry.values, COUNTY_SIMPLIFY_M / METRES_PER_DEGREE,
                                           preserve_topology=True), index=counties.index, crs=counties.crs)
    if gcj02 and len(counties):
        from geo.crs import geom_wgs84_to_gcj02
        geoms = gpd.GeoSeries(geom_wgs84_to_gcj02(geoms.values), index=counties.index, crs=counties.crs)
        labels_at = gpd.GeoSeries(geom_wgs84_to_gcj02(labels_at.values), index=counties.index)
    feats, labels = [], []
    for name, geom, pt in zip(counties["name"], geoms.values, labels_at.values):
        g = _geojson_geometry(geom)
        if g is None:
            continue
        feats.append({"type": "Feature", "geometry": g, "properties": {"n": esc(name)}})
        labels.append({"n": esc(name), "lat": round(pt.y, 6), "lon": round(pt.x, 6)})
    bounds = None
    if len(feats):
        minx, miny, maxx, maxy = geoms.total_bounds
        bounds = [[float(miny), float(minx)], [float(maxy), float(maxx)]]
    return {"data": {"type": "FeatureCollection", "features": feats}, "labels": labels, "bounds": bounds}


@dataclass(frozen=True)
class Payload:
    """One layer for the map: its serialised (safe) JSON inline, or the URL of a file holding it (large sets go
    as a static file the browser fetches and caches, not through the component's script); the feature count;
    for counties the [[s, w], [n, e]] bounds; for projects an optional base64 bitset of the visible features."""
    json: str | None
    count: int
    bounds: list | None
    url: str | None = None
    visible: str | None = None
    bulk: dict | None = None  # the binary payload of large data (layers.bulkpayload): {"bytes": geometry end}
    ids: list | None = None  # with bulk: the feature ids in the file's order (to find the project to locate)


def bitset(flags) -> str:
    """Booleans → base64 little-endian bitset (bit i of byte i>>3), decoded by map.js' pmVisible."""
    flags = np.asarray(flags if isinstance(flags, np.ndarray) else list(flags), dtype=bool)
    return base64.b64encode(np.packbits(flags, bitorder="little").tobytes()).decode("ascii") if flags.size else ""


@dataclass
class MapOptions:
    present: bool = False  # projector sizes (labels, legend, popups); the frame height is st_folium's
    locate: str | None = None  # project id to open and zoom to
    bbox: tuple | None = None  # (W, S, E, N) to show instead of the whole city (a meeting view's extent)


def _bulk(projects: Payload, locate: str | None) -> dict | None:
    """What static/pm/bulk.js reads: the bytes to fetch first, the position of the project to locate (-1: none)."""
    if projects.bulk is None:
        return None
    ids = projects.ids or []
    return dict(projects.bulk, locate=ids.index(locate) if locate in ids else -1)


def map_options(counties: Payload, projects: Payload, legend: str, opts: MapOptions, tiles: bool) -> dict:
    """What map.js reads (O)."""
    return {
        "countyStyle": {"color": "#5b5b5b", "weight": 2.5 if opts.present else 1.6, "opacity": 0.9,
                        "fillColor": "#fbf9f3", "fillOpacity": 0.0 if tiles else 1.0},
        "present": opts.present,
        "tiles": tiles,
        "pointRadius": 10 if opts.present else 7,
        "popupWidth": 520 if opts.present else 420,
        "locate": esc(opts.locate) if opts.locate else None,
        "bounds": [[opts.bbox[1], opts.bbox[0]], [opts.bbox[3], opts.bbox[2]]] if opts.bbox else counties.bounds,
        "canvas": projects.count > CANVAS_THRESHOLD or projects.bulk is not None,
        "bulk": _bulk(projects, opts.locate),
        "legend": legend,
        "projectsUrl": projects.url,
        "visible": projects.visible,
    }
