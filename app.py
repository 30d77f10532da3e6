"""The project map — entry point: `python -m mapview.serve` (what ./run.sh runs; `streamlit run app.py` works too).

A router (st.navigation): shared set-up (data, filters in session + URL, legend-filter sidebar) runs first, then the
chosen page from `pages/`. Every `pages/*.py` is listed, so pages added later (e.g. editing) appear by themselves.

Errors: a core.errors.UserError (bad input: a file, a URL value, a form) is shown with st.error in Chinese; anything
else is a bug — a short Chinese notice for the reader and the traceback in the log, never on the page.
"""
import logging
import re
from pathlib import Path

import streamlit as st

from core.errors import UserError
from mapview import timing, ui

log = logging.getLogger("projectmap")
BUG_NOTICE = "抱歉，页面出错了，未能显示。错误详情已记入日志，请联系管理员。"

PAGES_DIR = Path(__file__).resolve().parent / "pages"
KNOWN = {  # file stem → (title, icon, url path)
    "0_地图": ("地图", ":material/map:", "map"),
    "1_表格": ("项目表", ":material/table_rows:", "table"),
    "2_统计": ("统计", ":material/bar_chart:", "stats"),
    "3_导出": ("导出", ":material/download:", "export"),
    "4_关于数据": ("关于数据", ":material/info:", "about"),
    "5_待核实": ("待核实", ":material/fact_check:", "verify"),
    "8_变更": ("变更与回溯", ":material/history:", "changes"),
    "9_编辑": ("编辑", ":material/edit:", "edit"),
}


def _page(path: Path) -> st.Page:
    title, icon, url = KNOWN.get(path.stem, (re.sub(r"^\d+_", "", path.stem), None, None))
    kwargs = {"title": title, "default": path.stem == "0_地图"}
    # No page icons: Streamlit uses the active page's icon as favicon and fetches ':material/…:' ones from
    # fonts.gstatic.com — a request that fails offline. The favicon is drawn locally (ui.favicon).
    if url:
        kwargs["url_path"] = url
    return st.Page(path, **kwargs)


def run(nav) -> None:
    """The shared set-up, the page, then the sidebar (after the page: the map reaches the browser first; the
    sidebar is its own container, so its place does not change); a UserError is a message, any other error a
    notice (and a log entry)."""
    try:
        c = ui.setup()
        timing.mark("setup")
        try:
            nav.run()
        finally:  # also after st.stop() in a page
            timing.mark("page")
            ui.sidebar(c)
    except UserError as err:
        st.error(err.zh)
    except Exception:  # a bug: the reader gets a notice, the log gets the traceback
        log.exception("page %r failed", nav.title)
        st.error(BUG_NOTICE)


pages = [_page(p) for p in sorted(PAGES_DIR.glob("*.py")) if not p.name.startswith("_")]
with timing.run(lambda: nav.title):
    nav = st.navigation(pages, position="sidebar")
    run(nav)
