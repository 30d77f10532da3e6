"""Named places with WGS84 coordinates, each with its source and an honest error radius (data/gazetteer.csv)."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from core import text
from core.errors import UserError

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "gazetteer.csv"
# Anything not from a surveyed dataset is at best approximate: a seat's point is not a project's site.
REGION = (114.5, 35.0, 117.5, 37.8)  # generous box around 聊城 for sanity checks (lon/lat)


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
    reader = csv.DictReader(content.splitlines())
    for row in reader:
        line = reader.line_num
        try:
            lon, lat, prec = float(row["lon"]), float(row["lat"]), float(row["precision_m"])
        except (TypeError, ValueError, KeyError) as e:
            raise GazetteerError(f"{path}:{line}：lon/lat/precision_m 须为数字",
                                 f"{path}:{line}: lon/lat/precision_m must be numbers ({e})") from None
        if not (REGION[0] <= lon <= REGION[2] and REGION[1] <= lat <= REGION[3]):
            hint = " (lon and lat look swapped)" if REGION[0] <= lat <= REGION[2] and REGION[1] <= lon <= REGION[3] else ""
            raise GazetteerError(f"{path}:{line}：{row['name']!r} 在区域之外",
                                 f"{path}:{line}: {row['name']!r} at ({lon}, {lat}) is outside the region{hint}")
        if not row.get("source", "").strip():
            raise GazetteerError(f"{path}:{line}：{row['name']!r} 没有来源", f"{path}:{line}: {row['name']!r} has no source")
        if prec <= 0:
            raise GazetteerError(f"{path}:{line}：precision_m 须大于 0", f"{path}:{line}: precision_m must be > 0")
        name = row["name"].strip()
        if name in places:
            raise GazetteerError(f"{path}:{line}：地名 {name!r} 重复", f"{path}:{line}: duplicate place {name!r}")
        places[name] = Place(name, lon, lat, prec, row["source"].strip())
    return places
