"""Read an editor's uploaded geometry (GeoJSON, KML, zipped Shapefile, GeoPackage) and check it before it is saved.

``read_upload(data, filename, …)`` returns one WGS84 geometry for a project, or raises :class:`UploadError` with a
Chinese + English message; nothing is ever written here, and no failure is ever anything but an UploadError.
Checks, in order:

- size (``MAX_BYTES``, 20 MB; a zip's unpacked size too), file type, text encoding (GeoJSON and KML must be UTF-8),
  readability — the file is opened by :mod:`geo.upload_read`, with the declared format's GDAL driver only and
  no network (an upload is data, never a program or a link);
- at least one non-empty geometry, one kind only (points, lines or polygons), at most ``MAX_VERTICES`` vertices;
- coordinate system: the file's own (a Shapefile's ``.prj``, a GeoPackage's SRS, a GeoJSON ``crs`` name) or an
  EPSG code the user declares; GeoJSON and KML without one are WGS84. Declared Amap (GCJ-02) coordinates are
  converted to WGS84 with :func:`geo.crs.geom_gcj02_to_wgs84`;
- the region: every coordinate inside lon 115.0–116.8, lat 35.6–37.2 (Liaocheng with a margin); swapped lon/lat and
  projected metres without a declared CRS are recognised and named;
- validity: an invalid polygon is repaired with ``shapely.make_valid`` only when that is safe (still the same number
  of polygons, area within 1 %); otherwise it is rejected (e.g. a figure-8 "bow-tie");
- the kind the project's category allows (``allowed_kinds_for``).

Bounded work: the vertex cap keeps every linear step small, and the steps whose cost follows the geometry's shape
(``make_valid``, unions of overlapping parts) run in a child process with a time and memory limit
(:mod:`geo.upload_limits`). The last few results (and failures) are remembered by the file's SHA-256 and
the options, so a Streamlit rerun does not read the same upload again.

``check_geometry`` runs the same geometric checks on a geometry drawn on the map.
"""
from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from core import region
from core.vocab import CATEGORY_GEOMETRY, GEOMETRY_KINDS
from geo.crs import geom_gcj02_to_wgs84, transformer
from geo.upload_errors import UploadError
from geo.upload_limits import MAX_VERTICES, check_vertices, repair_polygon, run_repair, union
from geo.upload_read import FORMATS, MAX_UNZIPPED, read_geometries

__all__ = ["CATEGORY_KINDS", "KIND_ZH", "MAX_BYTES", "MAX_UNZIPPED", "MAX_VERTICES", "SUFFIXES", "Upload",
           "UploadError", "allowed_kinds_for", "check_geometry", "kind_of", "kinds_en", "kinds_zh", "read_upload"]

log = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024
REPAIR_AREA_TOLERANCE = 0.01
SUFFIXES = FORMATS
_CACHE_SIZE = 16

KIND_ZH = {"Point": "点", "LineString": "线", "Polygon": "面"}

# Which geometry kinds a project of each category may have: derived from core.vocab.CATEGORY_GEOMETRY.
CATEGORY_KINDS = {c: GEOMETRY_KINDS[g] for c, g in CATEGORY_GEOMETRY.items()}


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

def _explode(geoms) -> list:
    """The non-empty, 2D, non-collection parts, in order (iterative: a deeply nested collection is no recursion)."""
    parts, stack = [], [g for g in reversed(geoms) if g is not None]
    while stack:
        g = stack.pop()
        if g.is_empty:
            continue
        if g.geom_type == "GeometryCollection":
            stack += reversed(list(g.geoms))
        else:
            parts.append(shapely.force_2d(g))
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
    if all(p.is_valid for p in polys) and shapely.MultiPolygon(polys).is_valid:
        return shapely.MultiPolygon(polys)
    return run_repair(union, polys)  # overlapping or invalid parts: a union can take long


