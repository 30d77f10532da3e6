"""Reading a GeoPackage's own bookkeeping with plain SQL: which tables exist, their key and geometry columns, and
keeping the stored counts and extents right after rows change (a wrong stored count makes GDAL readers silently
drop rows). The connection must have the GDAL trigger functions registered (``layers.safe_write.connect``)."""
from __future__ import annotations

import sqlite3

__all__ = ["quote", "table_exists", "columns", "geometry_column", "pk_column", "refresh_table_stats"]


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_exists(conn: sqlite3.Connection, table: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone() is not None


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({quote(table)})")]


def geometry_column(conn: sqlite3.Connection, table: str) -> tuple[str, str] | None:
    """(column name, geometry_type_name) of a feature table, or None."""
    if not table_exists(conn, "gpkg_geometry_columns"):
        return None
    row = conn.execute("SELECT column_name, geometry_type_name FROM gpkg_geometry_columns WHERE table_name=?",
                       (table,)).fetchone()
    return (row[0], row[1]) if row else None


def pk_column(conn: sqlite3.Connection, table: str) -> str:
    for _, name, _, _, _, pk in conn.execute(f"PRAGMA table_info({quote(table)})"):
        if pk:
            return name
    return "rowid"


def refresh_table_stats(conn: sqlite3.Connection, table: str, *, extent: bool = True) -> None:
    """Recompute the stored feature count (gpkg_ogr_contents) and extent/last_change (gpkg_contents) of a table.

    The extent is computed from the geometries themselves (exact; the R-tree stores float32 boxes).
    """
    count = conn.execute(f"SELECT COUNT(*) FROM {quote(table)}").fetchone()[0]
    if table_exists(conn, "gpkg_ogr_contents"):
        conn.execute("INSERT OR IGNORE INTO gpkg_ogr_contents(table_name, feature_count) VALUES (?, ?)",
                     (table, count))
        conn.execute("UPDATE gpkg_ogr_contents SET feature_count=? WHERE lower(table_name)=lower(?)", (count, table))
    now = "strftime('%Y-%m-%dT%H:%M:%fZ','now')"
    geom = geometry_column(conn, table)
    if geom is None or not extent:
        conn.execute(f"UPDATE gpkg_contents SET last_change={now} WHERE table_name=?", (table,))
        return
    col = geom[0]
    ext = conn.execute(f"SELECT MIN(ST_MinX({quote(col)})), MIN(ST_MinY({quote(col)})), "
                       f"MAX(ST_MaxX({quote(col)})), MAX(ST_MaxY({quote(col)})) FROM {quote(table)}").fetchone()
    conn.execute(f"UPDATE gpkg_contents SET last_change={now}, min_x=?, min_y=?, max_x=?, max_y=? "
                 f"WHERE table_name=?", (*ext, table))
