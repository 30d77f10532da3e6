"""统计: projects by county × status and category × status (charts + tables) for the current filter."""
import streamlit as st

from mapview import ui
from mapview.stats import by_category_status, by_county_status, chart

c = ui.ctx()
st.title("统计")
st.caption(ui.summary(c) + "。跨县项目计入所涉每个县；“全市”为市级统筹项目。")
ui.notices()

if c.filtered.empty:
    st.warning("当前筛选条件下没有项目。")
    st.stop()

for title, table, y in (("按县(市、区)与状态", by_county_status(c.filtered), "县(市、区)"),
                        ("按类别与状态", by_category_status(c.filtered), "类别")):
    st.subheader(title)
    cols = st.columns([3, 2])
    cols[0].altair_chart(chart(table, y, title), width="stretch")
    cols[1].dataframe(table, width="stretch")