def _crs_label(crs: CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def _parse_crs(value, what_zh: str, what_en: str) -> CRS:
    try:
        return CRS.from_user_input(value)
    except CRSError:
        raise UploadError(f"无法识别{what_zh}坐标系：{value}", f"Unrecognised {what_en} CRS: {value}") from None


def _declared_crs(epsg) -> CRS:
    code = str(epsg).strip().upper().removeprefix("EPSG:")
    if not re.fullmatch(r"\d{4,6}", code):
        raise UploadError(f"声明的 EPSG 代码应为 4–6 位数字（如 4548），而不是 {code[:20]!r}。",
                          f"The declared EPSG code must be 4 to 6 digits (e.g. 4548), not {code[:20]!r}.")
    return _parse_crs(f"EPSG:{code}", "声明的", "declared")


def _source_crs(file_crs: str | None, epsg, fmt: str, notes: list[str]) -> CRS:
    """The CRS to read the coordinates in: the declared EPSG code (which must agree with the file's), the file's own,
    or WGS84."""
    if epsg not in (None, ""):
        declared = _declared_crs(epsg)
        if file_crs is not None and not _parse_crs(file_crs, "文件的", "file").equals(declared,
                                                                                   ignore_axis_order=True):
            file_label = _crs_label(_parse_crs(file_crs, "文件的", "file"))
            raise UploadError(f"文件自带坐标系 {file_label}，与声明的 {_crs_label(declared)} 不一致；请取消声明或修正文件。",
                              f"The file declares {file_label}, which differs from the declared "
                              f"{_crs_label(declared)}; clear the declaration or fix the file.")
        return declared
    if file_crs is not None:
        return _parse_crs(file_crs, "文件的", "file")
    if fmt in ("Shapefile (zip)", "GeoPackage"):
        notes.append("文件没有坐标系（缺少 .prj），按 WGS84 经纬度读取 / no CRS in the file (.prj missing): read as "
                     "WGS84 lon/lat")
    return CRS.from_epsg(4326)


_CACHE: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()


def read_upload(data: bytes, filename: str, *, epsg: int | str | None = None, amap: bool = False,
                allowed_kinds: set[str] | None = None, max_bytes: int = MAX_BYTES) -> Upload:
    """Parse and check an uploaded file; see the module docstring. The same bytes and options are read once."""
    if len(data) > max_bytes:
        raise UploadError(f"文件大小 {len(data) / 2**20:.1f} MB，超过上限 {max_bytes / 2**20:.0f} MB。",
                          f"The file is {len(data) / 2**20:.1f} MB, over the {max_bytes / 2**20:.0f} MB limit.")
    key = (hashlib.sha256(data).hexdigest(), filename, str(epsg), bool(amap),
           None if allowed_kinds is None else frozenset(allowed_kinds))
    with _cache_lock:
        result = _CACHE.get(key)
        if result is not None:
            _CACHE.move_to_end(key)
    if result is None:
        result = _read_upload_or_error(data, filename, epsg=epsg, amap=amap, allowed_kinds=allowed_kinds)
        with _cache_lock:
            _CACHE[key] = result
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    if isinstance(result, UploadError):
        raise UploadError(result.zh, result.en)
    return dataclasses.replace(result, notes=list(result.notes))


def _read_upload_or_error(data: bytes, filename: str, **options) -> Upload | UploadError:
    """The Upload, or the UploadError that says why not: never any other exception, never a traceback for users."""
    try:
        return _read_upload(data, filename, **options)
    except UploadError as e:
        return e
    except RecursionError:
        return UploadError("文件嵌套层数过深，无法读取。", "The file is nested too deeply to read.")
    except MemoryError:
        return UploadError("文件过于复杂，读取时内存不足。", "The file is too complex: reading it ran out of memory.")
    except Exception as e:  # a bug or a library surprise: logged with its traceback, shown as one line
        log.exception("reading upload %r failed", filename)
        return UploadError(f"无法读取 {filename}（内部错误 {type(e).__name__}）。请检查文件，或联系管理员。",
                           f"Cannot read {filename} (internal error {type(e).__name__}). Check the file or ask "
                           f"the administrator.")


def _read_upload(data: bytes, filename: str, *, epsg=None, amap: bool = False,
                 allowed_kinds: set[str] | None = None) -> Upload:
    read = read_geometries(data, filename)
    return upload_from(read.geometries, read.crs, read.fmt, epsg=epsg, amap=amap, allowed_kinds=allowed_kinds)


def upload_from(geometries: list, file_crs: str | None, fmt: str, *, epsg=None, amap: bool = False,
                allowed_kinds: set[str] | None = None) -> Upload:
    """The features of one project (from read_geometries, or one id's features of a bulk file) as one checked
    WGS84 geometry: one kind, the file's or the declared CRS, GCJ-02 converted, region, validity and kind checks."""
    check_vertices(geometries)
    parts = _explode(geometries)
    if not parts:
        raise UploadError("文件中没有任何几何（要素为空或没有坐标）。", "The file contains no geometry (no features or empty ones).")
    kinds = {kind_of(g) for g in parts}
    if len(kinds) > 1:
        raise UploadError(f"文件同时包含{kinds_zh(kinds)}，请只保留一种几何类型。",
                          f"The file mixes {kinds_en(kinds)} geometries; keep one kind only.")
    kind = kinds.pop()
    notes: list[str] = []
    src = _source_crs(file_crs, epsg, fmt, notes)
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
    here = region.current()
    x0, y0, x1, y1 = here.bbox
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
        f"{share:.0%} 的坐标在{here.name_zh}范围（经度 {x0}–{x1}，纬度 {y0}–{y1}）之外；文件范围：{ext}。"
        + ("（已声明高德坐标）" if amap else ""),
        f"{share:.0%} of the coordinates are outside the {here.name_pinyin} region (lon {x0}–{x1}, lat {y0}–{y1}); the "
        f"file spans {ext}." + (" (Amap coordinates declared)" if amap else ""))


def check_geometry(geom, *, allowed_kinds: set[str] | None = None) -> tuple[object, list[str]]:
    """Region, validity and kind checks of a WGS84 geometry (uploaded or drawn). Returns (geometry, notes)."""
    notes: list[str] = []
    if geom is None or geom.is_empty:
        raise UploadError("几何为空。", "The geometry is empty.")
    check_vertices([geom])
    geom = shapely.force_2d(geom)
    kind = kind_of(geom)
    if kind not in KIND_ZH:
        raise UploadError(f"不支持的几何类型 {geom.geom_type}。", f"Unsupported geometry type {geom.geom_type}.")
    _check_region(geom)
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        if kind == "Polygon":
            fixed = run_repair(repair_polygon, geom, REPAIR_AREA_TOLERANCE)
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
