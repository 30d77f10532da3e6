"""Make sure an upload is the format its name declares before GDAL sees it (see :mod:`geo.upload_read`).

- GeoJSON is parsed here, and GDAL gets a copy rebuilt from its geometries alone: ``type``, ``coordinates``,
  ``geometries`` and, if present, a ``crs`` that is a CRS *name* (``EPSG:4548``, an OGC URN or URL), never a link
  (GDAL would fetch it) or anything else;
- KML must have a ``<kml>`` root element and no DOCTYPE or ENTITY declaration;
- a zipped Shapefile: only its .shp/.shx/.dbf/.prj/.cpg are unpacked, each under a fixed name, and the .shp and .shx
  must carry the Shapefile header (file code 9994, version 1000);
- a GeoPackage is inspected with Python's SQLite, which has none of GDAL's SQL functions: GeoPackage application
  id, no views, no virtual tables but R-trees, one feature table listed in ``gpkg_contents`` that is a plain table
  without generated columns.
"""
from __future__ import annotations

import io
import json
import re
import sqlite3
import zipfile
import zlib
from pathlib import Path
from urllib.parse import quote

from geo.upload_errors import UploadError

__all__ = ["MAX_UNZIPPED", "geojson_for_gdal", "geopackage_table", "kml_for_gdal", "unzip_shapefile"]

MAX_UNZIPPED = 100 * 1024 * 1024
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_GEOJSON_GEOMETRIES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                       "GeometryCollection"}
_CRS_NAME = re.compile(r"EPSG:\d{1,6}|urn:ogc:def:crs:[A-Za-z0-9.]+:[A-Za-z0-9.]*:[A-Za-z0-9.]+"
                       r"|https?://www\.opengis\.net/def/crs/[A-Za-z0-9.]+/[A-Za-z0-9.]+/[A-Za-z0-9.]+", re.I)
_GPKG_IDS = {b"GPKG", b"GP10", b"GP11"}


def _short(value, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _check_utf8(data: bytes, what: str) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        guess = ""
        try:
            data.decode("gb18030")
            guess = "（看起来是 GBK/GB18030）"
        except UnicodeDecodeError:
            pass
        raise UploadError(f"{what} 文件不是 UTF-8 编码{guess}，第 {e.start} 字节处无法解码。请另存为 UTF-8 后重新上传。",
                          f"The {what} file is not UTF-8 encoded (undecodable byte at offset {e.start}"
                          f"{'; it looks like GBK/GB18030' if guess else ''}). Save it as UTF-8 and upload again.") \
            from None


def _type(obj) -> str:
    """A GeoJSON object's "type" member, as text (whatever the upload put there)."""
    kind = obj.get("type") if isinstance(obj, dict) else type(obj).__name__
    return kind if isinstance(kind, str) else repr(kind)


def _nested() -> UploadError:
    return UploadError("GeoJSON 嵌套层数过深，无法读取。", "The GeoJSON is nested too deeply to read.")


def geojson_for_gdal(data: bytes, shown: str) -> tuple[bytes, bool]:
    """The GeoJSON rebuilt from its geometries (and a named crs) only, and whether it declares a crs."""
    _check_utf8(data, "GeoJSON")
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except json.JSONDecodeError as e:
        raise UploadError(f"GeoJSON 格式错误（第 {e.lineno} 行第 {e.colno} 列）：{e.msg}",
                          f"Malformed GeoJSON (line {e.lineno}, column {e.colno}): {e.msg}") from None
    except RecursionError:
        raise _nested() from None
    kind = _type(doc)
    if kind == "FeatureCollection" and isinstance(doc.get("features"), list):
        features = doc["features"]
    elif kind == "Feature" or kind in _GEOJSON_GEOMETRIES:
        features = [doc]
    else:
        raise UploadError(f"{shown} 不是 GeoJSON（type 为 {_short(kind)!r}；GeoJSON 应为 FeatureCollection、Feature 或几何）。",
                          f"{shown} is not GeoJSON (its type is {_short(kind)!r}; GeoJSON is a FeatureCollection, "
                          f"a Feature or a geometry).")
    clean = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": _id_property(f), "geometry": _geometry(_feature_geometry(f, i), i)}
        for i, f in enumerate(features, 1)]}
    has_crs = isinstance(doc, dict) and doc.get("crs") is not None
    if has_crs:
        clean["crs"] = _named_crs(doc["crs"])
    try:
        return json.dumps(clean).encode("utf-8"), has_crs
    except RecursionError:
        raise _nested() from None


def _id_property(feature) -> dict:
    """{"id": …} when a feature names a project (properties.id, else the Feature's own id) — text only, short;
    nothing else of the upload's properties reaches GDAL."""
    props = feature.get("properties") if isinstance(feature, dict) else None
    value = props.get("id") if isinstance(props, dict) else None
    if value is None and isinstance(feature, dict):
        value = feature.get("id")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return {}
    text = str(value).strip()
    return {"id": text} if 0 < len(text) <= 64 and text.isprintable() else {}


