"""Geometry corrections: the ``geometry_history`` table, replacing and restoring a project's geometry.

``geometry_history``: project_id, action (``baseline`` = the geometry before the first correction, ``edit``,
``restore``), geom_wkb (ISO WKB, EPSG:4326), geom_wkt, geom_type, precision, precision_m, geom_source, layer,
restored_from, editor, note, recorded_at. Nothing is overwritten: restoring an earlier geometry is a new row too. A
project's current geometry is that of its latest row; the feature changes in the same transaction as the row, and
moves to the layer of its new geometry type (:mod:`layers.feature_rows`).
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import pandas as pd
import shapely

from core.vocab import PRECISIONS
from layers import safe_write as sw
from layers.feature_rows import ensure_project_layers, locate, write_feature_geometry
from layers.gpkg_blob import decode_gpkg_geom
from layers.gpkg_tables import columns, geometry_column, pk_column, quote, table_exists
from layers.history_base import HistoryError, check_text, create_attributes_table, now_utc

__all__ = ["GEOMETRY_TABLE", "GeometryChange", "ensure_table", "record_geometry", "write_geometry",
           "restore_geometry", "geometry_history", "latest_geometries", "check_geometry_change", "no_row_error",
           "restore_note", "BASELINE_NOTE"]

GEOMETRY_TABLE = "geometry_history"
_DDL = f"""CREATE TABLE IF NOT EXISTS "{GEOMETRY_TABLE}" (
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
    "recorded_at" TEXT NOT NULL)"""
_INDEX = f'CREATE INDEX IF NOT EXISTS "idx_{GEOMETRY_TABLE}_project" ON "{GEOMETRY_TABLE}"(project_id)'
BASELINE_NOTE = "构建时的几何（首次修正前） / geometry as built, before the first correction"
_COLUMNS = ["fid", "project_id", "action", "geom_type", "precision", "precision_m", "geom_source", "layer",
            "restored_from", "editor", "note", "recorded_at", "geom_wkb"]


@dataclass
class GeometryChange:
    fid: int
    project_id: str
    action: str
    geom_type: str
    layer: str
    previous_layer: str


def ensure_table(conn: sqlite3.Connection) -> None:
    create_attributes_table(conn, GEOMETRY_TABLE, "几何修正记录 / geometry corrections", _DDL, (_INDEX,))


def _check_precision(precision: str, precision_m) -> tuple[str, float | None]:
    if precision not in PRECISIONS:
        valid = ", ".join(PRECISIONS)
        raise HistoryError(f"未知精度 {precision!r}，可用：{valid}", f"Unknown precision {precision!r}; valid: {valid}")
    if precision_m in (None, ""):
        return precision, None
    try:
        m = float(precision_m)
    except (TypeError, ValueError):
        raise HistoryError(f"误差半径 {precision_m!r} 不是数字。", f"precision_m {precision_m!r} is not a number.") \
            from None
    if not (m >= 0) or m == float("inf"):
        raise HistoryError("误差半径须为非负数（米）。", "precision_m must be a non-negative number of metres.")
    return precision, m


def _insert_row(conn, project_id, action, geom, precision, precision_m, geom_source, layer,
                restored_from, editor, note) -> int:
    cur = conn.execute(
        f'INSERT INTO "{GEOMETRY_TABLE}"(project_id, action, geom_wkb, geom_wkt, geom_type, precision, precision_m, '
        f'geom_source, layer, restored_from, editor, note, recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)',
        (project_id, action, shapely.to_wkb(geom, byte_order=1, flavor="iso"),
         shapely.to_wkt(geom, rounding_precision=-1), geom.geom_type, precision, precision_m, geom_source, layer,
         restored_from, editor, note, now_utc()))
    conn.touch(GEOMETRY_TABLE, geometry=False)
    return cur.lastrowid


def _snapshot_baseline(conn, project_id: str) -> None:
    """Before a project's first correction, keep its built geometry as a 'baseline' row so it can be restored."""
    if conn.execute(f'SELECT 1 FROM "{GEOMETRY_TABLE}" WHERE project_id=? LIMIT 1', (project_id,)).fetchone():
        return
    layer, fid = locate(conn, project_id)
    gcol = geometry_column(conn, layer)[0]
    want = [c for c in ("precision", "precision_m", "geom_source") if c in columns(conn, layer)]
    row = conn.execute(f"SELECT {', '.join(quote(c) for c in [gcol, *want])} FROM {quote(layer)} "
                       f"WHERE {quote(pk_column(conn, layer))}=?", (fid,)).fetchone()
    if row[0] is None:
        return
    vals = dict(zip(want, row[1:]))
    _insert_row(conn, project_id, "baseline", decode_gpkg_geom(row[0]), vals.get("precision"),
                vals.get("precision_m"), vals.get("geom_source"), layer, None, "build", BASELINE_NOTE)


def record_geometry(gpkg, project_id: str, geom, *, precision: str, geom_source: str, editor: str,
                    precision_m=None, note: str = "", timeout: float = sw.LOCK_TIMEOUT) -> GeometryChange:
    """Replace a project's geometry (EPSG:4326, already validated — see geo.upload) and record it in history."""
    return _geometry_write(gpkg, project_id, geom, precision=precision, precision_m=precision_m,
                           geom_source=geom_source, editor=editor, note=note, action="edit", restored_from=None,
                           timeout=timeout)


