"""Read an editor's uploaded geometry (GeoJSON, KML, zipped Shapefile, GeoPackage) and check it before it is saved.

``read_upload(data, filename, …)`` returns one WGS84 geometry for a project, or raises :class:`UploadError` with a
Chinese + English message; nothing is ever written here. Checks, in order:

- size (``MAX_BYTES``, 20 MB; a zip's unpacked size too), file type, text encoding (GeoJSON and KML must be UTF-8),
  readability;
- at least one non-empty geometry, one kind only (points, lines or polygons);
- coordinate system: the file's own (a Shapefile's ``.prj``, a GeoPackage's SRS, a GeoJSON ``crs`` member) or an
  EPSG code the user declares; GeoJSON and KML without one are WGS84. Declared Amap (GCJ-02) coordinates are
  converted to WGS84 with :func:`geo.crs.geom_gcj02_to_wgs84`;
- the region: every coordinate inside lon 115.0–116.8, lat 35.6–37.2 (Liaocheng with a margin); swapped lon/lat and
  projected metres without a declared CRS are recognised and named;
- validity: an invalid polygon is repaired with ``shapely.make_valid`` only when that is safe (still the same number
  of polygons, area within 1 %); otherwise it is rejected (e.g. a figure-8 "bow-tie");
- the kind the project's category allows (``allowed_kinds_for``).

``check_geometry`` runs the same geometric checks on a geometry drawn on the map.
"""
from __future__ import annotations

import io
import json
import re
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo.crs import geom_gcj02_to_wgs84, transformer

MAX_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED = 5 * MAX_BYTES
REGION = (115.0, 35.6, 116.8, 37.2)  # lon min, lat min, lon max, lat max
REPAIR_AREA_TOLERANCE = 0.01

KIND_ZH = {"Point": "点", "LineString": "线", "Polygon": "面"}
SUFFIXES = {".geojson": "GeoJSON", ".json": "GeoJSON", ".kml": "KML", ".zip": "Shapefile (zip)", ".gpkg": "GeoPackage"}

# Which geometry kinds a project of each category may have (categories of layers.vocab). A point is always allowed
# where a polygon is: a site known only by its location. Categories not listed accept every kind.
_LINE = {"LineString"}
_SITE = {"Point", "Polygon"}
CATEGORY_KINDS = {
    "river": _LINE, "railway": _LINE, "railway_spur": _LINE, "expressway": _LINE, "highway": _LINE,
    "urban_road": _LINE,
    "bridge": {"Point", "LineString"},
    "sluice": {"Point"},
    "reservoir": _SITE, "irrigation_district": _SITE, "airport": _SITE, "wetland_park": _SITE,
    "quarry_restoration": _SITE, "industrial_park": _SITE, "hospital": _SITE, "culture": _SITE,
    "science_park": _SITE, "logistics": _SITE, "cooperation_zone": _SITE,
}


