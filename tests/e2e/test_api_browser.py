"""The HTML pages of `python -m layers api` in an offline chromium: the items map draws with the local Leaflet,
nothing is requested from elsewhere, and hostile project names stay text (no script runs, in the table or a popup)."""
import pytest

from tests.test_api import start, stop


@pytest.fixture(scope="module")
def api_server(gpkg):
    proc, base = start(gpkg)
    yield base
    stop(proc)


def test_items_page_draws_its_features_offline(api_server, page, browser_context):
    page.goto(api_server + "/collections/projects/items?f=html&limit=30")
    drawn = page.locator("#items-map[data-api-drawn]")
    drawn.wait_for(state="attached", timeout=30000)
    assert int(drawn.get_attribute("data-api-drawn")) == 30
    assert page.locator("table tr").count() == 31  # a header and a row per feature
    page.locator("#items-map .leaflet-interactive").first.click(force=True)
    page.locator(".leaflet-popup-content").wait_for(timeout=10000)
    assert page.evaluate("typeof L") == "object"
    assert page.dialogs == [], "a name ran as script"
    assert page.locator("table script, table img").count() == 0
    assert page.locator("table td", has_text="<script>alert(1)</script>示范工程").count() == 1  # shown as text
    assert browser_context.guard.blocked == []


def test_every_page_opens_offline(api_server, page, browser_context):
    for path in ("/", "/collections", "/collections/projects", "/collections/counties/items",
                 "/collections/projects/items/P00001", "/conformance", "/openapi"):
        response = page.goto(api_server + path + "?f=html")
        assert response.status == 200, path
    assert page.dialogs == []
    assert browser_context.guard.blocked == []
