"""The map page end to end: `streamlit run app.py` driven by Debian's chromium with every non-localhost request
aborted."""
import json
import re

import pytest

from benchmarks.synthetic import HOSTILE_NAMES
from layers import store
from tests.e2e.browser import N_SYNTHETIC as N
from tests.e2e.browser import MAP, legend_checkbox, map_frame, streamlit_server, wait_map_drawn

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

# Fixtures (tests/e2e/conftest.py): gpkg (N synthetic projects), server (the app on it), browser_context, page.


def test_map_draws_counties_and_every_project_without_internet(server, page, browser_context):
    page.goto(server + "/")
    projects, counties, renderer = wait_map_drawn(page)
    assert (projects, counties, renderer) == (N, 8, "svg")
    frame = map_frame(page)
    expect(frame.locator(".pm-feature")).to_have_count(N)
    expect(frame.locator(".leaflet-pmCounties-pane path")).to_have_count(8)
    expect(frame.locator(".pm-county-label")).to_have_count(8)
    expect(frame.locator(".pm-county-label", has_text="冠县")).to_be_visible()
    expect(frame.locator(".pm-legend")).to_contain_text(f"共 {N} 个项目")
    assert browser_context.guard.blocked == []  # not even a favicon or font is asked of the internet


def test_a_filter_changes_the_features_shown(server, page, gpkg):
    projects = store.read_projects(gpkg)
    completed = int((projects["status"] == "completed").sum())
    page.goto(server + "/?status=completed")
    assert wait_map_drawn(page)[0] == completed
    expect(map_frame(page).locator(".pm-feature")).to_have_count(completed)
    # The legend-filter in the sidebar: tick 在建 as well.
    legend_checkbox(page, re.compile("^在建")).check()
    both = completed + int((projects["status"] == "under_construction").sum())
    expect(map_frame(page).locator(".pm-feature")).to_have_count(both, timeout=20000)
    expect(page).to_have_url(re.compile(r"status=under_construction(%2C|,)completed"))
    # ticking every status is no status filter at all; unticking the last one too
    for box in [legend_checkbox(page, re.compile(f"^{name}")) for name in ("谋划", "前期工作", "暂缓")]:
        box.check()
        page.wait_for_timeout(300)
    expect(page).not_to_have_url(re.compile(r"status="))
    expect(map_frame(page).locator(".pm-feature")).to_have_count(len(projects), timeout=20000)


def test_the_legend_filter_shows_and_hides_on_the_map_before_the_rerun_answers(server, page, gpkg):
    projects = store.read_projects(gpkg)
    completed, building = (int((projects["status"] == s).sum()) for s in ("completed", "under_construction"))
    page.goto(server + "/?status=completed")
    assert wait_map_drawn(page)[0] == completed
    box = legend_checkbox(page, re.compile("^在建"))
    box.wait_for()
    # the click and the map's count read in one task of the page: no rerun can have answered in between
    click_and_count = ("b => { b.click(); "
                       "return +document.querySelector('[data-pm-projects]').getAttribute('data-pm-projects'); }")
    assert box.evaluate(click_and_count) == completed + building  # ticked: shown at once
    expect(page).to_have_url(re.compile(r"status=under_construction(%2C|,)completed"))  # the rerun agrees
    expect(page.locator(MAP)).to_have_attribute("data-pm-projects", str(completed + building))
    page.wait_for_timeout(500)
    assert box.evaluate(click_and_count) == completed  # unticked: hidden at once
    expect(page).to_have_url(re.compile(r"status=completed$"))
    expect(page.locator(MAP)).to_have_attribute("data-pm-projects", str(completed))


def test_clicking_a_project_opens_its_popup(server, page, gpkg):
    page.goto(server + "/")
    wait_map_drawn(page)
    frame = map_frame(page)
    frame.locator(".pm-point").nth(6).click(force=True)
    popup = frame.locator(".leaflet-popup-content")
    expect(popup).to_be_visible()
    name = popup.locator("h4").inner_text()
    row = store.read_projects(gpkg).set_index("name").loc[name]
    fields = dict(zip(popup.locator("th").all_inner_texts(), popup.locator("td").all_inner_texts()))
    assert fields["牵头单位"] == row["lead_agency"].replace(";", "、") and fields["规划原文"] == row["plan_excerpt"]
    assert "编号" not in fields and fields["规划条目"] == row["plan_section"]  # the code stays out of sight
    for label in ("类别", "状态", "县(市、区)", "配合单位", "目标年份", "位置来源", "位置精度", "位置依据"):
        assert fields[label]


