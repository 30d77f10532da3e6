"""Exports of (filtered) project features: GeoJSON per RFC 7946, GeoPackage, CSV (WKT + lon/lat).

RFC 7946 (layers.geojson_out, as GDAL's writer): WGS84 lon/lat, no `crs` member, exterior rings counter-clockwise and
holes clockwise.
"""
from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from core import fields
from core.errors import UserError
from core.vocab import CATEGORIES, CITY_WIDE, COUNTIES, STATUSES, code_of
from layers import atomic, filters, geojson_out, kml
from layers.safe_write import resolve_target, same_file
from layers.store import gpkg_path, layer_for, read_projects

FORMATS = {"geojson": ("application/geo+json", ".geojson"),
           "gpkg": ("application/geopackage+sqlite3", ".gpkg"),
           "csv": ("text/csv", ".csv"),
           "kml": ("application/vnd.google-earth.kml+xml", ".kml")}
COORD_DECIMALS = 7  # ~1 cm: more would be false precision


class ExportError(UserError):
    """An export that cannot be made (no GeoPackage, the output is the input, a file that cannot be written)."""


class FilterError(ExportError):
    """An unknown filter value or format."""


def _check(kind: str, values, valid) -> list[str]:
    values = [v for v in (values or []) if v]
    unknown = [v for v in values if v not in valid]
    if unknown:
        raise FilterError(f"未知筛选值 {'、'.join(unknown)}",
                          f"unknown {kind} {', '.join(map(repr, unknown))}; valid: {', '.join(valid)}")
    return values


def filter_projects(gdf: gpd.GeoDataFrame, status=(), county=(), category=()) -> gpd.GeoDataFrame:
    """Keep projects matching every given filter (any value within one filter), by the app's own filtering
    (layers.filters). Unknown values → FilterError."""
    status = [code_of("status", v) for v in status or []]  # codes or Chinese labels
    category = [code_of("category", v) for v in category or []]
    chosen = filters.Filters(status=tuple(_check("status", status, list(STATUSES))),
                             county=tuple(_check("county", county, list(COUNTIES.values()) + [CITY_WIDE])),
                             category=tuple(_check("category", category, list(CATEGORIES))))
    return filters.apply(gdf, chosen)


def geojson_bytes(gdf: gpd.GeoDataFrame) -> bytes:
    """RFC 7946 GeoJSON (WGS84, no crs, exterior rings counter-clockwise, holes clockwise), coordinates to
    COORD_DECIMALS places, each feature's ``id`` member its project id (the ``id`` property stays too): what GDAL's
    writer makes, built by layers.geojson_out at ~4x its speed (200k projects: issue 11 item 6's export target)."""
    return geojson_out.to_bytes(gdf, COORD_DECIMALS)


def to_geojson(gdf: gpd.GeoDataFrame) -> dict:
    return json.loads(geojson_bytes(gdf))


def _no_formula(value):
    """A text cell starting with = + - @ would run as a formula in Excel: make it plain text."""
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


def to_csv_frame(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    for col in df.columns:
        if df[col].dtype == object or pd.api.types.is_string_dtype(df[col]):
            df[col] = df[col].map(_no_formula)
    pts = gdf.geometry.representative_point()
    df["lon"] = pts.x.round(COORD_DECIMALS)
    df["lat"] = pts.y.round(COORD_DECIMALS)
    df["wkt"] = shapely.to_wkt(gdf.geometry.values, rounding_precision=COORD_DECIMALS)
    return df


def write(gdf: gpd.GeoDataFrame, fmt: str, path: str | os.PathLike) -> None:
    """Write ``gdf`` to the file ``path`` names (through symlinks), whole or not at all; devices, pipes and
    directories are refused."""
    atomic.write_bytes(resolve_target(path), _contents(gdf, fmt))


def to_bytes(gdf: gpd.GeoDataFrame, fmt: str) -> bytes:
    return bytes(_contents(gdf, fmt))


def _contents(gdf: gpd.GeoDataFrame, fmt: str) -> bytes | memoryview:
    """The file's bytes; GeoJSON as a view of the buffer it was built in (200 MB need not be copied to be written)."""
    if fmt == "geojson":
        return geojson_out.document(gdf, COORD_DECIMALS)
    if fmt == "csv":  # UTF-8 with BOM: Excel on Chinese Windows opens it without mojibake
        buf = io.StringIO()
        to_csv_frame(gdf).to_csv(buf, index=False)
        return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")
    if fmt == "kml":
        return kml.to_bytes(gdf)
    if fmt == "gpkg":
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "export.gpkg"
            if gdf.empty:
                pyogrio.write_dataframe(gdf, p, layer="projects_point", driver="GPKG")
            for layer, part in gdf.groupby(gdf.geometry.geom_type.map(layer_for)):
                pyogrio.write_dataframe(part, p, layer=layer, driver="GPKG",
                                        promote_to_multi=not layer.endswith("point"))
            return p.read_bytes()
    raise FilterError(f"未知格式 {fmt!r}", f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")


def export_file(fmt: str, out, gpkg=None, status=(), county=(), category=(), db: str | None = None) -> int:
    """The CLI's export: read the GeoPackage (or, with ``db``, the PostGIS store), filter, write. Returns the number
    of projects written."""
    if fmt not in FORMATS:
        raise FilterError(f"未知格式 {fmt!r}", f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")
    if db:
        from layers.stores import open_store
        st = open_store(db)
        resolve_target(out)
        gdf = filter_projects(st.require().projects(), status=status, county=county, category=category)
        return _write_export(gdf, fmt, out)
    path = gpkg_path(gpkg)
    if not path.exists():
        raise ExportError(f"找不到 GeoPackage {path}，请先运行 python -m layers build",
                          f"GeoPackage {path} not found; run `python -m layers build` first")
    if same_file(out, path):  # the same inode: a symlink or a hard link to the source is the source
        raise ExportError(f"--out {out} 就是正在读取的 GeoPackage，导出会毁掉它",
                          f"--out {out} is the GeoPackage being read; exporting onto it would destroy it")
    resolve_target(out)  # refuse a device or pipe before reading anything
    gdf = filter_projects(read_projects(path), status=status, county=county, category=category)
    return _write_export(gdf, fmt, out)


def _write_export(gdf, fmt: str, out) -> int:
    try:
        write(gdf[[c for c in fields.stored() if c in gdf.columns] + [gdf.geometry.name]], fmt, out)
    except OSError as err:
        raise ExportError(f"无法写入 {out}", f"cannot write {out} ({err.strerror or err})") from None
    return len(gdf)
