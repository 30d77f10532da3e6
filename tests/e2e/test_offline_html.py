"""The single-file offline map opened from disk (file://) with every network request aborted: every feature is
drawn, popups open, the legend filters, the search filters, Chinese is drawn."""
import re

import pytest

from layers import offline_html, store
from tests.e2e.browser import CHROMIUM_ARGS, CHROMIUM, Offline

pytest.importorskip("playwright")
from playwright.sync_api import expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def html_file(shipped, tmp_path_factory):
    projects, counties = store.read_projects(shipped[0]), store.read_counties(shipped[0])
    data = offline_html.to_bytes(projects, counties, title="聊城市重点项目（离线）", note="全部项目")
    path = tmp_path_factory.mktemp("usb") / "map.html"
    path.write_bytes(data)
    return path, len(projects), len(data)


@pytest.fixture(scope="module")
def page(html_file):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
        guard = Offline()
        context.route("**/*", lambda route: guard(route) if not route.request.url.startswith("file:") else
                      route.continue_())
        pg = context.new_page()
        requests = []
        pg.on("request", lambda r: requests.append(r.url))
        pg.goto(html_file[0].as_uri())
        pg.guard, pg.requests = guard, requests
        yield pg
        browser.close()


def test_the_file_is_small_enough_for_a_usb_stick_and_asks_nothing_of_the_network(html_file, page):
    assert html_file[2] <= 2 * 1024 * 1024
    expect(page.locator("[data-pm-projects]")).to_have_attribute("data-pm-projects", str(html_file[1]))
    assert page.guard.blocked == []
    assert [u for u in page.requests if not u.startswith(("file:", "data:"))] == []


def test_every_feature_is_drawn_and_a_popup_opens(html_file, page):
    expect(page.locator(".pm-feature")).to_have_count(html_file[1])
    expect(page.locator(".pm-county-label", has_text="冠县")).to_be_visible()
    page.locator(".pm-point").first.click(force=True)
    expect(page.locator(".leaflet-popup-content h4")).to_be_visible()
    assert "位置依据" in page.locator(".leaflet-popup-content").inner_text()
    page.keyboard.press("Escape")


def test_the_legend_and_the_search_filter_the_map(html_file, page):
    shown = page.locator("[data-pm-shown]")
    row = page.locator(".pm-legend .pm-row[data-status]", has_text="在建")
    n_built = int(row.locator("b").inner_text())
    row.click()
    expect(shown).to_have_attribute("data-pm-shown", str(html_file[1] - n_built))
    row.click()
    expect(shown).to_have_attribute("data-pm-shown", str(html_file[1]))
    page.fill("#pm-search", "高铁")
    expect(shown).to_have_attribute("data-pm-shown", re.compile(r"^[12]$"))
    page.fill("#pm-search", "")
    expect(shown).to_have_attribute("data-pm-shown", str(html_file[1]))
