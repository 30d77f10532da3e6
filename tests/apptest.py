"""The app under streamlit.testing (AppTest), opened as a browser opens it."""
from __future__ import annotations

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
