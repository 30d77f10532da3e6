"""The app on the shipped data for the browser tests of the table, statistics and about pages."""
from contextlib import contextmanager

from playwright.sync_api import expect

from tests.e2e.browser import streamlit_server


@contextmanager
def started(gpkg, context):
    """`streamlit run app.py` on `gpkg`, visited once at its root: until app.py has run once after a start,
    Streamlit knows the pages only by file name (tests/e2e/test_visible_text.py tests that first visit apart).
    Yields the base URL."""
    with streamlit_server(gpkg) as (base, _proc):
        page = context.new_page()
        page.goto(base + "/")
        expect(page.get_by_role("link", name="项目表")).to_be_attached(timeout=30000)  # the router's page list
        page.close()
        yield base
