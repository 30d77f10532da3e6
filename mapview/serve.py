"""Start the app: `python -m mapview.serve [streamlit options]` is `streamlit run app.py [options]`, with one thing
decided up front.

app.py is a router (st.navigation) and `pages/` is its folder of page scripts. Streamlit, finding a `pages/` folder
next to the script, treats the app as an old-style multipage app (pages known by file name) until st.navigation has
run once in this server. So the first visit after a start that asks for a sub-page (a shared link to /table) met
Streamlit's English "Page not found" dialog. Telling Streamlit before the first session that this app navigates
itself avoids it. (`streamlit run app.py` still works, with that one dialog.)
"""
from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app.py"


def main(argv: list[str] | None = None) -> None:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False  # what st.navigation itself sets on its first run
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
