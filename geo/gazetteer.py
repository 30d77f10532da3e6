"""Named places with WGS84 coordinates, each with its source and an honest error radius (data/gazetteer.csv)."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from core import region, text
from core.errors import UserError

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "gazetteer.csv"
# Anything not from a surveyed dataset is at best approximate: a seat's point is not a project's site.
MARGIN_DEG = 0.5  # a place may lie a little outside the region's box (a waypoint beyond the border): ~50 km


def region_box() -> tuple[float, float, float, float]:
    """The sanity box for places: the current region's box (core.region) widened by MARGIN_DEG."""
    x0, y0, x1, y1 = region.current().bbox
    return x0 - MARGIN_DEG, y0 - MARGIN_DEG, x1 + MARGIN_DEG, y1 + MARGIN_DEG


@dataclass(frozen=True)
class Place:
    name: str
    lon: float
    lat: float
    precision_m: float
    source: str


class GazetteerError(UserError):
    """A bad row of the gazetteer (file and line named); nothing was built."""


def load(path: str | Path = DEFAULT_PATH) -> dict[str, Place]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise GazetteerError(f"{path}：无法读取地名表", f"{path}: cannot be read ({err.strerror or err})") from None
    try:
        content = text.decode(data)
    except UnicodeDecodeError:
        raise GazetteerError(f"{path}：不是 UTF-8 或 GBK 文本", f"{path}: not UTF-8 or GBK/GB18030 text") from None
    places: dict[str, Place] = {}
    box = region_box()
    reader = csv.DictReader(content.splitlines())
    for row in reader:
        line = reader.line_num
        try:
            lon, lat, prec = float(row["lon"]), float(row["lat"]), float(row["precision_m"])
        except (TypeError, ValueError, KeyError) as e:
            raise GazetteerError(f"{path}:{line}：lon/lat/precision_m 须为数字",
                                 f"{path}:{line}: lon/lat/precision_m must be numbers ({e})") from None
        if not (box[0] <= lon <= box[2] and box[1] <= lat <= box[3]):
            hint = " (lon and lat look swapped)" if box[0] <= lat <= box[2] and box[1] <= lon <= box[3] else ""
            raise GazetteerError(f"{path}:{line}：{row['name']!r} 在区域之外",
                                 f"{path}:{line}: {row['name']!r} at ({lon}, {lat}) is outside the region "
                                 f"{region.current().key} {box}{hint}")
        if not row.get("source", "").strip():
            raise GazetteerError(f"{path}:{line}：{row['name']!r} 没有来源", f"{path}:{line}: {row['name']!r} has no source")
        if prec <= 0:
            raise GazetteerError(f"{path}:{line}：precision_m 须大于 0", f"{path}:{line}: precision_m must be > 0")
        name = row["name"].strip()
        if name in places:
            raise GazetteerError(f"{path}:{line}：地名 {name!r} 重复", f"{path}:{line}: duplicate place {name!r}")
        places[name] = Place(name, lon, lat, prec, row["source"].strip())
    return places
