"""Fixtures for the browser tests: one synthetic GeoPackage and one app server on it per session; an offline
chromium per module."""
import os

import pytest

from benchmarks.synthetic import write_gpkg
from tests.e2e.browser import CHROMIUM, N_SYNTHETIC, offline_browser, streamlit_server

pytest.importorskip("playwright")
from playwright.sync_api import sync_playwright  # noqa: E402


@pytest.fixture(scope="session")
def gpkg(tmp_path_factory):
    """A synthetic GeoPackage of N_SYNTHETIC projects (the first ones with hostile names). Read-only."""
    return write_gpkg(tmp_path_factory.mktemp("e2e") / "projects.gpkg", n=N_SYNTHETIC)


@pytest.fixture(scope="session")
def server(gpkg):
    """Base URL of `streamlit run app.py` on `gpkg`."""
    with streamlit_server(gpkg) as (base, _proc):
        yield base


@pytest.fixture(scope="module")
def browser_context():
    """Debian's chromium with every request that does not go to this machine refused (ctx.guard.blocked). Per
    module: Playwright's sync API cannot run while another test starts its own."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} missing: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as p, offline_browser(p, (1600, 1000)) as ctx:
        yield ctx


@pytest.fixture
def page(browser_context):
    """A new tab; its dialogs (alert…) are dismissed and their messages kept in page.dialogs."""
    pg = browser_context.new_page()
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    yield pg
    pg.close()
