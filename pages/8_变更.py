"""变更与回溯: the map "as of" a date (each project's status then) and what changed since a date.

Reads the history tables of the GeoPackage (layers.history); no login needed, nothing is written. The app's filters
(sidebar) apply to the projects as they were on the chosen date (a status filter selects by the status then).
"""
from __future__ import annotations

import datetime as dt

import streamlit as st
from streamlit_folium import st_folium

from core import region
from mapview import assets, changes, maps, ui

c = ui.ctx()
st.title("变更与回溯")
ui.notices()
today = dt.date.today()
cols = st.columns(3, vertical_alignment="bottom")
as_of = cols[0].date_input("地图显示的日期（当日状态）", value=today, max_value=today, key="ch_as_of",
                           format="YYYY-MM-DD")
since = cols[1].date_input("自此日期之后的变更", value=max(today - dt.timedelta(days=30), dt.date(2023, 8, 26)),
                           max_value=today, key="ch_since", format="YYYY-MM-DD")
only_changed = cols[2].checkbox("只显示有变更的项目", key="ch_only_changed")

v = changes.view(c, as_of.isoformat(), since.isoformat(), only_changed)
plan_date = region.current().plan_date
basis = f"规划文本中的状态截至 {plan_date}" if plan_date else "登记表中的状态为各自来源发布时的状态"
st.caption(f"{as_of.isoformat()} 的状态；{basis}。当前筛选的 {len(v.projects)} 个项目中，"
           f"{v.n_changed} 个在 {since.isoformat()} 之后有变更（状态按生效日期，几何按记录日期）。")
if assets.check():
    m = maps.snapshot_map(c, v.shown, f"{as_of.isoformat()} · 共 {len(v.shown)} 个项目")
    st_folium(m, height=560, use_container_width=True, returned_objects=[], key="ch_map")

st.subheader(f"{since.isoformat()} 之后的变更")
if not len(v.table):
    st.caption("没有变更记录。")
else:
    st.dataframe(v.table, hide_index=True, width="stretch")
