"""Open an uploaded file safely: ``read_geometries(data, filename)`` returns its geometries and declared CRS.

The format is the one the file name declares (``FORMATS``) and only that format's GDAL driver may read it. GDAL
otherwise picks a driver from the *content*, and some drivers are small programs: an OGR VRT saved as ``.kml`` or
inside a zip as ``.shp``, or GDALG JSON saved as ``.geojson``, opens any server file (``.streamlit/secrets.toml``,
``/etc/passwd`` through ``CSV:``), runs SQL and fetches URLs through ``/vsicurl/``. Defences, each one enough for
the attacks we know:

1. the bytes must be the declared format before GDAL sees them (:mod:`geo.upload_formats`): GDAL reads a GeoJSON
   rebuilt from its geometries (a ``crs`` only as a name, never a link), a KML with a ``<kml>`` root and no DOCTYPE,
   a Shapefile whose .shp/.shx carry the Shapefile header, a GeoPackage whose one feature table is a plain table
   listed in ``gpkg_contents``, with no views and no virtual tables but R-trees;
2. GDAL's virtual-format drivers (VRT, OGR_VRT, GDALG) are removed for the process, and the driver GDAL actually
   used must be one of the declared format's (``DRIVERS``);
3. GDAL has no network for the process: ``/vsicurl/`` and the file systems built on it accept no name, GDAL's own
   HTTP client goes to a proxy that takes no connection (``CPLHTTPFetch`` honours ``no_proxy``, hence defence 1),
   PROJ's network is off, and GDAL's SQL functions may not run from GeoPackage views or triggers;
4. GDAL is only ever given our own absolute temp path with a fixed name, never a name or path from the upload.

GDAL messages never show that temp path: it is replaced by the name of the file the user uploaded.
"""
from __future__ import annotations

import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pyogrio
import pyproj.network
import shapely

from geo.upload_errors import UploadError
from geo.upload_formats import MAX_UNZIPPED, geojson_for_gdal, geopackage_table, kml_for_gdal, unzip_shapefile

__all__ = ["DRIVERS", "FORMATS", "MAX_UNZIPPED", "FileGeometries", "UploadError", "harden_gdal", "read_geometries"]

FORMATS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".kml": "KML", ".zip": "Shapefile (zip)", ".gpkg": "GeoPackage"}
DRIVERS = {"GeoJSON": {"GeoJSON"}, "KML": {"LIBKML", "KML"}, "Shapefile (zip)": {"ESRI Shapefile"},
           "GeoPackage": {"GPKG"}}
_OPEN_OPTIONS = {"GeoPackage": {"LIST_ALL_TABLES": "NO"}}  # only the tables gpkg_contents lists
_SKIPPED_DRIVERS = ("VRT", "OGR_VRT", "GDALG")
_GDAL_CONFIG = {
    "GDAL_SKIP": " ".join(_SKIPPED_DRIVERS),
    "CPL_VSIL_CURL_ALLOWED_FILENAME": "/vsicurl/network-access-disabled.invalid",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".network-access-disabled",
    "GDAL_HTTP_PROXY": "http://127.0.0.1:9",  # the discard port: connection refused at once
    "GDAL_HTTP_CONNECTTIMEOUT": "1", "GDAL_HTTP_TIMEOUT": "2", "GDAL_HTTP_MAX_RETRY": "0",
    "PROJ_NETWORK": "OFF", "CPL_ALLOW_VSISTDIN": "NO", "LIBKML_RESOLVE_STYLE": "NO",
    "ALLOW_OGR_SQL_FUNCTIONS_FROM_TRIGGER_AND_VIEW": "NO", "ALLOW_VIRTUAL_OGR_FROM_TRIGGER_AND_VIEW": "NO",
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
}
_driver_lock = threading.Lock()


@dataclass(frozen=True)
class FileGeometries:
    geometries: list        # shapely geometries, one per feature (None where a feature has none)
    crs: str | None         # the CRS the file itself declares (.prj, GeoPackage SRS, GeoJSON crs); None if none
    fmt: str                # GeoJSON | KML | Shapefile (zip) | GeoPackage
    ids: list = None        # each feature's "id" attribute as text (None where it has none), for bulk imports


def harden_gdal() -> None:
    """No network and no virtual-format drivers for GDAL in this process (see the module docstring).

    Cheap, and run before every read, so that an option changed elsewhere in the process is set back."""
    pyogrio.set_gdal_config_options(_GDAL_CONFIG)
    pyproj.network.set_network_enabled(False)
    with _driver_lock:
        if set(_SKIPPED_DRIVERS) & set(pyogrio.list_drivers()):
            from pyogrio._ogr import _register_drivers  # GDALAllRegister() deregisters what GDAL_SKIP names
            _register_drivers()


