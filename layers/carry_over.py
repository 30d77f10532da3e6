"""Edits survive a rebuild: the history tables of the old GeoPackage are copied into the freshly built one and
re-applied on top of it (each project's current status, latest geometry and verification state)."""
from __future__ import annotations

import contextlib
from pathlib import Path

import shapely

from layers import geometry_history, safe_write as sw, status_history, verification, views
from layers.feature_rows import all_ids, locate, write_feature_geometry
from layers.gpkg_tables import columns, pk_column, quote
from layers.records import plain

__all__ = ["apply_history", "carry_over", "write_tables"]


def _copy_table(conn, table: str) -> int:
    """Copy src.table rows into main.table (same fids), columns both have. Returns rows copied."""
    if not conn.execute("SELECT 1 FROM src.sqlite_master WHERE type='table' AND name=?", (table,)).fetchone():
        return 0
    src_cols = {r[1] for r in conn.execute(f"PRAGMA src.table_info({quote(table)})")}
    cols = ", ".join(quote(c) for c in columns(conn, table) if c in src_cols)
    cur = conn.execute(f"INSERT INTO main.{quote(table)} ({cols}) SELECT {cols} FROM src.{quote(table)} ORDER BY fid")
    conn.touch(table, geometry=False)
    return cur.rowcount


def _apply_statuses(conn, present: set[str], missing: set[str]) -> int:
    latest: dict[str, str] = {}
    for pid, _, new, _, _ in status_history.status_rows(conn):
        latest[pid] = new  # rows sorted by effective_date, fid: the last one wins
    applied = 0
    for pid, status in latest.items():
        if pid not in present:
            missing.add(pid)
            continue
        layer, fid = locate(conn, pid)
        conn.execute(f'UPDATE {quote(layer)} SET "status"=? WHERE {quote(pk_column(conn, layer))}=?', (status, fid))
        conn.touch(layer, geometry=False)
        applied += 1
    return applied


def _apply_geometries(conn, present: set[str], missing: set[str]) -> int:
    applied = 0
    for pid, wkb, precision, precision_m, source in geometry_history.latest_geometries(conn):
        if pid not in present:
            missing.add(pid)
            continue
        write_feature_geometry(conn, pid, shapely.from_wkb(wkb),
                               {"precision": precision, "precision_m": precision_m, "geom_source": source})
        applied += 1
    return applied


def apply_history(conn) -> dict:
    """Re-apply the current status and the latest geometry of every project with history (inside a transaction)."""
    present, missing = set(all_ids(conn)), set()
    report = {"status_applied": _apply_statuses(conn, present, missing),
              "geometry_applied": _apply_geometries(conn, present, missing)}
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
            status_history.ensure_table(conn)
            geometry_history.ensure_table(conn)
            verification.ensure_table(conn)
            views.ensure_table(conn)
            copied = {status_history.STATUS_TABLE: 0, geometry_history.GEOMETRY_TABLE: 0, verification.TABLE: 0,
                      views.TABLE: 0}
            if has_old:
                conn.execute("ATTACH DATABASE ? AS src", (old.resolve().as_uri() + "?mode=ro",))
                for table in copied:
                    copied[table] = _copy_table(conn, table)
                    conn.touch(table, geometry=False)
            report = apply_history(conn)
    finally:
        conn.close()
    report["status_rows"] = copied[status_history.STATUS_TABLE]
    report["geometry_rows"] = copied[geometry_history.GEOMETRY_TABLE]
    return report


def write_tables(new_gpkg: Path, tables: dict) -> dict:
    """Write history rows as they are (``fid`` kept) into the freshly built ``new_gpkg``: a copy of a whole store
    (layers.stores), whose features already show them — nothing is re-applied. ``tables``: table name → a
    DataFrame with that table's columns (layers.stores.HISTORY_TABLES). Returns the rows written per table."""
    ensure = {status_history.STATUS_TABLE: status_history.ensure_table,
              geometry_history.GEOMETRY_TABLE: geometry_history.ensure_table,
              verification.TABLE: verification.ensure_table, views.TABLE: views.ensure_table}
    written = {}
    conn = sw.connect(Path(new_gpkg))
    try:
        with sw.transaction(conn):
            for table, make in ensure.items():
                make(conn)
                df = tables.get(table)
                written[table] = 0 if df is None else len(df)
                if df is None or df.empty:
                    continue
                cols = [c for c in df.columns if c in set(columns(conn, table))]
                rows = [tuple(plain(v) for v in r) for r in df[cols].itertuples(index=False, name=None)]
                conn.executemany(f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in cols)}) "
                                 f"VALUES ({', '.join('?' * len(cols))})", rows)
                conn.touch(table, geometry=False)
    finally:
        conn.close()
    return {"status_applied": 0, "geometry_applied": 0, "verification_applied": 0, "missing": [],
            "status_rows": written[status_history.STATUS_TABLE],
            "geometry_rows": written[geometry_history.GEOMETRY_TABLE], "written": written}

