"""项目表: the filtered projects, sortable and searchable, with "locate on map"."""
import streamlit as st

from mapview import tables, ui
from layers.escape import md

c = ui.ctx()
st.title("项目表")
st.caption(ui.summary(c) + "。点击表头排序；表格右上角的放大镜可在表内搜索；选中一行后可在地图上定位。")
ui.notices()

table = tables.project_table(c.filtered)
event = st.dataframe(table, hide_index=True, width="stretch", height=tables.fitting_height(table), on_select="rerun",
                     selection_mode="single-row", key="pm_table",
                     column_config={"目标年份": st.column_config.NumberColumn(format="%d")})
rows = event.selection.rows if event and event.selection else []
if rows:
    sel = table.iloc[rows[0]]
    cols = st.columns([4, 1], vertical_alignment="center")
    cols[0].markdown(f"已选：**{md(sel['项目名称'])}**（{md(sel['编号'])}）")
    if cols[1].button("在地图上定位", type="primary", width="stretch"):
        st.session_state.pm_locate = str(sel["编号"])
        st.switch_page("pages/0_地图.py")
else:
    st.caption("提示：勾选表格左侧的选择框以选中项目。")
