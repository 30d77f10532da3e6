"""What the history modules share: their error, text checks, the recording time and how a history table is made.

History tables are non-spatial tables in the GeoPackage, registered in ``gpkg_contents`` as ``attributes`` so GDAL
and QGIS list them (see :mod:`layers.history` for the tables and their rules).
"""
from __future__ import annotations

import datetime as dt
import re
import sqlite3

from core.errors import UserError
from core import region
from layers.gpkg_tables import table_exists

MAX_TEXT = 2000


class HistoryError(UserError):
    """Bad input for a history write (Chinese, English detail); nothing was changed."""


def check_text(value, field_zh: str, field_en: str, *, required: bool) -> str:
    """A note, source or name: stripped, at most MAX_TEXT characters; ``required`` ones may not be empty."""
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise HistoryError(f"{field_zh}不能为空。", f"{field_en} is required.")
    if len(text) > MAX_TEXT:
        raise HistoryError(f"{field_zh}过长（最多 {MAX_TEXT} 字）。", f"{field_en} is too long (max {MAX_TEXT}).")
    return text


def parse_date(value, *, today: dt.date | None = None) -> str:
    """An effective date as YYYY-MM-DD: a plain ISO date from the current region's plan date (聊城: 2023-08-26;
    a region without a plan text has none: its statuses are as of their own sources) up to today."""
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
            raise HistoryError(f"日期 {text[:40]!r} 不是 YYYY-MM-DD 格式。", f"Date {text[:40]!r} is not YYYY-MM-DD.") \
                from None
    plan_date = region.current().plan_date
    if plan_date and d.isoformat() < plan_date:
        raise HistoryError(f"生效日期 {d.isoformat()} 早于规划日期 {plan_date}；规划之前的状态即规划文本所述。",
                           f"Effective date {d.isoformat()} is before the plan's date {plan_date}.")
    if d > today:
        raise HistoryError(f"生效日期 {d.isoformat()} 晚于今天 ({today.isoformat()})，不能记录未来的变更。",
                           f"Effective date {d.isoformat()} is in the future (today is {today.isoformat()}).")
    return d.isoformat()


def date_str(value) -> str:
    """A query date (any ISO date, no range check) as YYYY-MM-DD."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise HistoryError(f"日期 {value!r} 不是 YYYY-MM-DD 格式。", f"Date {value!r} is not YYYY-MM-DD.") from None


def now_utc() -> str:
    """The recording time: UTC, milliseconds, ``Z``."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def create_attributes_table(conn: sqlite3.Connection, table: str, description: str, ddl: str,
                            indexes: tuple[str, ...] = ()) -> None:
    """Create a history table (inside the caller's transaction) and register it for GDAL/QGIS, once."""
    if not table_exists(conn, table):
        conn.execute(ddl)
        conn.execute("INSERT OR IGNORE INTO gpkg_contents(table_name, data_type, identifier, description) "
                     "VALUES (?, 'attributes', ?, ?)", (table, table, description))
        if table_exists(conn, "gpkg_ogr_contents"):
            conn.execute("INSERT OR IGNORE INTO gpkg_ogr_contents(table_name, feature_count) VALUES (?, 0)",
                         (table,))
    for ddl_index in indexes:
        conn.execute(ddl_index)
