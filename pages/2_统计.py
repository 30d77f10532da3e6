"""统计: projects by county × status and category × status (charts + tables) for the current filter."""
import altair as alt
import pandas as pd
import streamlit as st

from core.vocab import STATUSES
from mapview import ui
from mapview.stats import STATUS_ORDER, by_category_status, by_county_status

c = ui.ctx()
st.title("统计")
st.caption(ui.summary(c) + "。跨县项目计入所涉每个县；“全市”为市级统筹项目。")
ui.notices()

if c.filtered.empty:
    st.warning("当前筛选条件下没有项目。")
    st.stop()

status_labels = [STATUSES[s][0] for s in STATUS_ORDER]
palette = ["#bdbdbd", "#f6b26b", "#e06666", "#6aa84f", "#999999"]


def chart(long: pd.DataFrame, y: str, title: str):
    return (alt.Chart(long, title=title).mark_bar()
            .encode(y=alt.Y(f"{y}:N", sort=None, title=None),
                    x=alt.X("项目数:Q", title="项目数"),
                    color=alt.Color("状态:N", scale=alt.Scale(domain=status_labels, range=palette),
                                    legend=alt.Legend(orient="top", title=None)),
                    order=alt.Order("序:Q"),
                    tooltip=[y, "状态", "项目数"])
            .properties(height=alt.Step(26)))


for title, table, y in (("按县(市、区)与状态", by_county_status(c.filtered), "县(市、区)"),
                        ("按类别与状态", by_category_status(c.filtered), "类别")):
    st.subheader(title)
    long = table.drop(columns="合计").reset_index().melt(id_vars=y, var_name="状态", value_name="项目数")
    long = long[(long["项目数"] > 0) & (long[y] != "合计")]
    long["序"] = long["状态"].map({s: i for i, s in enumerate(status_labels)})
    cols = st.columns([3, 2])
    cols[0].altair_chart(chart(long, y, title), width="stretch")
    cols[1].dataframe(table, width="stretch")
