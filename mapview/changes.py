"""The changes page's data: the filtered projects as they were on a date, and the changes recorded since a date
as a table with Chinese headings (the store reads them — GeoPackage or PostGIS, cached by the data's key; nothing
is written)."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from layers.filters import as_of_view
from layers.popup import status_label
from mapview import data

__all__ = ["ChangesView", "view"]

COLUMNS = {"date": "日期", "name": "项目", "kind": "类型", "old_status": "原状态", "new_status": "新状态",
           "note": "说明", "source": "来源", "editor": "编辑人", "project_id": "编号"}
KIND_ZH = {"status": "状态", "geometry": "几何"}


@st.cache_data(show_spinner=False, max_entries=32)
def _as_of(key, date: str) -> dict[str, str]:
    return data.store(key).status_as_of(date)


@st.cache_data(show_spinner=False, max_entries=32)
def _changes(key, date: str) -> pd.DataFrame:
    return data.store(key).changes_since(date)


@dataclass
class ChangesView:
    projects: pd.DataFrame  # the filtered projects with their status on the date
    shown: pd.DataFrame  # those drawn (only the changed ones when asked)
    n_changed: int
    table: pd.DataFrame  # the changes of the filtered projects, Chinese headings


def _table(changes: pd.DataFrame, names: dict, visible: set) -> pd.DataFrame:
    rows = changes[changes["project_id"].isin(visible)]
    label = lambda s: status_label(s) if s else ""  # noqa: E731
    return rows.assign(name=rows["project_id"].map(names), kind=rows["kind"].map(KIND_ZH),
                       old_status=rows["old_status"].map(label), new_status=rows["new_status"].map(label),
                       )[list(COLUMNS)].rename(columns=COLUMNS)


def view(c, as_of: str, since: str, only_changed: bool) -> ChangesView:
    """The statuses of `as_of` apply first, then the app's filters (c.filters)."""
    changes = _changes(c.key, since)
    changed = set(changes["project_id"])
    then = as_of_view(c.projects, _as_of(c.key, as_of), c.filters)
    shown = then[then["id"].isin(changed)] if only_changed else then
    names = dict(zip(c.projects["id"], c.projects["name"]))
    return ChangesView(then, shown, len(set(then["id"]) & changed), _table(changes, names, set(then["id"])))
