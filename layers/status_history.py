"""Status changes: the ``status_history`` table, recording a change, and what a project's status was on a date.

``status_history``: project_id, old_status, new_status, effective_date (YYYY-MM-DD), note, source, editor,
recorded_at (UTC). A project's current status is the ``new_status`` of its row with the latest ``effective_date``
(ties: the later recorded row); before its first row it had that row's ``old_status`` (the plan's status). A
write updates the project's feature in the same locked transaction as its history row (:mod:`layers.safe_write`).
"""
from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
from dataclasses import dataclass

import pandas as pd

from core.vocab import STATUSES, code_of
from layers import safe_write as sw
from layers.feature_rows import current_statuses, locate
from layers.gpkg_tables import pk_column, quote, table_exists
from layers.history_base import HistoryError, check_text, create_attributes_table, date_str, now_utc, parse_date
from layers.stores import add_db_argument

__all__ = ["STATUS_TABLE", "StatusChange", "ensure_table", "record_status", "status_as_of", "status_history",
           "status_rows", "add_status_arguments", "run_status", "check_change", "unchanged_error", "status_on",
           "chained"]

STATUS_TABLE = "status_history"
_DDL = f"""CREATE TABLE IF NOT EXISTS "{STATUS_TABLE}" (
    "fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "project_id" TEXT NOT NULL,
    "old_status" TEXT,
    "new_status" TEXT NOT NULL,
    "effective_date" TEXT NOT NULL,
    "note" TEXT,
    "source" TEXT,
    "editor" TEXT NOT NULL,
    "recorded_at" TEXT NOT NULL)"""
_INDEX = (f'CREATE INDEX IF NOT EXISTS "idx_{STATUS_TABLE}_project" '
          f'ON "{STATUS_TABLE}"(project_id, effective_date)')
_COLUMNS = ["fid", "project_id", "old_status", "new_status", "effective_date", "note", "source", "editor",
            "recorded_at"]


@dataclass
class StatusChange:
    fid: int
    project_id: str
    old_status: str | None
    new_status: str
    effective_date: str
    current_status: str  # what the layer shows now (a back-dated change may not be the current one)


def ensure_table(conn: sqlite3.Connection) -> None:
    create_attributes_table(conn, STATUS_TABLE, "状态变更记录 / status changes", _DDL, (_INDEX,))


def _check_status(status: str) -> str:
    status = code_of("status", status)  # the code or its Chinese label: 在建 = under_construction
    if status not in STATUSES:
        valid = ", ".join(f"{k} ({v[0]})" for k, v in STATUSES.items())
        raise HistoryError(f"未知状态 {status!r}，可用：{valid}", f"Unknown status {status!r}; valid: {valid}")
    return status


def status_rows(conn: sqlite3.Connection, project_id: str | None = None) -> list[tuple]:
    """(project_id, old_status, new_status, effective_date, fid) rows sorted by effective_date, fid."""
    if not table_exists(conn, STATUS_TABLE):
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
    project_id, new_status, eff, note, source, editor = check_change(project_id, new_status, effective_date,
                                                                     note, source, editor, today)
    with sw.write_transaction(gpkg, timeout=timeout) as conn:
        layer, fid = locate(conn, project_id)
        pk = pk_column(conn, layer)
        ensure_table(conn)
        base = conn.execute(f'SELECT "status" FROM {quote(layer)} WHERE {quote(pk)}=?', (fid,)).fetchone()[0]
        old = _as_of(status_rows(conn, project_id), base, eff)
        if old == new_status:
            raise unchanged_error(project_id, new_status, eff)
        cur = conn.execute(
            f'INSERT INTO "{STATUS_TABLE}"(project_id, old_status, new_status, effective_date, note, source, '
            f'editor, recorded_at) VALUES (?,?,?,?,?,?,?,?)',
            (project_id, old, new_status, eff, note, source, editor, now_utc()))
        row_fid = cur.lastrowid
        rows = status_rows(conn, project_id)
        _chain_old_statuses(conn, rows)
        conn.touch(STATUS_TABLE, geometry=False)
        current = rows[-1][2]  # latest effective date, then latest recorded
        conn.execute(f'UPDATE {quote(layer)} SET "status"=? WHERE {quote(pk)}=?', (current, fid))
        conn.touch(layer, geometry=False)
    return StatusChange(row_fid, project_id, old, new_status, eff, current)


