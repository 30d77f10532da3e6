"""Streamlit glue shared by every page: data loading, filter state (session + URL), the legend-filter sidebar,
presentation mode. Pages call `ctx()` to get the current, filtered data.

Filter state: the canonical value is `st.session_state["pm_filters"]` (a `Filters`); widgets are initialised from
it on every run and write back through callbacks, so the state survives page switches. The URL mirrors it
(`?status=…&county=…`); a fresh session (opening a link) reads it, unknown values give a visible notice.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import streamlit as st

from layers import safe_write, store, styles
from core.vocab import CATEGORIES, STATUSES
from mapview import basemaps, data
from mapview.draw import esc, md
from mapview.filters import (PARAM_NAMES, Q_MAX_CHARS, Filters, Options, apply, clean_search, describe, facet_counts,
                             label, options_from, parse_query, share_query, shown, to_query)

APP_TITLE = "聊城市 2023—2025 年重点项目地图"
OTHER_PARAMS = ("mode", "basemap", "locate")  # URL keys besides the filters


@dataclass
class Context:
    path: Path
    key: tuple
    counties: gpd.GeoDataFrame
    projects: gpd.GeoDataFrame
    filtered: gpd.GeoDataFrame
    filters: Filters
    options: Options
    present: bool
    basemap: str
    token: str | None
    locate: str | None


@st.cache_resource
def favicon():
    """Drawn here: a ':material/…:' or emoji page icon makes Streamlit fetch the favicon from the internet."""
    from PIL import Image, ImageDraw
    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.ellipse((8, 4, 56, 52), fill=(180, 95, 6, 255))
    d.polygon([(14, 38), (50, 38), (32, 62)], fill=(180, 95, 6, 255))
    d.ellipse((22, 18, 42, 38), fill=(255, 255, 255, 255))
    return img


def _secrets():
    try:
        return st.secrets
    except Exception:
        return None


def _url_params() -> dict[str, list[str]]:
    qp = st.query_params
    return {k: qp.get_all(k) for k in qp.keys()}


def _init_from_url(opts: Options, token: str | None, ids) -> None:
    """First run of a session: the URL is the source of truth."""
    ss = st.session_state
    params = _url_params()
    f, notices = parse_query(params, opts)
    mode = (params.get("mode") or [""])[-1]
    if mode and mode not in ("present", "normal"):
        notices.append(f"链接中的显示模式“{shown(mode)}”无法识别，已忽略。")
    bm = (params.get("basemap") or ["none"])[-1]
    if bm not in basemaps.available(token):
        notices.append(f"链接中的底图“{shown(bm)}”不可用，已改用无底图。" if bm in basemaps.BASEMAPS
                       else f"链接中的底图“{shown(bm)}”无法识别，已忽略。")
        bm = "none"
    ss.pm_filters = f
    ss.pm_notices = notices
    ss.pm_present = mode == "present"
    ss.pm_basemap = bm
    locate = (params.get("locate") or [None])[-1]
    if locate is not None and locate not in ids:
        notices.append(f"链接中要定位的项目编号“{shown(locate)}”不存在，已忽略。")
        locate = None
    ss.pm_locate = locate


def _write_url(ctx_filters: Filters) -> None:
    ss = st.session_state
    want = to_query(ctx_filters)
    if ss.pm_present:
        want["mode"] = "present"
    if ss.pm_basemap != "none":
        want["basemap"] = ss.pm_basemap
    if ss.get("pm_locate"):
        want["locate"] = ss.pm_locate
    qp = st.query_params
    for k in list(qp.keys()):
        if k in PARAM_NAMES + OTHER_PARAMS and k not in want:
            del qp[k]
    for k, v in want.items():
        if qp.get(k) != v or len(qp.get_all(k)) != 1:
            qp[k] = v


# ---- widget callbacks -------------------------------------------------------------------------------------------

def _set_filters(**changes) -> None:
    st.session_state.pm_filters = replace(st.session_state.pm_filters, **changes)
    st.session_state.pm_notices = []


def _on_legend(name: str, codes: list[str]) -> None:
    ss = st.session_state
    checked = tuple(c for c in codes if ss.get(f"w_{name}_{c}"))
    if len(checked) == len(codes) or not checked:
        checked = ()  # all shown (unchecking the last one resets rather than leaving an empty map)
    _set_filters(**{name: checked})


def _on_multi(name: str) -> None:
    _set_filters(**{name: tuple(st.session_state[f"w_{name}"])})


def _on_q() -> None:
    q, cut = clean_search(st.session_state.w_q)
    _set_filters(q=q)
    st.session_state.pm_notices = [cut] if cut else []


def _on_clear() -> None:
    st.session_state.pm_filters = Filters()
    st.session_state.pm_notices = []
    st.session_state.pm_locate = None


def _on_present() -> None:
    st.session_state.pm_present = bool(st.session_state.w_present)


def _on_basemap() -> None:
    st.session_state.pm_basemap = st.session_state.w_basemap


def exit_present() -> None:
    st.session_state.pm_present = False


def enter_present() -> None:
    st.session_state.pm_present = True


# ---- sidebar --------------------------------------------------------------------------------------------------

def _status_swatch(code: str) -> str:
    s = styles.feature_style("", code, "exact")
    dash = f' stroke-dasharray="{s["dashArray"]}"' if s.get("dashArray") else ""
    return (f'<svg width="30" height="22" role="img" aria-label="{esc(label("status", code))}">'
            f'<line x1="1" y1="11" x2="29" y2="11" stroke="#333" stroke-width="{min(s["weight"], 5)}"{dash}/></svg>')


def _category_swatch(code: str) -> str:
    return (f'<svg width="30" height="22" role="img" aria-label="{esc(label("category", code))}">'
            f'<rect x="4" y="4" width="22" height="14" rx="3" fill="{esc(styles.color(code))}"/></svg>')


def _legend_group(name: str, codes: list[str], counts: dict[str, int], swatch, f: Filters) -> None:
    ss = st.session_state
    selected = getattr(f, name)
    for c in codes:
        ss[f"w_{name}_{c}"] = (not selected) or c in selected
    for c in codes:
        col1, col2 = st.columns([1, 6], gap="small", vertical_alignment="center")
        col1.markdown(swatch(c), unsafe_allow_html=True)
        col2.checkbox(f"{label(name, c)}（{counts.get(c, 0)}）", key=f"w_{name}_{c}",
                      on_change=_on_legend, args=(name, codes))


def _multi(name: str, title: str, options: list[str], counts: dict[str, int], f: Filters) -> None:
    ss = st.session_state
    ss[f"w_{name}"] = list(getattr(f, name))
    st.multiselect(title, options, key=f"w_{name}", on_change=_on_multi, args=(name,),
                   format_func=lambda v: f"{label(name, v)}（{counts.get(v, 0)}）", placeholder="全部")


def sidebar(c: Context) -> None:
    ss = st.session_state
    f = c.filters
    with st.sidebar:
        ss.w_q = f.q
        st.text_input("搜索项目名称或别名", key="w_q", on_change=_on_q, placeholder="如：徒骇河、高铁",
                      max_chars=Q_MAX_CHARS)
        st.markdown("**状态**（图例即筛选，数字为项目数）")
        _legend_group("status", c.options.status, facet_counts(c.projects, f, "status"), _status_swatch, f)
        cat_counts = facet_counts(c.projects, f, "category")
        present_cats = set(c.projects["category"].dropna()) | set(f.category)
        cats = [k for k in c.options.category if k in present_cats]
        st.markdown("**类别**")
        _legend_group("category", cats, cat_counts, _category_swatch, f)
        _multi("county", "县(市、区)", c.options.county, facet_counts(c.projects, f, "county"), f)
        _multi("agency", "牵头单位", c.options.agency, facet_counts(c.projects, f, "agency"), f)
        _multi("year", "目标年份", c.options.year, facet_counts(c.projects, f, "year"), f)
        st.button("清除全部筛选", on_click=_on_clear, disabled=f.is_empty() and not c.locate, width="stretch")
        st.divider()
        keys = basemaps.available(c.token)
        ss.w_basemap = c.basemap if c.basemap in keys else "none"
        st.selectbox("底图", keys, key="w_basemap", on_change=_on_basemap,
                     format_func=lambda k: basemaps.BASEMAPS[k]["label"],
                     help="默认无底图，断网也能完整显示。天地图需配置密钥(TIANDITU_TOKEN)。高德底图为 GCJ-02，"
                          "显示时项目自动偏移，导出数据始终为 WGS84。")
        ss.w_present = c.present
        st.toggle("演示模式(投影用)", key="w_present", on_change=_on_present)
        link = share_query(f)
        if link:
            st.caption("当前筛选的链接参数（可复制分享）：")
            st.code(link, language=None)


BASE_CSS = """
<style>
.block-container, [data-testid="stMainBlockContainer"] { padding-top: 2.2rem !important; }
section[data-testid="stSidebar"] [data-testid="stCheckbox"] { min-height: 0; }
iframe[title="streamlit_folium.st_folium"] { height: max(520px, calc(100vh - 190px)) !important; }
section[data-testid="stSidebar"] [data-testid="stVerticalBlock"] { gap: 0.45rem; }
</style>
"""

PRESENT_CSS = """
<style>
section[data-testid="stSidebar"], div[data-testid="stSidebarCollapsedControl"], [data-testid="stSidebarNav"],
header[data-testid="stHeader"], [data-testid="stToolbar"] { display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] { padding: 0.6rem 1.2rem 0 1.2rem !important; max-width: 100% !important; }
iframe[title="streamlit_folium.st_folium"] { height: calc(100vh - 96px) !important; }
h1 { font-size: 2.1rem !important; padding: 0 !important; }
</style>
"""


def notices() -> None:
    """The notices as plain text: they repeat values from the URL, which must not become links or images."""
    for n in st.session_state.get("pm_notices", []):
        st.warning(md(n), icon="⚠️")


def summary(c: Context, markdown: bool = True) -> str:
    """'显示 n / N 个项目（filters）'. Markdown-safe by default (for st.caption); markdown=False gives plain text."""
    d = describe(c.filters, md if markdown else str)
    base = f"显示 {len(c.filtered)} / {len(c.projects)} 个项目"
    return f"{base}（{d}）" if d else base


def setup() -> Context:
    """Run once per script run (by the router in app.py) before the page itself."""
    ss = st.session_state
    present = bool(ss.get("pm_present", st.query_params.get("mode") == "present"))
    st.set_page_config(page_title="聊城项目地图", page_icon=favicon(), layout="wide",
                       initial_sidebar_state="collapsed" if present else "expanded")
    path = store.gpkg_path()
    if not path.exists():
        st.error(f"未找到数据文件 {path}。请先运行 `python -m layers build` 生成 GeoPackage，"
                 "或用环境变量 PROJECTMAP_GPKG 指定文件。")
        st.stop()
    try:
        key = data.file_key(path)
        counties, projects = data.load(key)
    except safe_write.WriteError as e:  # e.g. a writer was killed and its journal cannot be rolled back here
        st.error(md(str(e)))
        st.stop()
    opts = options_from(projects)
    token = basemaps.tianditu_token(_secrets())
    if "pm_filters" not in ss:
        _init_from_url(opts, token, set(projects["id"]))
    present = bool(ss.pm_present)
    f = ss.pm_filters
    c = Context(path=path, key=key, counties=counties, projects=projects, filtered=apply(projects, f),
                filters=f, options=opts, present=present, basemap=ss.pm_basemap, token=token,
                locate=ss.get("pm_locate"))
    sidebar(c)
    st.markdown(PRESENT_CSS if present else BASE_CSS, unsafe_allow_html=True)
    _write_url(f)
    ss.pm_ctx = c
    return c


def ctx() -> Context:
    """The context computed by the router for this run (pages call this)."""
    c = st.session_state.get("pm_ctx")
    if c is None:
        # A page file opened by its own URL (Streamlit lists pages/ until app.py has run once in a session):
        # hand over to the router, which sets up data and filters and then shows its pages.
        st.switch_page("app.py")
    return c


def log_run(page: str, t0: float) -> None:
    """Benchmarks: append this run's duration to $PROJECTMAP_RUNLOG (nothing happens when it is unset)."""
    target = os.environ.get("PROJECTMAP_RUNLOG")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"page": page, "start": t0, "seconds": time.perf_counter() - t0,
                                 "wall": time.time()}) + "\n")
