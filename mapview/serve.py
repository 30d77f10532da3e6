"""Start the app: `python -m mapview.serve [streamlit options]` is `streamlit run app.py [options]`, with one thing
decided up front.

app.py is a router (st.navigation) and `pages/` is its folder of page scripts. Streamlit, finding a `pages/` folder
next to the script, treats the app as an old-style multipage app (pages known by file name) until st.navigation has
run once in this server. So the first visit after a start that asks for a sub-page (a shared link to /table) met
Streamlit's English "Page not found" dialog. Telling Streamlit before the first session that this app navigates
itself avoids it. (`streamlit run app.py` still works, with that one dialog.)

It also imports the app's modules and reads the default region's map data (mapview.data.warm) while the server
starts, so the first visit does not wait for them.
"""
from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app.py"


def _preload() -> None:
    """Import what every page run needs (Streamlit's elements, our mapview modules) once the server's runtime is up
    (before, Streamlit's configuration would be read ahead of the command line's options); quietly — outside a
    session Streamlit warns that there is no script context."""
    import logging

    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner_utils import script_run_context

    while not Runtime.exists():
        time.sleep(0.05)
    quiet = logging.getLogger(script_run_context.__name__)
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        import mapview.mapcomponent, mapview.meeting, mapview.timing, mapview.ui  # noqa: E401, F401
        import PIL.Image, PIL.ImageDraw  # noqa: E401, F401  the page icon (ui.favicon; Streamlit's image code)
        from mapview import data
        data.warm()
    finally:
        quiet.setLevel(level)


def main(argv: list[str] | None = None) -> None:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False  # what st.navigation itself sets on its first run
    sys.path.insert(0, str(APP.parent))
    threading.Thread(target=_preload, name="preload", daemon=True).start()
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
