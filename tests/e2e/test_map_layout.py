"""The map at the screen sizes planners use — a projector (1920×1080, presentation mode), a desktop (1600×1000), a
tablet (1180×820), an old laptop (1024×768) and a phone (390×844): the legend's last entry and an open popup's
title are inside the visible map; the legend folds away. Also: a status filter draws no feature in another
status's line pattern, and clicking a county's name filters to that county and zooms to it."""
import re

import pytest
from playwright.sync_api import expect

from layers.symbols import STATUS_SYMBOLS
from tests.e2e.browser import MAP, map_frame, offline_browser, streamlit_server, wait_map_drawn

pytest.importorskip("playwright")
from playwright.sync_api import sync_playwright  # noqa: E402

SIZES = [((1920, 1080), "?mode=present"), ((1600, 1000), ""), ((1180, 820), ""), ((1024, 768), ""), ((390, 844), "")]


@pytest.fixture(scope="module")
def playwright():
    """One Playwright for the module (the sizes need their own browsers; conftest's `page` would start another)."""
    with sync_playwright() as p:
        yield p


@pytest.fixture
def page(playwright):
    with offline_browser(playwright, (1600, 1000)) as ctx:
        yield ctx.new_page()


def _visible_map(page):
    """The part of the map inside the window, in page coordinates (x0, y0, x1, y1)."""
    frame_box = page.locator(MAP).bounding_box()
    vw, vh = page.viewport_size["width"], page.viewport_size["height"]
    return (max(frame_box["x"], 0), max(frame_box["y"], 0), min(frame_box["x"] + frame_box["width"], vw),
            min(frame_box["y"] + frame_box["height"], vh))


def _inside(box, area, what):
    x0, y0, x1, y1 = area
    assert box is not None, f"{what} not shown"
    assert box["x"] >= x0 - 1 and box["y"] >= y0 - 1 and box["x"] + box["width"] <= x1 + 1 \
        and box["y"] + box["height"] <= y1 + 1, f"{what} {box} outside the visible map {area}"


@pytest.mark.parametrize("size,query", SIZES, ids=lambda v: "x".join(map(str, v)) if isinstance(v, tuple) else v)
def test_legend_and_popup_fit_in_the_visible_map(server, playwright, size, query):
    with offline_browser(playwright, size) as ctx:
        page = ctx.new_page()
        page.goto(server + "/" + query)
        wait_map_drawn(page)
        frame = map_frame(page)
        page.locator(MAP).scroll_into_view_if_needed()
        legend = frame.locator(".pm-legend")
        toggle = frame.locator(".pm-legend-toggle")
        narrow = page.locator(MAP).bounding_box()["width"] < 640
        expect(toggle).to_have_attribute("aria-expanded", "false" if narrow else "true")  # folded on a small map
        if narrow:
            toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        area = _visible_map(page)
        last = legend.locator(".pm-row").last
        last.scroll_into_view_if_needed()  # the legend scrolls inside the map when it is taller than the map
        _inside(last.bounding_box(), area, "the legend's last entry")
        # folding works: the body goes, the heading stays
        toggle.click()
        expect(legend.locator(".pm-legend-body")).to_be_hidden()
        toggle.click()
        # a popup of the project furthest to the right (where the legend is) opens clear of the map's edges
        points = frame.locator(".pm-point")
        lb = legend.bounding_box()
        under_legend = lambda b: b["x"] + b["width"] > lb["x"] and b["y"] + b["height"] > lb["y"]  # noqa: E731
        boxes = [points.nth(i).bounding_box() for i in range(points.count())]
        right = max((b for b in boxes if b and area[0] < b["x"] < area[2] - 20 and area[1] < b["y"] < area[3] - 20
                     and not under_legend(b)), key=lambda b: b["x"])
        page.mouse.click(right["x"] + right["width"] / 2, right["y"] + right["height"] / 2)
        title = frame.locator(".leaflet-popup .pm-popup h4")
        expect(title).to_be_visible()
        page.wait_for_timeout(600)  # the popup's pan
        _inside(title.bounding_box(), _visible_map(page), "the popup's title")
        ctx.guard.blocked == [] or pytest.fail(f"requests left the machine: {ctx.guard.blocked}")


