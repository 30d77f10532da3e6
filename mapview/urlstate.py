"""The filter state of a session and its mirror in the URL.

The canonical value is `st.session_state["pm_filters"]` (a `Filters`); widgets are initialised from it on every run
and write back through the callbacks here, so the state survives page switches. The URL mirrors it
(`?status=…&county=…`); a fresh session (opening a link) reads it, unknown values give a visible notice.

The region (`?region=heze`, a file of config/regions/) is read first, once per session (`choose_region`), and is
made the current region (core.region) at the start of every run: it decides the GeoPackage, the counties and the
title. A value that is not a region file's name is a notice and the default region; it never reaches a path.
"""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qsl

import streamlit as st

from core import region, regions
from core.regions import Region
from mapview import basemaps, data
from layers.filter_url import parse_query, shown, to_query
from layers.filters import PARAM_NAMES, Filters, Options, clean_search

__all__ = ["OTHER_PARAMS", "choose_region", "enter_present", "exit_present", "go_view", "init_from_url", "write_url"]

OTHER_PARAMS = ("mode", "basemap", "locate", "view", "region")  # URL keys besides the filters


def _url_params() -> dict[str, list[str]]:
    qp = st.query_params
    return {k: qp.get_all(k) for k in qp.keys()}


def _basemap_from_url(params: dict, token: str | None, notices: list[str]) -> str:
    bm = (params.get("basemap") or ["none"])[-1]
    if bm not in basemaps.available(token):
        notices.append(f"链接中的底图“{shown(bm)}”不可用，已改用无底图。" if bm in basemaps.BASEMAPS
                       else f"链接中的底图“{shown(bm)}”无法识别，已忽略。")
        bm = "none"
    return bm


def _session_region() -> str | None:
    """The region key of the session whose script thread asks (None outside a script run)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    return st.session_state.get("pm_region")


region.resolve_with(_session_region)  # a widget's callback runs before setup(): it gets the session's region too


def choose_region() -> Region:
    """The session's region, made current for this run: the one chosen in the sidebar, else (first run) the
    URL's ``region``; a value that names no region file gives a notice (shown by init_from_url) and the default."""
    ss = st.session_state
    if ss.get("pm_region") not in regions.available():
        raw = (_url_params().get("region") or [region.DEFAULT])[-1]
        ss.pm_region, ss.pm_region_notice = raw, None
        if raw not in regions.available():  # only names of config/regions/*.toml: no path, no dots
            ss.pm_region = region.DEFAULT
            ss.pm_region_notice = (f"链接中的地区“{shown(raw)}”无法识别，已显示{region.get(region.DEFAULT).name_zh}。"
                                   f"可选：{'、'.join(region.get(k).name_zh for k in regions.available())}。")
    return region.activate(ss.pm_region)


def init_from_url(opts: Options, token: str | None, ids) -> None:
    """First run of a session: the URL is the source of truth."""
    ss = st.session_state
    params = _url_params()
    f, notices = parse_query(params, opts)
    if ss.get("pm_region_notice"):
        notices.insert(0, ss.pm_region_notice)
    mode = (params.get("mode") or [""])[-1]
    if mode and mode not in ("present", "normal"):
        notices.append(f"链接中的显示模式“{shown(mode)}”无法识别，已忽略。")
    ss.pm_filters = f
    ss.pm_notices = notices
    ss.pm_present = mode == "present"
    ss.pm_basemap = _basemap_from_url(params, token, notices)
    locate = (params.get("locate") or [None])[-1]
    if locate is not None and locate not in ids:
        notices.append(f"链接中要定位的项目编号“{shown(locate)}”不存在，已忽略。")
        locate = None
    ss.pm_locate = locate
    ss.pm_view = None
    view = (params.get("view") or [None])[-1]
    if view is not None and not go_view(view, opts, token):
        notices.append(f"链接中的会议视图“{shown(view)}”不存在，已忽略。")


def go_view(name: str, opts: Options | None = None, token: str | None = None) -> bool:
    """Show a saved meeting view (layers.views): its filters, basemap and extent. False if there is none."""
    ss = st.session_state
    found = [v for v in data.list_views(data.source()) if v.name == name]
    if not found:
        return False
    v = found[0]
    c = ss.get("pm_ctx")
    f, _ = parse_query(dict(parse_qsl(v.query)), opts or (c.options if c else Options()))
    ss.pm_filters, ss.pm_view, ss.pm_bbox, ss.pm_notices = f, v.name, v.bbox, []
    if v.basemap in basemaps.available(token if token is not None else (c.token if c else None)):
        ss.pm_basemap = v.basemap
    return True


def write_url(f: Filters) -> None:
    """Make the URL say what the session shows (filters, mode, basemap, located project)."""
    ss = st.session_state
    want = to_query(f)
    if ss.pm_present:
        want["mode"] = "present"
    if ss.pm_basemap != "none":
        want["basemap"] = ss.pm_basemap
    if ss.get("pm_locate"):
        want["locate"] = ss.pm_locate
    if ss.get("pm_view"):
        want["view"] = ss.pm_view
    if ss.get("pm_region", region.DEFAULT) != region.DEFAULT:
        want["region"] = ss.pm_region
    qp = st.query_params
    for k in list(qp.keys()):
        if k in PARAM_NAMES + OTHER_PARAMS and k not in want:
            del qp[k]
    for k, v in want.items():
        if qp.get(k) != v or len(qp.get_all(k)) != 1:
            qp[k] = v


# ---- widget callbacks: each writes the session state the next run reads ---------------------------------------

def set_filters(**changes) -> None:
    st.session_state.pm_filters = replace(st.session_state.pm_filters, **changes)
    st.session_state.pm_notices = []
    st.session_state.pm_view = st.session_state.pm_bbox = None  # the map no longer shows the saved view


def on_legend(name: str, codes: list[str]) -> None:
    ss = st.session_state
    checked = tuple(c for c in codes if ss.get(f"w_{name}_{c}"))
    if len(checked) == len(codes) or not checked:
        checked = ()  # all shown (unchecking the last one resets rather than leaving an empty map)
    set_filters(**{name: checked})


def on_multi(name: str) -> None:
    set_filters(**{name: tuple(st.session_state[f"w_{name}"])})


def on_q() -> None:
    q, cut = clean_search(st.session_state.w_q)
    set_filters(q=q)
    st.session_state.pm_notices = [cut] if cut else []


def on_clear() -> None:
    st.session_state.pm_view = st.session_state.pm_bbox = None
    st.session_state.pm_filters = Filters()
    st.session_state.pm_notices = []
    st.session_state.pm_locate = None


def on_region() -> None:
    """Another region: its own data, so the filters, the located project and the saved view start afresh."""
    ss = st.session_state
    ss.pm_region, ss.pm_region_notice = ss.w_region, None
    on_clear()


def on_present() -> None:
    st.session_state.pm_present = bool(st.session_state.w_present)


def on_basemap() -> None:
    st.session_state.pm_basemap = st.session_state.w_basemap


def exit_present() -> None:
    st.session_state.pm_present = False


def enter_present() -> None:
    st.session_state.pm_present = True


def clear_locate() -> None:
    st.session_state.pm_locate = None
