"""项目表: the filtered projects, sortable and searchable, with "locate on map"."""
import pandas as pd
import streamlit as st

from core.vocab import CATEGORIES, PRECISIONS, STATUSES
from mapview import ui
from mapview.draw import md, precision_text

c = ui.ctx()
st.title("项目表")
st.caption(ui.summary(c) + "。点击表头排序；表格右上角的放大镜可在表内搜索；选中一行后可在地图上定位。")
ui.notices()

f = c.filtered
table = pd.DataFrame({
    "编号": f["id"],
    "项目名称": f["name"],
    "类别": f["category"].map(lambda v: CATEGORIES.get(v, v)),
    "状态": f["status"].map(lambda v: STATUSES[v][0] if v in STATUSES else v),
    "县(市、区)": f["county"].fillna("").str.replace(";", "、"),
    "牵头单位": f["lead_agency"],
    "配合单位": f["support_agencies"].fillna("").str.replace(";", "、"),
    "目标年份": f["target_year"],
    "规划条目": f["plan_section"],
    "位置精度": [precision_text(p, m) for p, m in zip(f["precision"], f["precision_m"])],
    "位置来源": f["geom_source"],
    "别名": f["aliases"].fillna("").str.replace(";", "、"),
}).reset_index(drop=True)

event = st.dataframe(table, hide_index=True, width="stretch", height=560, on_select="rerun",
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
