"""Status changes and geometry corrections, kept as history inside the GeoPackage and applied on top of the build.

Two non-spatial tables live in the same file as the layers, registered in ``gpkg_contents`` as ``attributes`` so
QGIS lists them:

``status_history``
    project_id, old_status, new_status, effective_date (YYYY-MM-DD), note, source, editor, recorded_at (UTC).
``geometry_history``
    project_id, action (``baseline`` = the geometry before the first correction, ``edit``, ``restore``),
    geom_wkb (ISO WKB, EPSG:4326), geom_wkt, geom_type, precision, precision_m, geom_source, layer, restored_from,
    editor, note, recorded_at.

Nothing is overwritten: every change is a new row, and restoring an earlier geometry is a new row too. A write
updates the project's feature in the same transaction as its history row (see :mod:`layers.safe_write`).

Rules: a project's current status is the ``new_status`` of its row with the latest ``effective_date`` (ties: the
later recorded row); before its first row it had that row's ``old_status`` (the plan's status). Its current geometry
is that of its latest ``geometry_history`` row. ``carry_over`` re-applies both after a rebuild.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import difflib
import re
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import shapely

from layers import safe_write as sw
from layers import verification
from layers.store import PROJECT_LAYERS, gpkg_path
from core.vocab import PLAN_DATE, PRECISIONS, STATUSES

STATUS_TABLE = "status_history"
GEOMETRY_TABLE = "geometry_history"

_SCHEMAS = {
    STATUS_TABLE: (
        "状态变更记录 / status changes",
        f"""CREATE TABLE IF NOT EXISTS "{STATUS_TABLE}" (
            "fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
            "project_id" TEXT NOT NULL,
            "old_status" TEXT,
            "new_status" TEXT NOT NULL,
            "effective_date" TEXT NOT NULL,
            "note" TEXT,
            "source" TEXT,
            "editor" TEXT NOT NULL,
            "recorded_at" TEXT NOT NULL)""",
    ),
    GEOMETRY_TABLE: (
        "几何修正记录 / geometry corrections",
        f"""CREATE TABLE IF NOT EXISTS "{GEOMETRY_TABLE}" (
            "fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
            "project_id" TEXT NOT NULL,
            "action" TEXT NOT NULL,
            "geom_wkb" BLOB NOT NULL,
            "geom_wkt" TEXT,
            "geom_type" TEXT NOT NULL,
            "precision" TEXT,
            "precision_m" REAL,
            "geom_source" TEXT,
            "layer" TEXT,
            "restored_from" INTEGER,
            "editor" TEXT NOT NULL,
            "note" TEXT,
            "recorded_at" TEXT NOT NULL)""",
    ),
}
_INDEXES = [
    f'CREATE INDEX IF NOT EXISTS "idx_{STATUS_TABLE}_project" ON "{STATUS_TABLE}"(project_id, effective_date)',
    f'CREATE INDEX IF NOT EXISTS "idx_{GEOMETRY_TABLE}_project" ON "{GEOMETRY_TABLE}"(project_id)',
]

MAX_TEXT = 2000


class HistoryError(ValueError):
    """Bad input for a history write. The message is Chinese + English; nothing was changed."""


@dataclass
class StatusChange:
    fid: int
    project_id: str
    old_status: str | None
    new_status: str
    effective_date: str
    current_status: str  # what the layer shows now (a back-dated change may not be the current one)


@dataclass
class GeometryChange:
    fid: int
    project_id: str
    action: str
    geom_type: str
    layer: str
    previous_layer: str


# ------------------------------------------------------------------------------------------------------ tables

def ensure_tables(conn: sqlite3.Connection) -> None:
    """Create the history tables (inside the caller's transaction) and register them for GDAL/QGIS."""
    for table, (description, ddl) in _SCHEMAS.items():
        if sw.table_exists(conn, table):
            continue
        conn.execute(ddl)
        conn.execute("INSERT OR IGNORE INTO gpkg_contents(table_name, data_type, identifier, description) "
                     "VALUES (?, 'attributes', ?, ?)", (table, table, description))
        if sw.table_exists(conn, "gpkg_ogr_contents"):
            conn.execute("INSERT OR IGNORE INTO gpkg_ogr_contents(table_name, feature_count) VALUES (?, 0)",
                         (table,))
    for ddl in _INDEXES:
        conn.execute(ddl)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _project_layers(conn: sqlite3.Connection) -> list[str]:
    return [t for t in PROJECT_LAYERS.values() if sw.table_exists(conn, t)]


def _all_ids(conn: sqlite3.Connection) -> list[str]:
    ids: list[str] = []
    for t in _project_layers(conn):
        ids += [r[0] for r in conn.execute(f'SELECT "id" FROM {sw.quote(t)}')]
    return ids


def _locate(conn: sqlite3.Connection, project_id: str) -> tuple[str, int]:
    """(layer, fid) of a project's feature, or HistoryError naming the id and up to five similar ones."""
    hits = []
    for t in _project_layers(conn):
        pk = sw.pk_column(conn, t)
        hits += [(t, r[0]) for r in conn.execute(f'SELECT {sw.quote(pk)} FROM {sw.quote(t)} WHERE "id"=?',
                                                 (project_id,))]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise HistoryError(f"项目编号 {project_id!r} 在 GeoPackage 中出现 {len(hits)} 次，请先重建。 / "
                           f"Project id {project_id!r} occurs {len(hits)} times in the GeoPackage; rebuild it first.")
    close = difflib.get_close_matches(str(project_id), _all_ids(conn), n=5, cutoff=0.6)
    hint = f"相近的编号 / similar ids: {', '.join(close)}" if close else "请检查编号 / check the id"
    raise HistoryError(f"未知项目编号 {project_id!r}。 / Unknown project id {project_id!r}. {hint}")


# -------------------------------------------------------------------------------------------------- validation

def _parse_date(value, *, today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        d = value
    else:
        text = str(value).strip()
        try:  # fromisoformat alone would take '20240102' and '2024-W01-1'
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
                raise ValueError
            d = dt.date.fromisoformat(text)
        except ValueError:
            raise HistoryError(f"日期 {text[:40]!r} 不是 YYYY-MM-DD 格式。 / Date {text[:40]!r} is not YYYY-MM-DD.") \
                from None
    if d.isoformat() < PLAN_DATE:
        raise HistoryError(f"生效日期 {d.isoformat()} 早于规划日期 {PLAN_DATE}；规划之前的状态即规划文本所述。 / "
                           f"Effective date {d.isoformat()} is before the plan's date {PLAN_DATE}.")
    if d > today:
        raise HistoryError(f"生效日期 {d.isoformat()} 晚于今天 ({today.isoformat()})，不能记录未来的变更。 / "
                           f"Effective date {d.isoformat()} is in the future (today is {today.isoformat()}).")
    return d.isoformat()


def _text(value, field_zh: str, field_en: str, *, required: bool) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise HistoryError(f"{field_zh}不能为空。 / {field_en} is required.")
    if len(text) > MAX_TEXT:
        raise HistoryError(f"{field_zh}过长（最多 {MAX_TEXT} 字）。 / {field_en} is too long (max {MAX_TEXT}).")
    return text


def _check_status(status: str) -> str:
    if status not in STATUSES:
        valid = ", ".join(f"{k} ({v[0]})" for k, v in STATUSES.items())
        raise HistoryError(f"未知状态 {status!r}，可用：{valid} / Unknown status {status!r}; valid: {valid}")
    return status


# ---------------------------------------------------------------------------------------------- status logic

def _status_rows(conn: sqlite3.Connection, project_id: str | None = None) -> list[tuple]:
    if not sw.table_exists(conn, STATUS_TABLE):
        return []
    sql = f'SELECT project_id, old_status, new_status, effective_date, fid FROM "{STATUS_TABLE}"'
    args: tuple = ()
    if project_id is not None:
        sql += " WHERE project_id=?"
        args = (project_id,)
    return conn.execute(sql + " ORDER BY effective_date, fid", args).fetchall()


def _as_of(rows: list[tuple], base: str | None, date: str) -> str | None:
    """Status as of ``date`` from one project's rows (sorted by effective_date, fid)."""
    if not rows:
        return base
    status = rows[0][1] if rows[0][1] is not None else base
    for _, _, new, eff, _ in rows:
        if eff <= date:
            status = new
    return status


def record_status(gpkg, project_id: str, new_status: str, effective_date, *, note: str, editor: str,
                  source: str = "", today: dt.date | None = None,
                  timeout: float = sw.LOCK_TIMEOUT) -> StatusChange:
    """Record a status change and update the project's feature, in one locked transaction."""
    project_id = _text(project_id, "项目编号", "Project id", required=True)
    new_status = _check_status(str(new_status).strip())
    eff = _parse_date(effective_date, today=today)
    note = _text(note, "说明", "Note", required=True)
    source = _text(source, "来源", "Source", required=False)
    editor = _text(editor, "编辑人", "Editor", required=True)
    with sw.write_transaction(gpkg, timeout=timeout) as conn:
        layer, fid = _locate(conn, project_id)
        pk = sw.pk_column(conn, layer)
        ensure_tables(conn)
        base = conn.execute(f'SELECT "status" FROM {sw.quote(layer)} WHERE {sw.quote(pk)}=?', (fid,)).fetchone()[0]
        rows = _status_rows(conn, project_id)
        old = _as_of(rows, base, eff)
        if old == new_status:
            raise HistoryError(f"项目 {project_id} 在 {eff} 的状态已是 {STATUSES[new_status][0]}，未记录。 / "
                               f"Project {project_id} already had status {new_status} on {eff}; nothing recorded.")
        cur = conn.execute(
            f'INSERT INTO "{STATUS_TABLE}"(project_id, old_status, new_status, effective_date, note, source, '
            f'editor, recorded_at) VALUES (?,?,?,?,?,?,?,?)',
            (project_id, old, new_status, eff, note, source, editor, _now()))
        row_fid = cur.lastrowid
        rows = _status_rows(conn, project_id)
        _chain_old_statuses(conn, rows)
        conn.touch(STATUS_TABLE, geometry=False)
        current = rows[-1][2]  # latest effective date, then latest recorded
        conn.execute(f'UPDATE {sw.quote(layer)} SET "status"=? WHERE {sw.quote(pk)}=?', (current, fid))
        conn.touch(layer, geometry=False)
    return StatusChange(row_fid, project_id, old, new_status, eff, current)


def _chain_old_statuses(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    """Keep one project's rows consistent after a back-dated insert: each row's old_status is the new_status of the
    row before it in effective order (old_status is derived; the recorded facts — new status, date, note, editor —
    are never changed)."""
    for (_, _, prev_new, _, _), (_, old, _, _, fid) in zip(rows, rows[1:]):
        if old != prev_new:
            conn.execute(f'UPDATE "{STATUS_TABLE}" SET old_status=? WHERE fid=?', (prev_new, fid))


def _current_statuses(conn: sqlite3.Connection) -> dict[str, str]:
    out = {}
    for t in _project_layers(conn):
        out.update({r[0]: r[1] for r in conn.execute(f'SELECT "id", "status" FROM {sw.quote(t)}')})
    return out


def _date_str(value) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise HistoryError(f"日期 {value!r} 不是 YYYY-MM-DD 格式。 / Date {value!r} is not YYYY-MM-DD.") from None


def status_as_of(gpkg, date) -> dict[str, str]:
    """{project id: status it had on ``date``} for every project in the GeoPackage.

    Changes effective on ``date`` count. Before a project's first recorded change it has that change's old status
    (the plan's, as of PLAN_DATE); projects without history keep their current status.
    """
    date = _date_str(date)
    conn = sw.connect(gpkg, readonly=True)
    try:
        current = _current_statuses(conn)
        by_project: dict[str, list] = {}
        for row in _status_rows(conn):
            by_project.setdefault(row[0], []).append(row)
    finally:
        conn.close()
    return {pid: _as_of(by_project.get(pid, []), status, date) for pid, status in current.items()}


def changes_since(gpkg, date) -> pd.DataFrame:
    """Every change after ``date``: status changes effective after it, geometry corrections recorded after it.

    Columns: project_id, kind ('status'|'geometry'), date, old_status, new_status, note, source, editor,
    recorded_at. Sorted by date.
    """
    date = _date_str(date)
    cols = ["project_id", "kind", "date", "old_status", "new_status", "note", "source", "editor", "recorded_at"]
    conn = sw.connect(gpkg, readonly=True)
    try:
        rows = []
        if sw.table_exists(conn, STATUS_TABLE):
            rows += conn.execute(
                f"SELECT project_id, 'status', effective_date, old_status, new_status, note, source, editor, "
                f'recorded_at FROM "{STATUS_TABLE}" WHERE effective_date > ? ORDER BY effective_date, fid',
                (date,)).fetchall()
        if sw.table_exists(conn, GEOMETRY_TABLE):
            rows += conn.execute(
                # recorded_at is UTC; the date a planner means is China's (UTC+8, no daylight saving)
                f"SELECT project_id, 'geometry', date(recorded_at, '+8 hours'), NULL, NULL, note, geom_source, "
                f'editor, recorded_at FROM "{GEOMETRY_TABLE}" WHERE action != \'baseline\' '
                f"AND date(recorded_at, '+8 hours') > ? ORDER BY fid", (date,)).fetchall()
    finally:
        conn.close()
    df = pd.DataFrame(rows, columns=cols)
    return df.sort_values(["date", "recorded_at"], kind="stable").reset_index(drop=True)


def changed_since(gpkg, date) -> set[str]:
    """Ids of projects with a status change effective after ``date`` or a geometry correction recorded after it."""
    return set(changes_since(gpkg, date)["project_id"])


def status_history(gpkg, project_id: str | None = None) -> pd.DataFrame:
    cols = ["fid", "project_id", "old_status", "new_status", "effective_date", "note", "source", "editor",
            "recorded_at"]
    conn = sw.connect(gpkg, readonly=True)
    try:
        if not sw.table_exists(conn, STATUS_TABLE):
            return pd.DataFrame(columns=cols)
        sql = f'SELECT {", ".join(cols)} FROM "{STATUS_TABLE}"'
        args: tuple = ()
        if project_id is not None:
            sql += " WHERE project_id=?"
            args = (project_id,)
        return pd.DataFrame(conn.execute(sql + " ORDER BY effective_date, fid", args).fetchall(), columns=cols)
    finally:
        conn.close()


# -------------------------------------------------------------------------------------------- geometry logic

_GPKG_TYPE = {"Point": "POINT", "LineString": "LINESTRING", "Polygon": "POLYGON",
              "MultiPoint": "MULTIPOINT", "MultiLineString": "MULTILINESTRING", "MultiPolygon": "MULTIPOLYGON"}


def _fit_to_layer(geom, declared: str):
    """Make ``geom`` acceptable to a layer declared as ``declared``; returns (geometry, new declared type)."""
    declared = declared.upper()
    gtype = geom.geom_type
    if declared in ("GEOMETRY", _GPKG_TYPE.get(gtype)):
        return geom, declared
    if declared.startswith("MULTI") and not gtype.startswith("Multi"):
        multi = {"Point": shapely.MultiPoint, "LineString": shapely.MultiLineString,
                 "Polygon": shapely.MultiPolygon}[gtype]
        return multi([geom]), declared
    if gtype.startswith("Multi") and len(geom.geoms) == 1:
        return geom.geoms[0], declared
    if gtype == "MultiLineString":
        merged = shapely.line_merge(geom)
        if merged.geom_type == "LineString":
            return merged, declared
    # A multi-part geometry in a single-part layer: the column's declared type cannot change without rewriting
    # the layer, which we never do in place. Say so instead.
    raise HistoryError(
        f"该图层（{declared}）只接受单个几何，上传的是 {len(geom.geoms)} 个互不相连的部分；请合并为一个，"
        f"或分开记录。 / This layer ({declared}) holds single-part geometries; the new geometry has "
        f"{len(geom.geoms)} disconnected parts. Merge them into one.")


def _target_layer(geom_type: str) -> str:
    base = geom_type.removeprefix("Multi")
    if base not in PROJECT_LAYERS:
        raise HistoryError(f"不支持的几何类型 {geom_type}。 / Unsupported geometry type {geom_type}.")
    return PROJECT_LAYERS[base]


def _columns(conn, table) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({sw.quote(table)})")]


def _write_feature_geometry(conn, project_id: str, geom, attrs: dict) -> tuple[str, str]:
    """Put ``geom`` (EPSG:4326) on the project's feature, moving it to another layer if its type changes.

    Returns (previous layer, new layer). Must run inside a write transaction.
    """
    layer, fid = _locate(conn, project_id)
    target = _target_layer(geom.geom_type)
    if not sw.table_exists(conn, target):
        # as the builder writes them: points single-part, lines and polygons promoted to multi-part
        base = _GPKG_TYPE[geom.geom_type.removeprefix("Multi")]
        sw.clone_feature_table(conn, layer, target, base if base == "POINT" else "MULTI" + base)
    gcol, declared = sw.geometry_column(conn, target)
    geom, _ = _fit_to_layer(geom, declared)
    srs_id = conn.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name=?", (target,)).fetchone()[0]
    blob = sw.encode_gpkg_geom(geom, srs_id)
    src_pk = sw.pk_column(conn, layer)
    if target == layer:
        cols = [c for c in attrs if c in _columns(conn, layer)]
        sets = ", ".join([f"{sw.quote(gcol)}=?"] + [f"{sw.quote(c)}=?" for c in cols])
        conn.execute(f"UPDATE {sw.quote(layer)} SET {sets} WHERE {sw.quote(src_pk)}=?",
                     (blob, *[attrs[c] for c in cols], fid))
        conn.touch(layer)
        return layer, target
    src_gcol = sw.geometry_column(conn, layer)[0]
    tgt_pk = sw.pk_column(conn, target)
    src_cols = set(_columns(conn, layer))
    copy = [c for c in _columns(conn, target) if c in src_cols and c not in (tgt_pk, gcol, src_pk, src_gcol)
            and c not in attrs]
    set_cols = [c for c in attrs if c in _columns(conn, target)]
    names = ", ".join(sw.quote(c) for c in [gcol, *copy, *set_cols])
    marks = ", ".join(["?"] + [sw.quote(c) for c in copy] + ["?"] * len(set_cols))
    conn.execute(f"INSERT INTO {sw.quote(target)} ({names}) SELECT {marks} FROM {sw.quote(layer)} "
                 f"WHERE {sw.quote(src_pk)}=?", (blob, *[attrs[c] for c in set_cols], fid))
    conn.execute(f"DELETE FROM {sw.quote(layer)} WHERE {sw.quote(src_pk)}=?", (fid,))
    conn.touch(layer)
    conn.touch(target)
    return layer, target


def _check_precision(precision: str, precision_m) -> tuple[str, float | None]:
    if precision not in PRECISIONS:
        valid = ", ".join(PRECISIONS)
        raise HistoryError(f"未知精度 {precision!r}，可用：{valid} / Unknown precision {precision!r}; valid: {valid}")
    if precision_m in (None, ""):
        return precision, None
    try:
        m = float(precision_m)
    except (TypeError, ValueError):
        raise HistoryError(f"误差半径 {precision_m!r} 不是数字。 / precision_m {precision_m!r} is not a number.") \
            from None
    if not (m >= 0) or m == float("inf"):
        raise HistoryError("误差半径须为非负数（米）。 / precision_m must be a non-negative number of metres.")
    return precision, m


def _insert_geometry_row(conn, project_id, action, geom, precision, precision_m, geom_source, layer,
                         restored_from, editor, note) -> int:
    cur = conn.execute(
        f'INSERT INTO "{GEOMETRY_TABLE}"(project_id, action, geom_wkb, geom_wkt, geom_type, precision, precision_m, '
        f'geom_source, layer, restored_from, editor, note, recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)',
        (project_id, action, shapely.to_wkb(geom, byte_order=1, flavor="iso"),
         shapely.to_wkt(geom, rounding_precision=-1), geom.geom_type, precision, precision_m, geom_source, layer,
         restored_from, editor, note, _now()))
    conn.touch(GEOMETRY_TABLE, geometry=False)
    return cur.lastrowid


def _snapshot_baseline(conn, project_id: str) -> None:
    """Before a project's first correction, keep its built geometry as a 'baseline' row so it can be restored."""
    if conn.execute(f'SELECT 1 FROM "{GEOMETRY_TABLE}" WHERE project_id=? LIMIT 1', (project_id,)).fetchone():
        return
    layer, fid = _locate(conn, project_id)
    gcol = sw.geometry_column(conn, layer)[0]
    pk = sw.pk_column(conn, layer)
    cols = _columns(conn, layer)
    want = [c for c in ("precision", "precision_m", "geom_source") if c in cols]
    row = conn.execute(f"SELECT {', '.join(sw.quote(c) for c in [gcol, *want])} FROM {sw.quote(layer)} "
                       f"WHERE {sw.quote(pk)}=?", (fid,)).fetchone()
    if row[0] is None:
        return
    vals = dict(zip(want, row[1:]))
    _insert_geometry_row(conn, project_id, "baseline", sw.decode_gpkg_geom(row[0]), vals.get("precision"),
                         vals.get("precision_m"), vals.get("geom_source"), layer, None, "build",
                         "构建时的几何（首次修正前） / geometry as built, before the first correction")


def record_geometry(gpkg, project_id: str, geom, *, precision: str, geom_source: str, editor: str,
                    precision_m=None, note: str = "", timeout: float = sw.LOCK_TIMEOUT) -> GeometryChange:
    """Replace a project's geometry (EPSG:4326, already validated — see geo.upload) and record it in history."""
    return _geometry_write(gpkg, project_id, geom, precision=precision, precision_m=precision_m,
                           geom_source=geom_source, editor=editor, note=note, action="edit", restored_from=None,
                           timeout=timeout)


def _geometry_write(gpkg, project_id, geom, *, precision, precision_m, geom_source, editor, note, action,
                    restored_from, timeout) -> GeometryChange:
    with sw.write_transaction(gpkg, timeout=timeout) as conn:
        return write_geometry(conn, project_id, geom, precision=precision, precision_m=precision_m,
                              geom_source=geom_source, editor=editor, note=note, action=action,
                              restored_from=restored_from)


def write_geometry(conn, project_id: str, geom, *, precision: str, geom_source: str, editor: str, precision_m=None,
                   note: str = "", action: str = "edit", restored_from=None) -> GeometryChange:
    """Replace a project's geometry and record it, inside the caller's write transaction (several projects can
    then change all or nothing: layers.imports)."""
    project_id = _text(project_id, "项目编号", "Project id", required=True)
    editor = _text(editor, "编辑人", "Editor", required=True)
    geom_source = _text(geom_source, "几何来源", "Geometry source", required=True)
    note = _text(note, "说明", "Note", required=False)
    precision, precision_m = _check_precision(precision, precision_m)
    if geom is None or geom.is_empty or not geom.is_valid:
        raise HistoryError("几何为空或无效，未保存。 / The geometry is empty or invalid; nothing saved.")
    if shapely.has_z(geom):
        geom = shapely.force_2d(geom)
    ensure_tables(conn)
    _locate(conn, project_id)
    _snapshot_baseline(conn, project_id)
    attrs = {"precision": precision, "precision_m": precision_m, "geom_source": geom_source}
    prev, layer = _write_feature_geometry(conn, project_id, geom, attrs)
    fid = _insert_geometry_row(conn, project_id, action, geom, precision, precision_m, geom_source, layer,
                               restored_from, editor, note)
    return GeometryChange(fid, project_id, action, geom.geom_type, layer, prev)


def restore_geometry(gpkg, project_id: str, history_fid: int, *, editor: str, note: str = "",
                     timeout: float = sw.LOCK_TIMEOUT) -> GeometryChange:
    """Make an earlier geometry (a geometry_history row of this project) current again, as a new 'restore' row."""
    conn = sw.connect(gpkg, readonly=True)
    try:
        row = None
        if sw.table_exists(conn, GEOMETRY_TABLE):
            row = conn.execute(f'SELECT geom_wkb, precision, precision_m, geom_source FROM "{GEOMETRY_TABLE}" '
                               f'WHERE fid=? AND project_id=?', (int(history_fid), project_id)).fetchone()
    finally:
        conn.close()
    if row is None:
        raise HistoryError(f"项目 {project_id} 没有编号为 {history_fid} 的几何记录。 / "
                           f"Project {project_id} has no geometry history row {history_fid}.")
    geom = shapely.from_wkb(row[0])
    note = note or f"恢复记录 #{history_fid} / restored row #{history_fid}"
    return _geometry_write(gpkg, project_id, geom, precision=row[1], precision_m=row[2], geom_source=row[3],
                           editor=editor, note=note, action="restore", restored_from=int(history_fid),
                           timeout=timeout)


def geometry_history(gpkg, project_id: str | None = None) -> pd.DataFrame:
    """Geometry rows (oldest first) with a shapely ``geometry`` column."""
    cols = ["fid", "project_id", "action", "geom_type", "precision", "precision_m", "geom_source", "layer",
            "restored_from", "editor", "note", "recorded_at", "geom_wkb"]
    conn = sw.connect(gpkg, readonly=True)
    try:
        if not sw.table_exists(conn, GEOMETRY_TABLE):
            rows = []
        else:
            sql = f'SELECT {", ".join(cols)} FROM "{GEOMETRY_TABLE}"'
            args: tuple = ()
            if project_id is not None:
                sql += " WHERE project_id=?"
                args = (project_id,)
            rows = conn.execute(sql + " ORDER BY fid", args).fetchall()
    finally:
        conn.close()
    df = pd.DataFrame(rows, columns=cols)
    df["geometry"] = [shapely.from_wkb(b) for b in df["geom_wkb"]] if len(df) else []
    return df.drop(columns="geom_wkb")


# ------------------------------------------------------------------------------------------------- rebuilds

def _copy_table(conn, table: str) -> int:
    """Copy src.table rows into main.table (same fids), columns both have. Returns rows copied."""
    if not conn.execute("SELECT 1 FROM src.sqlite_master WHERE type='table' AND name=?", (table,)).fetchone():
        return 0
    src_cols = {r[1] for r in conn.execute(f"PRAGMA src.table_info({sw.quote(table)})")}
    cols = ", ".join(sw.quote(c) for c in _columns(conn, table) if c in src_cols)
    cur = conn.execute(f"INSERT INTO main.{sw.quote(table)} ({cols}) SELECT {cols} FROM src.{sw.quote(table)} "
                       f"ORDER BY fid")
    conn.touch(table, geometry=False)
    return cur.rowcount


def apply_history(conn) -> dict:
    """Re-apply the current status and the latest geometry of every project with history (inside a transaction)."""
    report = {"status_applied": 0, "geometry_applied": 0, "missing": []}
    present = set(_all_ids(conn))
    latest_status: dict[str, str] = {}
    for pid, _, new, _, _ in _status_rows(conn):
        latest_status[pid] = new  # rows sorted by effective_date, fid: the last one wins
    missing = set()
    for pid, status in latest_status.items():
        if pid not in present:
            missing.add(pid)
            continue
        layer, fid = _locate(conn, pid)
        conn.execute(f'UPDATE {sw.quote(layer)} SET "status"=? WHERE {sw.quote(sw.pk_column(conn, layer))}=?',
                     (status, fid))
        conn.touch(layer, geometry=False)
        report["status_applied"] += 1
    if sw.table_exists(conn, GEOMETRY_TABLE):
        latest = conn.execute(
            f'SELECT g.project_id, g.geom_wkb, g.precision, g.precision_m, g.geom_source FROM "{GEOMETRY_TABLE}" g '
            f'JOIN (SELECT project_id, MAX(fid) AS fid FROM "{GEOMETRY_TABLE}" GROUP BY project_id) m '
            f"ON g.fid = m.fid WHERE g.action != 'baseline' ORDER BY g.project_id").fetchall()
        for pid, wkb, precision, precision_m, source in latest:
            if pid not in present:
                missing.add(pid)
                continue
            _write_feature_geometry(conn, pid, shapely.from_wkb(wkb),
                                    {"precision": precision, "precision_m": precision_m, "geom_source": source})
            report["geometry_applied"] += 1
    report["verification_applied"], gone = verification.apply(conn, present)
    report["missing"] = sorted(missing | gone)
    return report


def carry_over(old_gpkg: Path | None, new_gpkg: Path) -> dict:
    """Copy the history tables of ``old_gpkg`` into the freshly built ``new_gpkg`` and re-apply them on top.

    Called by the builder after it has written the new layers into its temporary file and before it replaces the
    target. Hold ``layers.safe_write.writer_lock(target)`` around this call and the replace so no edit slips in
    between (the lock is re-entrant: this function takes it too). Returns a small report
    (rows copied, statuses/geometries applied, ids in history that the new build no longer has).
    """
    new_gpkg = Path(new_gpkg)
    old = Path(old_gpkg) if old_gpkg else None
    has_old = old is not None and old.is_file()
    conn = sw.connect(new_gpkg)
    try:
        with (sw.locked(old) if has_old else contextlib.nullcontext()), sw.transaction(conn):
            ensure_tables(conn)
            verification.ensure_table(conn)
            copied = {STATUS_TABLE: 0, GEOMETRY_TABLE: 0, verification.TABLE: 0}
            if has_old:
                conn.execute("ATTACH DATABASE ? AS src", (old.resolve().as_uri() + "?mode=ro",))
                for table in copied:
                    copied[table] = _copy_table(conn, table)
                    conn.touch(table, geometry=False)
            report = apply_history(conn)
    finally:
        conn.close()
    report["status_rows"] = copied[STATUS_TABLE]
    report["geometry_rows"] = copied[GEOMETRY_TABLE]
    return report


# ------------------------------------------------------------------------------------------------------- CLI

def add_status_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", help="项目编号 / project id")
    p.add_argument("status", help="新状态 / new status: " + ", ".join(STATUSES))
    p.add_argument("--date", required=True, help="生效日期 / effective date, YYYY-MM-DD (not in the future)")
    p.add_argument("--note", required=True, help="说明 / note")
    p.add_argument("--editor", required=True, help="编辑人 / editor name")
    p.add_argument("--source", default="", help="来源（通知、新闻、会议） / source")
    p.add_argument("--gpkg", default=None, help="GeoPackage (default: $PROJECTMAP_GPKG or data/liaocheng.gpkg)")


def run_status(args: argparse.Namespace) -> int:
    try:
        ch = record_status(gpkg_path(args.gpkg), args.id, args.status, args.date, note=args.note,
                           editor=args.editor, source=args.source)
    except (HistoryError, sw.WriteError) as e:
        print(f"错误 / error: {e}", file=sys.stderr)
        return 2
    print(f"{ch.project_id}: {ch.old_status} → {ch.new_status} ({ch.effective_date}); "
          f"当前 / current: {ch.current_status} [status_history #{ch.fid}]")
    return 0
