"""Status changes and geometry corrections, kept as history inside the GeoPackage and applied on top of the build.

The public face of the history modules:

- :mod:`layers.status_history` — ``status_history`` rows: record a change, a project's status on a date;
- :mod:`layers.geometry_history` — ``geometry_history`` rows: replace or restore a project's geometry;
- :mod:`layers.feature_rows` — the project's feature row: found by id, given a new geometry, moved between layers;
- :mod:`layers.carry_over` — a rebuild copies the history of the old file and re-applies it;
- :mod:`layers.history_base` — their error (:class:`HistoryError`), text and date checks.

Both tables are non-spatial and registered in ``gpkg_contents`` as ``attributes``, so QGIS lists them. Nothing is
overwritten: every change is a new row, and restoring an earlier geometry is a new row too. A write updates the
project's feature in the same transaction as its history row (see :mod:`layers.safe_write`). This module adds what
reads both tables: the changes since a date.
"""
from __future__ import annotations

import sqlite3

import pandas as pd

from layers import safe_write as sw
from layers.carry_over import apply_history, carry_over, write_tables
from layers.geometry_history import (GEOMETRY_TABLE, GeometryChange, geometry_history, record_geometry,
                                     restore_geometry, write_geometry)
from layers.geometry_history import ensure_table as _ensure_geometry_table
from layers.gpkg_tables import table_exists
from layers.history_base import MAX_TEXT, HistoryError, date_str
from layers.status_history import (STATUS_TABLE, StatusChange, add_status_arguments, record_status, run_status,
                                   status_as_of, status_history)
from layers.status_history import ensure_table as _ensure_status_table

__all__ = ["HistoryError", "MAX_TEXT", "STATUS_TABLE", "GEOMETRY_TABLE", "StatusChange", "GeometryChange",
           "ensure_tables", "record_status", "status_as_of", "status_history", "record_geometry", "write_geometry",
           "restore_geometry", "geometry_history", "changes_since", "changed_since", "apply_history", "carry_over",
           "write_tables", "add_status_arguments", "run_status"]

def ensure_tables(conn: sqlite3.Connection) -> None:
    """Create both history tables (inside the caller's transaction) and register them for GDAL/QGIS."""
    _ensure_status_table(conn)
    _ensure_geometry_table(conn)


def changes_since(gpkg, date) -> pd.DataFrame:
    """Every change after ``date``: status changes effective after it, geometry corrections recorded after it.

    Columns: project_id, kind ('status'|'geometry'), date, old_status, new_status, note, source, editor,
    recorded_at. Sorted by date.
    """
    date = date_str(date)
    cols = ["project_id", "kind", "date", "old_status", "new_status", "note", "source", "editor", "recorded_at"]
    conn = sw.connect(gpkg, readonly=True)
    try:
        rows = []
        if table_exists(conn, STATUS_TABLE):
            rows += conn.execute(
                f"SELECT project_id, 'status', effective_date, old_status, new_status, note, source, editor, "
                f'recorded_at FROM "{STATUS_TABLE}" WHERE effective_date > ? ORDER BY effective_date, fid',
                (date,)).fetchall()
        if table_exists(conn, GEOMETRY_TABLE):
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