def _feature_geometry(feature, i: int):
    if _type(feature) in _GEOJSON_GEOMETRIES:
        return feature
    if _type(feature) != "Feature":
        raise UploadError(f"GeoJSON 第 {i} 个要素不是 Feature。", f"GeoJSON feature {i} is not a Feature.")
    return feature.get("geometry")


def _geometry(g, i: int, depth: int = 0):
    """Only type, coordinates and geometries: GDAL sees nothing else of the upload."""
    if g is None:
        return None
    if depth > 8:
        raise _nested()
    if _type(g) not in _GEOJSON_GEOMETRIES:
        raise UploadError(f"GeoJSON 第 {i} 个要素的几何类型 {_short(_type(g))!r} 无法识别。",
                          f"GeoJSON feature {i} has an unknown geometry type {_short(_type(g))!r}.")
    if g["type"] == "GeometryCollection":
        parts = g.get("geometries")
        return {"type": "GeometryCollection",
                "geometries": [_geometry(p, i, depth + 1) for p in (parts if isinstance(parts, list) else [])]}
    return {"type": g["type"], "coordinates": g.get("coordinates")}


def _named_crs(crs) -> dict:
    crs = crs if isinstance(crs, dict) else {}
    props = crs.get("properties") if isinstance(crs.get("properties"), dict) else {}
    name = props.get("name")
    if crs.get("type") == "EPSG" and isinstance(props.get("code"), int):  # the 2008 GeoJSON draft's form
        name = f"EPSG:{props['code']}"
    elif crs.get("type") != "name":
        name = None
    if not isinstance(name, str) or not _CRS_NAME.fullmatch(name):
        raise UploadError("GeoJSON 的 crs 只能是坐标系名称（如 EPSG:4548），不能是链接或文件。请删除 crs，改为声明 EPSG 代码。",
                          "A GeoJSON crs may only be a CRS name (such as EPSG:4548), not a link or a file. Remove "
                          "the crs and declare the EPSG code instead.")
    return {"type": "name", "properties": {"name": name}}


_XML_PROLOG = re.compile(r"\s*(?:(?:<\?[^>]*\?>|<!--.*?-->)\s*)*", re.S)


def kml_for_gdal(data: bytes, shown: str) -> bytes:
    _check_utf8(data, "KML")
    text = data.decode("utf-8-sig")
    if re.search(r"<!(?:DOCTYPE|ENTITY)", text, re.I):
        raise UploadError(f"{shown} 含有 DOCTYPE/ENTITY 声明；KML 不需要它们，出于安全原因不接受。",
                          f"{shown} has a DOCTYPE/ENTITY declaration; KML needs none, and it is refused for safety.")
    root = re.match(r"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)", text[_XML_PROLOG.match(text).end():])
    if not root or root.group(1) != "kml":
        found = f"<{_short(root.group(1))}>" if root else "没有 XML 元素 / no XML element"
        raise UploadError(f"{shown} 不是 KML 文件（根元素是 {found}，应为 <kml>）。",
                          f"{shown} is not a KML file (its root element is {found}, not <kml>).")
    return data


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """One member's bytes; a damaged, encrypted or oddly compressed member is an UploadError, not a traceback."""
    member = Path(info.filename).name
    try:
        return zf.read(info)
    except (zipfile.BadZipFile, zlib.error, EOFError) as e:
        raise UploadError(f"zip 文件已损坏：其中的 {member} 无法解压（{e}）。请重新打包后上传。",
                          f"The zip file is damaged: {member} cannot be unpacked ({e}). Zip it again and upload.") \
            from None
    except (RuntimeError, NotImplementedError) as e:  # encrypted, or a compression method zipfile lacks
        raise UploadError(f"zip 中的 {member} 无法解压（加密或不支持的压缩方式：{e}）。请用普通 zip 重新打包。",
                          f"{member} in the zip cannot be unpacked (encrypted or unsupported compression: {e}). "
                          "Zip it again as a plain zip.") from None