@pytest.mark.parametrize("idx", [0, 1, 2, 3, 4])
def test_malicious_names_are_shown_as_text_and_never_run(server, page, idx):
    page.goto(server + f"/?locate=P{idx:05d}")
    wait_map_drawn(page)
    frame = map_frame(page)
    title = frame.locator(".leaflet-popup-content h4")
    expect(title).to_have_text(HOSTILE_NAMES[idx])
    content = frame.locator(".leaflet-popup-content")
    assert content.locator("script, img, b").count() == 0
    assert content.locator("[onmouseover]").count() == 0
    # A canary of our own through the path an injected handler would take (an image that fails → alert): once its
    # alert has arrived, an alert from markup in the popup, created earlier, would have arrived before it.
    with page.expect_event("dialog") as canary:
        content.evaluate("e => { var i = document.createElement('img'); i.onerror = function () { alert('canary'); };"
                         " i.src = 'data:image/png;base64,AAAA'; }")
    assert canary.value.message == "canary"
    assert page.dialogs == ["canary"]
    assert frame.locator("body").evaluate("() => window.x === undefined")


def test_export_downloads_valid_geojson_of_exactly_the_filter(server, page, gpkg):
    page.goto(server + "/export?status=under_construction")
    button = page.get_by_role("button", name=re.compile("GeoJSON"))
    expect(button).to_be_visible(timeout=20000)
    with page.expect_download() as dl:
        button.click()
    download = dl.value
    assert re.fullmatch(r"聊城项目_\d{4}-\d{2}-\d{2}_status-under_construction\.geojson", download.suggested_filename)
    data = json.loads(open(download.path(), encoding="utf-8").read())
    assert data["type"] == "FeatureCollection" and "crs" not in data
    projects = store.read_projects(gpkg)
    assert {f["properties"]["id"] for f in data["features"]} == \
        set(projects.loc[projects["status"] == "under_construction", "id"])
    for f in data["features"]:
        coords = json.dumps(f["geometry"]["coordinates"])
        nums = [float(x) for x in re.findall(r"-?\d+\.?\d*", coords)]
        assert all(35 < v < 117 for v in nums)


def test_presentation_mode_fills_a_projector_screen(server, browser_context):
    page = browser_context.new_page()
    page.set_viewport_size({"width": 1920, "height": 1080})
    try:
        page.goto(server + "/?mode=present")
        wait_map_drawn(page)
        expect(page.get_by_role("button", name="退出演示")).to_be_visible()
        assert not page.locator('section[data-testid="stSidebar"]').is_visible()
        box = page.locator(MAP).bounding_box()
        assert box["width"] > 1800 and box["height"] > 800
        assert 1080 - 40 < box["y"] + box["height"] <= 1080  # down to the bottom of the screen, not beyond
        label_size = map_frame(page).locator(".pm-county-label span").first.evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)")
        assert label_size >= 20
    finally:
        page.close()


def test_the_maps_presentation_button_enters_presentation_mode_with_the_filters_kept(server, browser_context):
    page = browser_context.new_page()
    try:
        page.goto(server + "/?status=under_construction")
        wait_map_drawn(page)
        expect(page.locator("h1", has_text="重点项目地图")).to_be_visible()
        page.locator(MAP).get_by_role("button", name="演示模式").click()
        expect(page.get_by_role("button", name="退出演示")).to_be_visible(timeout=30000)
        assert "mode=present" in page.url and "status=under_construction" in page.url
        expect(page.locator(MAP).get_by_role("button", name="演示模式")).to_have_count(0)  # not in presentation mode
        page.get_by_role("button", name="退出演示").click()
        expect(page.locator(MAP).get_by_role("button", name="演示模式")).to_be_visible(timeout=30000)
        assert "mode=present" not in page.url
    finally:
        page.close()


def test_a_page_file_url_opened_first_hands_over_to_the_router(gpkg, browser_context):
    # Until app.py has run once, Streamlit also serves pages/ by file name; such a page must not crash.
    with streamlit_server(gpkg) as (base, _proc):
        pg = browser_context.new_page()
        pg.goto(f"{base}/表格")
        wait_map_drawn(pg)
        assert pg.locator('[data-testid="stException"]').count() == 0
        pg.close()


