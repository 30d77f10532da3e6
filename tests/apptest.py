"""The app under streamlit.testing (AppTest), opened as a browser opens it."""
from __future__ import annotations

import html
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from mapview.sidebar import SHOWN

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def app_test(timeout: float = 60) -> AppTest:
    """app.py in a session whose map has reported its first draw. In a browser the map sends the trigger "drawn"
    (mapview.mapcomponent), which AppTest cannot; without it a session's first open leaves out the sidebar's widgets."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.session_state[SHOWN] = True
    return at


def map_header(at) -> tuple[str, str] | None:
    """The map page's title and summary line as text (one st.html element: pages/0_地图.py), or None."""
    for h in at.html:
        m = re.search(r"<h1 class='pm-title'>(.*?)</h1><p class='pm-caption'>(.*?)</p>", h.value, re.S)
        if m:
            return html.unescape(m[1]), html.unescape(m[2])
    return None


def page_title(at) -> str:
    """The title of the page shown: the map page's header, else the page's st.title."""
    head = map_header(at)
    return head[0] if head else at.title[0].value


def shown_summary(at) -> str:
    """'显示 n / N 个项目…': the map page's header line, else the page's caption that starts so."""
    head = map_header(at)
    return head[1] if head else next(c.value for c in at.caption if c.value.startswith("显示"))
