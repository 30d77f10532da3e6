"""A second region in the browser (issue 11 item 5): ``?region=heze`` draws 菏泽's counties and projects, the map
fits 菏泽's counties, and clicking a county's name filters to it and keeps the region in the URL."""
import re

import pytest

from core import region
from layers import store
from layers.build import build
from tests.e2e.browser import map_frame, wait_map_drawn

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402


@pytest.fixture(scope="module")
def heze_gpkg():
    """菏泽's own GeoPackage (scripts/setup.sh builds it; so does this, once, when it is missing)."""
    path = region.get("heze").gpkg
    if not path.exists():
        build(region="heze")
    return path


def test_region_heze_draws_and_fits_its_counties(server, page, heze_gpkg, browser_context):
    counties, projects = store.read_counties(heze_gpkg), store.read_projects(heze_gpkg)
    page.goto(server + "/?region=heze")
    assert wait_map_drawn(page) == (len(projects), 9, "svg")
    expect(page.get_by_role("heading", name="菏泽市 2023—2025 年重点项目地图")).to_be_visible()
    frame = map_frame(page)
    expect(frame.locator(".pm-county-label", has_text="东明县")).to_be_visible()
    expect(frame.locator(".pm-county-label", has_text="冠县")).to_have_count(0)
    view = frame.locator("body").evaluate(
        "() => { const b = window.pmLayers.projects._map.getBounds();"
        " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }")
    x0, y0, x1, y1 = counties.total_bounds
    assert view[0] <= x0 and view[1] <= y0 and view[2] >= x1 and view[3] >= y1  # every county on screen
    assert (view[2] - view[0]) < 3 * (x1 - x0) or (view[3] - view[1]) < 3 * (y1 - y0)  # fitted, not the whole 山东
    assert browser_context.guard.blocked == []


def test_clicking_a_heze_county_filters_to_it_in_that_region(server, page, heze_gpkg):
    page.goto(server + "/?region=heze")
    total, _, _ = wait_map_drawn(page)
    frame = map_frame(page)
    frame.locator(".pm-county-label span", has_text="曹县").click()
    expect(page).to_have_url(re.compile(r"county=%E6%9B%B9%E5%8E%BF"))  # 曹县
    expect(page).to_have_url(re.compile(r"region=heze"))
    expect(frame.locator("[data-pm-projects]")).to_have_attribute("data-pm-projects", "2")
    expect(page.get_by_text(re.compile(r"县\(市、区\)：曹县"))).to_be_visible()


def test_two_sessions_of_one_server_show_two_regions(server, browser_context, heze_gpkg):
    """Each session's script runs in its own thread with its own region: a county click in one never reads the
    other's counties."""
    heze, liaocheng = browser_context.new_page(), browser_context.new_page()
    try:
        heze.goto(server + "/?region=heze")
        liaocheng.goto(server + "/")
        wait_map_drawn(heze), wait_map_drawn(liaocheng)
        map_frame(heze).locator(".pm-county-label span", has_text="曹县").click()
        map_frame(liaocheng).locator(".pm-county-label span", has_text="冠县").click()
        expect(heze).to_have_url(re.compile(r"region=heze.*county=%E6%9B%B9%E5%8E%BF|county=%E6%9B%B9%E5%8E%BF.*region=heze"))
        expect(liaocheng).to_have_url(re.compile(r"county=%E5%86%A0%E5%8E%BF"))  # 冠县
        assert "region=" not in liaocheng.url
        expect(heze.get_by_role("heading", name="菏泽市 2023—2025 年重点项目地图")).to_be_visible()
        expect(liaocheng.get_by_role("heading", name="聊城市 2023—2025 年重点项目地图")).to_be_visible()
        expect(map_frame(heze).locator("[data-pm-projects]")).to_have_attribute("data-pm-projects", "2")
    finally:
        heze.close()
        liaocheng.close()
