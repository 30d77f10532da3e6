"""Meeting views: named, saved map states (filters, extent, basemap, title, a short note), in the GeoPackage.

A view lives in the table ``views`` of the GeoPackage, so it travels with the data and survives a rebuild
(layers.history.carry_over copies it). ``?view=NAME`` opens one in the app; in presentation mode ◀ ▶ step through
the views in ``position`` order — a meeting runs from one link. Editors save views from the app;
``python -m layers views list|add|rm|mv`` manages them from the command line.

The query is the app's own URL query (``status=under_construction&county=冠县``): only filter parameters, each
value checked against the vocabularies, so a saved view can never carry anything else into a URL.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from core import fields, region, vocab
from core.errors import UserError
from layers import safe_write as sw
from layers.gpkg_tables import table_exists
from layers.history_base import create_attributes_table

TABLE = "views"
NAME_RE = re.compile(r"^[\w\-\u4e00-\u9fff]{1,40}$")
BASEMAPS = ("none", "osm", "tianditu", "gaode")
MAX_TEXT = 200
SCHEMA = f"""CREATE TABLE IF NOT EXISTS "{TABLE}" (
    "fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" TEXT NOT NULL UNIQUE,
    "title" TEXT,
    "note" TEXT,
    "query" TEXT NOT NULL,
    "bbox" TEXT,
    "basemap" TEXT NOT NULL DEFAULT 'none',
    "position" INTEGER NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    "edited_by" TEXT,
    "edited_at" TEXT)"""
COLUMNS = ["name", "title", "note", "query", "bbox", "basemap", "position", "created_by", "created_at", "edited_by",
           "edited_at"]


class ViewError(UserError):
    """A view that cannot be saved, found or changed; nothing was changed."""


@dataclass(frozen=True)
class View:
    name: str
    title: str
    note: str
    query: str
    bbox: tuple[float, float, float, float] | None
    basemap: str
    position: int
    created_by: str = ""
    created_at: str = ""
    edited_by: str = ""
    edited_at: str = ""

    @property
    def url(self) -> str:
        return "?" + urlencode({"view": self.name})


# ---------------------------------------------------------------------------------------------- validation

def check_name(name: str) -> str:
    name = str(name or "").strip()
    if not NAME_RE.match(name):
        raise ViewError("视图名称只能用中文、字母、数字、_ 和 -（1–40 个字符）。",
                        "A view name uses Chinese, letters, digits, _ and - (1–40 characters).")
    return name


def check_query(query: str) -> str:
    """The filter part of an app URL, every value checked; returned in a canonical order."""
    allowed = fields.filters()
    pairs = parse_qsl(str(query or "").lstrip("?"), keep_blank_values=False)
    out: dict[str, str] = {}
    for key, value in pairs:
        if key == "q":
            out["q"] = " ".join(value.split())[:100]
            continue
        if key not in allowed:
            raise ViewError(f"视图的筛选参数 {key[:20]!r} 无法识别；可用：{', '.join([*allowed, 'q'])}。",
                            f"Unknown filter parameter {key[:20]!r}; valid: {', '.join([*allowed, 'q'])}.")
        out[key] = ",".join(_check_values(key, allowed[key], value))
    return urlencode({k: out[k] for k in [*allowed, "q"] if out.get(k)}, safe=",")


def _check_values(key: str, field, value: str) -> list[str]:
    values = [v.strip() for v in re.split(r"[,，]", value) if v.strip()]
    for v in values:
        if field.vocab == "county":
            ok = v in vocab.COUNTIES.values() or v == vocab.CITY_WIDE
        elif field.vocab:
            ok = v in vocab.VOCABS[field.vocab]
        elif key == "year":
            ok = v == "none" or re.fullmatch(r"[0-9]{4}", v) is not None
        else:
            ok = 0 < len(v) <= 60
        if not ok:
            raise ViewError(f"视图筛选 {key} 的值 {v[:30]!r} 无法识别。", f"Unknown value {v[:30]!r} for {key}.")
    return values


def parse_bbox(text) -> tuple[float, float, float, float] | None:
    if text in (None, ""):
        return None
    try:
        w, s, e, n = (float(x) for x in str(text).split(","))
    except ValueError:
        raise ViewError("范围应为“西,南,东,北”四个经纬度数。", "The extent is W,S,E,N in degrees.") from None
    here = region.current()
    x0, y0, x1, y1 = here.bbox
    if not (x0 - 1 <= w < e <= x1 + 1 and y0 - 1 <= s < n <= y1 + 1):
        raise ViewError(f"范围 {w},{s},{e},{n} 不在{here.name_zh.removesuffix('市')}附近或西东、南北颠倒。",
                        f"The extent {w},{s},{e},{n} is not around {here.name_pinyin}, or west/east or south/north "
                        f"are swapped.")
    return (w, s, e, n)


def _text(value, what: str) -> str:
    text = " ".join(str(value or "").split())
    if len(text) > MAX_TEXT:
        raise ViewError(f"{what}过长（最多 {MAX_TEXT} 字）。", f"The {what} is too long (max {MAX_TEXT}).")
    return text


# ------------------------------------------------------------------------------------------------- storage

def ensure_table(conn) -> None:
    create_attributes_table(conn, TABLE, "会议视图 / saved map views", SCHEMA)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _row_to_view(row) -> View:
    d = dict(zip(COLUMNS, row))
    return View(d["name"], d["title"] or "", d["note"] or "", d["query"], parse_bbox(d["bbox"]), d["basemap"],
                d["position"], d["created_by"], d["created_at"], d["edited_by"] or "", d["edited_at"] or "")


def list_views(gpkg) -> list[View]:
    conn = sw.connect(gpkg, readonly=True)
    try:
        if not table_exists(conn, TABLE):
            return []
        cols = ", ".join(f'"{c}"' for c in COLUMNS)
        return [_row_to_view(r) for r in conn.execute(f'SELECT {cols} FROM "{TABLE}" ORDER BY position, fid')]
    finally:
        conn.close()


def get_view(gpkg, name: str) -> View:
    for v in list_views(gpkg):
        if v.name == name:
            return v
    names = "、".join(v.name for v in list_views(gpkg)) or "（尚无视图）"
    raise ViewError(f"没有名为 {str(name)[:40]!r} 的视图；现有：{names}", f"No view named {str(name)[:40]!r}.")


def save_view(gpkg, name: str, query: str, *, editor: str, title: str = "", note: str = "", bbox=None,
              basemap: str = "none") -> View:
    """Add a view, or replace the one with this name (keeping its place in the order)."""
    name, query = check_name(name), check_query(query)
    box = parse_bbox(",".join(map(str, bbox)) if isinstance(bbox, (tuple, list)) else bbox)
    if basemap not in BASEMAPS:
        raise ViewError(f"未知底图 {basemap!r}；可用：{', '.join(BASEMAPS)}", f"Unknown basemap {basemap!r}.")
    editor = _text(editor, "编辑人") or "?"
    values = (_text(title, "标题"), _text(note, "说明"), query, ",".join(map(str, box)) if box else None, basemap)
    with sw.write_transaction(gpkg) as conn:
        ensure_table(conn)
        old = conn.execute(f'SELECT fid FROM "{TABLE}" WHERE name=?', (name,)).fetchone()
        if old:
            conn.execute(f'UPDATE "{TABLE}" SET title=?, note=?, query=?, bbox=?, basemap=?, edited_by=?, '
                         f'edited_at=? WHERE fid=?', (*values, editor, _now(), old[0]))
        else:
            last = conn.execute(f'SELECT COALESCE(MAX(position), 0) FROM "{TABLE}"').fetchone()[0]
            conn.execute(f'INSERT INTO "{TABLE}"(name, title, note, query, bbox, basemap, position, created_by, '
                         f'created_at) VALUES (?,?,?,?,?,?,?,?,?)', (name, *values, last + 1, editor, _now()))
        conn.touch(TABLE, geometry=False)
    return get_view(gpkg, name)


def remove_view(gpkg, name: str) -> None:
    get_view(gpkg, name)
    with sw.write_transaction(gpkg) as conn:
        conn.execute(f'DELETE FROM "{TABLE}" WHERE name=?', (name,))
        conn.touch(TABLE, geometry=False)


def rename_view(gpkg, name: str, new_name: str, *, editor: str) -> View:
    get_view(gpkg, name)
    new_name = check_name(new_name)
    if any(v.name == new_name for v in list_views(gpkg)):
        raise ViewError(f"已有名为 {new_name} 的视图。", f"A view named {new_name} exists.")
    with sw.write_transaction(gpkg) as conn:
        conn.execute(f'UPDATE "{TABLE}" SET name=?, edited_by=?, edited_at=? WHERE name=?',
                     (new_name, _text(editor, "编辑人"), _now(), name))
        conn.touch(TABLE, geometry=False)
    return get_view(gpkg, new_name)


def move_view(gpkg, name: str, to_position: int) -> list[View]:
    """Put a view at 1-based ``to_position`` in the meeting order; the others keep their order."""
    order = [v.name for v in list_views(gpkg)]
    get_view(gpkg, name)
    order.remove(name)
    order.insert(max(0, min(int(to_position) - 1, len(order))), name)
    with sw.write_transaction(gpkg) as conn:
        for i, n in enumerate(order, 1):
            conn.execute(f'UPDATE "{TABLE}" SET position=? WHERE name=?', (i, n))
        conn.touch(TABLE, geometry=False)
    return list_views(gpkg)


def neighbours(views: list[View], name: str) -> tuple[View | None, View | None]:
    """The views before and after ``name`` in meeting order (wrapping round), for ◀ ▶."""
    names = [v.name for v in views]
    if name not in names or len(views) < 2:
        return None, None
    i = names.index(name)
    return views[i - 1], views[(i + 1) % len(views)]