def test_url_values_in_notices_are_text_never_images_or_links(server, page, browser_context):
    from urllib.parse import quote
    image, link = "![x](http://example.invalid/x.png)", "[登录](http://evil.example)"
    page.goto(f"{server}/?county={quote(image)}&q={quote(link)}")
    notice = page.locator('[data-testid="stAlert"]', has_text="无法识别")
    expect(notice).to_be_visible()
    wait_map_drawn(page)
    # A canary image to a blocked host, created after the notice: once its request has been aborted, an image the
    # notice had turned into markup would have been requested (and aborted) before it.
    with page.expect_event("requestfailed", lambda r: "canary.invalid" in r.url):  # aborted: the guard saw it
        notice.evaluate("e => { var i = document.createElement('img'); i.src = 'http://canary.invalid/c.png'; }")
    assert [u for u in browser_context.guard.blocked if "canary.invalid" in u]
    assert not [u for u in browser_context.guard.blocked if "example.invalid" in u]
    assert page.locator('img[src*="example.invalid"], a[href*="evil.example"]').count() == 0
    shown = lambda loc: loc.inner_text().replace("\u2060", "")  # the word joiner that stops autolinks  # noqa: E731
    assert f"链接中的县(市、区)“{image}”无法识别" in shown(notice)
    assert f"搜索：{link}" in shown(page.locator(".pm-caption"))  # the map page's summary line


def test_projects_at_one_place_are_spread_so_each_can_be_clicked(server, page, gpkg):
    from benchmarks.synthetic import STACKED
    page.goto(server + "/")
    wait_map_drawn(page)
    frame = map_frame(page)
    assert frame.locator("[data-pm-stacked]").get_attribute("data-pm-stacked") == "2"
    # where the two markers that share one stored point are drawn, in the map's pixels (again after each popup:
    # opening one may pan the map so that the popup is clear of the legend)
    def spots():
        return frame.locator(".leaflet-container").evaluate("""() => {
          var out = [], map = null;
          window.pmLayers.projects.eachLayer(function (l) {
            map = l._map;
            if (l._pmTrue && !l._pmTrue.equals(l.getLatLng())) { var p = map.latLngToContainerPoint(l.getLatLng());
              out.push([p.x, p.y]); }
          });
          return out; }""")
    first = spots()
    assert len(first) == 2 and abs(first[0][0] - first[1][0]) + abs(first[0][1] - first[1][1]) > 8
    names = store.read_projects(gpkg).set_index("id")["name"]
    seen = set()
    for j in range(2):  # a real mouse click on each (where the map is when it is stable), and on the close button
        x, y = spots()[j]
        frame.locator(".leaflet-container").click(position={"x": x, "y": y})
        title = frame.locator(".leaflet-popup-content h4")
        expect(title).to_be_visible()
        seen.add(title.inner_text())
        frame.locator(".leaflet-popup-close-button").click()  # not under the legend
        expect(frame.locator(".leaflet-popup")).to_have_count(0)
    assert seen == {names[f"P{i:05d}"] for i in STACKED}


def test_hovering_a_project_draws_its_error_radius(server, page, gpkg):
    point = store.read_projects(gpkg).query("id == 'P00005'").iloc[0]
    assert point.geometry.geom_type == "Point"
    page.goto(server + "/?locate=P00005")
    wait_map_drawn(page)
    frame = map_frame(page)
    expect(frame.locator("path.pm-error")).to_have_count(1)  # the open popup shows it
    assert frame.locator("[data-pm-error-radius]").get_attribute("data-pm-error-radius") == \
        str(int(point["precision_m"]))
    frame.locator(".leaflet-popup-close-button").dispatch_event("click")
    expect(frame.locator("path.pm-error")).to_have_count(0)
    line = store.read_projects(gpkg).query("id == 'P00007'").iloc[0]  # a line: its corridor
    page.goto(server + "/?locate=P00007")
    wait_map_drawn(page)
    expect(map_frame(page).locator("path.pm-error")).to_have_count(1)
    assert map_frame(page).locator("[data-pm-error-radius]").get_attribute("data-pm-error-radius") == \
        str(int(line["precision_m"]))
    expect(map_frame(page).locator(".pm-legend")).to_contain_text("误差范围")


def test_the_map_scripts_are_fetched_by_their_content_version(server, page):
    """A planner's browser keeps Leaflet and map.js in its cache: their URLs name their content (?v=), so the
    version after an upgrade is fetched at once. bulk.js is for province-scale data only."""
    page.goto(server + "/")
    wait_map_drawn(page)
    urls = page.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
    for name in ("leaflet.js", "map.js"):
        url = next(u for u in urls if u.split("?")[0].endswith("/" + name))
        assert re.search(r"\?v=[0-9a-f]{12}$", url), url
    assert not [u for u in urls if "bulk.js" in u]
