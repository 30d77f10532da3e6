"""Streamlit glue shared by every page: data loading, the filter state (mapview.urlstate), the legend-filter
sidebar (mapview.sidebar), presentation mode. The router (app.py) calls `setup()`; pages call `ctx()` to get the
current, filtered data.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from core import region
from core.errors import UserError
from layers import freshness, store
from mapview import assets, basemaps, data, timing, urlstate
from layers.escape import md
from layers.filters import Filters, Options, apply, describe
from layers.records import Records
from mapview.sidebar import sidebar  # the router draws it after the page
from mapview.urlstate import clear_locate, enter_present, exit_present  # noqa: F401  (pages' button callbacks)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["APP_TITLE", "Context", "app_title", "clear_locate", "ctx", "enter_present", "exit_present", "located", "located_name", "notices",
           "setup", "sidebar", "summary"]



def app_title() -> str:
    """The app's title for the current region (urlstate.choose_region): '聊城市 2023—2025 年重点项目地图'."""
    return f"{region.current().name_zh} 2023—2025 年重点项目地图"


def __getattr__(name: str):  # ui.APP_TITLE: the current region's title (pages read it as an attribute)
    if name == "APP_TITLE":
        return app_title()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class Context:
    """One run's data and state. The map page uses only the light `rows`/`shown` (layers.records, no pandas);
    `projects`/`filtered` are the same as pandas DataFrames for the pages with tables, statistics and exports."""
    path: Path | None  # the GeoPackage; None on PostGIS (the store: `store`)
    key: tuple
    counties: list[str]  # names (geometries: data.geo(key))
    rows: Records  # every project's stored fields, no geometry (data.geo_of(key, frame) adds them)
    shown: Records  # the rows that pass the filter
    filters: Filters
    options: Options
    present: bool
    basemap: str
    token: str | None
    locate: str | None
    view: str | None = None  # the meeting view shown (layers.views), while its filters are unchanged
    bbox: tuple | None = None  # that view's map extent
    sidebar_later: bool = False  # the sidebar's widgets wait for the map's first draw (mapview.mapcomponent)

    @cached_property
    def store(self):
        """The layers.stores Store shown (writes, histories, views)."""
        return data.store(self.key)

    @cached_property
    def projects(self) -> pd.DataFrame:
        return data.frame(self.key)

    @cached_property
    def filtered(self) -> pd.DataFrame:
        return apply(self.projects, self.filters)


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


def secrets():
    """st.secrets, or None when the app has no secrets file (pages pass it to layers.editors and basemaps)."""
    try:
        s = st.secrets
        s.to_dict()  # raises when there is no secrets file at all (the error class differs between versions)
        return s
    except Exception:
        return None


@lru_cache(maxsize=2)
def _css(name: str) -> str:
    return "<style>\n" + (assets.STATIC_DIR / "pm" / name).read_text(encoding="utf-8") + "</style>"


def notices() -> None:
    """The notices as plain text: they repeat values from the URL, which must not become links or images."""
    for n in st.session_state.get("pm_notices", []):
        st.warning(md(n), icon="⚠️")


def summary(c: Context, markdown: bool = True) -> str:
    """'显示 n / N 个项目（filters）'. Markdown-safe by default (for st.caption); markdown=False gives plain text."""
    d = describe(c.filters, md if markdown else str)
    base = f"显示 {len(c.shown)} / {len(c.rows)} 个项目"
    return f"{base}（{d}）" if d else base


def located(c: Context) -> str | None:
    """Where the project to locate is: None (none chosen), 'shown', 'filtered_out' or 'unknown' (not in the data)."""
    if not c.locate:
        return None
    if c.locate not in c.rows["id"]:
        return "unknown"
    return "shown" if c.locate in c.shown["id"] else "filtered_out"


def located_name(c: Context) -> str:
    return str(c.rows.value("id", c.locate, "name"))


def _load_or_stop(src: str):
    path = Path(src)
    if not data.is_db(src) and not path.exists():
        build = "python -m layers build" + ("" if region.current().key == region.DEFAULT else
                                            f" --region {region.current().key}")
        st.error(f"未找到数据文件 {path}。请先运行 `{build}` 生成 GeoPackage，"
                 "或用环境变量 PROJECTMAP_GPKG 指定文件。")
        st.stop()
    try:
        key = data.key_of(src)  # a GeoPackage's identity, or a PostGIS store's change counter
        return (key, *data.attributes(key))
    except UserError as e:  # e.g. a writer was killed and its journal cannot be rolled back here
        st.error(md(str(e)))
        st.stop()


def setup() -> Context:
    """Run once per script run (by the router in app.py) before the page itself."""
    ss = st.session_state
    present = bool(ss.get("pm_present", st.query_params.get("mode") == "present"))
    here = urlstate.choose_region()  # ?region=… (first run) or the sidebar's choice; current for this run
    st.set_page_config(page_title=f"{here.name_zh.removesuffix('市')}项目地图", page_icon=favicon(), layout="wide",
                       initial_sidebar_state="collapsed" if present else "auto")  # auto: folded on a phone
    src = data.source()  # $PROJECTMAP_DB (PostGIS) or the region's GeoPackage
    key, counties, rows = _load_or_stop(src)
    path = None if data.is_db(src) else Path(src)
    timing.mark("data")
    opts = data.options(key)
    token = basemaps.tianditu_token(secrets())
    if "pm_filters" not in ss:
        urlstate.init_from_url(opts, token, set(rows["id"]))
    f = ss.pm_filters
    c = Context(path=path, key=key, counties=counties, rows=rows, shown=apply(rows, f),
                filters=f, options=opts, present=bool(ss.pm_present), basemap=ss.pm_basemap, token=token,
                locate=ss.get("pm_locate"), view=ss.get("pm_view"), bbox=ss.get("pm_bbox"))
    if path is not None:
        _stale_notice(path)
    st.html(_css("present.css" if c.present else "page.css"))  # style only: added to the page, no element box
    urlstate.write_url(f)
    ss.pm_ctx = c
    return c


def _stale_notice(path: Path) -> None:
    stale = freshness.stale_inputs(path)
    here = region.current()
    built_here = store.DEFAULT_GPKG if here.key == region.DEFAULT else here.gpkg  # not a file given by hand
    if stale and Path(path) == built_here:
        names = "、".join(p.name for p in stale[:3]) + ("等" if len(stale) > 3 else "")
        command = "build" if here.key == region.DEFAULT else f"build --region {here.key}"
        st.info(f"数据文件 {md(names)} 在 GeoPackage 生成之后有改动，地图显示的还是旧数据。请运行 "
                f"`.venv/bin/python -m layers {command}` 重建，然后刷新页面。", icon="ℹ️")


def ctx() -> Context:
    """The context computed by the router for this run (pages call this)."""
    c = st.session_state.get("pm_ctx")
    if c is None:
        # A page file opened by its own URL (Streamlit lists pages/ until app.py has run once in a session):
        # hand over to the router, which sets up data and filters and then shows its pages.
        st.switch_page("app.py")
    return c