def read_geometries(data: bytes, filename: str) -> FileGeometries:
    """All geometries of an uploaded file, read with its declared format's driver only; see the module docstring.
    Raises UploadError; checks nothing about the geometries themselves (see geo.upload)."""
    if not data:
        raise UploadError("文件是空的。", "The file is empty.")
    shown = Path(filename or "").name or "upload"
    suffix = Path(shown).suffix.lower()
    fmt = FORMATS.get(suffix)
    if fmt is None:
        raise UploadError(f"不支持的文件类型 {suffix or '(无扩展名)'}；支持 GeoJSON、KML、zip 压缩的 Shapefile、GeoPackage。",
                          f"Unsupported file type {suffix or '(no extension)'}; use GeoJSON, KML, a zipped "
                          f"Shapefile or a GeoPackage.")
    harden_gdal()
    with tempfile.TemporaryDirectory(prefix="upload-") as tmp:
        folder = Path(tmp).resolve()
        bases = {tmp, str(folder)}
        names = {f"upload{suffix}": shown}  # our file name -> the name the user knows, for messages
        table, crs_declared = None, True
        if fmt == "GeoJSON":
            clean, crs_declared = geojson_for_gdal(data, shown)
            path = _write(folder, ".geojson", clean)
        elif fmt == "KML":
            crs_declared = False
            path = _write(folder, ".kml", kml_for_gdal(data, shown))
        elif fmt == "GeoPackage":
            if not data.startswith(b"SQLite format 3\x00"):
                raise UploadError("这不是 GeoPackage（SQLite）文件。", "This is not a GeoPackage (SQLite) file.")
            path = _write(folder, ".gpkg", data)
            table = geopackage_table(path, data, shown)
        else:
            path, names = unzip_shapefile(data, folder)
        geoms, crs, ids = _read_layers(path, fmt, table, lambda text: _scrub(text, bases, names), shown)
    return FileGeometries(geoms, crs if crs_declared else None, fmt, ids)


def _write(folder: Path, suffix: str, data: bytes) -> Path:
    path = folder / f"upload{suffix}"  # absolute, fixed name: never a GDAL connection string
    path.write_bytes(data)
    return path


def _scrub(text: str, bases: set[str], names: dict[str, str]) -> str:
    """A GDAL message with our temp paths replaced by the names of the files the user uploaded."""
    for base in sorted(bases, key=len, reverse=True):
        for ours, theirs in names.items():
            text = text.replace(f"{base}/{ours}", theirs)
        text = text.replace(base + "/", "").replace(base, "")
    for ours, theirs in names.items():
        text = re.sub(rf"(?<![\w.]){re.escape(ours)}(?![\w.])", lambda _: theirs, text)
    return re.sub(r"(?:/[^\s/'\"]+)*/upload-[A-Za-z0-9_]+(?:/[^\s'\"]*)?", "", text)  # any other temp dir of ours


# ------------------------------------------------------------------------------------------------ GDAL

def _read_layers(path: Path, fmt: str, table: str | None, scrub, shown: str) -> tuple[list, str | None, list]:
    """The geometries of every feature layer (or the first layer), the first CRS found and each feature's "id"
    (None where the layer has no such field), by the format's driver."""
    options = _OPEN_OPTIONS.get(fmt, {})
    try:
        if table is not None or fmt != "KML":
            names = [table]  # a GeoPackage's checked table; GeoJSON and Shapefile have one layer (None: the first)
        else:
            layers = pyogrio.list_layers(path)  # KML: a layer per folder
            names = [name for name, gtype in layers if gtype is not None] or [name for name, _ in layers[:1]]
        geoms, crs, ids = [], None, []
        for name in names:
            info = pyogrio.read_info(path, layer=name, **options)
            if info["driver"] not in DRIVERS[fmt]:
                raise UploadError(f"{shown} 不是 {fmt} 文件（内容是 {info['driver']} 格式）。",
                                  f"{shown} is not a {fmt} file (its content is {info['driver']}).")
            columns = ["id"] if "id" in list(info["fields"]) else []
            meta, _, wkb, values = pyogrio.raw.read(path, layer=name, columns=columns, read_geometry=True, **options)
            found = _from_wkb(wkb, shown) if wkb is not None else []
            geoms += found
            ids += [_text_id(v) for v in values[0]] if columns else [None] * len(found)
            crs = crs or meta.get("crs")
    except (UploadError, RecursionError, MemoryError):
        raise
    except Exception as e:  # GDAL's message is the most useful one here, without our paths
        msg = scrub(str(e))
        raise UploadError(f"无法读取 {shown}（{fmt}）：{msg}", f"Cannot read {shown} ({fmt}): {msg}") from None
    return geoms, crs, ids


def _text_id(value) -> str | None:
    if value is None or isinstance(value, float) and value != value:
        return None
    text = str(int(value) if isinstance(value, float) and value.is_integer() else value).strip()
    return text or None


def _from_wkb(wkb, shown: str) -> list:
    try:
        return list(shapely.from_wkb(wkb))
    except shapely.errors.GEOSException as e:
        if "closed" in str(e):
            raise UploadError(f"{shown} 中有面的边界环没有闭合（首尾坐标不同）。请在 GIS 软件中修正后重新上传。",
                              f"A polygon ring in {shown} is not closed (its first and last points differ). Fix "
                              f"it in a GIS and upload again.") from None
        raise UploadError(f"{shown} 中有无法解析的几何：{e}", f"{shown} has a geometry that cannot be read: {e}") \
            from None