def check_change(project_id, new_status, effective_date, note, source, editor, today=None) -> tuple:
    """The checked input of a status change: (project_id, status code, YYYY-MM-DD, note, source, editor); every
    engine (layers.stores) checks it here."""
    project_id = check_text(project_id, "项目编号", "Project id", required=True)
    new_status = _check_status(str(new_status).strip())
    eff = parse_date(effective_date, today=today)
    note = check_text(note, "说明", "Note", required=True)
    source = check_text(source, "来源", "Source", required=False)
    editor = check_text(editor, "编辑人", "Editor", required=True)
    return project_id, new_status, eff, note, source, editor


def unchanged_error(project_id: str, status: str, eff: str) -> HistoryError:
    return HistoryError(f"项目 {project_id} 在 {eff} 的状态已是 {STATUSES[status][0]}，未记录。",
                        f"Project {project_id} already had status {status} on {eff}; nothing recorded.")


def status_on(rows: list[tuple], base: str | None, date: str) -> str | None:
    """A project's status on ``date`` from its (project_id, old_status, new_status, effective_date, fid) rows
    sorted by effective_date, fid; ``base`` (the feature's status) when it has none."""
    return _as_of(rows, base, date)


def chained(rows: list[tuple]) -> list[tuple[str, int]]:
    """(old_status, fid) updates that keep one project's rows chained (see _chain_old_statuses)."""
    return [(prev_new, fid) for (_, _, prev_new, _, _), (_, old, _, _, fid) in zip(rows, rows[1:]) if old != prev_new]


def _chain_old_statuses(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    """Keep one project's rows consistent after a back-dated insert: each row's old_status is the new_status of the
    row before it in effective order (old_status is derived; the recorded facts — new status, date, note, editor —
    are never changed)."""
    for (_, _, prev_new, _, _), (_, old, _, _, fid) in zip(rows, rows[1:]):
        if old != prev_new:
            conn.execute(f'UPDATE "{STATUS_TABLE}" SET old_status=? WHERE fid=?', (prev_new, fid))


def status_as_of(gpkg, date) -> dict[str, str]:
    """{project id: status it had on ``date``} for every project in the GeoPackage.

    Changes effective on ``date`` count. Before a project's first recorded change it has that change's old status
    (the plan's, as of PLAN_DATE); projects without history keep their current status.
    """
    date = date_str(date)
    conn = sw.connect(gpkg, readonly=True)
    try:
        current = current_statuses(conn)
        by_project: dict[str, list] = {}
        for row in status_rows(conn):
            by_project.setdefault(row[0], []).append(row)
    finally:
        conn.close()
    return {pid: _as_of(by_project.get(pid, []), status, date) for pid, status in current.items()}


def status_history(gpkg, project_id: str | None = None) -> pd.DataFrame:
    """Status rows (by effective date, then as recorded), of one project or all."""
    conn = sw.connect(gpkg, readonly=True)
    try:
        if not table_exists(conn, STATUS_TABLE):
            return pd.DataFrame(columns=_COLUMNS)
        sql = f'SELECT {", ".join(_COLUMNS)} FROM "{STATUS_TABLE}"'
        args: tuple = ()
        if project_id is not None:
            sql += " WHERE project_id=?"
            args = (project_id,)
        return pd.DataFrame(conn.execute(sql + " ORDER BY effective_date, fid", args).fetchall(), columns=_COLUMNS)
    finally:
        conn.close()


# ------------------------------------------------------------------------------------------------------- CLI

def add_status_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", help="项目编号 / project id")
    p.add_argument("status", help="新状态 / new status: " + ", ".join(STATUSES))
    p.add_argument("--date", required=True, help="生效日期 / effective date, YYYY-MM-DD (not in the future)")
    p.add_argument("--note", required=True, help="说明 / note")
    p.add_argument("--editor", required=True, help="编辑人 / editor name")
    p.add_argument("--source", default="", help="来源（通知、新闻、会议） / source")
    p.add_argument("--gpkg", default=None, help="GeoPackage (default: $PROJECTMAP_GPKG or data/liaocheng.gpkg)")
    add_db_argument(p)


def run_status(args: argparse.Namespace) -> int:
    """``python -m layers status``; a HistoryError or WriteError (UserErrors) is the CLI's to report."""
    from layers.stores import store_from_args
    ch = store_from_args(args).record_status(args.id, args.status, args.date, note=args.note, editor=args.editor,
                                             source=args.source)
    print(f"{ch.project_id}: {ch.old_status} → {ch.new_status} ({ch.effective_date}); "
          f"当前 / current: {ch.current_status} [status_history #{ch.fid}]")
    return 0