class UploadError(ValueError):
    """An upload that cannot be used. ``zh`` and ``en`` say why; nothing was changed."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


@dataclass
class Upload:
    geometry: object              # shapely geometry in WGS84 (EPSG:4326)
    kind: str                     # Point | LineString | Polygon
    source_crs: str               # the CRS the coordinates were read in
    n_features: int
    notes: list[str] = field(default_factory=list)  # what was done to it (reprojected, converted, repaired, merged)


def allowed_kinds_for(category: str | None) -> set[str]:
    return set(CATEGORY_KINDS.get(category or "", {"Point", "LineString", "Polygon"}))


def kinds_zh(kinds) -> str:
    order = ["Point", "LineString", "Polygon"]
    return "、".join(KIND_ZH[k] for k in order if k in kinds)


def kinds_en(kinds) -> str:
    names = {"Point": "point", "LineString": "line", "Polygon": "polygon"}
    return " or ".join(names[k] for k in ["Point", "LineString", "Polygon"] if k in kinds)


# ------------------------------------------------------------------------------------------------ reading

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


def _unzip_shapefile(data: bytes, folder: Path) -> Path:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UploadError("zip 文件已损坏或不是 zip。", "The zip file is damaged or not a zip.") from None
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
            names = ", ".join(Path(i.filename).name for i in shps)
            raise UploadError(f"zip 中有多个 Shapefile（{names}），请只放一个。",
                              f"The zip holds several Shapefiles ({names}); upload one at a time.")
        stem = shps[0].filename[:-4]
        # members are written under a fixed safe name: no path from the archive is ever used on disk
        for info in infos:
            name = info.filename
            if name[:len(stem)] == stem and re.fullmatch(r"\.[A-Za-z0-9.]{1,10}", name[len(stem):]):
                (folder / ("upload" + name[len(stem):].lower())).write_bytes(_read_member(zf, info))
    shp = folder / "upload.shp"
    missing = [ext for ext in (".shx", ".dbf") if not (folder / f"upload{ext}").exists()]
    if missing:
        raise UploadError(f"Shapefile 缺少 {'、'.join(missing)} 文件。", f"The Shapefile lacks its {', '.join(missing)}.")
    return shp


def _read_frames(path: Path, fmt: str):
    """All geometries of the file as a list of (GeoDataFrame-like arrays): [(geometries, crs or None)]."""
    try:
        layers = pyogrio.list_layers(path)
    except Exception as e:  # GDAL's message is the most useful one here
        raise UploadError(f"无法读取 {fmt} 文件：{e}", f"Cannot read the {fmt} file: {e}") from None
    feature_layers = [name for name, gtype in layers if gtype is not None]
    if fmt == "GeoPackage" and len(feature_layers) > 1:
        raise UploadError(f"GeoPackage 中有多个图层（{', '.join(feature_layers)}），请只导出需要的一个图层。",
                          f"The GeoPackage has several layers ({', '.join(feature_layers)}); export only one.")
    out = []
    for name in feature_layers or [layers[0][0]] if len(layers) else []:
        try:
            meta, _, geoms, _ = pyogrio.raw.read(path, layer=name, columns=[], read_geometry=True)
        except Exception as e:
            raise UploadError(f"无法读取 {fmt} 文件：{e}", f"Cannot read the {fmt} file: {e}") from None
        out.append((shapely.from_wkb(geoms) if geoms is not None else np.array([]), meta.get("crs")))
    return out


def _explode(geoms) -> list:
    parts = []
    for g in geoms:
        if g is None or g.is_empty:
            continue
        g = shapely.force_2d(g)
        if g.geom_type == "GeometryCollection":
            parts += _explode(list(g.geoms))
        else:
            parts.append(g)
    return parts


def kind_of(g) -> str:
    return g.geom_type.removeprefix("Multi").replace("LinearRing", "LineString")


def _combine(parts: list, kind: str, notes: list[str]):
    if len(parts) == 1:
        return parts[0]
    if kind == "Point":
        pts = [p for g in parts for p in (g.geoms if g.geom_type == "MultiPoint" else [g])]
        return shapely.MultiPoint(pts)
    if kind == "LineString":
        lines = [p for g in parts for p in (g.geoms if g.geom_type == "MultiLineString" else [g])]
        merged = shapely.line_merge(shapely.MultiLineString(lines))
        notes.append(f"{len(parts)} 个线要素已合并 / {len(parts)} line features merged")
        return merged
    polys = [p for g in parts for p in (g.geoms if g.geom_type == "MultiPolygon" else [g])]
    notes.append(f"{len(parts)} 个面要素已合并 / {len(parts)} polygon features merged")
    return shapely.MultiPolygon(polys) if all(p.is_valid for p in polys) and \
        shapely.MultiPolygon(polys).is_valid else shapely.union_all(polys)


def _crs_label(crs: CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def _parse_crs(value, what_zh: str, what_en: str) -> CRS:
    try:
        return CRS.from_user_input(value)
    except CRSError:
        raise UploadError(f"无法识别{what_zh}坐标系：{value}", f"Unrecognised {what_en} CRS: {value}") from None


def read_upload(data: bytes, filename: str, *, epsg: int | str | None = None, amap: bool = False,
                allowed_kinds: set[str] | None = None, max_bytes: int = MAX_BYTES) -> Upload:
    """Parse and check an uploaded file; see the module docstring."""
    if len(data) > max_bytes:
        raise UploadError(f"文件大小 {len(data) / 2**20:.1f} MB，超过上限 {max_bytes / 2**20:.0f} MB。",
                          f"The file is {len(data) / 2**20:.1f} MB, over the {max_bytes / 2**20:.0f} MB limit.")
    if not data:
        raise UploadError("文件是空的。", "The file is empty.")
    suffix = Path(filename or "").suffix.lower()
    fmt = SUFFIXES.get(suffix)
    if fmt is None:
        raise UploadError(f"不支持的文件类型 {suffix or '(无扩展名)'}；支持 GeoJSON、KML、zip 压缩的 Shapefile、GeoPackage。",
                          f"Unsupported file type {suffix or '(no extension)'}; use GeoJSON, KML, a zipped "
                          f"Shapefile or a GeoPackage.")
    explicit_crs = None
    with tempfile.TemporaryDirectory(prefix="upload-") as tmp:
        folder = Path(tmp)
        if fmt == "GeoJSON":
            _check_utf8(data, "GeoJSON")
            try:
                doc = json.loads(data.decode("utf-8-sig"))
            except json.JSONDecodeError as e:
                raise UploadError(f"GeoJSON 格式错误（第 {e.lineno} 行第 {e.colno} 列）：{e.msg}",
                                  f"Malformed GeoJSON (line {e.lineno}, column {e.colno}): {e.msg}") from None
            has_crs_member = isinstance(doc, dict) and "crs" in doc
            path = folder / "upload.geojson"
            path.write_bytes(data)
        elif fmt == "KML":
            _check_utf8(data, "KML")
            has_crs_member = False
            path = folder / "upload.kml"
            path.write_bytes(data)
        elif fmt == "GeoPackage":
            if not data.startswith(b"SQLite format 3\x00"):
                raise UploadError("这不是 GeoPackage（SQLite）文件。", "This is not a GeoPackage (SQLite) file.")
            path = folder / "upload.gpkg"
            path.write_bytes(data)
        else:
            path = _unzip_shapefile(data, folder)
        frames = _read_frames(path, fmt)
        geoms = [g for arr, _ in frames for g in arr]
        crs_values = {c for _, c in frames if c}
        if fmt == "GeoJSON":
            explicit_crs = next(iter(crs_values)) if has_crs_member and crs_values else None
        elif fmt in ("GeoPackage", "Shapefile (zip)"):
            explicit_crs = next(iter(crs_values)) if crs_values else None
    parts = _explode(geoms)
    if not parts:
        raise UploadError("文件中没有任何几何（要素为空或没有坐标）。", "The file contains no geometry (no features or empty ones).")
    kinds = {kind_of(g) for g in parts}
    if len(kinds) > 1:
        raise UploadError(f"文件同时包含{kinds_zh(kinds)}，请只保留一种几何类型。",
                          f"The file mixes {kinds_en(kinds)} geometries; keep one kind only.")
    kind = kinds.pop()
    notes: list[str] = []

    # coordinate system
    src = None
    if epsg not in (None, ""):
        declared = _parse_crs(f"EPSG:{str(epsg).upper().removeprefix('EPSG:')}", "声明的", "declared")
        if explicit_crs is not None and not _parse_crs(explicit_crs, "文件的", "file").equals(declared,
                                                                                          ignore_axis_order=True):
            file_label = _crs_label(_parse_crs(explicit_crs, "文件的", "file"))
            raise UploadError(f"文件自带坐标系 {file_label}，与声明的 {_crs_label(declared)} 不一致；请取消声明或修正文件。",
                              f"The file declares {file_label}, which differs from the declared "
                              f"{_crs_label(declared)}; clear the declaration or fix the file.")
        src = declared
    elif explicit_crs is not None:
        src = _parse_crs(explicit_crs, "文件的", "file")
    else:
        src = CRS.from_epsg(4326)
        if fmt in ("Shapefile (zip)", "GeoPackage"):
            notes.append("文件没有坐标系（缺少 .prj），按 WGS84 经纬度读取 / no CRS in the file (.prj missing): read as "
                         "WGS84 lon/lat")
    label = _crs_label(src)
    if amap and not src.is_geographic:
        raise UploadError(f"声明为高德（GCJ-02）坐标，但坐标系 {label} 是投影坐标；高德坐标应为经纬度。",
                          f"Amap (GCJ-02) coordinates were declared, but {label} is projected; Amap coordinates "
                          f"are lon/lat.")
    geom = _combine(parts, kind, notes)
    if not src.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        t = transformer(src.to_wkt(), "EPSG:4326")
        geom = shapely.transform(geom, lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))
        notes.append(f"已从 {label} 转换为 WGS84 / reprojected from {label} to WGS84")
    if amap:
        _check_region(geom, amap=True)
        geom = geom_gcj02_to_wgs84(geom)
        notes.append("已从高德 GCJ-02 转换为 WGS84 / converted from Amap GCJ-02 to WGS84")
    geom, more = check_geometry(geom, allowed_kinds=allowed_kinds)
    return Upload(geom, kind, label, len(parts), notes + more)


# ------------------------------------------------------------------------------------------------ checks

def _check_region(geom, *, amap: bool = False) -> None:
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        raise UploadError("坐标中有非数值（NaN/无穷大）。", "Some coordinates are not numbers (NaN/inf).")
    x, y = coords[:, 0], coords[:, 1]
    x0, y0, x1, y1 = REGION
    inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    if inside.all():
        return
    ext = f"{x.min():.4f}–{x.max():.4f}, {y.min():.4f}–{y.max():.4f}"
    if ((y >= x0) & (y <= x1) & (x >= y0) & (x <= y1)).all():
        raise UploadError(f"经纬度似乎颠倒了（第一个数在 {x.min():.2f}–{x.max():.2f}，像纬度）。请按“经度, 纬度”顺序导出。",
                          f"Longitude and latitude look swapped (the first value is {x.min():.2f}–{x.max():.2f}, "
                          f"a latitude). Export as lon, lat.")
    if (np.abs(x) > 180).any() or (np.abs(y) > 90).any():
        raise UploadError(f"坐标像是投影坐标（米，范围 {ext}），但未给出坐标系。请声明 EPSG 代码（如 4548）或附上 .prj。",
                          f"The coordinates look projected (metres, {ext}) but no CRS was given. Declare the EPSG "
                          f"code (e.g. 4548) or include the .prj.")
    share = 1 - inside.mean()
    raise UploadError(
        f"{share:.0%} 的坐标在聊城范围（经度 {x0}–{x1}，纬度 {y0}–{y1}）之外；文件范围：{ext}。"
        + ("（已声明高德坐标）" if amap else ""),
        f"{share:.0%} of the coordinates are outside the Liaocheng region (lon {x0}–{x1}, lat {y0}–{y1}); the "
        f"file spans {ext}." + (" (Amap coordinates declared)" if amap else ""))


def _polygon_parts(g) -> list:
    if g.geom_type == "Polygon":
        return [g]
    if g.geom_type in ("MultiPolygon", "GeometryCollection"):
        return [p for part in g.geoms for p in _polygon_parts(part)]
    return []


def _repair_polygon(geom):
    """make_valid if it keeps the polygon count and area (within 1 %); None if the repair is not safe."""
    fixed = shapely.make_valid(geom)
    # zero-area leftovers (a spike becomes a line) are dropped; the polygon count and the area must not change
    polys = [p for p in _polygon_parts(fixed) if not p.is_empty]
    n_before = len(_polygon_parts(geom))
    if not polys or len(polys) != n_before:
        return None
    repaired = polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
    shells = shapely.union_all([shapely.Polygon(p.exterior) for p in _polygon_parts(geom)])
    holes = sum(shapely.Polygon(r).area for p in _polygon_parts(geom) for r in p.interiors)
    expected = shells.area - holes if shells.is_valid else abs(geom.area)
    if expected <= 0 or abs(repaired.area - expected) / expected > REPAIR_AREA_TOLERANCE:
        return None
    return repaired


def check_geometry(geom, *, allowed_kinds: set[str] | None = None) -> tuple[object, list[str]]:
    """Region, validity and kind checks of a WGS84 geometry (uploaded or drawn). Returns (geometry, notes)."""
    notes: list[str] = []
    if geom is None or geom.is_empty:
        raise UploadError("几何为空。", "The geometry is empty.")
    geom = shapely.force_2d(geom)
    kind = kind_of(geom)
    if kind not in KIND_ZH:
        raise UploadError(f"不支持的几何类型 {geom.geom_type}。", f"Unsupported geometry type {geom.geom_type}.")
    _check_region(geom)
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        if kind == "Polygon":
            fixed = _repair_polygon(geom)
            if fixed is None:
                raise UploadError(f"面几何无效（{reason}），例如自相交的“8”字形，无法安全自动修复。请在 GIS 软件中修正后重新上传。",
                                  f"Invalid polygon ({reason}), e.g. a self-intersecting figure-8, that cannot be "
                                  f"repaired safely. Fix it in a GIS and upload again.")
            geom = fixed
            notes.append(f"面几何已自动修复（{reason}），面积变化小于 1% / polygon repaired ({reason}); area "
                         f"changed by less than 1%")
        else:
            raise UploadError(f"几何无效（{reason}），例如只有一个点的线。", f"Invalid geometry ({reason}), e.g. a line "
                              f"with a single distinct point.")
    if allowed_kinds is not None and kind not in allowed_kinds:
        raise UploadError(f"该项目的类别只接受{kinds_zh(allowed_kinds)}几何，上传的是{KIND_ZH[kind]}。",
                          f"This project's category takes {kinds_en(allowed_kinds)} geometry; this is a "
                          f"{kinds_en({kind})}.")
    if kind == "Point" and geom.geom_type == "MultiPoint" and len(geom.geoms) > 1:
        raise UploadError(f"文件中有 {len(geom.geoms)} 个点，一个项目只能有一个点位。",
                          f"The file has {len(geom.geoms)} points; a project has one point location.")
    return geom, notes
