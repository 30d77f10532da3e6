"""项目表: the filtered projects, searchable, sortable, whole or by county, with "locate on map"."""
import streamlit as st

from mapview import tables, ui
from layers.escape import md

c = ui.ctx()
st.title("项目表")
st.caption(ui.summary(c) + "。按县(市、区)、再按项目名称拼音排列；点击表头可改为按该列排序。选中一行后可在地图上定位。")
ui.notices()

grouped = tables.search_and_group(c.filters.q)
sel = tables.project_tables(c.filtered, grouped)
if sel is not None:
    cols = st.columns([4, 1], vertical_alignment="center")
    cols[0].markdown(f"已选：**{md(sel['项目名称'])}**（{md(sel['县(市、区)'])}）")
    if cols[1].button("在地图上定位", type="primary", width="stretch"):
        st.session_state.pm_locate = str(sel["编号"])
        st.switch_page("pages/0_地图.py")
else:
    st.caption("提示：勾选表格左侧的选择框以选中项目。")
