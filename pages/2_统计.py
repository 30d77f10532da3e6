"""统计: projects by county × status and category × status (charts + tables) for the current filter."""
import streamlit as st

from mapview import stats, ui
from mapview.tables import fitting_height

c = ui.ctx()
st.title("统计")
st.caption(ui.summary(c) + "。“全市”为市级统筹项目。")
ui.notices()

if c.filtered.empty:
    st.warning("当前筛选条件下没有项目。")
    st.stop()

st.html(stats.LAYOUT_CSS)
with st.container(key="pm_stats"):
    for title, table, y, note in stats.sections(c.filtered):
        st.subheader(title, anchor=False)
        cols = st.columns([3, 2])
        cols[0].altair_chart(stats.chart(table, y), width="stretch")
        cols[1].dataframe(table, width="stretch", height=fitting_height(table), placeholder="")
        if note:
            cols[1].caption(note)
