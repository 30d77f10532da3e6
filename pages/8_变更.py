"""变更与回溯: the map "as of" a date (each project's status then) and what changed since a date.

Reads the history tables of the GeoPackage (layers.history); no login needed, nothing is written. The app's filters
(sidebar) apply to the projects as they were on the chosen date (a status filter selects by the status then).
"""
from __future__ import annotations

import datetime as dt

import streamlit as st
from streamlit_folium import st_folium

from layers import history
from core.vocab import PLAN_DATE
from mapview import assets, basemaps, data, draw, ui
from mapview.filters import as_of_view

c = ui.ctx()
ss = st.session_state


@st.cache_data(show_spinner=False, max_entries=32)
def _as_of(key, date: str) -> dict[str, str]:
    return history.status_as_of(key[0], date)


@st.cache_data(show_spinner=False, max_entries=32)
def _changes(key, date: str):
    return history.changes_since(key[0], date)


st.title("变更与回溯")
ui.notices()
today = dt.date.today()
cols = st.columns(3, vertical_alignment="bottom")
as_of = cols[0].date_input("地图显示的日期（当日状态）", value=today, max_value=today, key="ch_as_of",
                           format="YYYY-MM-DD")
since = cols[1].date_input("自此日期之后的变更", value=max(today - dt.timedelta(days=30), dt.date(2023, 8, 26)),
                           max_value=today, key="ch_since", format="YYYY-MM-DD")
only_changed = cols[2].checkbox("只显示有变更的项目", key="ch_only_changed")

statuses = _as_of(c.key, as_of.isoformat())
changes = _changes(c.key, since.isoformat())
changed = set(changes["project_id"])
view = as_of_view(c.projects, statuses, c.filters)  # statuses of that date first, then the filters
shown = view[view["id"].isin(changed)] if only_changed else view
n_changed = len(set(view["id"]) & changed)
st.caption(f"{as_of.isoformat()} 的状态；规划文本中的状态截至 {PLAN_DATE}。当前筛选的 {len(view)} 个项目中，"
           f"{n_changed} 个在 {since.isoformat()} 之后有变更（状态按生效日期，几何按记录日期）。")

gone = assets.missing()
if gone:
    st.error(f"缺少本地地图脚本，地图无法显示。请运行 `python -m mapview.assets`。缺少：{', '.join(gone)}")
else:
    gcj02 = basemaps.BASEMAPS.get(c.basemap, {}).get("gcj02", False)
    counties = data.county_payload(c.key, gcj02)
    d = draw.project_data(shown, gcj02=gcj02)
    projects = draw.Payload(draw.safe_json(d), len(d["data"]["features"]), None)
    legend = draw.legend_html(shown["status"].value_counts().to_dict(), shown["category"].value_counts().to_dict(),
                              title=f"{as_of.isoformat()} · 共 {len(shown)} 个项目")
    m = draw.build_map(counties, projects, legend, draw.MapOptions(present=c.present),
                       tiles=basemaps.tile_layers(c.basemap, c.token))
    st_folium(m, height=560, use_container_width=True, returned_objects=[], key="ch_map")

st.subheader(f"{since.isoformat()} 之后的变更")
names = dict(zip(c.projects["id"], c.projects["name"]))
visible = set(view["id"])
rows = changes[changes["project_id"].isin(visible)]
if not len(rows):
    st.caption("没有变更记录。")
else:
    kind_zh = {"status": "状态", "geometry": "几何"}
    st.dataframe(rows.assign(
        name=rows["project_id"].map(names), kind=rows["kind"].map(kind_zh),
        old_status=rows["old_status"].map(lambda s: draw.status_label(s) if s else ""),
        new_status=rows["new_status"].map(lambda s: draw.status_label(s) if s else ""),
    )[["date", "name", "kind", "old_status", "new_status", "note", "source", "editor", "project_id"]].rename(columns={
        "date": "日期", "name": "项目", "kind": "类型", "old_status": "原状态", "new_status": "新状态", "note": "说明",
        "source": "来源", "editor": "编辑人", "project_id": "编号"}), hide_index=True, width="stretch")
