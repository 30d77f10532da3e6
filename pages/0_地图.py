"""地图: counties + filtered projects. Panning/zooming never reruns the script (returned_objects=[])."""
import streamlit as st
from streamlit_folium import st_folium

from mapview import assets, basemaps, data, draw, ui

c = ui.ctx()
gone = assets.missing()
if gone:
    st.error("缺少本地地图脚本(Leaflet)，地图无法显示。请在项目目录运行：`python -m mapview.assets`"
             f"（需要 npm，只需联网一次）。缺少：{', '.join(gone)}")
    st.stop()

if c.present:
    top = st.columns([8, 1.3], vertical_alignment="center")
    top[0].markdown(f"# {ui.APP_TITLE}")
    top[1].button("退出演示", on_click=ui.exit_present, width="stretch")
    st.markdown(f"<div style='font-size:1.35rem;margin:-0.4rem 0 0.4rem'>{draw.esc(ui.summary(c, markdown=False))}</div>",
                unsafe_allow_html=True)
else:
    head = st.columns([8, 1.4], vertical_alignment="bottom")
    head[0].title(ui.APP_TITLE)
    head[1].button("演示模式", on_click=ui.enter_present, width="stretch", help="全屏地图、大字号图例，适合投影")
    st.caption(ui.summary(c) + "。点击项目查看详情；左侧图例即筛选。")
ui.notices()

gcj02 = basemaps.BASEMAPS.get(c.basemap, {}).get("gcj02", False)
counties = data.county_payload(c.key, gcj02)
projects = data.project_payload(c.key, c.filters, gcj02)
if c.locate:
    row = c.projects[c.projects["id"] == c.locate]
    if len(row) and not len(c.filtered[c.filtered["id"] == c.locate]):
        st.info(f"要定位的项目“{draw.md(row.iloc[0]['name'])}”不在当前筛选结果中。")
    elif len(row):
        cols = st.columns([6, 1], vertical_alignment="center")
        cols[0].info(f"已定位：{draw.md(row.iloc[0]['name'])}")
        cols[1].button("取消定位", on_click=lambda: st.session_state.update(pm_locate=None))
    else:  # e.g. the data was rebuilt since the project was chosen (unknown ids from the URL are dropped in ui)
        st.warning(f"要定位的项目编号“{draw.md(c.locate)}”不在数据中。", icon="⚠️")
legend = draw.legend_html(c.filtered["status"].value_counts().to_dict(),
                          c.filtered["category"].value_counts().to_dict(),
                          title=f"共 {len(c.filtered)} 个项目")
m = draw.build_map(counties, projects, legend,
                   draw.MapOptions(present=c.present, locate=c.locate),
                   tiles=basemaps.tile_layers(c.basemap, c.token))
st_folium(m, height=900 if c.present else 680, use_container_width=True, returned_objects=[], key="pm_map")
if len(c.filtered) == 0:
    st.warning("当前筛选条件下没有项目。可在左侧放宽条件，或点击“清除全部筛选”。")