def _geometry_write(gpkg, project_id, geom, *, timeout, **kwargs) -> GeometryChange:
    with sw.locked(gpkg, timeout):  # re-entrant: held across adding a missing layer and the write
        ensure_project_layers(gpkg, timeout)
        with sw.write_transaction(gpkg, timeout=timeout) as conn:
            return write_geometry(conn, project_id, geom, **kwargs)


def write_geometry(conn, project_id: str, geom, *, precision: str, geom_source: str, editor: str, precision_m=None,
                   note: str = "", action: str = "edit", restored_from=None) -> GeometryChange:
    """Replace a project's geometry and record it, inside the caller's write transaction (several projects can
    then change all or nothing: layers.imports)."""
    project_id, geom, precision, precision_m, geom_source, editor, note = check_geometry_change(
        project_id, geom, precision, precision_m, geom_source, editor, note)
    ensure_table(conn)
    locate(conn, project_id)
    _snapshot_baseline(conn, project_id)
    attrs = {"precision": precision, "precision_m": precision_m, "geom_source": geom_source}
    prev, layer = write_feature_geometry(conn, project_id, geom, attrs)
    fid = _insert_row(conn, project_id, action, geom, precision, precision_m, geom_source, layer,
                      restored_from, editor, note)
    return GeometryChange(fid, project_id, action, geom.geom_type, layer, prev)


def check_geometry_change(project_id, geom, precision, precision_m, geom_source, editor, note) -> tuple:
    """The checked input of a geometry change (every engine, layers.stores, checks it here): (project_id, 2-D
    geometry, precision, precision_m, geom_source, editor, note)."""
    project_id = check_text(project_id, "项目编号", "Project id", required=True)
    editor = check_text(editor, "编辑人", "Editor", required=True)
    geom_source = check_text(geom_source, "几何来源", "Geometry source", required=True)
    note = check_text(note, "说明", "Note", required=False)
    precision, precision_m = _check_precision(precision, precision_m)
    if geom is None or geom.is_empty or not geom.is_valid:
        raise HistoryError("几何为空或无效，未保存。", "The geometry is empty or invalid; nothing saved.")
    if shapely.has_z(geom):
        geom = shapely.force_2d(geom)
    return project_id, geom, precision, precision_m, geom_source, editor, note


def no_row_error(project_id: str, history_fid) -> HistoryError:
    return HistoryError(f"项目 {project_id} 没有编号为 {history_fid} 的几何记录。",
                        f"Project {project_id} has no geometry history row {history_fid}.")


def restore_note(history_fid) -> str:
    return f"恢复记录 #{history_fid} / restored row #{history_fid}"


def restore_geometry(gpkg, project_id: str, history_fid: int, *, editor: str, note: str = "",
                     timeout: float = sw.LOCK_TIMEOUT) -> GeometryChange:
    """Make an earlier geometry (a geometry_history row of this project) current again, as a new 'restore' row."""
    conn = sw.connect(gpkg, readonly=True)
    try:
        row = None
        if table_exists(conn, GEOMETRY_TABLE):
            row = conn.execute(f'SELECT geom_wkb, precision, precision_m, geom_source FROM "{GEOMETRY_TABLE}" '
                               f'WHERE fid=? AND project_id=?', (int(history_fid), project_id)).fetchone()
    finally:
        conn.close()
    if row is None:
        raise no_row_error(project_id, history_fid)
    note = note or restore_note(history_fid)
    return _geometry_write(gpkg, project_id, shapely.from_wkb(row[0]), precision=row[1], precision_m=row[2],
                           geom_source=row[3], editor=editor, note=note, action="restore",
                           restored_from=int(history_fid), timeout=timeout)


def latest_geometries(conn) -> list[tuple]:
    """(project_id, wkb, precision, precision_m, geom_source) of every project whose latest row is a correction."""
    if not table_exists(conn, GEOMETRY_TABLE):
        return []
    return conn.execute(
        f'SELECT g.project_id, g.geom_wkb, g.precision, g.precision_m, g.geom_source FROM "{GEOMETRY_TABLE}" g '
        f'JOIN (SELECT project_id, MAX(fid) AS fid FROM "{GEOMETRY_TABLE}" GROUP BY project_id) m '
        f"ON g.fid = m.fid WHERE g.action != 'baseline' ORDER BY g.project_id").fetchall()


def geometry_history(gpkg, project_id: str | None = None) -> pd.DataFrame:
    """Geometry rows (oldest first) with a shapely ``geometry`` column."""
    conn = sw.connect(gpkg, readonly=True)
    try:
        rows = []
        if table_exists(conn, GEOMETRY_TABLE):
            sql = f'SELECT {", ".join(_COLUMNS)} FROM "{GEOMETRY_TABLE}"'
            args: tuple = ()
            if project_id is not None:
                sql += " WHERE project_id=?"
                args = (project_id,)
            rows = conn.execute(sql + " ORDER BY fid", args).fetchall()
    finally:
        conn.close()
    df = pd.DataFrame(rows, columns=_COLUMNS)
    df["geometry"] = [shapely.from_wkb(b) for b in df["geom_wkb"]] if len(df) else []
    return df.drop(columns="geom_wkb")
