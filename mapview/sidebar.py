"""The sidebar every page shares: the region (when more than one is configured), search, the legend-filter (status and category with their samples and counts),
county / agency / year choices, the basemap, presentation mode and the link to share."""
from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from core import region, regions
from mapview import basemaps, urlstate
from layers.filter_url import share_query
from layers.filters import Q_MAX_CHARS, Filters, facets, label
from mapview.legendfilter import legend_filter

if TYPE_CHECKING:
    from mapview.ui import Context

__all__ = ["sidebar"]

SHOWN = "pm_sidebar_shown"  # session: the widgets have been shown (or the map drawn) once; they wait no more
BASEMAP_HELP = ("默认无底图，断网也能完整显示。天地图需配置密钥(TIANDITU_TOKEN)。高德底图为 GCJ-02，"
                "显示时项目自动偏移，导出数据始终为 WGS84。")


def _multi(name: str, title: str, options: list[str], counts: dict[str, int], f: Filters) -> None:
    st.session_state[f"w_{name}"] = list(getattr(f, name))
    st.multiselect(title, options, key=f"w_{name}", on_change=urlstate.on_multi, args=(name,),
                   format_func=lambda v: f"{label(name, v)}（{counts.get(v, 0)}）", placeholder="全部")


def _filters(c: Context) -> None:
    f = c.filters
    st.session_state.w_q = f.q
    st.text_input("搜索项目名称或别名", key="w_q", on_change=urlstate.on_q, placeholder="如：徒骇河、高铁",
                  max_chars=Q_MAX_CHARS)
    counts = facets(c.rows, f)
    present_cats = {v for v in c.rows.distinct("category") if v} | set(f.category)
    cats = [k for k in c.options.category if k in present_cats]
    legend_filter([("status", "状态", "（图例即筛选，数字为项目数）", c.options.status, counts["status"]),
                   ("category", "类别", "", cats, counts["category"])], f)
    _multi("county", "县(市、区)", c.options.county, counts["county"], f)
    _multi("agency", "牵头单位", c.options.agency, counts["agency"], f)
    _multi("year", "目标年份", c.options.year, counts["year"], f)
    st.button("清除全部筛选", on_click=urlstate.on_clear, disabled=f.is_empty() and not c.locate, width="stretch")


def _region() -> None:
    """The region picker: the cities of config/regions/ by their Chinese names; only when there is a choice."""
    keys = sorted(regions.available(), key=lambda k: (k != region.DEFAULT, k))  # the default region first
    if len(keys) < 2:
        return
    st.session_state.w_region = region.current().key
    st.selectbox("地区", keys, key="w_region", on_change=urlstate.on_region,
                 format_func=lambda k: region.get(k).name_zh, help="每个地区有自己的项目登记表和县(市、区)")


def _display(c: Context) -> None:
    ss = st.session_state
    keys = basemaps.available(c.token)
    ss.w_basemap = c.basemap if c.basemap in keys else "none"
    st.selectbox("底图", keys, key="w_basemap", on_change=urlstate.on_basemap,
                 format_func=lambda k: basemaps.BASEMAPS[k].label, help=BASEMAP_HELP)
    ss.w_present = c.present
    st.toggle("演示模式(投影用)", key="w_present", on_change=urlstate.on_present)


def sidebar(c: Context) -> None:
    with st.sidebar:
        if c.sidebar_later:  # the map first; its first draw reruns the script with the widgets
            st.caption("筛选条件加载中…")
            return
        st.session_state[SHOWN] = True
        _region()
        _filters(c)
        st.divider()
        _display(c)
        link = share_query(c.filters)
        if link:
            st.caption("当前筛选的链接参数（可复制分享）：")
            st.code(link, language=None)
