"""编辑: record status changes and geometry corrections. Needs an editor login; the presentation view never edits.

The login is mapview.login; the tabs are mapview.editing (every write through the store, nothing overwritten).
"""
from __future__ import annotations

import streamlit as st

from core import fields
from layers import order
from layers.escape import md
from mapview import data, editing, login, meeting, ui

c = ui.ctx()
ss = st.session_state
st.title("编辑项目")

if c.present or ss.get("pm_present") or st.query_params.get("mode") == "present":
    st.info("演示模式下不能编辑。请退出演示模式后再编辑。")
    st.stop()

secrets = ui.secrets()
editor = login.current_editor(secrets)
if editor is None:
    login.login_form(secrets)
    st.stop()

top = st.columns([6, 1], vertical_alignment="center")
top[0].caption(f"已登录：{md(editor.label)}。每条记录都会写明编辑人；记录不会被覆盖，可随时查看和恢复。")
top[1].button("退出登录", on_click=st.logout if editor.via == "oidc" else login.logout)

counties, projects = data.geo(c.key)  # the geometry tabs draw and check geometries
labels = {r.id: f"{r.name}（{fields.display('county', r.county) or '跨县'}）"  # the code stays out of sight
          for r in sorted(projects.itertuples(), key=lambda r: order.name_key(r.name))}  # 拼音顺序, as the table
if not labels:
    st.warning("GeoPackage 中没有项目。")
    st.stop()
pid = st.selectbox("项目", list(labels), format_func=lambda k: labels.get(k, k), key="ed_project",
                   index=list(labels).index(c.locate) if c.locate in labels else 0)
row = projects[projects["id"] == pid].iloc[0]
st.markdown(editing.project_line(row))
for msg in ss.pop("ed_flash", []):
    st.success(md(msg))

tab_status, tab_geom, tab_verify, tab_hist, tab_views = st.tabs(["状态变更", "修正几何", "位置核实", "几何历史与恢复",
                                                                 "会议视图"])
with tab_status:
    editing.status_tab(c.store, row, editor)
with tab_geom:
    editing.geometry_tab(c.store, row, editor, counties)
with tab_verify:
    editing.verify_tab(c.store, row, editor)
with tab_hist:
    editing.history_tab(c.store, row, editor, counties)
with tab_views:
    meeting.views_tab(c, editor)
