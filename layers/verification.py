"""Verification of positions by local staff: 未核实 → 文献核实 → 实地或测绘核实, kept with the history.

Every project starts ``unverified`` (the build writes that). A GIS colleague who checks a position records a new
state with the date, their name and the source (a survey, a design drawing, a notice) — on the edit page, with
``python -m layers verify``, or with ``python -m layers import-geometries`` when they also replace the geometry.
Each record is a new row of ``verification_history`` (nothing is overwritten) and the feature's ``verification``
column shows the latest; both survive a rebuild (``layers.history.carry_over``).

``to_verify`` is the 待核实 list: what is not yet checked in the field, largest error radius first — what a GIS
colleague should look at first.
"""
from __future__ import annotations

import sqlite3

import pandas as pd

from core.vocab import VERIFICATION_STATES
from layers import safe_write as sw
from layers.feature_rows import locate
from layers.gpkg_tables import pk_column, quote, table_exists
from layers.history_base import HistoryError, check_text, create_attributes_table, now_utc, parse_date

TABLE = "verification_history"
DEFAULT_STATE = "unverified"
SCHEMA = f"""CREATE TABLE IF NOT EXISTS "{TABLE}" (
    "fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "project_id" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "verified_on" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "note" TEXT,
    "editor" TEXT NOT NULL,
    "recorded_at" TEXT NOT NULL)"""
LIST_COLUMNS = ["id", "name", "county", "category", "precision", "precision_m", "evidence_kind", "verification"]


def check_state(state: str) -> str:
    state = str(state or "").strip()
    for code, (label, _) in VERIFICATION_STATES.items():
        if state in (code, label):
            return code
    valid = ", ".join(f"{k} ({v[0]})" for k, v in VERIFICATION_STATES.items())
    raise HistoryError(f"未知核实状态 {state[:40]!r}，可用：{valid} / Unknown verification state; valid: {valid}")


def ensure_table(conn: sqlite3.Connection) -> None:
    create_attributes_table(conn, TABLE, "位置核实记录 / position verification", SCHEMA)


def record(conn, project_id: str, state: str, verified_on, *, source: str, editor: str, note: str = "") -> int:
    """One verification row and the feature's state, inside the caller's write transaction. Returns the row fid."""
    state = check_state(state)
    day = parse_date(verified_on)
    source = check_text(source, "核实依据", "Source", required=True)
    editor = check_text(editor, "核实人", "Editor", required=True)
    note = check_text(note, "说明", "Note", required=False)
    layer, fid = locate(conn, project_id)
    ensure_table(conn)
    cur = conn.execute(f'INSERT INTO "{TABLE}"(project_id, state, verified_on, source, note, editor, recorded_at) '
                       "VALUES (?,?,?,?,?,?,?)", (project_id, state, day, source, note, editor, now_utc()))
    _set_state(conn, layer, fid)
    conn.touch(TABLE, geometry=False)
    conn.touch(layer, geometry=False)
    return cur.lastrowid


def record_verification(gpkg, project_id: str, state: str, verified_on, *, source: str, editor: str,
                        note: str = "", timeout: float = sw.LOCK_TIMEOUT) -> int:
    """record() in its own locked transaction."""
    with sw.write_transaction(gpkg, timeout=timeout) as conn:
        return record(conn, project_id, state, verified_on, source=source, editor=editor, note=note)


def _latest(conn) -> dict[str, str]:
    if not table_exists(conn, TABLE):
        return {}
    rows = conn.execute(f'SELECT project_id, state FROM "{TABLE}" ORDER BY verified_on, fid').fetchall()
    return dict(rows)  # the last row of each project wins


def _set_state(conn, layer: str, fid: int) -> None:
    if "verification" not in {r[1] for r in conn.execute(f"PRAGMA table_info({quote(layer)})")}:
        conn.execute(f'ALTER TABLE {quote(layer)} ADD COLUMN "verification" TEXT')  # a file built before
    pid = conn.execute(f'SELECT "id" FROM {quote(layer)} WHERE {quote(pk_column(conn, layer))}=?',
                       (fid,)).fetchone()[0]
    state = _latest(conn).get(pid, DEFAULT_STATE)
    conn.execute(f'UPDATE {quote(layer)} SET "verification"=? WHERE {quote(pk_column(conn, layer))}=?',
                 (state, fid))


def apply(conn, present: set[str]) -> tuple[int, set[str]]:
    """Re-apply the latest state of every project with verification rows (after a rebuild). Returns (applied,
    ids no longer present)."""
    applied, missing = 0, set()
    for pid in _latest(conn):
        if pid not in present:
            missing.add(pid)
            continue
        _set_state(conn, *locate(conn, pid))
        applied += 1
    return applied, missing


def history(gpkg, project_id: str | None = None) -> pd.DataFrame:
    conn = sw.connect(gpkg, readonly=True)
    try:
        if not table_exists(conn, TABLE):
            return pd.DataFrame(columns=["project_id", "state", "verified_on", "source", "note", "editor"])
        sql = f'SELECT project_id, state, verified_on, source, note, editor, recorded_at FROM "{TABLE}"'
        args = ()
        if project_id is not None:
            sql, args = sql + " WHERE project_id=?", (project_id,)
        return pd.read_sql_query(sql + " ORDER BY verified_on, fid", conn, params=args)
    finally:
        conn.close()


def to_verify(projects: pd.DataFrame) -> pd.DataFrame:
    """The 待核实 list: every project not yet verified in the field, the largest error radius first."""
    df = projects.drop(columns="geometry", errors="ignore").copy()
    if "verification" not in df:
        df["verification"] = DEFAULT_STATE
    df["verification"] = df["verification"].fillna(DEFAULT_STATE)
    todo = df[df["verification"] != "surveyed"]
    return todo.sort_values(["precision_m", "id"], ascending=[False, True])[LIST_COLUMNS].reset_index(drop=True)