def unzip_shapefile(data: bytes, folder: Path) -> tuple[Path, dict[str, str]]:
    """The Shapefile's parts written as upload.shp, upload.shx, …; returns the .shp and {our name: member name}."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UploadError("zip 文件已损坏或不是 zip。", "The zip file is damaged or not a zip.") from None
    names = {}
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir() and not Path(i.filename).name.startswith(".")
                 and "__MACOSX" not in i.filename]
        if sum(i.file_size for i in infos) > MAX_UNZIPPED:
            raise UploadError(f"zip 解压后超过 {MAX_UNZIPPED // 2**20} MB。",
                              f"The zip unpacks to more than {MAX_UNZIPPED // 2**20} MB.")
        shps = [i for i in infos if i.filename.lower().endswith(".shp")]
        if not shps:
            raise UploadError("zip 中没有 .shp 文件（Shapefile 需要 .shp、.shx、.dbf，最好还有 .prj）。",
                              "The zip holds no .shp file (a Shapefile needs .shp, .shx, .dbf and ideally .prj).")
        if len(shps) > 1:
            listed = ", ".join(Path(i.filename).name for i in shps)
            raise UploadError(f"zip 中有多个 Shapefile（{listed}），请只放一个。",
                              f"The zip holds several Shapefiles ({listed}); upload one at a time.")
        stem = shps[0].filename[:-4]
        # only the parts GDAL needs, each under a fixed safe name: no path from the archive is ever used on disk
        for info in infos:
            ext = info.filename[len(stem):].lower()
            if info.filename[:len(stem)] == stem and ext in _SHAPEFILE_PARTS:
                (folder / f"upload{ext}").write_bytes(_read_member(zf, info))
                names[f"upload{ext}"] = Path(info.filename).name
    missing = [ext for ext in (".shx", ".dbf") if not (folder / f"upload{ext}").exists()]
    if missing:
        raise UploadError(f"Shapefile 缺少 {'、'.join(missing)} 文件。", f"The Shapefile lacks its {', '.join(missing)}.")
    for ext in (".shp", ".shx"):  # file code 9994, version 1000: anything else is some other format in disguise
        head = (folder / f"upload{ext}").read_bytes()[:100]
        if len(head) < 100 or head[:4] != b"\x00\x00\x27\x0a" or head[28:32] != b"\xe8\x03\x00\x00":
            raise UploadError(f"zip 中的 {names[f'upload{ext}']} 不是 Shapefile 文件（文件头不对）。",
                              f"{names[f'upload{ext}']} in the zip is not a Shapefile file (wrong header).")
    return folder / "upload.shp", names


def geopackage_table(path: Path, data: bytes, shown: str) -> str:
    """The one feature table of a GeoPackage, after checking its schema with SQLite alone (no GDAL functions)."""
    if data[68:72] not in _GPKG_IDS:
        raise UploadError(f"{shown} 是 SQLite 数据库，但不是 GeoPackage（缺少 GeoPackage 标识）。",
                          f"{shown} is an SQLite database but not a GeoPackage (no GeoPackage application id).")
    con = sqlite3.connect(f"file:{quote(str(path))}?mode=ro&immutable=1", uri=True)
    try:
        con.execute("PRAGMA trusted_schema = OFF")
        objects = {name.lower(): (kind, sql or "") for kind, name, sql in
                   con.execute("SELECT type, name, sql FROM sqlite_master")}
        views = sorted(n for n, (kind, _) in objects.items() if kind == "view")
        virtual = sorted(n for n, (kind, sql) in objects.items() if kind == "table" and re.match(
            r"\s*CREATE\s+VIRTUAL\s+TABLE\s.*?\bUSING\s+(?!rtree\b)", sql, re.I | re.S))
        if views or virtual:
            listed = _short(", ".join(views + virtual), 80)
            raise UploadError(f"GeoPackage 含有视图或虚拟表（{listed}），出于安全原因不接受。请只导出要素图层（普通表）。",
                              f"The GeoPackage has a view or virtual table ({listed}), refused for safety. Export "
                              f"only the feature layer (a plain table).")
        if objects.get("gpkg_contents", ("",))[0] != "table":
            raise UploadError(f"{shown} 不是 GeoPackage（没有 gpkg_contents 表）。",
                              f"{shown} is not a GeoPackage (no gpkg_contents table).")
        tables = [t for (t,) in con.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'")]
        if len(tables) > 1:
            listed = _short(", ".join(map(str, tables)), 80)
            raise UploadError(f"GeoPackage 中有多个图层（{listed}），请只导出需要的一个图层。",
                              f"The GeoPackage has several layers ({listed}); export only one.")
        if not tables or objects.get(str(tables[0]).lower(), ("",))[0] != "table":
            raise UploadError("GeoPackage 中没有要素图层。", "The GeoPackage has no feature layer.")
        if any(hidden in (2, 3) for (hidden,) in con.execute("SELECT hidden FROM pragma_table_xinfo(?)", tables)):
            raise UploadError("GeoPackage 的图层含有计算列（generated column），出于安全原因不接受。",
                              "The GeoPackage layer has generated columns, refused for safety.")
        return str(tables[0])
    except sqlite3.DatabaseError as e:
        raise UploadError(f"GeoPackage 已损坏：{e}", f"The GeoPackage is damaged: {e}") from None
    finally:
        con.close()
