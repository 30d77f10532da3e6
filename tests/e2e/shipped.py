"""The app on the shipped data for the browser tests of the table, statistics and about pages."""
from contextlib import contextmanager

from playwright.sync_api import expect

from tests.e2e.browser import streamlit_server


@contextmanager
def started(gpkg, context):
    """The app on `gpkg`, visited once at its root (the server's caches warm). Yields the base URL."""
    with streamlit_server(gpkg) as (base, _proc):
        page = context.new_page()
        page.goto(base + "/")
        expect(page.get_by_role("link", name="项目表")).to_be_attached(timeout=30000)  # the router's page list
        page.close()
        yield base