def test_a_status_filter_draws_no_feature_in_another_status_pattern(server, page):
    page.goto(server + "/?status=under_construction")
    n, _, _ = wait_map_drawn(page)
    assert n > 0
    frame = map_frame(page)
    dashes = frame.locator("path.pm-feature").evaluate_all("els => els.map(e => e.getAttribute('stroke-dasharray'))")
    other = {s["dash"] for code, s in STATUS_SYMBOLS.items() if code != "under_construction" and s["dash"]}
    own = STATUS_SYMBOLS["under_construction"]["dash"] or None
    assert dashes, "no line or area drawn"
    assert not set(dashes) & other
    assert set(dashes) == {own}
    # the markers are solid like the legend's 在建: not hollow (white) as 谋划, not half-filled as 前期工作
    fills = frame.locator(".pm-marker svg path").evaluate_all("els => els.map(e => e.getAttribute('fill'))")
    assert fills and not [f for f in fills if f in ("none", "#ffffff") or f.startswith("url(")]


def test_clicking_a_county_name_filters_to_it_and_zooms(server, page):
    page.goto(server + "/")
    total, _, _ = wait_map_drawn(page)
    frame = map_frame(page)
    zoom = lambda: float(frame.locator("body").evaluate("() => window.pmLayers.projects._map.getZoom()"))  # noqa
    before = zoom()
    frame.locator(".pm-county-label span", has_text="莘县").click()
    expect(page).to_have_url(re.compile(r"county=%E8%8E%98%E5%8E%BF"))
    expect(frame.locator("[data-pm-projects]")).not_to_have_attribute("data-pm-projects", str(total))
    assert zoom() > before
    expect(page.get_by_text(re.compile(r"县\(市、区\)：莘县"))).to_be_visible()
    # clicking it again shows every county
    frame.locator(".pm-county-label span", has_text="莘县").click()
    expect(frame.locator("[data-pm-projects]")).to_have_attribute("data-pm-projects", str(total))


def test_the_map_legend_hides_a_category_at_once_and_the_page_never_reruns(gpkg, playwright, tmp_path):
    """Clicking a row of the map's own legend only hides what it stands for: no rerun of the page (as panning,
    zooming, hovering and popups); clicking again shows it."""
    log = tmp_path / "runs.jsonl"
    with streamlit_server(gpkg, env={"PROJECTMAP_RUNLOG": str(log)}) as (base, _), \
            offline_browser(playwright, (1600, 1000)) as ctx:
        page = ctx.new_page()
        page.goto(base + "/")
        total, _, _ = wait_map_drawn(page)
        frame = map_frame(page)
        page.wait_for_timeout(1500)
        runs = len(log.read_text().splitlines())
        row = frame.locator(".pm-legend .pm-row[data-status]").first
        n = int(row.locator("b").inner_text())
        row.click()
        expect(frame.locator("[data-pm-projects]")).to_have_attribute("data-pm-projects", str(total - n))
        row.click()
        expect(frame.locator("[data-pm-projects]")).to_have_attribute("data-pm-projects", str(total))
        frame.locator(".pm-point").first.hover(force=True)
        frame.locator(".pm-point").first.click(force=True)
        page.mouse.wheel(0, -300)
        page.wait_for_timeout(1500)
        assert len(log.read_text().splitlines()) == runs


FIRST_SEEN = """() => {  // when the projects and the sidebar's search box first appear (performance.now())
  const seen = window.pmSeen = {};
  const look = () => {
    if (!seen.map && document.querySelector("[data-pm-projects]")) { seen.map = performance.now(); }
    if (!seen.sidebar && document.querySelector("[data-testid=stSidebar] input[type=text]")) {
      seen.sidebar = performance.now();
    }
  };
  new MutationObserver(look).observe(document, {childList: true, subtree: true, attributes: true});
}"""


def test_a_first_open_draws_the_map_before_the_sidebar_which_follows_without_a_click(gpkg, playwright, tmp_path):
    """A session's first open leaves the sidebar's widgets out (rendering them would hold up the map); the map's first
    draw reruns the page once, which brings them and keeps the map as drawn."""
    log = tmp_path / "runs.jsonl"
    with streamlit_server(gpkg, env={"PROJECTMAP_RUNLOG": str(log)}) as (base, _), \
            offline_browser(playwright, (1600, 1000)) as ctx:
        page = ctx.new_page()
        page.add_init_script(f"({FIRST_SEEN})()")
        page.goto(base + "/")
        wait_map_drawn(page)
        page.evaluate("() => { document.querySelector('.pm-map').pmState.map.pmProbe = 1; }")
        expect(page.get_by_role("textbox", name="搜索项目名称或别名")).to_be_visible()
        expect(page.get_by_text("筛选条件加载中…")).to_have_count(0)
        seen = page.evaluate("() => window.pmSeen")
        assert seen["map"] < seen["sidebar"], seen
        assert page.evaluate("() => document.querySelector('.pm-map').pmState.map.pmProbe") == 1  # not redrawn
        page.wait_for_timeout(1000)
        assert len(log.read_text().splitlines()) == 2  # the open and the map's report, nothing else
