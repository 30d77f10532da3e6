"""地图: counties + filtered projects (mapview.mapcomponent). Panning, zooming, hovering and popups never rerun the
script; clicking a county's name filters to it."""
import streamlit as st

from mapview import assets, mapcomponent, meeting, timing, ui
from layers.escape import esc, md

c = ui.ctx()
if not assets.check():
    st.stop()

if c.present:
    top = st.columns([8, 1.3], vertical_alignment="center")
    top[0].markdown(f"# {md(meeting.title(c, ui.APP_TITLE))}")
    top[1].button("退出演示", on_click=ui.exit_present, width="stretch")
    st.html(f"<div style='font-size:1.35rem;margin:-0.4rem 0 0.4rem'>{esc(ui.summary(c, markdown=False))}</div>")
    meeting.stepper(c)
else:  # one element: each Streamlit element on the page delays the map's first draw (the 演示模式 button is on the map)
    st.html(f"<h1 class='pm-title'>{esc(ui.APP_TITLE)}</h1><p class='pm-caption'>"
            f"{esc(ui.summary(c, markdown=False))}。点击项目查看详情，点击县名只看该县；左侧图例即筛选。</p>")
ui.notices()

located = ui.located(c)
if located == "filtered_out":
    st.info(f"要定位的项目“{md(ui.located_name(c))}”不在当前筛选结果中。")
elif located == "shown":
    cols = st.columns([6, 1], vertical_alignment="center")
    cols[0].info(f"已定位：{md(ui.located_name(c))}")
    cols[1].button("取消定位", on_click=ui.clear_locate)
elif located == "unknown":  # e.g. the data was rebuilt since the project was chosen (unknown URL ids are dropped)
    st.warning(f"要定位的项目编号“{md(c.locate)}”不在数据中。", icon="⚠️")
timing.mark("header")
mapcomponent.show(c, height=900 if c.present else 680, fill=c.present)
if len(c.shown) == 0:
    st.warning("当前筛选条件下没有项目。可在左侧放宽条件，或点击“清除全部筛选”。")
